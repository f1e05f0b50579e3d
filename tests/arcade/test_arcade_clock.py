"""The fixed-step clock: exact long-run rate, pause, and no fast-forward after a stall."""

from __future__ import annotations

from screen_agent.arcade.clock import FixedStepClock


class FakeTime:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_late_timers_are_made_up_so_the_rate_does_not_drift() -> None:
    now = FakeTime()
    clock = FixedStepClock(60.0, now=now)
    total = 0
    # Wake every 17.3 ms (later than a 16.7 ms frame) for 10 s: still 600 frames.
    for _ in range(578):
        now.t += 0.0173
        total += clock.due()
    assert total == int(578 * 0.0173 * 60)
    assert clock.steps == total


def test_no_steps_while_paused_and_the_pause_is_not_counted() -> None:
    now = FakeTime()
    clock = FixedStepClock(10.0, now=now)
    now.t += 0.55
    assert clock.due() == 5
    clock.pause()
    now.t += 30.0
    assert clock.due() == 0
    clock.resume()
    now.t += 0.5
    assert clock.due() == 5  # 1.05 s of running time -> 10 steps in all


def test_a_long_stall_is_dropped_not_fast_forwarded() -> None:
    now = FakeTime()
    clock = FixedStepClock(60.0, max_catch_up=5, now=now)
    now.t += 2.0
    assert clock.due() == 5
    assert abs(clock.dropped_s - (120 - 5) / 60) < 1e-9
    now.t += 0.02  # 1.2 frames later: the next frame is due, on the usual grid
    assert clock.due() == 1


def test_start_restarts_counting() -> None:
    now = FakeTime()
    clock = FixedStepClock(10.0, now=now)
    now.t += 1.0
    clock.start()
    assert clock.due() == 0 and clock.steps == 0
