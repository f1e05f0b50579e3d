"""A scripted screen for fast tests of the real-time trainer: no display, real ScreenEnv,
real reward rules, a RecordingSink in place of the keyboard.

Each grab draws an 84x84 game region whose grey level is the grab's number (so a stored
frame says which grab it came from: max-pooling two increasing frames keeps the newer one)
and a ``flag`` region that is white while the "right" key is held: a ``range`` rule rewards
that, so the reward of a transition says which action it followed. Hooks run at chosen grab
numbers (pause the trainer, take the focus away) so tests can place events exactly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from screen_agent.capture.frame import Frame
from screen_agent.envs.screen import ScreenEnv
from screen_agent.envs.session import ScreenSession, make_session
from screen_agent.input.sink import RecordingSink
from screen_agent.profile import GameProfile, profile_from_dict
from screen_agent.reward.reader import RewardReader

NOOP, LEFT, RIGHT = 0, 1, 2


def scripted_profile(reward: float = 1.0, episode_seconds: float = 1000.0) -> GameProfile:
    return profile_from_dict(
        {
            "name": "scripted",
            "decisions_per_second": 15,
            "episode_seconds": episode_seconds,
            "regions": {
                "game": {"x": 0, "y": 0, "width": 84, "height": 84},
                "flag": {"x": 84, "y": 0, "width": 8, "height": 8},
            },
            "actions": [
                {"name": "noop", "keys": []},
                {"name": "left", "keys": ["left"]},
                {"name": "right", "keys": ["right"]},
            ],
            "rewards": [
                {
                    "kind": "range",
                    "region": "flag",
                    "colour": [255, 255, 255],
                    "fraction": [0.5, 1.0],
                    "trigger": "while",
                    "settle_frames": 1,
                    "reward": reward,
                }
            ],
        },
        "scripted.toml",
    )


class ScriptedScreen:
    """Frames of a 92x84 'window'; see the module docstring.

    Args:
        sink: whose held keys the frames show.
        interval_s: how long a grab takes (a game's frame rate, roughly).
    """

    def __init__(self, sink: RecordingSink, interval_s: float = 0.0) -> None:
        self.sink = sink
        self.interval_s = interval_s
        self.grabs = 0
        self.hooks: dict[int, Callable[[], Any]] = {}
        """Grab number -> called just before that grab is drawn."""
        self.held_at_grab: list[frozenset[str]] = []

    def grab(self) -> Frame:
        if self.interval_s:
            time.sleep(self.interval_s)
        self.grabs += 1
        hook = self.hooks.pop(self.grabs, None)
        if hook is not None:
            hook()
        pixels = np.zeros((84, 92, 3), np.uint8)
        pixels[:, :84] = min(self.grabs, 255)
        held = self.sink.held
        self.held_at_grab.append(held)
        if "right" in held:
            pixels[0:8, 84:92] = 255
        return Frame(pixels, time.monotonic())

    def close(self) -> None: ...


def scripted_session(
    reward: float = 1.0, interval_s: float = 0.0, episode_seconds: float = 1000.0
) -> tuple[ScreenSession, ScriptedScreen, RecordingSink]:
    profile = scripted_profile(reward, episode_seconds)
    sink = RecordingSink(profile)
    screen = ScriptedScreen(sink, interval_s)
    env = ScreenEnv(
        profile, screen, sink, RewardReader.for_profile(profile, "scripted.toml"), realtime=False
    )
    return make_session(env), screen, sink


def after(seconds: float, action: Callable[[], Any]) -> None:
    """Run ``action`` in ``seconds`` from now, in a thread."""
    timer = threading.Timer(seconds, action)
    timer.daemon = True
    timer.start()
