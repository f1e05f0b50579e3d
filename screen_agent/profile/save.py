"""Saving a profile as TOML, keeping what a person wrote in the file.

A profile is often edited both in the app and by hand. :func:`save_profile` writes with
tomlkit into the existing document: values that did not change keep their place, formatting
and comments; only changed values are rewritten. The file is replaced atomically.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

from screen_agent.files import atomic_write_text
from screen_agent.profile.model import GameProfile, Helper, Step


def profile_to_dict(profile: GameProfile) -> dict[str, Any]:
    """The profile as a TOML document (what :func:`load_profile` reads back)."""
    doc: dict[str, Any] = {"name": profile.name}
    if profile.window is not None:
        w = profile.window
        doc["window"] = {"title": w.title} | {
            k: v for k, v in (("width", w.width), ("height", w.height)) if v is not None
        }
    doc["decisions_per_second"] = _plain(profile.decisions_per_second)
    doc["key_hold_ms"] = profile.key_hold_ms
    doc["episode_seconds"] = _plain(profile.episode_seconds)
    if profile.allow_system_keys:
        doc["allow_system_keys"] = True
    if profile.launch is not None:
        launch = profile.launch
        table: dict[str, Any] = {"command": list(launch.command)}
        if launch.env:
            table["env"] = dict(launch.env)
        table["window_timeout_s"] = _plain(launch.window_timeout_s)
        if launch.position is not None:
            table["position"] = {"x": launch.position[0], "y": launch.position[1]}
        if launch.steps:
            table["steps"] = [_step(s) for s in launch.steps]
        if launch.helpers:
            table["helpers"] = [_helper(h) for h in launch.helpers]
        if launch.requires:
            table["requires"] = list(launch.requires)
        if launch.install is not None:
            table["install"] = launch.install
        doc["launch"] = table
    doc["regions"] = {
        n: {"x": r.x, "y": r.y, "width": r.width, "height": r.height}
        for n, r in profile.regions.items()
    }
    doc["actions"] = [{"name": a.name, "keys": list(a.keys)} for a in profile.actions]
    if profile.rewards:
        doc["rewards"] = [dict(rule) for rule in profile.rewards]
    steps = profile.restart.steps
    if len(steps) == 1 and steps[0].click is None:
        doc["restart"] = {"keys": list(steps[0].keys), "wait_ms": steps[0].wait_ms}
    elif steps:
        doc["restart"] = {"steps": [_step(s) for s in steps]}
    return doc


def _step(step: Step) -> dict[str, Any]:
    table: dict[str, Any] = {}
    if step.keys:
        table["keys"] = list(step.keys)
    if step.click is not None:
        table["click"] = {"x": step.click[0], "y": step.click[1]}
    if step.wait_ms:
        table["wait_ms"] = step.wait_ms
    return table


def _helper(helper: Helper) -> dict[str, Any]:
    table: dict[str, Any] = {"command": list(helper.command)}
    if helper.env:
        table["env"] = dict(helper.env)
    if helper.ready_tcp is not None:
        table["ready_tcp"] = helper.ready_tcp
    return table


def _plain(number: float) -> float | int:
    """15.0 as 15, so saved profiles read like hand-written ones (loading makes it 15.0 again)."""
    return int(number) if float(number).is_integer() else number


def dumps_profile(profile: GameProfile, previous: str | None = None) -> str:
    """The profile as TOML text; with ``previous`` (the file's current text), unchanged
    values keep their formatting and comments."""
    new = profile_to_dict(profile)
    if previous is None:
        return tomlkit.dumps(new)
    document = tomlkit.parse(previous)
    _merge(document, new)
    return tomlkit.dumps(document)


def _merge(container: Any, new: Mapping[str, Any]) -> None:
    """Make ``container`` (a tomlkit table or document) equal ``new``, touching only what
    differs, so the rest keeps its comments and layout."""
    for key in [k for k in container if k not in new]:
        del container[key]
    for key, value in new.items():
        if key not in container:
            container[key] = value
            continue
        current = container[key]
        if (
            isinstance(value, dict)
            and isinstance(current, Table | dict)
            and not _is_inline(current)
        ):
            _merge(current, value)
        elif (
            isinstance(value, list)
            and isinstance(current, AoT)
            and len(current) == len(value)
            and all(isinstance(v, dict) for v in value)
        ):
            for table, item in zip(current, value, strict=True):
                _merge(table, item)
        elif _unwrap(current) != value:
            container[key] = value


def _is_inline(item: Any) -> bool:
    return isinstance(item, tomlkit.items.InlineTable)


def _unwrap(item: Any) -> Any:
    return item.unwrap() if hasattr(item, "unwrap") else item


def save_profile(profile: GameProfile, path: str | os.PathLike[str]) -> None:
    """Write ``profile`` as TOML to ``path`` atomically (a temp file, then ``os.replace``),
    keeping the comments and layout of what the file held."""
    path = Path(path)
    try:
        previous: str | None = path.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        previous = None
    try:
        text = dumps_profile(profile, previous)
    except tomlkit.exceptions.ParseError:
        text = dumps_profile(profile)  # the old file was not valid TOML: write it afresh
    atomic_write_text(path, text)
