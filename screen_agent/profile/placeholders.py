"""Placeholders in a profile's ``[launch]`` strings: ``{profile_dir}``, ``{tmp}``, ``{port}``,
``{python}``.

A launch command must often name things that differ from one machine or one launch to the
next: files next to the profile (a web game's folder), a fresh folder (a browser's
``--user-data-dir``), a free TCP port (a local web server and the browser that loads from
it). The loader checks that every ``{name}`` is known; the launcher fills them in. ``{{`` and
``}}`` stand for literal braces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDERS: dict[str, str] = {
    "profile_dir": "the folder of the profile file, absolute",
    "tmp": "a fresh empty folder for this launch (removed when the game is stopped)",
    "port": "a free TCP port on 127.0.0.1, the same everywhere in one launch",
    "python": "the Python interpreter running screen-agent",
}
"""Every placeholder name and what it stands for."""

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def placeholder_problem(text: str) -> str | None:
    """Why ``text`` cannot be expanded (an unknown name, a lone brace), or None."""
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        if match.group(1) is None:
            return f"a lone {token!r} (write {token * 2} for a literal brace)"
        if match.group(1) not in PLACEHOLDERS:
            known = ", ".join("{" + n + "}" for n in PLACEHOLDERS)
            return f"unknown placeholder {token} (known: {known})"
    return None


def placeholders_in(text: str) -> set[str]:
    """The placeholder names ``text`` uses."""
    return {m.group(1) for m in _TOKEN.finditer(text) if m.group(1) is not None}


def expand(text: str, values: Mapping[str, str]) -> str:
    """``text`` with every ``{name}`` replaced by ``values[name]`` and ``{{``/``}}`` by braces.

    Raises KeyError for a name missing from ``values`` (the loader refuses unknown names, so
    this is a programming error).
    """

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        if match.group(1) is None:
            raise KeyError(token)
        return values[match.group(1)]

    return _TOKEN.sub(replace, text)
