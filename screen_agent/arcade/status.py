"""A small JSON status file a game rewrites a few times a second, for tests and tools.

Tests read it to know the game is up and to count emulated frames against the clock (the
frame-rate test); everything a player or agent needs is on screen, not here. Times are
``time.monotonic()`` seconds, comparable across processes on the same machine (Linux).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any


class StatusWriter:
    """Rewrites ``path`` atomically (write a temporary file, then rename) at most every
    ``interval_s`` seconds, so a reader never sees half a file."""

    def __init__(self, path: str | os.PathLike[str], interval_s: float = 0.2) -> None:
        self.path = Path(path)
        self.interval_s = interval_s
        self._last = -float("inf")

    def maybe_write(self, status: dict[str, Any], force: bool = False) -> bool:
        """Write ``status`` plus a ``time`` stamp if the interval has passed (or ``force``)."""
        now = time.monotonic()
        if not force and now - self._last < self.interval_s:
            return False
        self._last = now
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps({**status, "time": now}))
        os.replace(tmp, self.path)
        return True


def read_status(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The last status written, or None if there is none yet."""
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        return None
