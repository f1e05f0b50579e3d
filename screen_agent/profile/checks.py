"""Typed reading of a profile's TOML tables, with one-line errors that name the file, the field
and the fix (``calibration/x.toml: rewards[1].threshold: must be at most 1, got 2; lower it``)."""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from typing import Any

from screen_agent.errors import UserError
from screen_agent.keys import KEY_NAMES


class ProfileError(UserError):
    """A profile that cannot be used; the message names the file, the field and the fix."""


def describe(value: Any) -> str:
    """A value as an error message shows it: its kind, and its text (shortened)."""
    kind = {
        bool: "a boolean",
        str: "a string",
        int: "an integer",
        float: "a number",
        list: "a list",
        dict: "a table",
    }
    text = repr(value)
    text = text if len(text) <= 30 else text[:27] + "..."
    return f"{kind.get(type(value), type(value).__name__)} {text}"


def join(where: str, key: str | int) -> str:
    """``where.key`` (``where[key]`` for list indices)."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


def is_number(value: Any) -> bool:
    """A finite int or float, not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class Checker:
    """Reads values of one profile file; every failure is a ProfileError naming ``source``."""

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
                f"expected a table, got {describe(value)}",
                "write it as { key = value, ... }",
            )
        return value

    def tables(self, value: Any, where: str, example: str) -> list[dict[str, Any]]:
        """A list of tables (``[[where]]``)."""
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(where, f"expected [[{where}]] tables, got {describe(value)}", example)
        return value

    def no_unknown(self, table: Mapping[str, Any], known: Sequence[str], where: str) -> None:
        for key in table:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = (
                    f"did you mean {close[0]!r}?" if close else f"known fields: {', '.join(known)}"
                )
                raise self.fail(join(where, key), "unknown field", f"remove it ({hint})")

    def required(self, table: Mapping[str, Any], key: str, where: str, fix: str) -> Any:
        if key not in table:
            raise self.fail(join(where, key), "missing", fix)
        return table[key]

    def string(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(
                where,
                f"expected a non-empty string, got {describe(value)}",
                'write it in quotes, like "left"',
            )
        return value

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(
                where, f"expected true or false, got {describe(value)}", "write true or false"
            )
        return value

    def integer(self, value: Any, where: str, *limits: int | None, unit: str = "") -> int:
        """``value`` as an int; ``limits`` are :meth:`bounds`' minimum and maximum."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(
                where,
                f"expected a whole number, got {describe(value)}",
                "write an integer without quotes or decimals",
            )
        self.bounds(value, where, *limits, unit=unit)
        return value

    def number(self, value: Any, where: str, *limits: float | None, unit: str = "") -> float:
        """``value`` as a float; ``limits`` are :meth:`bounds`' minimum, maximum and above."""
        if not is_number(value):
            raise self.fail(
                where, f"expected a number, got {describe(value)}", "write a number without quotes"
            )
        self.bounds(value, where, *limits, unit=unit)
        return float(value)

    def bounds(
        self,
        value: float,
        where: str,
        minimum: float | None = None,
        maximum: float | None = None,
        above: float | None = None,
        unit: str = "",
    ) -> None:
        u = f" {unit}" if unit else ""
        if minimum is not None and maximum is not None and not minimum <= value <= maximum:
            raise self.fail(
                where,
                f"must be between {minimum:g} and {maximum:g}{u}, got {value:g}",
                "use a value in that range",
            )
        if minimum is not None and value < minimum:
            raise self.fail(
                where,
                f"must be at least {minimum:g}{u}, got {value:g}",
                f"use a value >= {minimum:g}",
            )
        if maximum is not None and value > maximum:
            raise self.fail(
                where,
                f"must be at most {maximum:g}{u}, got {value:g}",
                f"use a value <= {maximum:g}",
            )
        if above is not None and value <= above:
            raise self.fail(
                where,
                f"must be greater than {above:g}{u}, got {value:g}",
                f"use a value > {above:g}",
            )

    def choice(self, value: Any, where: str, choices: Sequence[str]) -> str:
        options = ", ".join(f'"{c}"' for c in choices)
        if value not in choices:
            raise self.fail(where, f"unknown value {describe(value)}", f"use one of {options}")
        return value

    def colour(self, value: Any, where: str) -> tuple[int, int, int]:
        if (
            not isinstance(value, list | tuple)
            or len(value) != 3
            or not all(
                isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in value
            )
        ):
            raise self.fail(
                where,
                f"expected [red, green, blue], got {describe(value)}",
                "use three integers 0-255",
            )
        return (int(value[0]), int(value[1]), int(value[2]))

    def interval(self, value: Any, where: str, low: float, high: float) -> tuple[float, float]:
        if (
            not isinstance(value, list | tuple)
            or len(value) != 2
            or not all(is_number(v) for v in value)
        ):
            raise self.fail(
                where, f"expected [min, max], got {describe(value)}", "write two numbers"
            )
        lo, hi = float(value[0]), float(value[1])
        if not low <= lo <= hi <= high:
            raise self.fail(
                where,
                f"needs {low:g} <= min <= max <= {high:g}, got [{lo:g}, {hi:g}]",
                "fix the bounds",
            )
        return lo, hi

    def point(self, value: Any, where: str) -> tuple[int, int]:
        """A window-relative point ``{ x = .., y = .. }`` in pixels (>= 0)."""
        table = self.table(value, where)
        self.no_unknown(table, ("x", "y"), where)
        x, y = (
            self.integer(
                self.required(table, k, where, "give x and y in pixels"), join(where, k), 0
            )
            for k in ("x", "y")
        )
        return x, y

    def key_list(self, value: Any, where: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(
                where,
                f"expected a list of key names, got {describe(value)}",
                'write it like ["left", "space"] (or [] for no keys)',
            )
        keys: list[str] = []
        for i, key in enumerate(value):
            here = join(where, i)
            if not isinstance(key, str):
                raise self.fail(
                    here,
                    f"expected a key name, got {describe(key)}",
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
                raise self.fail(here, f"unknown key {key!r}", f"use a key name ({hint})")
            if key in keys:
                raise self.fail(here, f"key {key!r} is listed twice", "list each key once")
            keys.append(key)
        return tuple(keys)
