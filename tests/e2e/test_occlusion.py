"""Only the game's own pixels: a window mapped over the game pauses the agent within a second
(every key released, no covered frame stored, the message naming the window), and play goes on
once it is gone; a game window moved partly off the screen pauses it too."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from e2e_fixtures import InThread

from screen_agent.envs.session import open_session
from screen_agent.training.checkpoint import REPLAY, load_arrays
from screen_agent.training.events import PauseEvent, StatsEvent
from screen_agent.training.screen_loop import RealtimeSettings, ScreenTrainer

pytestmark = pytest.mark.e2e

CATCH = Path(__file__).parents[2] / "calibration" / "arcade-catch.toml"
COVER_GREY = 0x80
"""The covering window's colour (grey 128): Catch draws only black and white."""


class Run(InThread):
    """A screen trainer on the test display, in a thread, its events time-stamped."""

    def __init__(self, run_dir: Path) -> None:
        self.events: list[tuple[float, Any]] = []
        self.session = open_session(
            CATCH, on_pause=lambda m: self.events.append((time.monotonic(), PauseEvent(m)))
        )
        from screen_agent.agent.config import screen_config

        config = screen_config().replace(learning_starts=100_000, buffer_size=5_000)
        self.trainer = ScreenTrainer(
            run_dir,
            torch.device("cpu"),
            0,
            self.session,
            on_event=lambda e: self.events.append((time.monotonic(), e)),
            config=config,
            settings=RealtimeSettings(replay_snapshot_s=0, stats_interval_s=0.5),
        )
        self.start_thread(self.trainer.run)

    def steps(self) -> int:
        stats = [e.step for _, e in self.events if isinstance(e, StatsEvent)]
        return stats[-1] if stats else 0

    def pauses(self, since: float) -> list[tuple[float, str | None]]:
        return [(t, e.message) for t, e in self.events if isinstance(e, PauseEvent) and t >= since]

    def stop(self) -> None:
        self.trainer.stop()
        self.thread.join(60)
        self.session.close()
        assert self.error is None, self.error


def wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout} s")
        time.sleep(0.05)


def held_keycodes(x: Any) -> list[int]:
    keymap = x.query_keymap()
    return [8 * i + bit for i, byte in enumerate(keymap) for bit in range(8) if byte >> bit & 1]


def test_a_window_over_the_game_pauses_the_agent(arcade_window, keyboard, xvfb_display, tmp_path):
    from Xlib import X
    from Xlib.display import Display

    game = arcade_window("catch", (40, 40))
    x = Display(xvfb_display.name)
    screen = x.screen()
    run = Run(tmp_path / "run")
    cover = None
    try:
        wait_for(lambda: run.steps() > 30, 30, "acting")
        # Over the left half of the field (the client area starts at (40, 40); the field at
        # y = 80 in it), as another program's window would be.
        cover = screen.root.create_window(
            40, 200, 200, 240, 0, screen.root_depth, X.InputOutput, X.CopyFromParent,
            background_pixel=COVER_GREY * 0x010101, override_redirect=True,
        )  # fmt: skip
        cover.set_wm_name("a covering window")
        cover.map()
        x.sync()
        mapped = time.monotonic()
        wait_for(lambda: any(m for _, m in run.pauses(mapped)), 3, "a pause message")
        when, message = next((t, m) for t, m in run.pauses(mapped) if m)
        assert when - mapped < 1.0, f"paused {when - mapped:.2f} s after the window appeared"
        assert "'a covering window' covers" in message, message
        assert "200x240 px" in message, message
        time.sleep(1.0)
        steps_while_covered = run.steps()
        assert held_keycodes(x) == [], "a key is held while the game is covered"
        time.sleep(1.0)
        assert run.steps() <= steps_while_covered + 1, "the agent kept acting under the window"
        cover.unmap()
        x.sync()
        unmapped = time.monotonic()
        wait_for(lambda: any(m is None for _, m in run.pauses(unmapped)), 3, "resumed")
        wait_for(lambda: run.steps() > steps_while_covered + 20, 10, "acting again")
    finally:
        if cover is not None:
            cover.destroy()
            x.sync()
        run.stop()
        x.close()
    frames = load_arrays(tmp_path / "run" / REPLAY)["frames"]
    grey_blocks = [(f == COVER_GREY).sum() for f in frames]
    assert max(grey_blocks) < 50, "a frame of the covering window was stored"
    assert len(frames) > 40, "frames from before and after the cover were stored"
    del game


def test_a_game_window_partly_off_the_screen_pauses_the_agent(
    arcade_window, keyboard, xvfb_display, tmp_path
):
    game = arcade_window("catch", (40, 40))
    run = Run(tmp_path / "run")
    try:
        wait_for(lambda: run.steps() > 30, 30, "acting")
        moved = time.monotonic()
        xvfb_display.xdotool("windowmove", "--sync", game.window_id, "1000", "40")  # 400 wide
        wait_for(lambda: any(m for _, m in run.pauses(moved)), 3, "a pause message")
        message = next(m for _, m in run.pauses(moved) if m)
        assert "partly off the screen" in message, message
        xvfb_display.xdotool("windowmove", "--sync", game.window_id, "40", "40")
        back = time.monotonic()
        wait_for(lambda: any(m is None for _, m in run.pauses(back)), 3, "resumed")
        steps = run.steps()
        wait_for(lambda: run.steps() > steps + 20, 10, "acting again")
    finally:
        run.stop()
    assert np.asarray(load_arrays(tmp_path / "run" / REPLAY)["frames"]).shape[0] > 30
