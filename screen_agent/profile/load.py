"""Loading a profile: TOML to a validated :class:`GameProfile`.

:func:`load_profile` checks everything it can without a display and raises one
:class:`ProfileError` whose one-line message names the file, the field (like
``actions[2].keys[0]``) and the fix. Checks that need the screen (does the region lie on a
monitor, inside the real window) are :func:`check_on_screen` and :func:`check_in_window`,
called when a session opens.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from screen_agent.geometry import Region
from screen_agent.keys import system_effect
from screen_agent.profile import programs
from screen_agent.profile.checks import Checker, ProfileError, describe, join
from screen_agent.profile.model import (
    Action,
    GameProfile,
    Launch,
    Restart,
    Step,
    WindowRef,
)
from screen_agent.profile.reward_schema import validate_rule

DECISIONS_PER_SECOND = (1.0, 60.0)
"""Bounds of ``decisions_per_second``: slower is not a game; faster than a 60 Hz screen draws
is pointless."""
MAX_KEY_HOLD_MS = 1000
"""Bound of ``key_hold_ms``."""
EPISODE_SECONDS = (1.0, 86_400.0)
"""Bounds of ``episode_seconds``: at least a second, at most a day."""
MAX_WAIT_MS = 60_000
"""Bound of one step's ``wait_ms``."""
MAX_WINDOW_TIMEOUT_S = 600.0
"""Bound of ``launch.window_timeout_s``."""
MAX_WINDOW_SIDE = 16_384
"""Bound of a window's width and height, pixels."""
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
"""A profile name: it names run directories, so no path separators or leading dot."""

