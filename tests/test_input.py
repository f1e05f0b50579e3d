"""Key bookkeeping of the input sinks, headless (RecordingSink and a failing backend)."""

from __future__ import annotations

from pathlib import Path

import pytest

from screen_agent.input import InputSink, InputStatus, KeyNotAllowedError, KeySink, RecordingSink
from screen_agent.profile import load_profile

PONG = load_profile(Path(__file__).resolve().parents[1] / "calibration" / "arcade-pong.toml")
# actions: NOOP, FIRE(space), RIGHT(up), LEFT(down), RIGHTFIRE(up, space), LEFTFIRE(down, space)


def test_only_the_difference_is_sent() -> None:
    sink = RecordingSink(PONG)
    assert isinstance(sink, InputSink)
    assert sink.apply(2) is InputStatus.SENT
    assert sink.apply(2) is InputStatus.SENT  # same action: nothing re-pressed
    sink.apply(4)  # up -> up + space
    sink.apply(5)  # -> down + space
    sink.apply(0)
    assert sink.events == [
        ("down", "up"),
        ("down", "space"),
        ("up", "up"),
        ("down", "down"),
        ("up", "space"),
        ("up", "down"),
    ]
    assert sink.held == frozenset() and sink.actions == [2, 2, 4, 5, 0]


def test_key_outside_the_profile_is_refused_before_anything_is_sent() -> None:
    sink = RecordingSink(PONG)
    sink.apply(2)
    with pytest.raises(KeyNotAllowedError, match="'left' is not in the profile"):
        sink.hold(["down", "left"])
    assert sink.events == [("down", "up")] and sink.held == {"up"}
    with pytest.raises(IndexError):
        sink.apply(6)


def test_lost_focus_releases_everything_and_pauses() -> None:
    sink = RecordingSink(PONG)
    sink.apply(4)
    sink.focused = False
    status = sink.apply(3)
    assert status is InputStatus.PAUSED
    assert status.value == "paused: the game window does not have keyboard focus"
    assert sink.held == frozenset()
    assert ("down", "down") not in sink.events
    sink.focused = True
    assert sink.apply(3) is InputStatus.SENT and sink.held == {"down"}


def test_minimum_hold_time() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    sink = RecordingSink(PONG)
    sink._clock, sink._sleep = (lambda: now[0]), sleep
    sink.apply(2)  # up at t = 0
    now[0] = 0.02
    sink.apply(0)  # released 20 ms later: waits the remaining 40 ms of key_hold_ms = 60
    assert slept == [pytest.approx(0.04)]
    sink.apply(2)
    now[0] += 0.5
    sink.apply(0)  # held long enough: no wait
    assert len(slept) == 1


def test_focus_lost_during_the_hold_wait_sends_no_key_down() -> None:
    """The minimum hold makes a change of keys wait; focus is checked again after the wait,
    right before the key-down, so a window that took focus meanwhile gets nothing."""
    now = [0.0]
    sink = RecordingSink(PONG)

    def sleep(seconds: float) -> None:
        now[0] += seconds
        sink.focused = False  # another window takes focus while the sink waits

    sink._clock, sink._sleep = (lambda: now[0]), sleep
    sink.apply(2)  # up at t = 0
    now[0] = 0.02
    status = sink.apply(3)  # down, 20 ms later: waits 40 ms, and focus is gone by then
    assert status is InputStatus.PAUSED
    assert ("down", "down") not in sink.events
    assert sink.held == frozenset()


class Failing:
    """A backend whose second key down fails, like an X error in the middle of an action."""

    def __init__(self) -> None:
        self.down: set[str] = set()
        self.calls = 0

    def key_down(self, key: str) -> None:
        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("X connection broke")
        self.down.add(key)

    def key_up(self, key: str) -> None:
        self.down.discard(key)


def test_error_while_pressing_releases_what_was_pressed() -> None:
    backend = Failing()
    sink = KeySink(PONG, backend)
    with pytest.raises(RuntimeError):
        sink.apply(4)  # up went down, space failed
    assert backend.down == set() and sink.held == frozenset()


def test_context_manager_releases_on_exception() -> None:
    sink = RecordingSink(PONG)
    with pytest.raises(ZeroDivisionError), sink:
        sink.apply(5)
        1 / 0  # noqa: B018
    assert sink.held == frozenset()
    assert sorted(sink.events[-2:]) == [("up", "down"), ("up", "space")]
    sink.release_all()  # idempotent


def test_restart_taps_the_restart_keys() -> None:
    sink = RecordingSink(PONG)
    sink.apply(2)
    assert sink.restart() is InputStatus.SENT
    assert sink.events == [("down", "up"), ("up", "up"), ("down", "space"), ("up", "space")]
