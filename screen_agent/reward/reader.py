"""RewardReader: all of a profile's rules over one frame, combined into one RewardEvent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from screen_agent.geometry import Region
from screen_agent.profile import GameProfile, ProfileError
from screen_agent.reward.build import build_rules
from screen_agent.reward.events import NOTHING, RewardEvent, Rule


class RewardReader:
    """Reads rewards and game over from frames of the window's client area.

    ``read`` takes the whole client area (H, W, 3) uint8 RGB, the frame the profile's regions
    are measured in, so one grab serves the agent's game region and the score and banner
    regions around it. Rules read their own regions; the event is the sum of their rewards
    and the OR of their game-over flags.
    """

    def __init__(self, rules: Sequence[Rule], decisions_per_second: float = 15.0) -> None:
        self.rules = list(rules)
        self.decisions_per_second = decisions_per_second
        """Used for the frame clock when ``read`` gets no time stamps."""
        self._frames = 0
        self._checked_shape: tuple[int, ...] | None = None

    @classmethod
    def from_tables(
        cls,
        tables: Sequence[Mapping[str, Any]],
        regions: Mapping[str, Region],
        source: str,
        decisions_per_second: float = 15.0,
    ) -> RewardReader:
        """Build from ``[[rewards]]`` tables (see :func:`build_rules`)."""
        return cls(build_rules(tables, regions, source), decisions_per_second)

    @classmethod
    def for_profile(cls, profile: GameProfile, source: str) -> RewardReader:
        """The profile's rules, reading frames of the window's client area; ``source`` is the
        profile's path (relative template and digit files are found next to it)."""
        return cls.from_tables(
            profile.rewards, profile.regions, source, profile.decisions_per_second
        )

    def _check(self, frame: np.ndarray) -> None:
        if frame.shape == self._checked_shape:
            return
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(
                f"expected an (H, W, 3) uint8 RGB frame, got {frame.dtype} {frame.shape}"
            )
        height, width = frame.shape[:2]
        for rule in self.rules:
            r = rule.common.region
            if not Region(0, 0, width, height).holds(r):
                raise ProfileError(
                    f"{rule.name}: region {rule.common.region_name!r} {r.as_tuple()} lies outside "
                    f"the {width}x{height} frame; measure it in the window's client area"
                )
        self._checked_shape = frame.shape

    def read(self, frame: np.ndarray, time_s: float | None = None) -> RewardEvent:
        """The event of the next frame. ``time_s``: when it was grabbed (seconds, monotonic);
        without it, frames are taken to come at ``decisions_per_second``."""
        self._check(frame)
        if time_s is None:
            time_s = self._frames / self.decisions_per_second
        self._frames += 1
        event = NOTHING
        for rule in self.rules:
            event = event + rule.update(frame, time_s)
        return event

    def signals(self, frame: np.ndarray) -> dict[str, float]:
        """Each rule's plotting signal for ``frame`` (no state changes)."""
        self._check(frame)
        return {rule.name: rule.signal(frame) for rule in self.rules}

    def reset(self) -> None:
        """Start a new episode: every rule takes its next frame as the baseline."""
        self._frames = 0
        for rule in self.rules:
            rule.reset()
