"""The arcade games as a player (or the agent) meets them: real processes, real windows on a
private Xvfb display, keys pressed with pyautogui, and every check made on grabbed pixels.

Geometry comes from the window (xdotool) and the published Catch layout; game state comes
only from the pixels, except for the frame counter of the real-time test, which the game
reports in its status file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from e2e_fixtures import Keys

from screen_agent.arcade.catch import CatchConfig
from screen_agent.arcade.layout import SCORE_CHARS, CatchLayout
from screen_agent.reward.seven_segment import decode

if TYPE_CHECKING:  # fixtures' types; pytest provides the objects
    from e2e_fixtures import ArcadeLauncher, ArcadeWindow, HelperWindow

pytestmark = pytest.mark.e2e

Grab = Callable[[dict[str, int]], np.ndarray]

CATCH_AT = (40, 40)
PONG_AT = (500, 40)
PONG_GREEN = (92, 186, 92)
"""The player's (right) paddle in Pong."""
PONG_FIELD_ROWS = (34, 194)
"""Emulated rows between Pong's top and bottom walls (the score sits above them)."""
PAUSED_YELLOW = (255, 220, 0)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "images"


# --- reading pixels ---------------------------------------------------------------------------
def mask(image: np.ndarray, colour: tuple[int, int, int], tolerance: int = 8) -> np.ndarray:
    """Pixels within ``tolerance`` of ``colour`` in every channel."""
    return (np.abs(image.astype(np.int16) - np.array(colour)) <= tolerance).all(axis=2)


def shows_paused(image: np.ndarray) -> bool:
    """Whether the yellow PAUSED overlay text is on screen."""
    return int(mask(image, PAUSED_YELLOW, 40).sum()) > 100


