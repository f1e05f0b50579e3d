"""Qt windows that show an arcade game, take its keys, and pause when they lose focus.

Thin on purpose: the games (``catch.py``, ``atari.py``) hold all the rules; a window only
turns key events into game keys, steps the game on a fixed-step monotonic clock
(``clock.py``) and paints the state.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QImage, QKeyEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from screen_agent.arcade.atari import FRAME_RATE_HZ, AtariGame
from screen_agent.arcade.catch import CatchGame
from screen_agent.arcade.clock import FixedStepClock
from screen_agent.arcade.keys import KeyState, horizontal
from screen_agent.arcade.layout import CatchLayout, score_text
from screen_agent.arcade.status import StatusWriter

TITLE_PREFIX = "screen-agent arcade: "
"""Window titles are this plus the game name; tests and profiles find windows by it."""

KEY_NAMES: dict[int, str] = {
    Qt.Key.Key_Left: "left",
    Qt.Key.Key_Right: "right",
    Qt.Key.Key_Up: "up",
    Qt.Key.Key_Down: "down",
    Qt.Key.Key_Space: "fire",
}
"""Physical keys -> game keys."""

BLACK = QColor(0, 0, 0)
WHITE = QColor(255, 255, 255)
GREY = QColor(120, 120, 120)
PAUSED_COLOUR = QColor(255, 220, 0)
"""Yellow: the PAUSED overlay's text (a colour no game here uses for anything else)."""
NOTICE_COLOUR = QColor(255, 90, 90)
"""The game-over banner's text."""


