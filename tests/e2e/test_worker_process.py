"""Training and play in a child process (what the app runs): on the session's Xvfb with the real
Catch window, the child trains, its events reach the parent, pause and resume reach the child,
Stop ends it while the game has no focus, and its failures come back as one clear message."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from e2e_fixtures import InThread

from screen_agent.training.events import EpisodeEvent, FrameEvent, PauseEvent, StatsEvent
from screen_agent.training.worker_process import ScreenJob, WorkerFailed, WorkerProcess

CATCH_PROFILE = Path(__file__).parents[2] / "calibration" / "arcade-catch.toml"


class Running(InThread):
    """A WorkerProcess run in a thread, as the app's controller runs it."""

    def __init__(self, job: ScreenJob) -> None:
        self.events: list[object] = []
        self.worker = WorkerProcess(job, self.events.append)
        self.start_thread(self.worker.run)

    def count(self, kind: type) -> int:
        return sum(isinstance(e, kind) for e in list(self.events))

    def wait_for(self, check, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline or not self.thread.is_alive():
                pytest.fail(f"{what}: not within {timeout} s (error: {self.error})")
            time.sleep(0.05)


def test_a_bad_profile_comes_back_as_the_childs_message(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[window]\ntitle = "x"\n')
    running = Running(ScreenJob(bad, run_dir=tmp_path / "run"))
    running.thread.join(60)
    assert not running.thread.is_alive()
    assert isinstance(running.error, WorkerFailed)
    message = str(running.error)
    assert str(bad) in message and "Traceback" not in message
    assert running.worker.exitcode == 0


@pytest.mark.e2e
def test_training_in_a_child_process(arcade_window, helper_window, tmp_path):
    game = arcade_window("catch", (40, 40))  # focused: the child acts at once
    run_dir = tmp_path / "run"
    running = Running(ScreenJob(CATCH_PROFILE, run_dir=run_dir, seed=3))
    running.wait_for(lambda: running.count(FrameEvent) >= 20, 60, "20 agent's-eye views")
    frame = next(e for e in running.events if isinstance(e, FrameEvent))
    assert frame.frames.shape == (4, 84, 84) and frame.action in ("stay", "left", "right")

    running.worker.pause()
    time.sleep(0.5)  # the pause crosses to the child within a poll
    frames = running.count(FrameEvent)
    time.sleep(1.0)
    assert running.count(FrameEvent) <= frames + 1, "the child kept acting while paused"
    running.worker.resume()
    running.wait_for(lambda: running.count(FrameEvent) > frames + 5, 10, "acting after resume")
    running.wait_for(lambda: running.count(StatsEvent) >= 1, 10, "a statistics event")
    running.wait_for(lambda: running.count(EpisodeEvent) >= 1, 30, "an episode")

    # The user clicks the app to press Stop: the game loses focus, the child waits for it.
    helper_window.focus()
    running.wait_for(
        lambda: any(isinstance(e, PauseEvent) and e.message for e in running.events),
        10,
        "the child saying it waits for focus",
    )
    stopped = time.monotonic()
    running.worker.stop()
    running.thread.join(30)
    assert not running.thread.is_alive()
    assert time.monotonic() - stopped < 10, "Stop waited for the game's focus"
    assert running.error is None and running.worker.exitcode == 0
    assert (run_dir / "checkpoint.pt").is_file()  # saved as it stopped
    game.focus()


@pytest.mark.e2e
def test_a_missing_game_window_is_reported(xvfb_display, tmp_path):
    running = Running(ScreenJob(CATCH_PROFILE, run_dir=tmp_path / "run"))
    running.thread.join(60)
    assert isinstance(running.error, WorkerFailed)
    assert "screen-agent arcade: catch" in str(running.error)


@pytest.mark.e2e
def test_the_fail_safe_stops_training(arcade_window, keyboard, tmp_path):
    """Moving the mouse to a screen corner stops the child (pyautogui's fail-safe) with a
    message that says so."""
    arcade_window("catch", (40, 40))
    running = Running(ScreenJob(CATCH_PROFILE, run_dir=tmp_path / "run"))
    try:
        running.wait_for(lambda: running.count(FrameEvent) >= 5, 60, "the child acting")
        keyboard.moveTo(0, 0)
        running.thread.join(30)
    finally:
        keyboard.FAILSAFE = False  # this process's pyautogui would refuse to move it back
        try:
            keyboard.moveTo(400, 400)  # later tests need the fail-safe quiet
        finally:
            keyboard.FAILSAFE = True
    assert not running.thread.is_alive()
    assert isinstance(running.error, WorkerFailed)
    assert "fail-safe" in str(running.error) and "Traceback" not in str(running.error)
    assert running.worker.exitcode == 0  # the child ended by itself, through its clean-up