TOP_LEVEL = (
    "name",
    "window",
    "decisions_per_second",
    "key_hold_ms",
    "episode_seconds",
    "allow_system_keys",
    "launch",
    "regions",
    "actions",
    "rewards",
    "restart",
)


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
    except IsADirectoryError:
        raise ProfileError(f"{source}: is a folder, not a profile; give a .toml file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ProfileError(
            f"{source}: cannot read it ({error}); check the file's permissions and encoding (UTF-8)"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(f"{source}: not valid TOML: {error}; fix the syntax there") from None
    return profile_from_dict(raw, source)


def profile_from_dict(raw: Mapping[str, Any], source: str = "<profile>") -> GameProfile:
    """Validate a parsed TOML document and build the profile; ``source`` names it in errors."""
    c = Checker(source)
    c.no_unknown(raw, TOP_LEVEL, "")
    for required in ("name", "regions", "actions"):
        c.required(raw, required, "", f"add {required} = ... (see calibration/README.md)")
    name = c.string(raw["name"], "name")
    if not NAME.fullmatch(name):
        raise c.fail(
            "name",
            f"{name!r} is not a plain name",
            "use letters, digits, '-', '_' and '.', starting with a letter or digit (it names run folders)",
        )
    allow_system_keys = c.boolean(raw.get("allow_system_keys", False), "allow_system_keys")
    window = _window(c, raw["window"]) if "window" in raw else None
    regions = _regions(c, raw["regions"], window)
    actions = _actions(c, raw["actions"], allow_system_keys)
    dps = c.number(
        raw.get("decisions_per_second", 15.0),
        "decisions_per_second",
        *DECISIONS_PER_SECOND,
        unit="decisions per second",
    )
    key_hold_ms = c.integer(
        raw.get("key_hold_ms", 60), "key_hold_ms", 0, MAX_KEY_HOLD_MS, unit="ms"
    )
    interval_ms = 1000.0 / dps
    if key_hold_ms > interval_ms:
        raise c.fail(
            "key_hold_ms",
            f"{key_hold_ms} ms is longer than one decision ({interval_ms:.1f} ms at {dps:g} per second), "
            "so every change of keys would wait and the decision clock would fall behind",
            f"use at most {math.floor(interval_ms)} or lower decisions_per_second",
        )
    return GameProfile(
        name=name,
        episode_seconds=c.number(
            raw.get("episode_seconds", 120.0), "episode_seconds", *EPISODE_SECONDS, unit="s"
        ),
        regions=regions,
        rewards=_rewards(c, raw.get("rewards", []), regions),
        actions=actions,
        restart=(
            _restart(c, raw["restart"], window, allow_system_keys)
            if "restart" in raw
            else Restart()
        ),
        window=window,
        launch=_launch(c, raw["launch"], window, allow_system_keys) if "launch" in raw else None,
        decisions_per_second=dps,
        key_hold_ms=key_hold_ms,
        allow_system_keys=allow_system_keys,
    )


def _window(c: Checker, value: Any) -> WindowRef:
    table = c.table(value, "window")
    c.no_unknown(table, ("title", "width", "height"), "window")
    title = c.string(
        c.required(
            table,
            "title",
            "window",
            "give the window's exact title, or remove [window] for absolute coordinates",
        ),
        "window.title",
    )
    size = [
        c.integer(table[k], f"window.{k}", 1, MAX_WINDOW_SIDE, unit="px") if k in table else None
        for k in ("width", "height")
    ]
    return WindowRef(title, size[0], size[1])


def _regions(c: Checker, value: Any, window: WindowRef | None) -> dict[str, Region]:
    table = c.table(value, "regions")
    c.required(
        table,
        "game",
        "regions",
        "add game = { x = ..., y = ..., width = ..., height = ... }: what the agent sees",
    )
    regions: dict[str, Region] = {}
    for name, spec in table.items():
        where = f"regions.{name}"
        spec = c.table(spec, where)
        c.no_unknown(spec, ("x", "y", "width", "height"), where)
        for key in ("x", "y", "width", "height"):
            c.required(spec, key, where, "a region needs x, y, width and height in pixels")
        # Window-relative regions start inside the client area; absolute ones may be negative
        # (a monitor left of or above the primary one).
        low = 0 if window is not None else -MAX_WINDOW_SIDE * 4
        x, y = (c.integer(spec[k], f"{where}.{k}", low, MAX_WINDOW_SIDE * 4) for k in ("x", "y"))
        w, h = (c.integer(spec[k], f"{where}.{k}", 1, MAX_WINDOW_SIDE) for k in ("width", "height"))
        region = Region(x, y, w, h)
        if window is not None:
            _inside_window(c, region, window, where)
        regions[name] = region
    return regions


def _inside_window(c: Checker, region: Region, window: WindowRef, where: str) -> None:
    if window.width is not None and region.right > window.width:
        raise c.fail(
            f"{where}.width",
            f"the region (x {region.x} + width {region.width} = {region.right}) runs past the window's width {window.width}",
            "shrink or move the region so it lies inside the window",
        )
    if window.height is not None and region.bottom > window.height:
        raise c.fail(
            f"{where}.height",
            f"the region (y {region.y} + height {region.height} = {region.bottom}) runs past the window's height {window.height}",
            "shrink or move the region so it lies inside the window",
        )


def _safe_keys(c: Checker, keys: tuple[str, ...], where: str, allowed: bool) -> tuple[str, ...]:
    effect = system_effect(keys)
    if effect is not None and not allowed:
        raise c.fail(
            where,
            f"{effect}",
            "remove it, or set allow_system_keys = true at the top of the profile if the game really needs it",
        )
    return keys


def _actions(c: Checker, value: Any, allow_system_keys: bool) -> tuple[Action, ...]:
    specs = c.tables(value, "actions", 'add [[actions]] entries with name = "..." and keys = [...]')
    if not specs:
        raise c.fail(
            "actions",
            "the action set is empty",
            'add [[actions]] entries, one of them with keys = [] ("no keys")',
        )
    actions: list[Action] = []
    for i, spec in enumerate(specs):
        where = f"actions[{i}]"
        c.no_unknown(spec, ("name", "keys"), where)
        for key in ("name", "keys"):
            c.required(
                spec, key, where, 'an action needs a name and keys (keys = [] for "no keys")'
            )
        name = c.string(spec["name"], f"{where}.name")
        if name in (a.name for a in actions):
            raise c.fail(
                f"{where}.name", f"duplicate action name {name!r}", "give every action its own name"
            )
        keys = _safe_keys(
            c, c.key_list(spec["keys"], f"{where}.keys"), f"{where}.keys", allow_system_keys
        )
        actions.append(Action(name, keys))
    if all(a.keys for a in actions):
        raise c.fail(
            "actions",
            'no "no keys" action',
            "add an action with keys = [] (usually the first), so the agent can wait",
        )
    return tuple(actions)


def _step(c: Checker, value: Any, where: str, window: WindowRef | None, allowed: bool) -> Step:
    table = c.table(value, where)
    c.no_unknown(table, ("keys", "click", "wait_ms"), where)
    keys = c.key_list(table.get("keys", []), join(where, "keys"))
    _safe_keys(c, keys, join(where, "keys"), allowed)
    click = c.point(table["click"], join(where, "click")) if "click" in table else None
    wait_ms = c.integer(table.get("wait_ms", 0), join(where, "wait_ms"), 0, MAX_WAIT_MS, unit="ms")
    if keys and click is not None:
        raise c.fail(where, "a step taps keys or clicks, not both", "split it into two steps")
    if not keys and click is None and not wait_ms:
        raise c.fail(where, "the step does nothing", "give it keys, a click or a wait_ms")
    if click is not None:
        if window is None:
            raise c.fail(
                join(where, "click"),
                "clicks are relative to the game window, and the profile has no [window]",
                "add window = { title = ... }",
            )
        _inside_window(c, Region(click[0], click[1], 1, 1), window, join(where, "click"))
    return Step(keys, click, wait_ms)


def _steps(
    c: Checker, value: Any, where: str, window: WindowRef | None, allowed: bool
) -> tuple[Step, ...]:
    specs = c.tables(
        value, where, f"write each step as a [[{where}]] table with keys, click or wait_ms"
    )
    return tuple(_step(c, spec, join(where, i), window, allowed) for i, spec in enumerate(specs))


def _restart(c: Checker, value: Any, window: WindowRef | None, allowed: bool) -> Restart:
    table = c.table(value, "restart")
    c.no_unknown(table, ("keys", "wait_ms", "steps"), "restart")
    if "steps" in table:
        if "keys" in table or "wait_ms" in table:
            raise c.fail(
                "restart.steps",
                "give either keys and wait_ms or steps",
                "move the keys into a first step",
            )
        return Restart(_steps(c, table["steps"], "restart.steps", window, allowed))
    if not table:
        return Restart()
    return Restart((_step(c, table, "restart", window, allowed),))


def _rewards(c: Checker, value: Any, regions: Mapping[str, Region]) -> tuple[dict[str, Any], ...]:
    tables = c.tables(value, "rewards", 'write each rule as a [[rewards]] table with kind = "..."')
    for i, table in enumerate(tables):
        validate_rule(c, table, i, regions)
    return tuple(dict(t) for t in tables)


def _launch(c: Checker, value: Any, window: WindowRef | None, allowed: bool) -> Launch:
    table = c.table(value, "launch")
    c.no_unknown(
        table,
        (
            "command",
            "env",
            "window_timeout_s",
            "position",
            "steps",
            "helpers",
            "requires",
            "install",
        ),
        "launch",
    )
    if window is None:
        raise c.fail(
            "launch",
            "the launcher waits for the game's window by its title, and the profile has no [window]",
            "add window = { title = ... } with the game window's exact title",
        )
    command = programs.argv_list(
        c,
        c.required(table, "command", "launch", 'give the argv, like ["xgalaga"]'),
        "launch.command",
        'write the argv, like ["screen-agent", "arcade", "catch"]',
    )
    env = programs.environment(c, table.get("env", {}), "launch.env")
    timeout = c.number(
        table.get("window_timeout_s", 30.0),
        "launch.window_timeout_s",
        1.0,
        MAX_WINDOW_TIMEOUT_S,
        unit="s",
    )
    position = c.point(table["position"], "launch.position") if "position" in table else None
    steps = _steps(c, table.get("steps", []), "launch.steps", window, allowed)
    helpers = tuple(
        programs.helper(c, spec, join("launch.helpers", i))
        for i, spec in enumerate(
            c.tables(
                table.get("helpers", []),
                "launch.helpers",
                "write each helper as a [[launch.helpers]] table with command = [...]",
            )
        )
    )
    requires = table.get("requires", [])
    if not isinstance(requires, list) or not all(isinstance(r, str) and r for r in requires):
        raise c.fail(
            "launch.requires",
            f"expected a list of paths, got {describe(requires)}",
            'write it like ["{profile_dir}/game/index.html"]',
        )
    for i, path in enumerate(requires):
        programs.known_placeholders(c, path, join("launch.requires", i))
    install = c.string(table["install"], "launch.install") if "install" in table else None
    return Launch(command, env, timeout, position, steps, helpers, tuple(requires), install)


# --- checks that need the profile's use or the display ----------------------------------------
def require_rewards(profile: GameProfile, source: str) -> None:
    """ProfileError unless the profile has a reward rule (training would learn nothing)."""
    if not profile.rewards:
        raise ProfileError(
            f"{source}: rewards: the profile has no [[rewards]] rule, so the agent would get no "
            "reward and learn nothing; add one (see calibration/README.md), e.g. with the app's Rewards tab"
        )


def check_on_screen(
    profile: GameProfile,
    screens: Sequence[Region],
    origin: tuple[int, int] = (0, 0),
    source: str | None = None,
) -> None:
    """ProfileError unless every region, placed at ``origin`` (the window's client area's
    top-left on the screen; ``(0, 0)`` for absolute regions), lies wholly on one monitor."""
    where = source or profile.name
    for name, region in profile.regions.items():
        r = region.offset(*origin)
        if not any(screen.holds(r) for screen in screens):
            shown = ", ".join(f"{m.width}x{m.height} at ({m.x}, {m.y})" for m in screens)
            raise ProfileError(
                f"{where}: regions.{name}: on the screen at ({r.x}, {r.y}) size {r.width}x{r.height}, "
                f"it does not lie on any monitor ({shown}); move the game window onto one monitor or fix the region"
            )


def check_in_window(
    profile: GameProfile, width: int, height: int, source: str | None = None
) -> None:
    """ProfileError unless every region and click point lies inside a ``width`` x ``height``
    client area (the real window's, for profiles that do not fix its size)."""
    where = source or profile.name
    ref = profile.window
    title = ref.title if ref is not None else "the window"
    if ref is not None and (
        (ref.width is not None and ref.width != width)
        or (ref.height is not None and ref.height != height)
    ):
        raise ProfileError(
            f"{where}: window: the window {title!r} is {width}x{height}, the profile expects "
            f"{ref.width}x{ref.height}; resize the window (or the game's scale) or recalibrate the profile"
        )
    area = Region(0, 0, width, height)
    for name, region in profile.regions.items():
        if not area.holds(region):
            raise ProfileError(
                f"{where}: regions.{name}: ({region.x}, {region.y}) size {region.width}x{region.height} "
                f"runs outside the window {title!r}, whose client area is {width}x{height}; "
                "recalibrate the region, or set window.width and window.height to the size it was measured at"
            )
