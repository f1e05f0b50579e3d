"""The Qt windows, driven directly (no display needed): keys, ticks, pause and overlays."""

from __future__ import annotations

import os

# Before pytest-qt makes the QApplication: these tests need no display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QImage, QKeyEvent

from screen_agent.arcade.atari import AtariConfig, AtariGame
from screen_agent.arcade.catch import CatchConfig, CatchGame
from screen_agent.arcade.window import AtariWindow, CatchWindow


class FakeTime:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def key(window: CatchWindow, kind: QEvent.Type, code: Qt.Key) -> None:
    window.event(QKeyEvent(kind, code, Qt.KeyboardModifier.NoModifier))


def pixels(window: CatchWindow | AtariWindow) -> np.ndarray:
    """The window as it paints itself, (H, W, 3) uint8 RGB (a copy: the QImage dies here)."""
    image = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    rows = rows.reshape(image.height(), image.bytesPerLine())
    return rows[:, : 3 * image.width()].reshape(image.height(), image.width(), 3).copy()


def yellow(image: np.ndarray) -> int:
    return int((np.abs(image.astype(int) - [255, 220, 0]) <= 40).all(axis=2).sum())


@pytest.fixture
def catch(qtbot) -> tuple[CatchWindow, FakeTime]:  # type: ignore[no-untyped-def]
    window = CatchWindow(CatchGame(CatchConfig(), np.random.default_rng(0)), cell=40, speed=1.0)
    qtbot.addWidget(window)
    now = FakeTime()
    window.clock.now = now
    window.clock.start()
    window.clock.pause()
    window._timer.stop()  # the test ticks by hand
    return window, now


def tick(window: CatchWindow, now: FakeTime, seconds: float) -> None:
    now.t += seconds
    window._on_timer()


def test_starts_paused_until_active_and_shows_it(catch: tuple[CatchWindow, FakeTime]) -> None:
    window, now = catch
    assert window.paused and yellow(pixels(window)) > 100
    ball = window.game.ball
    tick(window, now, 1.0)
    assert window.game.ball == ball
    window._set_active(True)
    tick(window, now, 0.25)
    assert window.game.ticks == 2 and yellow(pixels(window)) == 0


def test_a_tap_moves_once_and_a_hold_keeps_moving(catch: tuple[CatchWindow, FakeTime]) -> None:
    window, now = catch
    window._set_active(True)
    start = window.game.paddle
    key(window, QEvent.Type.KeyPress, Qt.Key.Key_Right)
    key(window, QEvent.Type.KeyRelease, Qt.Key.Key_Right)
    tick(window, now, 0.35)  # three ticks, the tap acts on the first only
    assert window.game.paddle == start + 1
    key(window, QEvent.Type.KeyPress, Qt.Key.Key_Left)
    tick(window, now, 0.3)
    assert window.game.paddle == start - 2


def test_focus_loss_pauses_and_forgets_held_keys(catch: tuple[CatchWindow, FakeTime]) -> None:
    window, now = catch
    window._set_active(True)
    key(window, QEvent.Type.KeyPress, Qt.Key.Key_Left)
    window._set_active(False)
    assert window.paused and not window.keys.held
    window._set_active(True)
    start = window.game.paddle
    tick(window, now, 0.2)
    assert window.game.paddle == start


def test_space_restarts_after_game_over(catch: tuple[CatchWindow, FakeTime]) -> None:
    window, now = catch
    window._set_active(True)
    for _ in range(200):
        tick(window, now, 0.1)
    assert window.game.game_over
    key(window, QEvent.Type.KeyPress, Qt.Key.Key_Space)
    assert not window.game.game_over and window.game.balls == 0


def test_atari_window_is_the_scaled_frame(qtbot) -> None:  # type: ignore[no-untyped-def]
    game = AtariGame(AtariConfig("pong", seed=0))
    for _ in range(10):
        game.step(frozenset())
    window = AtariWindow(game, scale=3, speed=1.0)
    qtbot.addWidget(window)
    window._set_active(True)
    image = pixels(window)
    assert image.shape == (630, 480, 3)
    # Nearest-neighbour: each emulated pixel is a 3x3 block of its colour.
    assert np.array_equal(image[1::3, 1::3], game.screen())
