"""The live view: grabs the area the profile's regions are measured in, and draws them on it.

:class:`AreaGrabber` (no Qt) grabs with mss the window's client area for window-relative
profiles, or else the bounding box of the regions (the whole first monitor before there are
any). A grab of a game-sized area takes well under a millisecond, so the main window grabs
in the GUI thread on a ~15 fps timer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from screen_agent.gui.model import ProfileModel
from screen_agent.gui.region_picker import COLOURS, numpy_to_qimage
from screen_agent.profile import Region


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


class AreaGrabber:
    """Grabs what the profile's regions refer to; follows the window by its title."""

    def __init__(self, display: str | None = None) -> None:
        import mss

        self._sct: Any = mss.MSS(display=display)
        self._display_name = display
        self._xdisplay: Any = None
        self._window: Any = None
        self._title: str | None = None
        self.error: str | None = None
        """Why the last grab failed (window not found ...), or None."""

    def area(self, model: ProfileModel) -> tuple[Region, tuple[int, int]]:
        """(screen rectangle to grab, its origin in profile coordinates)."""
        if model.window is not None:
            from screen_agent.capture.window import client_rect, find_window, open_display

            if self._title != model.window.title or self._window is None:
                if self._xdisplay is None:
                    self._xdisplay = open_display(self._display_name)
                self._window = find_window(self._xdisplay, model.window.title)
                self._title = model.window.title
            try:
                rect = client_rect(self._window)
            except Exception:
                self._window = None
                raise
            return Region(rect.left, rect.top, rect.width, rect.height), (0, 0)
        if model.regions:
            bounds = Region.bounding(model.regions.values())
            return bounds, (bounds.x, bounds.y)
        m = self._sct.monitors[1 if len(self._sct.monitors) > 1 else 0]
        return Region(m["left"], m["top"], m["width"], m["height"]), (m["left"], m["top"])

    def grab(self, model: ProfileModel) -> AreaFrame | None:
        """The area now, or None (and :attr:`error` says why)."""
        try:
            region, origin = self.area(model)
            shot = self._sct.grab(region.as_monitor())
        except Exception as error:  # a closed window, a region off screen: show, don't crash
            self.error = str(error)
            return None
        self.error = None
        bgra = np.frombuffer(shot.raw, dtype=np.uint8).reshape(shot.height, shot.width, 4)
        return AreaFrame(bgra[:, :, 2::-1].copy(), origin, time.monotonic(), (region.x, region.y))

    def close(self) -> None:
        if self._sct is not None:
            self._sct.close()
            self._sct = None
        if self._xdisplay is not None:
            self._xdisplay.close()
            self._xdisplay = None


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
        self.frame = frame
        self.note = note
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
        if self.note:
            p.setPen(QColor(255, 120, 120))
            p.drawText(self.rect().adjusted(6, 0, 0, -4), Qt.AlignmentFlag.AlignBottom, self.note)
        p.end()
