"""A fixed-step clock: how many game steps are due, measured on a monotonic clock.

Games here advance in fixed steps (an Atari frame, a Catch tick). Sleeping a step's length and
then stepping drifts: every late wake-up is lost for good. Instead the clock counts the steps due
since it started, ``floor(elapsed * rate)``, minus those already taken, so a late timer is made
up by the next one and the long-run rate is exact.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class FixedStepClock:
    """Counts due steps at ``rate_hz`` steps per second of monotonic time, with pause support.

    Call :meth:`due` whenever convenient (a timer); it returns how many steps to take now and
    counts them as taken.
    """

    rate_hz: float
    """Steps per second (an Atari runs 60; ``--speed`` multiplies it)."""
    max_catch_up: int = 10
    """Most steps :meth:`due` returns at once. When the process stalled longer than this, the
    missing time is dropped (counted in :attr:`dropped_s`) rather than fast-forwarded, so a
    stall does not make the game jump."""
    now: Callable[[], float] = time.monotonic
    """The clock, in seconds; replaceable in tests."""
    steps: int = field(default=0, init=False)
    """Steps taken since :meth:`start`."""
    skipped: int = field(default=0, init=False)
    """Steps skipped over (never taken) because of :attr:`max_catch_up`. Kept as a whole
    number of steps, so skipping does not disturb the step grid with rounding."""
    _origin: float = field(default=0.0, init=False, repr=False)
    _paused_at: float | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.rate_hz <= 0:
            raise ValueError(f"rate_hz must be positive, got {self.rate_hz}")
        if self.max_catch_up < 1:
            raise ValueError(f"max_catch_up must be at least 1, got {self.max_catch_up}")
        self.start()

    def start(self) -> None:
        """Restart counting from now, with no steps due and not paused."""
        self._origin = self.now()
        self.steps = 0
        self.skipped = 0
        self._paused_at = None

    @property
    def dropped_s(self) -> float:
        """Seconds of stall skipped over because of :attr:`max_catch_up`."""
        return self.skipped / self.rate_hz

    @property
    def paused(self) -> bool:
        """Whether the clock is stopped (no steps come due while paused)."""
        return self._paused_at is not None

    def pause(self) -> None:
        """Stop time for the game; idempotent."""
        if self._paused_at is None:
            self._paused_at = self.now()

    def resume(self) -> None:
        """Let time run again, without counting the paused span; idempotent."""
        if self._paused_at is not None:
            self._origin += self.now() - self._paused_at
            self._paused_at = None

    def due(self) -> int:
        """Number of steps to take now (0 while paused); they are counted as taken."""
        if self._paused_at is not None:
            return 0
        target = math.floor((self.now() - self._origin) * self.rate_hz) - self.skipped
        n = target - self.steps
        if n > self.max_catch_up:
            self.skipped += n - self.max_catch_up
            n = self.max_catch_up
        n = max(n, 0)
        self.steps += n
        return n
