"""The schema of a profile's ``[[rewards]]`` rules, in one place: every kind's keys with their
types, bounds, defaults and meanings.

Three readers use it: the profile loader validates each table against it (so a bad rule fails
when the profile loads, naming the field), :mod:`screen_agent.reward` builds the rules from the
validated values (defaults filled in), and the app's reward editor makes one typed widget per
key from it (bounds, defaults, tooltips). A new key is added here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from screen_agent.profile.checks import Checker, join


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()
"""The default of a key a table must give."""


@dataclass(frozen=True)
class Key:
    """One key of a rule's table.

    ``type`` is one of ``int``, ``float``, ``bool``, ``choice``, ``colour`` (``[r, g, b]``),
    ``interval`` (``[min, max]`` within ``span``), ``string`` or ``table`` (a nested table
    with its own :attr:`table` schema). A ``default`` of None makes the key optional with no
    value (the rule then does without it).
    """

    name: str
    type: str
    label: str
    """A short name for the app's form."""
    tip: str
    """What it means, with its unit."""
    default: Any = REQUIRED
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None
    """Strict lower bound."""
    unit: str = ""
    """Shown after numbers in messages and spin boxes (``grabs``, ``s``)."""
    choices: Mapping[str, str] = field(default_factory=dict)
    """For ``choice``: each allowed value and what it does."""
    span: tuple[float, float] = (0.0, 1.0)
    """For ``interval``: the range both ends must lie in."""
    step: float = 1.0
    """The app's spin-box step."""
    decimals: int = 0
    """The app's spin-box decimals."""
    table: TableSchema | None = None
    """For ``table``: the nested table's schema."""
    example: str = ""
    """An example value, as TOML: what the app starts a key with that has no default."""


@dataclass(frozen=True)
class TableSchema:
    """The keys a table takes.

    ``variant`` names a ``choice`` key whose value adds the keys of ``variants[value]``
    (a digits table's ``style``). ``alternatives`` are groups of keys of which a table uses
    exactly one group, told by the group's first key (a range rule measures a colour's
    ``fraction`` with ``colour`` and ``tolerance``, or the grey ``intensity``).
    """

    keys: tuple[Key, ...]
    variant: str | None = None
    variants: Mapping[str, tuple[Key, ...]] = field(default_factory=dict)
    alternatives: tuple[tuple[str, ...], ...] = ()

    def key(self, name: str) -> Key:
        for key in self.all_keys():
            if key.name == name:
                return key
        raise KeyError(name)

    def all_keys(self) -> tuple[Key, ...]:
        extra = tuple(k for keys in self.variants.values() for k in keys)
        return self.keys + extra

    def excluded_by(self, name: str) -> tuple[str, ...]:
        """Keys that setting ``name`` must remove (those of the other alternatives)."""
        for group in self.alternatives:
            if name == group[0] or name in group:
                return tuple(k for other in self.alternatives if other != group for k in other)
        return ()

    def needed_by(self, name: str) -> tuple[str, ...]:
        """Keys without a default that setting ``name`` (an alternative's first key) needs."""
        for group in self.alternatives:
            if name == group[0]:
                return tuple(k for k in group[1:] if self.key(k).default is REQUIRED)
        return ()


@dataclass(frozen=True)
class Kind:
    """One rule kind: its own keys, what it fires on, and the defaults of the common keys."""

    name: str
    fires_when: str
    schema: TableSchema
    reward: float
    """``reward`` when the table leaves it out."""
    game_over: bool
    """``game_over`` when the table leaves it out."""
    new_rule: Mapping[str, Any]
    """What a rule of this kind starts with in the app."""


@dataclass(frozen=True)
class RuleSpec:
    """A validated ``[[rewards]]`` table, with every default filled in."""

    index: int
    """Its position in ``[[rewards]]`` (messages say ``rewards[index]``)."""
    kind: str
    region: str
    reward: float
    game_over: bool
    values: Mapping[str, Any]
    """The kind's own keys (nested tables as dicts), defaults filled in; an optional key
    without a value is None."""

    @property
    def where(self) -> str:
        return f"rewards[{self.index}]"

    @property
    def name(self) -> str:
        """How plots and messages call it: ``rewards[0] (digits on score)``."""
        return f"{self.where} ({self.kind} on {self.region})"


SETTLE = Key(
    "settle_frames",
    "int",
    "Settle",
    "grabs in a row the condition must hold before it counts (1 = at once)",
    2,
    minimum=1,
    maximum=600,
    unit="grabs",
)
TRIGGER = Key(
    "trigger",
    "choice",
    "Trigger",
    "when the rule fires",
    "enter",
    choices={"enter": "once, when it starts holding", "while": "on every grab it holds"},
)


def _tolerance(default: int, tip: str) -> Key:
    return Key("tolerance", "int", "Tolerance", tip, default, minimum=0, maximum=255)


