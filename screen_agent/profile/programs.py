"""Checking the programs a profile's ``[launch]`` starts: argv lists, environments and
helper processes, whose ``{placeholders}`` must all be known (:mod:`.placeholders`)."""

from __future__ import annotations

from typing import Any

from screen_agent.profile.checks import Checker, describe, join
from screen_agent.profile.model import Helper
from screen_agent.profile.placeholders import placeholder_problem, placeholders_in


def argv_list(c: Checker, value: Any, where: str, example: str) -> tuple[str, ...]:
    """A non-empty list of non-empty strings whose placeholders are all known."""
    if not isinstance(value, list) or not value or not all(isinstance(a, str) and a for a in value):
        raise c.fail(where, f"expected a non-empty list of strings, got {describe(value)}", example)
    for i, arg in enumerate(value):
        known_placeholders(c, arg, join(where, i))
    return tuple(value)


def known_placeholders(c: Checker, text: str, where: str) -> str:
    """``text``, if every placeholder in it is known."""
    problem = placeholder_problem(text)
    if problem is not None:
        raise c.fail(where, problem, "fix the placeholder (see calibration/README.md, [launch])")
    return text


def environment(c: Checker, value: Any, where: str) -> dict[str, str]:
    """A table of environment variables (strings, placeholders known)."""
    env = c.table(value, where)
    for key, val in env.items():
        known_placeholders(c, c.string(val, join(where, key)), join(where, key))
    return dict(env)


def helper(c: Checker, value: Any, where: str) -> Helper:
    """A ``[[launch.helpers]]`` table: its command, environment and ``ready_tcp``."""
    table = c.table(value, where)
    c.no_unknown(table, ("command", "env", "ready_tcp"), where)
    command = argv_list(
        c,
        c.required(
            table, "command", where, 'give the argv, like ["{python}", "-m", "http.server"]'
        ),
        join(where, "command"),
        'write the argv, like ["{python}", "-m", "http.server", "{port}"]',
    )
    env = environment(c, table.get("env", {}), join(where, "env"))
    ready = None
    if "ready_tcp" in table:
        ready = known_placeholders(
            c, c.string(table["ready_tcp"], join(where, "ready_tcp")), join(where, "ready_tcp")
        )
        host, _, port = ready.rpartition(":")
        if not host or not (port.isdigit() or placeholders_in(port) == {"port"}):
            raise c.fail(
                join(where, "ready_tcp"),
                f"expected HOST:PORT, got {ready!r}",
                'write it like "127.0.0.1:{port}"',
            )
    return Helper(command, env, ready)