class GameWindow(QWidget):
    """Base window: fixed size, keys, a fixed-step clock, pause on focus loss, overlays.

    Subclasses say how to step the game (:meth:`step_game`), whether it is over, how to restart
    it and how to paint it.
    """

    def __init__(
        self,
        name: str,
        size: tuple[int, int],
        rate_hz: float,
        status: StatusWriter | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle(TITLE_PREFIX + name)
        self.setFixedSize(*size)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # Painted fully by us every frame; skip Qt's background erase.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.name = name
        self.keys = KeyState()
        self.clock = FixedStepClock(rate_hz)
        self.clock.pause()  # until the window has keyboard focus
        self._status = status
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        # A quarter of a step: a step is at most a quarter step late, and the clock makes it up.
        self._timer.setInterval(max(1, int(250 / rate_hz)))
        self._timer.timeout.connect(self._on_timer)
        self._timer.start()

    # --- for subclasses -------------------------------------------------------------------
    def step_game(self, keys: frozenset[str]) -> None:
        """Advance the game one step with the keys acting on it."""
        raise NotImplementedError

    def is_over(self) -> bool:
        """Whether the game is over and waits for space."""
        raise NotImplementedError

    def restart(self) -> None:
        """Start a new game after game over."""
        raise NotImplementedError

    def paint_game(self, painter: QPainter) -> None:
        """Draw the game's state (everything but the overlays)."""
        raise NotImplementedError

    def overlay_rect(self) -> QRect:
        """Where the PAUSED / game-over overlays go."""
        return self.rect()

    def status(self) -> dict[str, object]:
        """What the status file reports besides pause and game-over state."""
        return {}

    # --- focus and pause ------------------------------------------------------------------
    @property
    def paused(self) -> bool:
        """Paused because the window does not have keyboard focus."""
        return self.clock.paused

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ActivationChange:
            self._set_active(self.isActiveWindow())
        super().changeEvent(event)

    def _set_active(self, active: bool) -> None:
        if active:
            self.clock.resume()
        else:
            self.clock.pause()
            # Releases happen elsewhere now; forget held keys so none sticks on return.
            self.keys.release_all()
        self._write_status(force=True)
        self.update()

    # --- keys -----------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = KEY_NAMES.get(event.key())
        if key is None:
            super().keyPressEvent(event)
            return
        if event.isAutoRepeat():
            return
        if key == "fire" and self.is_over():
            self.restart()
            self.clock.start()
            self.keys.release_all()
            self.update()
            return
        self.keys.press(key)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        key = KEY_NAMES.get(event.key())
        if key is None:
            super().keyReleaseEvent(event)
            return
        if not event.isAutoRepeat():
            self.keys.release(key)

    # --- the loop -------------------------------------------------------------------------
    def _on_timer(self) -> None:
        stepped = 0
        for _ in range(self.clock.due()):
            if self.is_over():
                break
            self.step_game(self.keys.consume())
            stepped += 1
        if stepped:
            self.update()
        self._write_status()

    def _write_status(self, force: bool = False) -> None:
        if self._status is not None:
            state = {
                "game": self.name,
                "paused": self.paused,
                "game_over": self.is_over(),
                "dropped_s": self.clock.dropped_s,
                **self.status(),
            }
            self._status.maybe_write(state, force=force)

    # --- painting -------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self.paint_game(painter)
            # One banner at a time: PAUSED wins, the game-over notice returns with focus.
            if self.paused:
                self._banner(painter, "PAUSED", "", PAUSED_COLOUR)
            elif self.is_over():
                self._banner(painter, "GAME OVER", "press space", NOTICE_COLOUR)
        finally:
            painter.end()

    def _banner(self, painter: QPainter, text: str, subtext: str, colour: QColor) -> None:
        """Big text on a dark band across the middle of the overlay area."""
        area = self.overlay_rect()
        size = max(12, area.width() // 9)
        band_h = int(size * (2.6 if subtext else 1.8))
        band = QRect(area.left(), area.center().y() - band_h // 2, area.width(), band_h)
        painter.fillRect(band, QColor(0, 0, 0, 200))
        font = QFont("DejaVu Sans")
        font.setBold(True)
        font.setPixelSize(size)
        painter.setFont(font)
        painter.setPen(colour)
        top = QRect(band.left(), band.top(), band.width(), int(size * 1.6))
        painter.drawText(top, Qt.AlignmentFlag.AlignCenter, text)
        if subtext:
            font.setPixelSize(max(10, size // 2))
            painter.setFont(font)
            bottom = QRect(band.left(), top.bottom(), band.width(), band.bottom() - top.bottom())
            painter.drawText(bottom, Qt.AlignmentFlag.AlignCenter, subtext)


class CatchWindow(GameWindow):
    """Catch: score band on top, the field below (see ``layout.py`` for the geometry)."""

    def __init__(
        self, game: CatchGame, cell: int, speed: float, status: StatusWriter | None = None
    ) -> None:
        self.game = game
        self.layout_ = CatchLayout(game.config, cell)
        super().__init__(
            "catch",
            (self.layout_.width, self.layout_.height),
            game.config.ticks_per_second * speed,
            status,
        )

    def step_game(self, keys: frozenset[str]) -> None:
        self.game.tick(horizontal(keys))

    def is_over(self) -> bool:
        return self.game.game_over

    def restart(self) -> None:
        self.game.new_round()

    def overlay_rect(self) -> QRect:
        return QRect(*self.layout_.field)

    def status(self) -> dict[str, object]:
        return {"frames": self.game.ticks, "score": self.game.score, "balls": self.game.balls}

    def paint_game(self, painter: QPainter) -> None:
        lay, game = self.layout_, self.game
        painter.fillRect(self.rect(), BLACK)
        # A thin rule at the bottom of the score band (inside the band, not the field).
        painter.fillRect(0, lay.band_height - 2, lay.width, 2, GREY)
        font = QFont("DejaVu Sans")
        font.setPixelSize(max(8, lay.cell * 2 // 5))
        painter.setFont(font)
        painter.setPen(GREY)
        counter = (
            f"ball {min(game.balls + 1, game.config.balls_per_round)}/{game.config.balls_per_round}"
        )
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(QRect(*lay.balls_box), flags, counter)
        for slot, char in enumerate(score_text(game.score)):
            ox, oy = lay.char_origin(slot)
            for x, y, w, h in lay.digit.rects(char):
                painter.fillRect(ox + x, oy + y, w, h, WHITE)
        if game.ball is not None:
            painter.fillRect(QRect(*lay.ball_rect(*game.ball)), WHITE)
        painter.fillRect(QRect(*lay.paddle_rect(game.paddle)), WHITE)


class AtariWindow(GameWindow):
    """An emulated Atari game, its 160x210 frame scaled by an integer, nearest-neighbour."""

    def __init__(
        self, game: AtariGame, scale: int, speed: float, status: StatusWriter | None = None
    ) -> None:
        self.game = game
        self.scale = scale
        h, w, _ = game.screen().shape
        super().__init__(game.game, (w * scale, h * scale), FRAME_RATE_HZ * speed, status)

    def step_game(self, keys: frozenset[str]) -> None:
        self.game.step(keys)

    def is_over(self) -> bool:
        return self.game.game_over

    def restart(self) -> None:
        self.game.reset()

    def status(self) -> dict[str, object]:
        return {"frames": self.game.frames, "score": self.game.score}

    def paint_game(self, painter: QPainter) -> None:
        screen = self.game.screen()
        h, w, _ = screen.shape
        image = QImage(screen.tobytes(), w, h, 3 * w, QImage.Format.Format_RGB888)
        # No SmoothPixmapTransform hint: scaling stays nearest-neighbour, pixels stay crisp.
        painter.drawImage(self.rect(), image)
