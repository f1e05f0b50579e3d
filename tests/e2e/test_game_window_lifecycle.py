"""The game's window comes and goes: a game restarted with a new window is followed, and a game
closed for good ends the run with one clear line instead of waiting forever for focus."""

from __future__ import annotations

import csv
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pytest

if TYPE_CHECKING:  # fixtures' types; pytest provides the objects
    from e2e_fixtures import ArcadeWindow

pytestmark = pytest.mark.e2e

CATCH_PROFILE = Path(__file__).parents[2] / "calibration" / "arcade-catch.toml"


def decisions(run_dir: Path) -> int:
    path = run_dir / "realtime.csv"
    if not path.exists():
        return 0
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    return int(rows[-1]["step"]) if rows else 0


def start_training(screen_agent_command, xvfb_display, run_dir: Path) -> subprocess.Popen[str]:
    command = ["train", str(CATCH_PROFILE), "--minutes", "5", "--run-dir", str(run_dir)]
    return subprocess.Popen(
        [*screen_agent_command, *command],
        env=xvfb_display.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until(check, timeout: float, what: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if process.poll() is not None:
            pytest.fail(f"{what}: the run ended: {process.communicate()}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout} s")
        time.sleep(0.2)


class Run(NamedTuple):
    game: ArcadeWindow
    """The Catch window the run plays."""
    process: subprocess.Popen[str]
    """``screen-agent train``."""
    run_dir: Path


@pytest.fixture
def run(arcade_window, xvfb_display, tmp_path, screen_agent_command) -> Iterator[Run]:
    """Catch at (40, 40) and ``screen-agent train`` on it, once it has made 30 decisions; the
    run is killed afterwards if it is still going."""
    game = arcade_window("catch", (40, 40))
    run_dir = tmp_path / "run"
    process = start_training(screen_agent_command, xvfb_display, run_dir)
    try:
        wait_until(lambda: decisions(run_dir) > 30, 60, "training started", process)
        yield Run(game, process, run_dir)
    finally:
        if process.poll() is None:
            process.kill()


def test_a_closed_game_ends_the_run_with_one_line(run: Run) -> None:
    run.game.process.terminate()
    closed_at = time.monotonic()
    _, err = run.process.communicate(timeout=60)
    ended_after = time.monotonic() - closed_at
    message = err.strip()
    assert run.process.returncode == 2, message
    assert "Traceback" not in message and len(message.splitlines()) == 1, message
    assert "'screen-agent arcade: catch' closed" in message, message
    assert ended_after < 15, f"the run waited {ended_after:.0f} s for a window that was gone"
    assert (run.run_dir / "checkpoint.pt").exists(), "the run was not saved"


def test_a_game_restarted_with_a_new_window_is_followed(run: Run, arcade_window) -> None:
    run.game.process.terminate()
    run.game.process.wait(10)
    arcade_window("catch", (200, 100))  # a new window id, elsewhere on the screen
    before = decisions(run.run_dir)
    wait_until(lambda: decisions(run.run_dir) > before + 45, 30, "acting again", run.process)
    run.process.send_signal(signal.SIGINT)
    out, err = run.process.communicate(timeout=60)
    assert run.process.returncode == 130, out + err
