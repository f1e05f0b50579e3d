"""What Catch can show the agent: for each pixel of the 84x84 frame, the grey levels some state
of the game gives it (a test instrument for test_gui_e2e.py).

Catch draws its field in black and white only (a ball, a paddle; a dark band with the PAUSED or
GAME OVER text over it), so the agent's view of it takes few grey levels, and which ones
depends on where in the frame a pixel lies (edges of the ball and paddle mix black and white).
:func:`catch_palette` renders the real game widget (Qt's offscreen platform: the same raster
painting as on the screen) in every ball and paddle position, playing, paused and over, and
preprocesses each picture as the agent's env does; :func:`unexplained` then counts the pixels
of a frame that no state of the game explains. Another window's pixels (the app's greys and
colours) are such pixels.
"""

from __future__ import annotations

import numpy as np

from screen_agent.preprocess import resize84, to_gray

TOLERANCE = 4
"""Grey levels a pixel may differ from one a game state gives (rounding in the resize)."""
FIELD = (0, 80, 400, 480)
"""The game region of calibration/arcade-catch.toml: x, y, width, height in the window."""


def preprocess(rgb: np.ndarray) -> np.ndarray:
    """A (480, 400, 3) RGB grab of the game region as one 84x84 frame of the agent's view."""
    return resize84(to_gray(np.ascontiguousarray(rgb)))


def _render(window) -> np.ndarray:
    """The window's picture as (H, W, 3) RGB, cropped to the field."""
    from PySide6.QtGui import QImage

    image = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    rgb = np.frombuffer(image.constBits(), np.uint8).reshape(height, image.bytesPerLine())
    rgb = rgb[:, : 3 * width].reshape(height, width, 3)
    x, y, w, h = FIELD
    return rgb[y : y + h, x : x + w].copy()


def catch_palette(tolerance: int = TOLERANCE) -> np.ndarray:
    """``allowed[row, column, level]``: (84, 84, 256) bool, True where some Catch state gives
    that pixel that grey level (give or take ``tolerance``). Needs a QApplication."""
    from screen_agent.arcade.catch import CatchConfig, CatchGame
    from screen_agent.arcade.window import CatchWindow

    config = CatchConfig()
    game = CatchGame(config, np.random.default_rng(0))
    window = CatchWindow(game, cell=40, speed=1.0)
    window._timer.stop()  # the game is set by hand here, never stepped
    seen = np.zeros((84, 84, 256), bool)
    rows, cols = np.indices((84, 84))

    def add() -> None:
        seen[rows, cols, preprocess(_render(window))] = True

    # The ball and the paddle never share a pixel of the 84x84 frame (the paddle's row is
    # the last), so every ball position with one paddle and every paddle position with no
    # ball cover every state between them; the banners dim what lies under them.
    balls = [None] + [(r, c) for r in range(config.rows - 1) for c in range(config.columns)]
    for paused in (False, True):
        if paused:
            window.clock.pause()
        else:
            window.clock.resume()
        game.game_over = False
        for ball in balls:
            game.ball = ball
            add()
        game.ball = None
        for paddle in range(config.columns - config.paddle_width + 1):
            game.paddle = paddle
            add()
        game.game_over = True  # the GAME OVER banner (shown when not paused)
        for paddle in range(config.columns - config.paddle_width + 1):
            game.paddle = paddle
            add()
    window.close()
    window.deleteLater()
    # Widen each level by the tolerance.
    allowed = seen.copy()
    for shift in range(1, tolerance + 1):
        allowed[:, :, shift:] |= seen[:, :, :-shift]
        allowed[:, :, :-shift] |= seen[:, :, shift:]
    return allowed


def unexplained(allowed: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """(84, 84) bool: the pixels of ``frame`` ((84, 84) uint8) no Catch state explains."""
    rows, cols = np.indices(frame.shape)
    return ~allowed[rows, cols, frame]
