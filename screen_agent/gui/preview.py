"""The live view: grabs the area the profile's regions are measured in, and draws them on it.

:class:`AreaGrabber` (no Qt) grabs with mss the window's client area for window-relative
profiles (the window found and followed through the desktop backend), or else the bounding
box of the regions (the whole primary monitor before there are any). A grab of a game-sized
area takes well under a millisecond, so the main window grabs in the GUI thread on a ~15 fps
timer. A grab that cannot be done (no such window, the window partly off the screen) gives a
one-line reason, shown in the view instead of a frame. While other windows cover part of the
game window, the frame carries the covered parts and the core's message naming the window on
top (:meth:`GameWindow.obstruction`): the view marks them in red, since those pixels are not
the game's and the agent waits until they are clear.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from screen_agent.desktop import Desktop, WindowClosedError
from screen_agent.desktop.tracking import GameWindow
from screen_agent.errors import UserError
from screen_agent.geometry import Region
from screen_agent.gui.model import ProfileModel
from screen_agent.gui.region_picker import COLOURS, numpy_to_qimage

RETRY_S = 0.5
"""How long after a failed grab the next is tried, seconds."""
COVER_FILL = QColor(255, 0, 0, 90)
"""The red a covered part of the game is washed with (translucent: what covers it shows)."""
COVER_EDGE = QColor(255, 40, 40)
NOTE_BACK = QColor(0, 0, 0, 190)
"""Behind the message, so it reads over any picture."""
NOTE_COLOUR = QColor(255, 130, 130)


@dataclass(frozen=True)
class AreaFrame:
    """One grab of the area regions are measured in."""

    pixels: np.ndarray
    """(H, W, 3) uint8 RGB."""
    origin: tuple[int, int]
    """Where pixel (0, 0) is in the profile's coordinates (``(0, 0)`` for a window's client area)."""
    time: float
    """``time.monotonic()`` after the grab."""
    screen_origin: tuple[int, int] = (0, 0)
    """Where pixel (0, 0) is on the screen."""
    covered: tuple[Region, ...] = ()
    """The parts of the frame other windows cover, frame pixels (the top-most last)."""
    note: str = ""
    """Why the frame is not all the game's ("'X' covers 40x560 px of the game window at
    (0, 0); ..."), or ''."""


class GrabFailed(UserError):
    """The area cannot be grabbed now; the message is one line saying why and what to do."""


class AreaGrabber:
    """Grabs what the profile's regions refer to; follows the window by its title.

    Args:
        desktop: finds and follows the game window (the caller owns it).
        display: the X display for mss (default ``$DISPLAY``).
        screen: an open ``mss.MSS`` to grab with (default: one opened here; tests pass a
            stand-in); closed by :meth:`close`.
    """

    def __init__(self, desktop: Desktop, display: str | None = None, screen: Any = None) -> None:
        import mss

        self.desktop = desktop
        if screen is None:
            screen = mss.MSS(display=display) if display else mss.MSS()
        self._sct: Any = screen
        self._window: GameWindow | None = None
        self.error: str | None = None
        """Why the last grab failed (one line), or None."""
        self._retry_at = 0.0

    def _client(self, title: str) -> Region:
        """The client area of the window titled ``title`` on the screen, as last read (the
        window is re-read at most every ``tracking.FOLLOW_INTERVAL_S``: each read is a few X
        round trips, which the GUI thread should not wait for 15 times a second)."""
        if self._window is None or self._window.title != title:
            self._window = None
            self._window = GameWindow(self.desktop, title)  # WindowNotFoundError: one line
        try:
            window = self._window.refresh()
        except WindowClosedError:
            self._window = None  # gone for good: look for it afresh next time
            raise
        if self._window.gone:
            raise GrabFailed(f"the window {title!r} closed; waiting for it to come back")
        return window.client

    def _monitors(self) -> list[Region]:
        """The monitors, primary first (mss's list: read once, no X round trip per grab)."""
        monitors = self._sct.monitors
        return [
            Region(m["left"], m["top"], m["width"], m["height"])
            for m in (monitors[1:] if len(monitors) > 1 else monitors)
        ]

    def area(self, model: ProfileModel) -> tuple[Region, tuple[int, int]]:
        """(screen rectangle to grab, its origin in profile coordinates); GrabFailed (or the
        desktop's one-line error) when it cannot be grabbed."""
        screens = self._monitors()
        if model.window is not None:
            client = self._client(model.window.title)
            if not any(screen.holds(client) for screen in screens):
                raise GrabFailed(
                    f"the window {model.window.title!r} lies partly off the screen: "
                    "move it wholly onto one monitor"
                )
            return client, (0, 0)
        if model.regions:
            bounds = Region.bounding(model.regions.values())
            if not any(screen.holds(bounds) for screen in screens):
                raise GrabFailed(
                    "the regions do not lie on one monitor: pick them again (Pick regions…)"
                )
            return bounds, (bounds.x, bounds.y)
        first = screens[0]
        return first, (first.x, first.y)

    def grab(self, model: ProfileModel) -> AreaFrame | None:
        """The area now, or None (and :attr:`error` says why, in one line). After a failure
        the next attempt waits :data:`RETRY_S` (looking for a window walks every window)."""
        import mss.exception

        now = time.monotonic()
        if self.error is not None and now < self._retry_at:
            return None
        try:
            region, origin = self.area(model)
            shot = self._sct.grab(region.as_monitor())
            # Asked after the grab, as the env does: what lay over the game when it was taken.
            covered, note = self._obstruction(region)
        except UserError as error:
            return self._failed(str(error), now)
        except mss.exception.ScreenShotError:
            # mss's message is the X server's error report, many lines of protocol detail.
            self._window = None
            return self._failed(
                "cannot grab the screen there: is the window still open and on the screen?", now
            )
        except Exception as error:  # a window closing mid-query, say: shown, never raised
            self._window = None
            return self._failed(
                f"cannot grab the screen now ({type(error).__name__}); trying again", now
            )
        self.error = None
        bgra = np.frombuffer(shot.raw, dtype=np.uint8).reshape(shot.height, shot.width, 4)
        pixels = bgra[:, :, 2::-1].copy()
        return AreaFrame(pixels, origin, time.monotonic(), (region.x, region.y), covered, note)

    def _obstruction(self, grabbed: Region) -> tuple[tuple[Region, ...], str]:
        """The parts of ``grabbed`` (the followed window's client area) that other windows
        cover, in its pixels, and the message naming the top one; ``((), "")`` when nothing
        does or the profile follows no window. One X round trip when nothing changed on the
        screen since the last grab (the desktop re-reads the stacking order only on a
        change)."""
        if self._window is None:
            return (), ""
        reason = self._window.obstruction()
        if reason is None:
            return (), ""
        hidden = tuple(w.client.offset(-grabbed.x, -grabbed.y) for w in self._window.covering())
        # The core's words are for a paused run; here nothing is paused.
        return hidden, reason.removeprefix("paused: ")

    def _failed(self, message: str, now: float) -> None:
        self.error = message
        self._retry_at = now + RETRY_S

    def close(self) -> None:
        if self._sct is not None:
            self._sct.close()
            self._sct = None


