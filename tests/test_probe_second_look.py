"""The probe's second look: an action left just short of significance by its first trials is
tried as many times again and judged on all of them; a key with no effect is not."""

from __future__ import annotations

import time

import numpy as np

from screen_agent.capture.frame import Frame
from screen_agent.geometry import Region
from screen_agent.input.sink import RecordingSink
from screen_agent.probe import ProbeRecord, ProbeSettings, judge, probe, record
from screen_agent.profile import Action, GameProfile

SETTINGS = ProbeSettings(trials=8, hold_s=0.08, settle_s=0.03, settle_jitter_s=0.03)


def profile() -> GameProfile:
    return GameProfile(
        name="lossy-key",
        regions={"game": Region(0, 0, 200, 200)},
        actions=(Action("noop", ()), Action("right", ("right",)), Action("fire", ("space",))),
    )


class LossyKeyGame:
    """A 200x200 window: a block that slides right while ``right`` is held, but only on every
    third press (a game that drops inputs under load), and springs back when released;
    ``space`` does nothing."""

    def __init__(self, sink: RecordingSink) -> None:
        self.sink = sink
        self.presses = 0
        self.was_held = False
        self.x = 20

    def grab(self) -> Frame:
        time.sleep(0.003)
        held = "right" in self.sink.held
        if held and not self.was_held:
            self.presses += 1
        self.was_held = held
        self.x = min(self.x + 6, 150) if held and self.presses % 3 == 1 else 20
        pixels = np.zeros((200, 200, 3), np.uint8)
        pixels[160:180, self.x : self.x + 30] = 255
        return Frame(pixels, time.monotonic())

    def close(self) -> None: ...


def test_a_key_that_works_a_third_of_the_time_gets_a_second_look() -> None:
    game = profile()
    sink = RecordingSink(game)
    screen = LossyKeyGame(sink)
    rng = np.random.default_rng(3)
    said: list[str] = []
    reports = {
        r.name: r for r in probe(game, screen, sink, SETTINGS, rng=rng, on_trial=said.append)
    }
    right, fire = reports["right"], reports["fire"]
    assert "right again (close, not yet clear)" in said
    assert right.trials == 2 * SETTINGS.trials and right.works, right
    assert not fire.works, fire  # and may have had a second look too


def test_the_first_look_alone_leaves_it_undecided() -> None:
    game = profile()
    sink = RecordingSink(game)
    seen = record(game, LossyKeyGame(sink), sink, SETTINGS, rng=np.random.default_rng(3))
    right, fire = judge(game, seen, SETTINGS)
    assert right.undecided and not right.works, right
    assert not fire.undecided, fire


def test_records_join_round_by_round() -> None:
    a = ProbeRecord(
        [np.zeros(1)], {1: [np.ones(1)], 2: [np.ones(1)]}, [np.zeros(1)], {1: [np.zeros(1)],
        2: [np.zeros(1)]}, [0], {1: [0], 2: [0]}
    )  # fmt: skip
    b = ProbeRecord(
        [np.zeros(1)], {1: [np.ones(1)]}, [np.zeros(1)], {1: [np.zeros(1)]}, [1], {1: [1]}
    )
    joined = a.extended(b)
    assert a.rounds == 1 and joined.rounds == 2
    assert len(joined.controls) == 2 and len(joined.trials[1]) == 2 and len(joined.trials[2]) == 1
    assert joined.trial_rounds == {1: [0, 1], 2: [0]} and joined.control_rounds == [0, 1]
