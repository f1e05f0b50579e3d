"""GameProfile: where a game is on the screen, its actions, timing and reward rules; TOML I/O.

A profile is one TOML file (``calibration/<name>.toml``; the format is documented in
``calibration/README.md``). :func:`load_profile` validates everything it can without a display
and raises one :class:`ProfileError` whose one-line message names the file, the field (like
``actions[2].keys[0]``) and the fix. Whether a region lies on a monitor needs the display:
:func:`check_on_screen` does that, called by capture when it starts.

Reward rules stay raw tables here (``rewards``): ``screen_agent.reward`` owns their meaning;
the loader checks only that each has a ``kind`` and names an existing ``region``.
"""

from __future__ import annotations

import difflib
import math
import os
import tempfile
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from screen_agent.errors import UserError
from screen_agent.input.keys import KEY_NAMES

MAX_DECISIONS_PER_SECOND = 60.0
"""Upper bound of ``decisions_per_second``: faster than a 60 Hz screen draws is pointless."""


class ProfileError(UserError):
    """A profile that cannot be used; the message names the file, the field and the fix."""


@dataclass(frozen=True)
class Region:
    """A rectangle in pixels: relative to the window's client area, or absolute on the screen."""

    x: int
    """Left edge, pixels."""
    y: int
    """Top edge, pixels."""
    width: int
    """Width, pixels (> 0)."""
    height: int
    """Height, pixels (> 0)."""

    def offset(self, left: int, top: int) -> Region:
        """This region moved by ``(left, top)`` pixels, e.g. to screen coordinates."""
        return Region(self.x + left, self.y + top, self.width, self.height)

    def as_monitor(self) -> dict[str, int]:
        """The region as an mss monitor dict (``left``, ``top``, ``width``, ``height``)."""
        return {"left": self.x, "top": self.y, "width": self.width, "height": self.height}

    @staticmethod
    def bounding(regions: Iterable[Region]) -> Region:
        """The smallest region holding all of ``regions`` (at least one)."""
        rs = list(regions)
        left, top = min(r.x for r in rs), min(r.y for r in rs)
        right, bottom = max(r.x + r.width for r in rs), max(r.y + r.height for r in rs)
        return Region(left, top, right - left, bottom - top)


@dataclass(frozen=True)
class WindowRef:
    """The game window, found by its exact title; regions are relative to its client area."""

    title: str
    """The window's exact title (X11 ``WM_NAME``/``_NET_WM_NAME``)."""
    width: int | None = None
    """Expected client-area width in pixels; capture refuses a window of another size."""
    height: int | None = None
    """Expected client-area height in pixels."""


@dataclass(frozen=True)
class Action:
    """One action of the agent: a set of keys held together (empty: "no keys")."""

    name: str
    keys: tuple[str, ...]
    """pyautogui key names, pressed together."""


@dataclass(frozen=True)
class Restart:
    """How to start a new game: keys to press, then a wait before the first grab."""

    keys: tuple[str, ...] = ()
    """pyautogui key names, pressed together and released."""
    wait_ms: int = 0
    """Milliseconds to wait after pressing them."""


