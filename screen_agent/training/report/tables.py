"""One CSV file of a run directory as numeric arrays and text columns."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TEXT_COLUMNS = frozenset({"rule", "event"})


@dataclass(frozen=True)
class Table:
    """The rows of one CSV file: numeric columns as float arrays (blank cells are NaN), the
    text columns (``rule``, ``event``) as lists of strings."""

    numbers: dict[str, np.ndarray]
    texts: dict[str, list[str]]
    rows: int

    def column(self, name: str) -> np.ndarray | None:
        """The column as floats, or None if the file has no such column or it is all blank."""
        values = self.numbers.get(name)
        if values is None or not np.isfinite(values).any():
            return None
        return values


def read_table(path: Path) -> Table | None:
    """The CSV at ``path``; None if it is missing, empty or has no data rows."""
    if not path.is_file():
        return None
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    if len(rows) < 2:
        return None
    header, body = rows[0], [r for r in rows[1:] if r]
    if not body:
        return None
    numbers: dict[str, np.ndarray] = {}
    texts: dict[str, list[str]] = {}
    for i, name in enumerate(header):
        cells = [row[i] if i < len(row) else "" for row in body]
        if name in TEXT_COLUMNS:
            texts[name] = cells
        else:
            numbers[name] = np.array([_number(c) for c in cells], dtype=np.float64)
    return Table(numbers, texts, len(body))


def _number(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        return math.nan  # blank, or a row cut short by a crash
