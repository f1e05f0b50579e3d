"""The probe's third look (random play at the decision rate): a key whose effect is small next
to what the game does on its own is found; a key with no effect is not."""

from __future__ import annotations

import time

import numpy as np

from screen_agent.capture.frame import Frame
from screen_agent.geometry import Region
from screen_agent.input.sink import RecordingSink
from screen_agent.probe import ProbeSettings, probe
from screen_agent.probe.play import PLAY_SIGNIFICANCE, judge_play, record_play
from screen_agent.profile import Action, GameProfile


def profile() -> GameProfile:
    return GameProfile(
        name="nudge",
        regions={"game": Region(0, 0, 160, 160)},
        actions=(Action("noop", ()), Action("right", ("right",)), Action("dead", ("x",))),
        decisions_per_second=60.0,
    )


class NudgeGame:
    """A 160x160 window full of blocks that jump about on their own every grab, and a small
    player that steps 2 pixels right while ``right`` is held (and drifts back left otherwise);
    ``x`` does nothing."""

    def __init__(self, sink: RecordingSink, rng: np.random.Generator) -> None:
        self.sink = sink
        self.rng = rng
        self.x = 60

    def grab(self) -> Frame:
        time.sleep(0.002)
        self.x = min(self.x + 2, 140) if "right" in self.sink.held else max(self.x - 1, 10)
        return Frame(self.draw(), time.monotonic())

    def draw(self) -> np.ndarray:
        pixels = np.zeros((160, 160, 3), np.uint8)
        corners = self.rng.integers(0, 140, size=(6, 2))  # the game's own motion
        for y, x in corners:
            pixels[y : y + 20, x : x + 20] = 200
        pixels[150:156, self.x : self.x + 6] = 255
        return pixels

    def close(self) -> None: ...


def test_random_play_finds_a_small_effect_and_not_a_dead_key() -> None:
    game = profile()
    sink = RecordingSink(game)
    rng = np.random.default_rng(5)
    seen = record_play(game, NudgeGame(sink, np.random.default_rng(6)), sink, rng)
    assert len(seen.actions) == 80 * 3 and set(seen.actions) == {0, 1, 2}
    assert not sink.held, "random play leaves no key held"
    right = judge_play(seen, 1, 0, rng)
    dead = judge_play(seen, 2, 0, rng)
    assert right.chance <= PLAY_SIGNIFICANCE, right
    assert dead.chance > PLAY_SIGNIFICANCE, dead


def test_the_probe_gives_a_failed_key_the_third_look() -> None:
    game = profile()
    sink = RecordingSink(game)
    said: list[str] = []
    settings = ProbeSettings(trials=4, hold_s=0.05, settle_s=0.02, settle_jitter_s=0.02)
    reports = {
        r.name: r
        for r in probe(
            game,
            NudgeGame(sink, np.random.default_rng(7)),
            sink,
            settings,
            rng=np.random.default_rng(8),
            on_trial=said.append,
        )
    }
    assert any("random play" in line and "dead" in line for line in said), said
    assert not reports["dead"].works, reports["dead"]
    assert reports["right"].works, reports["right"]
    no_play = probe(
        game,
        NudgeGame(sink, np.random.default_rng(7)),
        sink,
        ProbeSettings(trials=4, hold_s=0.05, settle_s=0.02, settle_jitter_s=0.02, play=False),
        rng=np.random.default_rng(8),
    )
    assert all(r.basis != "play" for r in no_play)
