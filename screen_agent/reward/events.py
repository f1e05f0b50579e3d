"""What a reward rule reports per frame, and the interface every rule follows."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from screen_agent.geometry import Region


@dataclass(frozen=True)
class RewardEvent:
    """The reward of one frame and whether it ended the episode."""

    reward: float = 0.0
    """Reward for this frame, in the game's score units (0 when nothing happened)."""
    game_over: bool = False
    """True if a game-over rule fired on this frame."""
    fired: tuple[tuple[str, float], ...] = field(default=(), compare=False)
    """(rule name, its reward) of each rule that fired on this frame (for logs; not part of
    equality)."""

    def __add__(self, other: RewardEvent) -> RewardEvent:
        """Combine two rules' events: rewards add up, any game over ends the episode."""
        return RewardEvent(
            self.reward + other.reward, self.game_over or other.game_over, self.fired + other.fired
        )


NOTHING = RewardEvent()
"""The event of a frame on which no rule fired."""


@dataclass(frozen=True)
class RuleCommon:
    """The keys every ``[[rewards]]`` table has."""

    name: str
    """Where the rule came from, for messages and plots, e.g. ``rewards[0] (digits on score)``."""
    region_name: str
    """The region's name in ``[regions]``."""
    region: Region
    """The region's rectangle in the frame."""
    reward: float
    """What the rule gives when it fires (for ``digits``: the factor on the difference)."""
    game_over: bool
    """Whether firing ends the episode."""


class Rule(ABC):
    """A reward rule: reads only its region of each frame; stateful (debounce, edges)."""

    def __init__(self, common: RuleCommon) -> None:
        self.common = common

    @property
    def name(self) -> str:
        return self.common.name

    def crop(self, frame: np.ndarray) -> np.ndarray:
        """The rule's region of ``frame`` (a view, no copy)."""
        r = self.common.region
        return frame[r.y : r.bottom, r.x : r.right]

    def fire(self, scale: float = 1.0) -> RewardEvent:
        """The event of this rule firing (``scale`` multiplies the reward)."""
        reward = self.common.reward * scale
        return RewardEvent(reward, self.common.game_over, ((self.name, reward),))

    @abstractmethod
    def signal(self, frame: np.ndarray) -> float:
        """A number to plot while calibrating (its unit depends on the rule); no side effects."""

    @abstractmethod
    def update(self, frame: np.ndarray, time_s: float) -> RewardEvent:
        """Feed the next frame, grabbed at ``time_s`` (seconds, any monotonic origin)."""

    @abstractmethod
    def reset(self) -> None:
        """Forget everything seen: call when a new episode starts (the next frame is the
        baseline, so a score reset to 0 by a restart gives no reward)."""