@dataclass(frozen=True)
class GameProfile:
    """Everything the screen agent needs to know about one game."""

    name: str
    """The profile's name (conventionally the file name without ``.toml``)."""
    regions: Mapping[str, Region]
    """Named regions; ``game`` (what the agent sees) is required. Do not mutate."""
    actions: tuple[Action, ...]
    """The action set: action id ``i`` is ``actions[i]``; one of them has no keys."""
    window: WindowRef | None = None
    """The game window; None means regions are absolute screen coordinates."""
    decisions_per_second: float = 15.0
    """The agent's decision clock, in decisions per second, within (0, 60]."""
    key_hold_ms: int = 60
    """Minimum time an action's keys stay down, in milliseconds (see ``input.KeyboardSink``)."""
    episode_seconds: float = 120.0
    """Episode time limit in seconds (a truncation, not a death)."""
    restart: Restart = field(default_factory=Restart)
    """Keys that start a new game, and the wait after them."""
    rewards: tuple[dict[str, Any], ...] = ()
    """Reward rules as raw TOML tables; ``screen_agent.reward`` interprets them."""
    launch: tuple[str, ...] | None = None
    """argv that starts the game, for tools that open it themselves."""

    @property
    def game(self) -> Region:
        """The region the agent sees."""
        return self.regions["game"]

    @property
    def action_names(self) -> tuple[str, ...]:
        """Action names in id order."""
        return tuple(a.name for a in self.actions)

    @property
    def action_keys(self) -> frozenset[str]:
        """Every key some action holds."""
        return frozenset(k for a in self.actions for k in a.keys)

    @property
    def allowed_keys(self) -> frozenset[str]:
        """Every key the input sink may send: the actions' and the restart keys."""
        return self.action_keys | frozenset(self.restart.keys)

    @property
    def noop_action(self) -> int:
        """Id of the first action with no keys."""
        return next(i for i, a in enumerate(self.actions) if not a.keys)

    @property
    def decision_interval(self) -> float:
        """Seconds between two decisions."""
        return 1.0 / self.decisions_per_second


# --- loading ----------------------------------------------------------------------------------
_TOP_LEVEL = (
    "name",
    "window",
    "decisions_per_second",
    "key_hold_ms",
    "episode_seconds",
    "launch",
    "regions",
    "actions",
    "rewards",
    "restart",
)


