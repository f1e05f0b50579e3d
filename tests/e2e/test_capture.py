"""Capture on a real display: MssSource grabs the Catch window's field, follows the window
when it moves, and a recording replays with RecordedSource."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from screen_agent.capture import Frame, FrameSource, MssSource, RecordedSource, crop, record
from screen_agent.desktop.tracking import GameWindow
from screen_agent.geometry import Region
from screen_agent.profile import GameProfile, ProfileError, load_profile

if TYPE_CHECKING:
    from e2e_fixtures import ArcadeLauncher, XDisplay

pytestmark = pytest.mark.e2e

CATCH = load_profile(Path(__file__).resolve().parents[2] / "calibration" / "arcade-catch.toml")
CELL = 40
"""Catch's cell size at the default --scale 4."""


def source_for(profile: GameProfile, desktop, region: str | None = "game") -> MssSource:
    """An MssSource as a session opens it: the window found by its title, then followed."""
    window = GameWindow(desktop, profile.window.title) if profile.window is not None else None
    return MssSource(profile, desktop, window, region)


def paddle_columns(field: np.ndarray) -> tuple[int, int]:
    """(first, last) cell column of the white paddle in Catch's bottom row."""
    bottom = field[-CELL:]
    white = (bottom == 255).all(axis=2).any(axis=0)
    xs = np.nonzero(white)[0]
    assert xs.size, "no paddle on screen"
    return int(xs.min()) // CELL, int(xs.max()) // CELL


def test_grabs_the_field(arcade_window: ArcadeLauncher, screen, desktop) -> None:
    window = arcade_window("catch", (40, 40))
    with source_for(CATCH, desktop) as source:  # found by title
        assert isinstance(source, FrameSource)
        assert source.screen_region.as_monitor() == {
            "left": 40,
            "top": 120,
            "width": 400,
            "height": 480,
        }
        before = time.monotonic()
        frame = source.grab()
        assert isinstance(frame, Frame) and before <= frame.time <= time.monotonic()
    pixels = frame.pixels
    assert pixels.shape == (480, 400, 3) and pixels.dtype == np.uint8 and pixels.flags.c_contiguous
    colours = {tuple(c) for c in np.unique(pixels.reshape(-1, 3), axis=0)}
    assert colours <= {(0, 0, 0), (255, 255, 255)}, "the field is black with white ball and paddle"
    assert (pixels == 0).all(axis=2).mean() > 0.9
    assert paddle_columns(pixels) == (4, 5), "the paddle starts centred, 2 cells wide"
    # The same pixels as the window's client area grabbed directly (its field part); the
    # ball may move between the two grabs, so compare the paddle row.
    direct = crop(screen(window.region), CATCH.game)
    assert np.array_equal(direct[-CELL:], pixels[-CELL:])


def test_follows_a_moving_window(
    arcade_window: ArcadeLauncher, xvfb_display: XDisplay, desktop
) -> None:
    window = arcade_window("catch", (40, 40))
    with source_for(CATCH, desktop) as source:
        assert paddle_columns(source.grab().pixels) == (4, 5)
        xvfb_display.xdotool("windowmove", "--sync", window.window_id, "600", "300")
        deadline = time.monotonic() + 3
        while source.screen_region.x != 600 and time.monotonic() < deadline:
            source.grab()
            time.sleep(0.05)
        assert (source.screen_region.x, source.screen_region.y) == (600, 380)
        time.sleep(0.1)  # let the game repaint after the move
        frame = source.grab()
    assert paddle_columns(frame.pixels) == (4, 5)
    assert (frame.pixels == 0).all(axis=2).mean() > 0.9


def test_wrong_window_size_and_missing_window_are_clear_errors(
    arcade_window: ArcadeLauncher, xvfb_display: XDisplay, desktop
) -> None:
    from dataclasses import replace

    from screen_agent.errors import UserError
    from screen_agent.profile import WindowRef

    arcade_window("catch", (40, 40), scale=3)  # a 300x420 window; the profile wants 400x560
    with pytest.raises(ProfileError, match="is 300x420, the profile expects 400x560"):
        source_for(CATCH, desktop)
    with pytest.raises(UserError, match="no window titled 'nothing like this'"):
        source_for(replace(CATCH, window=WindowRef("nothing like this")), desktop)
    # Without a size in the profile, regions that run outside the real window are refused
    # when the capture opens (they used to fail later with a raw ValueError at reset).
    unsized = replace(CATCH, window=WindowRef(CATCH.window.title))
    with pytest.raises(ProfileError, match=r"regions\.game: .*runs outside the window .* 300x420"):
        source_for(unsized, desktop)


def test_record_and_replay(arcade_window: ArcadeLauncher, tmp_path: Path, desktop) -> None:
    arcade_window("catch", (40, 40))
    out = tmp_path / "rec"
    with source_for(CATCH, desktop, region=None) as source:
        count = record(CATCH, 2.0, out, source)
    assert count == 30  # 2 s at 15 decisions per second
    replay = RecordedSource(out)
    assert len(replay) == 30
    frames = [replay.grab() for _ in range(30)]
    with pytest.raises(EOFError):
        replay.grab()
    times = np.array([f.time for f in frames])
    intervals = np.diff(times)
    assert (intervals > 0).all() and abs(intervals.mean() - 1 / 15) < 0.01
    assert all(f.pixels.shape == (480, 400, 3) for f in frames)
    assert paddle_columns(frames[0].pixels) == (4, 5)
    moving = [not np.array_equal(a.pixels, b.pixels) for a, b in itertools.pairwise(frames)]
    assert sum(moving) >= 10, "the ball falls, so most frames differ"
    score = RecordedSource(out, "score").grab().pixels
    assert score.shape == (64, 121, 3) and (score == 255).all(axis=2).any(), "white score digits"
    looped = RecordedSource(out, loop=True)
    again = [looped.grab() for _ in range(31)]
    assert np.array_equal(again[30].pixels, again[0].pixels) and again[30].time > again[29].time


@pytest.mark.quiet  # a time per grab
def test_grab_speed_640x480(xvfb_display: XDisplay, desktop) -> None:
    from dataclasses import replace

    profile = replace(CATCH, window=None, regions={"game": Region(0, 0, 640, 480)})
    with source_for(profile, desktop) as source:
        for _ in range(20):
            source.grab()
        start = time.perf_counter()
        for _ in range(200):
            source.grab()
        per_grab_ms = (time.perf_counter() - start) / 200 * 1000
        print(f"MssSource 640x480 grab + RGB: {per_grab_ms:.3f} ms; {source.performance_status}")
    assert per_grab_ms < 5