def catch_layout(window: ArcadeWindow) -> CatchLayout:
    """The layout of a Catch window, its cell size read off the window's width."""
    config = CatchConfig()
    return CatchLayout(config, window.geometry["WIDTH"] // config.columns)


def crop(image: np.ndarray, rect: tuple[int, int, int, int]) -> np.ndarray:
    x, y, w, h = rect
    return image[y : y + h, x : x + w]


def catch_objects(image: np.ndarray, lay: CatchLayout) -> tuple[int, int | None]:
    """(paddle's left column, ball's column or None) read from a Catch window's pixels."""
    field = crop(image, lay.field)
    white = mask(field, (255, 255, 255))
    paddle_row = white[(lay.config.rows - 1) * lay.cell :]
    xs = np.nonzero(paddle_row.any(axis=0))[0]
    assert xs.size, "no paddle on screen"
    paddle = int(xs.min()) // lay.cell
    above = white[: (lay.config.rows - 1) * lay.cell]
    ball_xs = np.nonzero(above.any(axis=0))[0]
    ball = int(ball_xs.mean()) // lay.cell if ball_xs.size else None
    return paddle, ball


def catch_score(image: np.ndarray, lay: CatchLayout) -> int:
    """The score, decoded from the seven-segment digits in the score band."""
    text = ""
    for slot in range(SCORE_CHARS):
        ox, oy = lay.char_origin(slot)
        lit = {}
        for segment in "abcdefg":
            cx, cy = lay.digit.segment_centre(segment)
            lit[segment] = bool(
                mask(image[oy + cy : oy + cy + 1, ox + cx : ox + cx + 1], (255,) * 3).all()
            )
        char = decode(lit)
        assert char is not None, f"unreadable score character in slot {slot}: {lit}"
        text += char
    return int(text.strip())


def pong_paddle_y(image: np.ndarray, scale: int) -> float:
    """Mean screen row of Pong's green paddle, within the field (not the green score)."""
    top, bottom = (r * scale for r in PONG_FIELD_ROWS)
    right_half = image[top:bottom, image.shape[1] // 2 :]
    ys = np.nonzero(mask(right_half, PONG_GREEN))[0]
    assert ys.size, "no green paddle on screen"
    return float(ys.mean()) + top


# --- playing ----------------------------------------------------------------------------------
def play_catch_until_score_changes(
    window: ArcadeWindow, grab: Grab, keyboard: Any, catch: bool, timeout: float = 5.0
) -> tuple[int, int]:
    """Steer the paddle towards the ball (``catch``) or away from it until the score changes;
    returns (score before, score after), both read from the screen."""
    lay = catch_layout(window)
    keys = Keys(keyboard)
    before = catch_score(grab(window.region), lay)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            image = grab(window.region)
            score = catch_score(image, lay)
            if score != before:
                return before, score
            paddle, ball = catch_objects(image, lay)
            key = None
            if ball is not None:
                if catch:
                    if ball < paddle:
                        key = "left"
                    elif ball >= paddle + lay.config.paddle_width:
                        key = "right"
                else:
                    key = "right" if ball < lay.config.columns // 2 else "left"
            keys.hold(key)
            time.sleep(0.015)
    finally:
        keys.hold(None)
    pytest.fail(f"the score stayed {before} for {timeout} s")


def hold(keyboard: Any, key: str, seconds: float) -> None:
    keyboard.keyDown(key)
    try:
        time.sleep(seconds)
    finally:
        keyboard.keyUp(key)


def wait_for(condition: Callable[[], bool], timeout: float = 3.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.03)
    pytest.fail(f"timed out waiting for {what}")


# --- Catch ------------------------------------------------------------------------------------
def test_catch_window_title_position_and_size(arcade_window: ArcadeLauncher) -> None:
    window = arcade_window("catch", CATCH_AT)
    assert (window.geometry["X"], window.geometry["Y"]) == CATCH_AT
    lay = catch_layout(window)
    assert (window.geometry["WIDTH"], window.geometry["HEIGHT"]) == (lay.width, lay.height)


def test_catch_paddle_follows_the_arrows(
    arcade_window: ArcadeLauncher, screen: Grab, keyboard: Any
) -> None:
    window = arcade_window("catch", CATCH_AT)
    lay = catch_layout(window)

    def paddle() -> int:
        return catch_objects(screen(window.region), lay)[0]

    start = paddle()
    hold(keyboard, "right", 0.35)
    time.sleep(0.15)
    after_right = paddle()
    assert after_right >= start + 2
    hold(keyboard, "left", 0.55)
    time.sleep(0.15)
    after_left = paddle()
    assert after_left <= after_right - 4
    # A tap shorter than a tick still moves the paddle exactly one column.
    keyboard.press("right")
    time.sleep(0.25)
    assert paddle() == after_left + 1


def test_catch_score_counts_catches_and_misses(
    arcade_window: ArcadeLauncher, screen: Grab, keyboard: Any
) -> None:
    window = arcade_window("catch", CATCH_AT)
    assert play_catch_until_score_changes(window, screen, keyboard, catch=True) == (0, 1)
    assert play_catch_until_score_changes(window, screen, keyboard, catch=False) == (1, 0)
    assert play_catch_until_score_changes(window, screen, keyboard, catch=False) == (0, -1)


def test_catch_pauses_without_focus(
    arcade_window: ArcadeLauncher, screen: Grab, helper_window: HelperWindow
) -> None:
    window = arcade_window("catch", CATCH_AT)
    lay = catch_layout(window)
    time.sleep(0.2)
    assert not shows_paused(screen(window.region))

    helper_window.focus()
    wait_for(lambda: shows_paused(screen(window.region)), what="the PAUSED overlay")
    first = screen(window.region)
    time.sleep(0.5)
    assert np.array_equal(screen(window.region), first), "the game moved while paused"

    window.focus()
    wait_for(lambda: not shows_paused(screen(window.region)), what="PAUSED to go")
    field = crop(screen(window.region), lay.field)
    time.sleep(0.5)
    assert not np.array_equal(crop(screen(window.region), lay.field), field), "still frozen"


# --- Atari ------------------------------------------------------------------------------------
def test_pong_paddle_follows_up_and_down(
    arcade_window: ArcadeLauncher, screen: Grab, keyboard: Any
) -> None:
    window = arcade_window("pong", PONG_AT)
    scale = window.geometry["WIDTH"] // 160
    assert (window.geometry["WIDTH"], window.geometry["HEIGHT"]) == (160 * scale, 210 * scale)
    time.sleep(0.3)
    start = pong_paddle_y(screen(window.region), scale)
    hold(keyboard, "up", 0.3)
    time.sleep(0.1)
    up = pong_paddle_y(screen(window.region), scale)
    assert up < start - 10 * scale
    hold(keyboard, "down", 0.5)
    time.sleep(0.1)
    assert pong_paddle_y(screen(window.region), scale) > up + 20 * scale


def test_pong_runs_in_real_time_and_pauses(
    arcade_window: ArcadeLauncher,
    screen: Grab,
    helper_window: HelperWindow,
    record_property: Callable[[str, object], None],
) -> None:
    window = arcade_window("pong", PONG_AT)
    time.sleep(0.5)  # past start-up
    first = window.status()
    assert first is not None
    time.sleep(5.0)
    last = window.status()
    assert last is not None and not last["paused"]
    rate = (last["frames"] - first["frames"]) / (last["time"] - first["time"])
    record_property("pong_frames_per_second", rate)
    print(f"\nemulated {rate:.2f} frames per second over {last['time'] - first['time']:.2f} s")
    assert abs(rate - 60.0) <= 0.05 * 60.0
    # The stamps are CLOCK_MONOTONIC, shared with this process: the file is fresh.
    assert time.monotonic() - last["time"] < 0.5

    helper_window.focus()
    wait_for(lambda: shows_paused(screen(window.region)), what="the PAUSED overlay")
    paused = window.wait_status(lambda s: s["paused"])
    time.sleep(0.5)
    assert window.status()["frames"] == paused["frames"], "frames ran while paused"
    window.focus()
    wait_for(lambda: not shows_paused(screen(window.region)), what="PAUSED to go")
    window.wait_status(lambda s: s["frames"] > paused["frames"] + 10)


# --- screenshots for the README -----------------------------------------------------------------
@pytest.mark.skipif(
    os.environ.get("SCREEN_AGENT_SCREENSHOTS") != "1",
    reason="set SCREEN_AGENT_SCREENSHOTS=1 to rewrite docs/images",
)
def test_write_screenshots(arcade_window: ArcadeLauncher, screen: Grab, keyboard: Any) -> None:
    import mss.tools

    def save(image: np.ndarray, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        size = (image.shape[1], image.shape[0])
        mss.tools.to_png(image.tobytes(), size, output=str(SCREENSHOTS / name))

    pong = arcade_window("pong", PONG_AT, seed=1)
    scale = pong.geometry["WIDTH"] // 160
    hold(keyboard, "up", 0.2)
    time.sleep(2.0)
    top, bottom = (r * scale for r in PONG_FIELD_ROWS)
    # Wait for a frame with the ball in play (white-grey, between the walls).
    for _ in range(200):
        image = screen(pong.region)
        if mask(image[top + 2 * scale : bottom - 2 * scale], (236, 236, 236)).any():
            break
        time.sleep(0.02)
    save(image, "arcade-pong.png")

    catch = arcade_window("catch", CATCH_AT, seed=1)
    for _ in range(3):
        play_catch_until_score_changes(catch, screen, keyboard, catch=True)
    time.sleep(0.6)  # the next ball is in the air
    save(screen(catch.region), "arcade-catch.png")
