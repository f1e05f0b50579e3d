"""The live driver on a made-up game (no display): random presses of the candidate keys only,
the restart steps when the game stops moving, every key released at the end; and the watch's
frame store and recording format."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from synthetic_game import SyntheticGame

from screen_agent.calibrate import FrameStore, RandomKeys, Watch, watch_window
from screen_agent.calibrate.run import restart_steps, watch_profile
from screen_agent.input.sink import KeySink


class GameKeys:
    """A key backend that presses keys in the made-up game, and logs them."""

    def __init__(self, game: SyntheticGame) -> None:
        self.game = game
        self.log: list[tuple[str, str]] = []

    def key_down(self, key: str) -> None:
        self.game.held = self.game.held | {key}
        self.game.taps.add(key)
        self.log.append(("down", key))

    def key_up(self, key: str) -> None:
        self.game.held = self.game.held - {key}
        self.log.append(("up", key))


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


def test_random_keys_drive_the_game_and_the_restart_runs_when_it_stops() -> None:
    game = SyntheticGame(np.random.default_rng(1), game_frames=60, restart_by_key=True)
    steps = restart_steps(["space"], wait_ms=300)
    profile = watch_profile("made-up", "made up", 320, 240, ["left", "right"], steps)
    backend = GameKeys(game)
    clock = FakeClock()
    sink = KeySink(profile, backend, sleep=clock.sleep, clock=clock)
    seen = []
    watch = watch_window(
        game,
        30.0,
        fps=10,
        sink=sink,
        player=RandomKeys(["left", "right"], np.random.default_rng(2)),
        restart=steps,
        stall_s=1.0,
        on_tick=seen.append,
        clock=clock,
        sleep=clock.sleep,
    )
    assert len(watch) == 300
    assert {key for _, key in backend.log} == {"left", "right", "space"}
    assert not game.held, "every key is released when the watch ends"
    # Each game ended, showed its banner until "space", and was restarted by the driver.
    starts = sum(
        1 for a, b in zip(game.truth_over, game.truth_over[1:], strict=False) if a and not b
    )
    assert starts >= 2 and seen[-1].restarts >= starts
    assert any("left" in keys for keys in watch.held) and any(not keys for keys in watch.held)


def test_a_person_playing_is_recorded_and_nothing_is_pressed() -> None:
    game = SyntheticGame(np.random.default_rng(1))
    clock = FakeClock()
    held = iter([frozenset({"right"})] * 5 + [frozenset()] * 100)
    watch = watch_window(game, 2.0, held_keys=lambda: next(held), clock=clock, sleep=clock.sleep)
    assert len(watch) == 20 and watch.held[0] == {"right"} and watch.held[-1] == frozenset()


def test_frames_are_kept_losslessly_and_a_watch_saves_as_a_recording(tmp_path: Path) -> None:
    game = SyntheticGame(np.random.default_rng(0))
    frames = game.frames(30)
    store = FrameStore()
    for frame in frames:
        store.append(frame)
    assert len(store) == 30 and store.nbytes < sum(f.nbytes for f in frames) / 5
    assert all(np.array_equal(a, b) for a, b in zip(store, frames, strict=True))
    watch = Watch(store, np.arange(30) / 10.0, [frozenset({"left"})] * 30)
    profile = watch_profile("made-up", "made up", 320, 240, ["left"], ())
    watch.save(tmp_path / "watch", profile)
    again = Watch.load(tmp_path / "watch")
    assert len(again) == 30 and np.allclose(again.times, watch.times)
    assert all(np.array_equal(a, b) for a, b in zip(again.frames, frames, strict=True))
    assert again.held[0] == {"left"}
