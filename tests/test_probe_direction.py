"""The probe's trials see which way things move: a key that turns a runner who moves anyway
(as a maze game's arrows do) changes no amount of motion, only its direction."""

from __future__ import annotations

import time

import numpy as np

from screen_agent.capture.frame import Frame
from screen_agent.geometry import Region
from screen_agent.input.sink import RecordingSink
from screen_agent.probe import ProbeSettings, judge, record
from screen_agent.profile import Action, GameProfile

SETTINGS = ProbeSettings(trials=10, hold_s=0.1, settle_s=0.05, settle_jitter_s=0.05)


def profile() -> GameProfile:
    return GameProfile(
        name="runner",
        regions={"game": Region(0, 0, 200, 200)},
        actions=(Action("noop", ()), Action("up", ("up",)), Action("dead", ("x",))),
    )


class RunnerGame:
    """A 200x200 window in which a runner (a 12x12 block) always moves 3 pixels a grab,
    wrapping at the edges; on its own it turns left, right or down at half of its crossings
    (every fourth grab), and while ``up`` is held it turns up at the next one. Blocks flicker
    about on their own. ``x`` does nothing."""

    def __init__(self, sink: RecordingSink, rng: np.random.Generator) -> None:
        self.sink = sink
        self.rng = rng
        self.y, self.x = 100.0, 100.0
        self.heading = (0, 3)
        self.grabs = 0

    def grab(self) -> Frame:
        time.sleep(0.003)
        self.grabs += 1
        if self.grabs % 4 == 0:
            if "up" in self.sink.held:
                self.heading = (-3, 0)
            elif self.rng.random() < 0.5:
                self.heading = [(0, -3), (0, 3), (3, 0)][int(self.rng.integers(3))]
        self.y = (self.y + self.heading[0]) % 188
        self.x = (self.x + self.heading[1]) % 188
        pixels = np.zeros((200, 200, 3), np.uint8)
        for y, x in self.rng.integers(0, 190, size=(2, 2)):
            pixels[y : y + 10, x : x + 10] = 120
        y, x = int(self.y), int(self.x)
        pixels[y : y + 12, x : x + 12] = 255
        return Frame(pixels, time.monotonic())

    def close(self) -> None: ...


def test_a_key_that_only_turns_the_runner_is_found_and_a_dead_key_is_not() -> None:
    game = profile()
    sink = RecordingSink(game)
    for seed in range(3):
        screen = RunnerGame(sink, np.random.default_rng(seed))
        seen = record(game, screen, sink, SETTINGS, rng=np.random.default_rng(seed + 10))
        up, dead = judge(game, seen, SETTINGS)
        assert up.works, (seed, up)
        assert not dead.works, (seed, dead)
