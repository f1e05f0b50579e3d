"""What a running trainer or player reports: plain, picklable dataclasses (no torch), so a
GUI in another thread or process can receive them without loading the learning stack."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class EpisodeEvent:
    """An episode ended."""

    step: int
    """Decisions so far."""
    episode: int
    """Episodes ended so far, this one included (the first is 1)."""
    ret: float
    """The episode's return (the profile's rewards summed)."""
    length: int
    """The episode's decisions."""


@dataclass(frozen=True)
class StatsEvent:
    """Training statistics over the last few seconds; times in milliseconds."""

    step: int
    updates: int
    loss: float | None
    q_mean: float | None
    epsilon: float
    decisions_per_second: float
    lateness_ms_p99: float
    latency_ms_p99: float


@dataclass(frozen=True)
class FrameEvent:
    """What the agent sees and does: its (4, 84, 84) uint8 observation and the action's name."""

    step: int
    frames: np.ndarray
    action: str


@dataclass(frozen=True)
class PauseEvent:
    """Acting paused (message) or resumed (None), e.g. when the game window loses focus."""

    message: str | None


TrainerEvent = EpisodeEvent | StatsEvent | FrameEvent | PauseEvent