UNCHANGED_TOLERANCE = "per-channel difference (0-255) up to which a pixel counts as unchanged"

DIGITS = TableSchema(
    keys=(
        Key(
            "style",
            "choice",
            "Style",
            "how the characters' templates are made",
            choices={
                "seven_segment": "drawn from segment geometry (char_width, char_height, thickness)",
                "templates": "learnt by a digit calibration, in an .npz next to the profile",
            },
        ),
        Key(
            "colour",
            "colour",
            "Colour",
            "the characters' RGB; without it, ink is what differs from the border",
            None,
        ),
        _tolerance(40, "per-channel distance (0-255) within which a pixel is ink"),
        Key(
            "chars",
            "int",
            "Characters",
            "at most this many characters (more: unreadable)",
            None,
            minimum=1,
            maximum=32,
        ),
    ),
    variant="style",
    variants={
        "seven_segment": (
            Key(
                "char_width",
                "int",
                "Width",
                "a character's width, pixels",
                minimum=3,
                maximum=1000,
                unit="px",
            ),
            Key(
                "char_height",
                "int",
                "Height",
                "a character's height, pixels",
                minimum=5,
                maximum=1000,
                unit="px",
            ),
            Key(
                "thickness",
                "int",
                "Stroke",
                "a segment's stroke, pixels",
                minimum=1,
                maximum=200,
                unit="px",
            ),
            Key(
                "gap",
                "int",
                "Gap",
                "space between characters, pixels",
                1,
                minimum=1,
                maximum=200,
                unit="px",
            ),
        ),
        "templates": (
            Key(
                "file",
                "string",
                "File",
                "the templates' .npz, relative to the profile",
                example='"digits.npz"',
            ),
        ),
    },
)

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "score_change",
            "the region's picture changed and settled into a new one: once per change",
            TableSchema((SETTLE, _tolerance(0, UNCHANGED_TOLERANCE))),
            reward=1.0,
            game_over=False,
            new_rule={"settle_frames": 2},
        ),
        Kind(
            "digits",
            "a new number is read: reward x (new - old)",
            TableSchema(
                (
                    SETTLE,
                    Key(
                        "digits",
                        "table",
                        "Digits",
                        'how the characters look; style = "templates" or "seven_segment"',
                        table=DIGITS,
                        example='{ style = "seven_segment", char_width = 31, char_height = 56, thickness = 7 }',
                    ),
                )
            ),
            reward=1.0,
            game_over=False,
            new_rule={"digits": {"style": "templates", "file": "digits.npz"}},
        ),
        Kind(
            "range",
            "the share of a colour (or the mean grey) in the region stays in a range",
            TableSchema(
                (
                    Key("colour", "colour", "Colour", "the RGB to count (0-255 each)"),
                    _tolerance(
                        30, "per-channel distance (0-255) within which a pixel counts as the colour"
                    ),
                    Key(
                        "fraction",
                        "interval",
                        "Fraction",
                        "fires while this share (0-1) of the region's pixels is near the colour",
                        span=(0.0, 1.0),
                        step=0.01,
                        decimals=3,
                    ),
                    Key(
                        "intensity",
                        "interval",
                        "Intensity",
                        "fires while the region's mean grey (0-255) is in range; instead of colour",
                        span=(0.0, 255.0),
                        example="[200, 255]",
                    ),
                    TRIGGER,
                    SETTLE,
                ),
                alternatives=(("fraction", "colour", "tolerance"), ("intensity",)),
            ),
            reward=0.0,
            game_over=False,
            new_rule={
                "colour": [255, 90, 90],
                "tolerance": 30,
                "fraction": [0.05, 1.0],
                "game_over": True,
            },
        ),
        Kind(
            "template",
            "the reference image is found in the region",
            TableSchema(
                (
                    Key(
                        "image",
                        "string",
                        "Image",
                        "the reference PNG, relative to the profile",
                        example='"capture it with the Capture template button"',
                    ),
                    Key(
                        "threshold",
                        "float",
                        "Threshold",
                        "normalised correlation (0-1) at which the reference counts as found",
                        0.8,
                        minimum=0,
                        maximum=1,
                        step=0.05,
                        decimals=2,
                    ),
                    TRIGGER,
                    SETTLE,
                )
            ),
            reward=0.0,
            game_over=False,
            new_rule={"threshold": 0.8, "game_over": True},
        ),
        Kind(
            "frozen",
            "nothing in the region changed for a while: once per still stretch",
            TableSchema(
                (
                    Key(
                        "seconds",
                        "float",
                        "Seconds",
                        "how long the region must stay unchanged, in seconds",
                        above=0,
                        maximum=3600,
                        unit="s",
                        step=0.5,
                        decimals=2,
                    ),
                    _tolerance(0, UNCHANGED_TOLERANCE),
                )
            ),
            reward=0.0,
            game_over=True,
            new_rule={"seconds": 5.0},
        ),
    )
}
"""Every rule kind, by its ``kind`` value."""

