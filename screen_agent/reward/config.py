"""Reading one ``[[rewards]]`` table: typed keys, defaults, and one-line errors that name the
file, the field and the fix (``calibration/x.toml: rewards[1].threshold: ...``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from screen_agent.errors import UserError

_REQUIRED = object()


class RewardConfigError(UserError):
    """A ``[[rewards]]`` table that cannot be used; the message says which field and what to do."""


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


class TableReader:
    """Reads keys of one table and remembers which it read, so :meth:`finish` can refuse the
    rest as unknown (a typo like ``setle_frames`` must not silently fall back to a default)."""

    def __init__(self, table: Any, where: str, source: str) -> None:
        self.source = source
        self.where = where
        if not isinstance(table, dict):
            raise self.fail(
                "", f"expected a table, got {_describe(table)}", "write { key = value }"
            )
        self.table = table
        self.read: set[str] = set()

    @property
    def directory(self) -> Path:
        """Folder of the source file: relative file names in tables are relative to it."""
        return Path(self.source).parent

    def fail(self, key: str, problem: str, fix: str) -> RewardConfigError:
        field = f"{self.where}.{key}" if key else self.where
        return RewardConfigError(" ".join(f"{self.source}: {field}: {problem}; {fix}".split()))

    def has(self, key: str) -> bool:
        return key in self.table

    def raw(self, key: str, default: Any = _REQUIRED, fix: str = "add it") -> Any:
        self.read.add(key)
        if key in self.table:
            return self.table[key]
        if default is _REQUIRED:
            raise self.fail(key, "missing", fix)
        return default

    def number(
        self,
        key: str,
        default: Any = _REQUIRED,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        above: float | None = None,
        integer: bool = False,
    ) -> float:
        value = self.raw(key, default)
        kind = "an integer" if integer else "a number"
        ok = isinstance(value, int) if integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok or not math.isfinite(value):
            raise self.fail(key, f"expected {kind}, got {_describe(value)}", f"write {kind}")
        self._bounds(key, value, minimum, maximum, above)
        return value

    def _bounds(
        self,
        key: str,
        value: float,
        minimum: float | None,
        maximum: float | None,
        above: float | None,
    ) -> None:
        if minimum is not None and maximum is not None and not minimum <= value <= maximum:
            raise self.fail(key, f"must be between {minimum} and {maximum}, got {value}", "fix it")
        if minimum is not None and value < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {value}", "raise it")
        if maximum is not None and value > maximum:
            raise self.fail(key, f"must be at most {maximum}, got {value}", "lower it")
        if above is not None and value <= above:
            raise self.fail(key, f"must be greater than {above}, got {value}", "raise it")

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.fail(
                key, f"expected true or false, got {_describe(value)}", "write true or false"
            )
        return value

    def choice(self, key: str, choices: Sequence[str], default: Any = _REQUIRED) -> str:
        options = ", ".join(f'"{c}"' for c in choices)
        value = self.raw(key, default, fix=f"add {key} = one of {options}")
        if value not in choices:
            raise self.fail(key, f"unknown value {_describe(value)}", f"use one of {options}")
        return value

    def string(self, key: str, default: Any = _REQUIRED) -> str:
        value = self.raw(key, default)
        if not isinstance(value, str) or not value:
            raise self.fail(key, f"expected a non-empty string, got {_describe(value)}", "quote it")
        return value

    def colour(self, key: str, default: Any = _REQUIRED) -> tuple[int, int, int]:
        value = self.raw(key, default)
        if (
            not isinstance(value, list | tuple)
            or len(value) != 3
            or not all(
                isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in value
            )
        ):
            raise self.fail(
                key,
                f"expected [red, green, blue], got {_describe(value)}",
                "use three integers 0-255",
            )
        return (int(value[0]), int(value[1]), int(value[2]))

    def interval(self, key: str, low: float, high: float) -> tuple[float, float]:
        value = self.raw(key)
        if (
            not isinstance(value, list | tuple)
            or len(value) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        ):
            raise self.fail(
                key, f"expected [min, max], got {_describe(value)}", "write two numbers"
            )
        lo, hi = float(value[0]), float(value[1])
        if not low <= lo <= hi <= high:
            raise self.fail(
                key, f"needs {low} <= min <= max <= {high}, got [{lo}, {hi}]", "fix the bounds"
            )
        return lo, hi

    def sub(self, key: str) -> TableReader:
        """A nested table (``digits = { ... }``), read with its own unknown-key check."""
        return TableReader(self.raw(key), f"{self.where}.{key}", self.source)

    def finish(self) -> None:
        """Refuse keys no one read."""
        unknown = sorted(set(self.table) - self.read)
        if unknown:
            known = ", ".join(sorted(self.read))
            raise self.fail(unknown[0], "unknown key", f"remove it; this table takes {known}")