class _Checker:
    """Type and range checks that raise ProfileError naming ``file: field``."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str, fix: str) -> ProfileError:
        text = (
            f"{self.source}: {where}: {problem}; {fix}"
            if where
            else f"{self.source}: {problem}; {fix}"
        )
        return ProfileError(" ".join(text.split()))  # one line, whatever the parts held

    def table(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(
                where,
                f"expected a table, got {_describe(value)}",
                "write it as { key = value, ... }",
            )
        return value

    def no_unknown(self, table: Mapping[str, Any], known: Sequence[str], where: str) -> None:
        for key in table:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = (
                    f"did you mean {close[0]!r}?" if close else f"known fields: {', '.join(known)}"
                )
                raise self.fail(_join(where, key), "unknown field", f"remove it ({hint})")

    def string(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(
                where,
                f"expected a non-empty string, got {_describe(value)}",
                'write it in quotes, like "left"',
            )
        return value

    def integer(self, value: Any, where: str, minimum: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(
                where,
                f"expected a whole number, got {_describe(value)}",
                "write an integer without quotes or decimals",
            )
        if minimum is not None and value < minimum:
            raise self.fail(
                where, f"must be at least {minimum}, got {value}", f"use a value >= {minimum}"
            )
        return value

    def number(self, value: Any, where: str) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.fail(
                where, f"expected a number, got {_describe(value)}", "write a number without quotes"
            )
        return float(value)

    def key_list(self, value: Any, where: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(
                where,
                f"expected a list of key names, got {_describe(value)}",
                'write it like ["left", "space"] (or [] for no keys)',
            )
        keys: list[str] = []
        for i, key in enumerate(value):
            here = f"{where}[{i}]"
            if not isinstance(key, str):
                raise self.fail(
                    here,
                    f"expected a key name, got {_describe(key)}",
                    'write it in quotes, like "left"',
                )
            if key not in KEY_NAMES:
                lower = key.lower()
                close = (
                    [lower]
                    if lower in KEY_NAMES
                    else difflib.get_close_matches(lower, sorted(KEY_NAMES), n=1)
                )
                hint = (
                    f"did you mean {close[0]!r}?" if close else 'e.g. "left", "space", "a", "enter"'
                )
                raise self.fail(here, f"unknown key {key!r}", f"use a pyautogui key name ({hint})")
            if key in keys:
                raise self.fail(here, f"key {key!r} is listed twice", "list each key once")
            keys.append(key)
        return tuple(keys)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _describe(value: Any) -> str:
    kind = {
        bool: "a boolean",
        str: "a string",
        int: "an integer",
        float: "a number",
        list: "a list",
        dict: "a table",
    }
    text = repr(value)
    return f"{kind.get(type(value), type(value).__name__)} {text if len(text) <= 30 else text[:27] + '...'}"


def load_profile(path: str | os.PathLike[str]) -> GameProfile:
    """Read and validate the profile at ``path``.

    Raises ProfileError (a UserError: the CLI prints it as one line) for a missing file, bad
    TOML, or any invalid field.
    """
    path = Path(path)
    source = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(
            f"{source}: no such profile file; check the path (profiles live in calibration/)"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ProfileError(
            f"{source}: cannot read it ({error}); check the file's permissions and encoding (UTF-8)"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(f"{source}: not valid TOML: {error}; fix the syntax there") from None
    return profile_from_dict(raw, source)


def profile_from_dict(raw: Mapping[str, Any], source: str = "<profile>") -> GameProfile:
    """Validate a parsed TOML document and build the profile; ``source`` names it in errors."""
    c = _Checker(source)
    c.no_unknown(raw, _TOP_LEVEL, "")
    for required in ("name", "regions", "actions"):
        if required not in raw:
            raise c.fail(required, "missing", f"add {required} = ... (see calibration/README.md)")
    name = c.string(raw["name"], "name")
    window = _window(c, raw["window"]) if "window" in raw else None
    regions = _regions(c, raw["regions"], window)
    actions = _actions(c, raw["actions"])
    dps = c.number(raw.get("decisions_per_second", 15.0), "decisions_per_second")
    if not 0 < dps <= MAX_DECISIONS_PER_SECOND:
        raise c.fail(
            "decisions_per_second",
            f"must be in (0, {MAX_DECISIONS_PER_SECOND:g}], got {dps:g}",
            "15 suits most games",
        )
    key_hold_ms = c.integer(raw.get("key_hold_ms", 60), "key_hold_ms", minimum=0)
    episode_seconds = c.number(raw.get("episode_seconds", 120.0), "episode_seconds")
    if episode_seconds <= 0:
        raise c.fail(
            "episode_seconds",
            f"must be positive, got {episode_seconds:g}",
            "give the episode's time limit in seconds",
        )
    restart = _restart(c, raw["restart"]) if "restart" in raw else Restart()
    rewards = _rewards(c, raw.get("rewards", []), regions)
    launch = _launch(c, raw["launch"]) if "launch" in raw else None
    return GameProfile(
        name=name,
        regions=regions,
        actions=actions,
        window=window,
        decisions_per_second=dps,
        key_hold_ms=key_hold_ms,
        episode_seconds=episode_seconds,
        restart=restart,
        rewards=rewards,
        launch=launch,
    )


def _window(c: _Checker, value: Any) -> WindowRef:
    table = c.table(value, "window")
    c.no_unknown(table, ("title", "width", "height"), "window")
    if "title" not in table:
        raise c.fail(
            "window.title",
            "missing",
            "give the window's exact title, or remove [window] for absolute coordinates",
        )
    title = c.string(table["title"], "window.title")
    size = [
        c.integer(table[k], f"window.{k}", minimum=1) if k in table else None
        for k in ("width", "height")
    ]
    return WindowRef(title, size[0], size[1])


def _regions(c: _Checker, value: Any, window: WindowRef | None) -> dict[str, Region]:
    table = c.table(value, "regions")
    if "game" not in table:
        raise c.fail(
            "regions.game",
            "missing",
            "add game = { x = ..., y = ..., width = ..., height = ... }: what the agent sees",
        )
    regions: dict[str, Region] = {}
    for name, spec in table.items():
        where = f"regions.{name}"
        spec = c.table(spec, where)
        c.no_unknown(spec, ("x", "y", "width", "height"), where)
        for key in ("x", "y", "width", "height"):
            if key not in spec:
                raise c.fail(
                    f"{where}.{key}", "missing", "a region needs x, y, width and height in pixels"
                )
        # Window-relative regions start inside the client area; absolute ones may be negative
        # (a monitor left of or above the primary one).
        low = 0 if window is not None else None
        x, y = (c.integer(spec[k], f"{where}.{k}", minimum=low) for k in ("x", "y"))
        w, h = (c.integer(spec[k], f"{where}.{k}", minimum=1) for k in ("width", "height"))
        region = Region(x, y, w, h)
        if window is not None and window.width is not None and x + w > window.width:
            raise c.fail(
                f"{where}.width",
                f"the region (x {x} + width {w} = {x + w}) runs past the window's width {window.width}",
                "shrink or move the region so it lies inside the window",
            )
        if window is not None and window.height is not None and y + h > window.height:
            raise c.fail(
                f"{where}.height",
                f"the region (y {y} + height {h} = {y + h}) runs past the window's height {window.height}",
                "shrink or move the region so it lies inside the window",
            )
        regions[name] = region
    return regions


def _actions(c: _Checker, value: Any) -> tuple[Action, ...]:
    if not isinstance(value, list) or not all(isinstance(a, dict) for a in value):
        raise c.fail(
            "actions",
            f"expected [[actions]] tables, got {_describe(value)}",
            'add [[actions]] entries with name = "..." and keys = [...]',
        )
    if not value:
        raise c.fail(
            "actions",
            "the action set is empty",
            'add [[actions]] entries, one of them with keys = [] ("no keys")',
        )
    actions: list[Action] = []
    for i, spec in enumerate(value):
        where = f"actions[{i}]"
        c.no_unknown(spec, ("name", "keys"), where)
        for key in ("name", "keys"):
            if key not in spec:
                raise c.fail(
                    f"{where}.{key}",
                    "missing",
                    'an action needs a name and keys (keys = [] for "no keys")',
                )
        name = c.string(spec["name"], f"{where}.name")
        if name in (a.name for a in actions):
            raise c.fail(
                f"{where}.name", f"duplicate action name {name!r}", "give every action its own name"
            )
        actions.append(Action(name, c.key_list(spec["keys"], f"{where}.keys")))
    if all(a.keys for a in actions):
        raise c.fail(
            "actions",
            'no "no keys" action',
            "add an action with keys = [] (usually the first), so the agent can wait",
        )
    return tuple(actions)


def _restart(c: _Checker, value: Any) -> Restart:
    table = c.table(value, "restart")
    c.no_unknown(table, ("keys", "wait_ms"), "restart")
    keys = c.key_list(table.get("keys", []), "restart.keys")
    return Restart(keys, c.integer(table.get("wait_ms", 0), "restart.wait_ms", minimum=0))


def _rewards(c: _Checker, value: Any, regions: Mapping[str, Region]) -> tuple[dict[str, Any], ...]:
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise c.fail(
            "rewards",
            f"expected [[rewards]] tables, got {_describe(value)}",
            'write each rule as a [[rewards]] table with kind = "..."',
        )
    for i, rule in enumerate(value):
        where = f"rewards[{i}]"
        if "kind" not in rule:
            raise c.fail(
                f"{where}.kind",
                "missing",
                'say which rule this is: "score_change", "digits", "range", "template" or "frozen"',
            )
        c.string(rule["kind"], f"{where}.kind")
        if "region" in rule:
            region = c.string(rule["region"], f"{where}.region")
            if region not in regions:
                raise c.fail(
                    f"{where}.region",
                    f"no region named {region!r}",
                    f"use one of {', '.join(regions)} or add it under [regions]",
                )
    return tuple(value)


def _launch(c: _Checker, value: Any) -> tuple[str, ...]:
    table = c.table(value, "launch")
    c.no_unknown(table, ("command",), "launch")
    command = table.get("command")
    if not isinstance(command, list) or not command or not all(isinstance(a, str) for a in command):
        raise c.fail(
            "launch.command",
            f"expected a non-empty list of strings, got {_describe(command)}",
            'write the argv, like ["screen-agent", "arcade", "catch"]',
        )
    return tuple(command)


# --- checks that need the display -------------------------------------------------------------
def check_on_screen(
    profile: GameProfile,
    monitors: Sequence[Mapping[str, int]],
    origin: tuple[int, int] = (0, 0),
    source: str | None = None,
) -> None:
    """Raise ProfileError unless every region lies wholly on one monitor.

    ``monitors`` are mss monitor dicts (``mss.MSS().monitors``: entry 0, the union of all, is
    skipped when there are more). ``origin`` is the window's client-area top-left on the screen
    (``(0, 0)`` for absolute regions).
    """
    screens = list(monitors[1:] if len(monitors) > 1 else monitors)
    where = source or profile.name
    for name, region in profile.regions.items():
        r = region.offset(*origin)
        inside = any(
            r.x >= m["left"]
            and r.y >= m["top"]
            and r.x + r.width <= m["left"] + m["width"]
            and r.y + r.height <= m["top"] + m["height"]
            for m in screens
        )
        if not inside:
            shown = ", ".join(
                f"{m['width']}x{m['height']} at ({m['left']}, {m['top']})" for m in screens
            )
            raise ProfileError(
                f"{where}: regions.{name}: on the screen at ({r.x}, {r.y}) size {r.width}x{r.height}, it does not lie on any monitor ({shown}); "
                "move the game window onto one monitor or fix the region"
            )


# --- saving -----------------------------------------------------------------------------------
def profile_to_dict(profile: GameProfile) -> dict[str, Any]:
    """The profile as a TOML-ready document (what :func:`load_profile` reads back)."""
    doc: dict[str, Any] = {"name": profile.name}
    if profile.window is not None:
        w = profile.window
        doc["window"] = {"title": w.title} | {
            k: v for k, v in (("width", w.width), ("height", w.height)) if v is not None
        }
    doc["decisions_per_second"] = _plain(profile.decisions_per_second)
    doc["key_hold_ms"] = profile.key_hold_ms
    doc["episode_seconds"] = _plain(profile.episode_seconds)
    if profile.launch is not None:
        doc["launch"] = {"command": list(profile.launch)}
    doc["regions"] = {
        n: {"x": r.x, "y": r.y, "width": r.width, "height": r.height}
        for n, r in profile.regions.items()
    }
    doc["actions"] = [{"name": a.name, "keys": list(a.keys)} for a in profile.actions]
    doc["rewards"] = [dict(rule) for rule in profile.rewards]
    doc["restart"] = {"keys": list(profile.restart.keys), "wait_ms": profile.restart.wait_ms}
    return doc


def _plain(number: float) -> float | int:
    """15.0 as 15, so saved profiles read like hand-written ones (loading makes it 15.0 again)."""
    return int(number) if number.is_integer() else number


def save_profile(profile: GameProfile, path: str | os.PathLike[str]) -> None:
    """Write ``profile`` as TOML to ``path`` atomically (a temp file, then ``os.replace``)."""
    path = Path(path)
    text = dumps_toml(profile_to_dict(profile))
    # A temp file in the same directory, so os.replace is a rename on one file system: a crash
    # leaves either the old profile or the new one, never half of one.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dumps_toml(doc: Mapping[str, Any]) -> str:
    """A small TOML writer for profile documents.

    Top-level scalars and arrays first, then a ``[table]`` section for each top-level table and
    ``[[array]]`` sections for each non-empty list of tables; tables nested deeper are written
    inline. Enough for profiles, not a general TOML library.
    """
    head: list[str] = []
    sections: list[str] = []
    for key, value in doc.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:
                sections.append(f"\n[[{_key(key)}]]")
                sections.extend(f"{_key(k)} = {_value(v)}" for k, v in item.items())
        elif isinstance(value, dict):
            sections.append(f"\n[{_key(key)}]")
            sections.extend(f"{_key(k)} = {_value(v)}" for k, v in value.items())
        else:
            head.append(f"{_key(key)} = {_value(value)}")
    return "\n".join(head + sections) + "\n"


def _key(key: str) -> str:
    bare = key and all(ch.isascii() and (ch.isalnum() or ch in "_-") for ch in key)
    return key if bare else _string(key)


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(ch if ch >= " " and ch != "\x7f" else f"\\u{ord(ch):04x}" for ch in escaped)
    return f'"{escaped}"'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)  # shortest text that reads back as the same float
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
            if value
            else "{}"
        )
    raise TypeError(f"cannot write {type(value).__name__} to TOML")