class LiveView(QWidget):
    """The latest frame, scaled to fit, with the model's regions drawn over it."""

    def __init__(self, model: ProfileModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.frame: AreaFrame | None = None
        self.note = "no frame yet"
        self.setMinimumSize(240, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        model.regions_changed.connect(self.update)

    def set_frame(self, frame: AreaFrame | None, note: str = "") -> None:
        """Show ``frame`` (None: only ``note``, e.g. why there is no frame); a frame's own
        note (what covers the game) is shown unless ``note`` is given."""
        self.frame = frame
        self.note = note or (frame.note if frame is not None else "")
        self._image = None if frame is None else numpy_to_qimage(frame.pixels)
        self.update()

    def image_rect(self) -> QRectF:
        """Where the frame is drawn (aspect kept, centred)."""
        if self.frame is None:
            return QRectF()
        h, w = self.frame.pixels.shape[:2]
        scale = min(self.width() / w, self.height() / h)
        return QRectF(
            (self.width() - w * scale) / 2, (self.height() - h * scale) / 2, w * scale, h * scale
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(24, 24, 28))
        if self.frame is None or self._image is None:
            p.setPen(QColor(200, 200, 200))
            p.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.note
            )
            p.end()
            return
        target = self.image_rect()
        p.drawImage(target, self._image)
        scale = target.width() / self.frame.pixels.shape[1]
        ox, oy = self.frame.origin
        p.setFont(QFont("Sans", 9, QFont.Weight.Bold))
        for name, r in self.model.regions.items():
            colour = COLOURS.get(name, QColor(0, 220, 220))
            rect = QRectF(
                target.x() + (r.x - ox) * scale,
                target.y() + (r.y - oy) * scale,
                r.width * scale,
                r.height * scale,
            )
            p.setPen(QPen(colour, 2))
            p.drawRect(rect)
            p.drawText(rect.adjusted(3, 2, 0, 0), Qt.AlignmentFlag.AlignLeft, name)
        p.setBrush(COVER_FILL)
        p.setPen(QPen(COVER_EDGE, 2))
        for r in self.frame.covered:
            p.drawRect(
                QRectF(
                    target.x() + r.x * scale,
                    target.y() + r.y * scale,
                    r.width * scale,
                    r.height * scale,
                )
            )
        p.setBrush(Qt.BrushStyle.NoBrush)
        if self.note:
            self._draw_note(p)
        p.end()

    def _draw_note(self, p: QPainter) -> None:
        """The note along the bottom, wrapped, on a dark band."""
        p.setFont(QFont("Sans", 9, QFont.Weight.Bold))
        flags = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap
        room = QRectF(self.rect()).adjusted(6, 0, -6, -4)
        text = p.boundingRect(room, int(flags), self.note)
        band = QRectF(0, self.height() - text.height() - 8, self.width(), text.height() + 8)
        p.fillRect(band, NOTE_BACK)
        p.setPen(NOTE_COLOUR)
        p.drawText(band.adjusted(6, 4, -6, -4), int(flags), self.note)