COMMON_KEYS = ("kind", "region", "reward", "game_over")
"""The keys every rule takes (read by :func:`validate_rule` itself)."""

MAX_REWARD = 1_000_000.0
"""Largest ``reward`` magnitude: beyond it a rule is a typo, not a score."""


def read_value(c: Checker, key: Key, value: Any, where: str) -> Any:
    """``value`` checked against ``key``'s type and bounds (a nested table validated)."""
    if key.type == "int":
        return c.integer(value, where, key.minimum, key.maximum, unit=key.unit)  # type: ignore[arg-type]
    if key.type == "float":
        return c.number(value, where, key.minimum, key.maximum, key.above, unit=key.unit)
    if key.type == "bool":
        return c.boolean(value, where)
    if key.type == "choice":
        return c.choice(value, where, tuple(key.choices))
    if key.type == "colour":
        return c.colour(value, where)
    if key.type == "interval":
        return c.interval(value, where, *key.span)
    if key.type == "string":
        return c.string(value, where)
    if key.type == "table":
        assert key.table is not None
        return validate_table(c, key.table, value, where)
    raise ValueError(f"unknown schema type {key.type!r}")


def validate_table(
    c: Checker, schema: TableSchema, value: Any, where: str, also_known: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The table's values checked and completed with defaults; ProfileError on the first
    problem, naming ``where.key``. ``also_known``: keys the caller reads itself (left out of
    the result, but not unknown)."""
    table = c.table(value, where)
    keys = list(schema.keys)
    if schema.variant is not None:
        marker = schema.key(schema.variant)
        choice = c.choice(
            c.required(
                table,
                schema.variant,
                where,
                f"add {schema.variant} = one of {', '.join(marker.choices)}",
            ),
            join(where, schema.variant),
            tuple(marker.choices),
        )
        keys += schema.variants.get(choice, ())
    if schema.alternatives:
        used = [group for group in schema.alternatives if group[0] in table]
        if len(used) != 1:
            options = " or ".join(group[0] for group in schema.alternatives)
            raise c.fail(
                join(where, schema.alternatives[0][0]),
                f"give exactly one of {options}",
                "; ".join(
                    f"{group[0]} = [min, max] (with {', '.join(group[1:]) or 'nothing else'})"
                    for group in schema.alternatives
                ),
            )
        dropped = {k for group in schema.alternatives if group is not used[0] for k in group}
        keys = [k for k in keys if k.name not in dropped]
        for name in sorted(dropped & set(table)):
            raise c.fail(
                join(where, name),
                f"does not go with {used[0][0]}",
                f"remove it (it belongs with {next(g for g in schema.alternatives if name in g)[0]})",
            )
    c.no_unknown(table, [*also_known, *(k.name for k in keys)], where)
    values: dict[str, Any] = {}
    for key in keys:
        here = join(where, key.name)
        if key.name in table:
            values[key.name] = read_value(c, key, table[key.name], here)
        elif key.default is REQUIRED:
            raise c.fail(here, "missing", f"add {key.name} ({key.tip})")
        else:
            values[key.name] = key.default
    return values


def validate_rule(c: Checker, table: Any, index: int, regions: Mapping[str, Any]) -> RuleSpec:
    """One ``[[rewards]]`` table checked against the schema; ProfileError naming
    ``rewards[index].field`` on the first problem."""
    where = f"rewards[{index}]"
    table = c.table(table, where)
    kinds = ", ".join(f'"{k}"' for k in KINDS)
    kind_name = c.choice(
        c.required(table, "kind", where, f"say which rule this is: {kinds}"),
        join(where, "kind"),
        tuple(KINDS),
    )
    kind = KINDS[kind_name]
    region = c.string(
        c.required(
            table,
            "region",
            where,
            f"name the region it reads: one of {', '.join(regions) or '(none yet)'}",
        ),
        join(where, "region"),
    )
    if region not in regions:
        raise c.fail(
            join(where, "region"),
            f"no region named {region!r}",
            f"use one of {', '.join(regions) or '(none)'} or add it under [regions]",
        )
    reward = c.number(
        table.get("reward", kind.reward), join(where, "reward"), -MAX_REWARD, MAX_REWARD
    )
    game_over = c.boolean(table.get("game_over", kind.game_over), join(where, "game_over"))
    if reward == 0 and not game_over:
        raise c.fail(
            join(where, "reward"),
            "the rule neither rewards nor ends the game",
            "set reward or game_over = true",
        )
    own = {k: v for k, v in table.items() if k not in COMMON_KEYS}
    values = validate_table(c, kind.schema, own, where, COMMON_KEYS)
    return RuleSpec(index, kind_name, region, reward, game_over, values)
