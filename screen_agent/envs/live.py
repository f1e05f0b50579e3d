"""Open a profile's game on the real screen: mss capture, keyboard sink, reward reader."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from screen_agent.envs.screen import ScreenEnv
from screen_agent.profile import GameProfile
from screen_agent.reward.reader import RewardReader


def reward_reader(profile: GameProfile, profile_path: Path | str) -> RewardReader:
    """The profile's reward rules, reading frames of the window's client area."""
    regions = {name: (r.x, r.y, r.width, r.height) for name, r in profile.regions.items()}
    return RewardReader.from_tables(
        profile.rewards, regions, str(profile_path), profile.decisions_per_second
    )


def open_live_env(
    profile: GameProfile,
    profile_path: Path | str,
    on_pause: Callable[[str | None], None] | None = None,
    display: str | None = None,
) -> ScreenEnv:
    """A ScreenEnv on the live screen: the window's whole client area is grabbed each tick
    (the game region is cropped from it, the score regions read from it) and the profile's keys
    are pressed only while the game window has keyboard focus. Close it to release every key."""
    from screen_agent.capture.mss_source import MssSource
    from screen_agent.input.keyboard import KeyboardSink

    reader = reward_reader(profile, profile_path)
    source = MssSource(profile, region=None, display=display)
    try:
        sink = KeyboardSink(profile, display=display)
    except BaseException:
        source.close()
        raise
    return ScreenEnv(profile, source, sink, reader, on_pause=on_pause)
