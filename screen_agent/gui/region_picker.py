"""The region picker: a full-screen overlay over a frozen screenshot of every monitor.

The user drags the game region, then the score region, then (optionally) a game-over region.
Each step: drag a rectangle, adjust it by its handles or by dragging inside it, nudge it with
the arrow keys (Shift: 10 px; Ctrl: resize), then Enter. Enter with no rectangle skips an
optional step, Backspace goes back one, Esc cancels. Press W, then click a window, to make the
regions relative to that window (so they follow it when it moves). A lens magnifies the pixels
under the cursor and shows their coordinates.

Because the screenshot is frozen, no compositor is needed. Everything the user draws is kept
in physical pixels (what mss grabs) through a :class:`ScreenMapper`, so HiDPI screens and
monitors with different device pixel ratios come out right.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QWidget

from screen_agent.desktop import Desktop, Window
from screen_agent.geometry import Region
from screen_agent.gui.geometry import ScreenMapper, match_monitors, window_at
from screen_agent.gui.model import REGION_ORDER
from screen_agent.profile import WindowRef

COLOURS = {
    "game": QColor(60, 220, 90),
    "score": QColor(255, 200, 40),
    "game_over": QColor(255, 80, 80),
}
"""Outline colour of each region (others: cyan)."""
WINDOW_COLOUR = QColor(80, 170, 255)
"""Outline colour of the picked window's client area (dashed)."""
HANDLE = 8
"""Side of a resize handle, logical pixels."""
LENS_PIXELS = 15
"""Physical pixels across the zoom lens."""
LENS_ZOOM = 8
"""Lens magnification."""


@dataclass(frozen=True)
class PickResult:
    """What the user picked, in the profile's coordinates."""

    regions: dict[str, Region]
    """Relative to the window's client area if ``window`` is set, else absolute screen pixels."""
    window: WindowRef | None


def numpy_to_qimage(rgb: np.ndarray) -> QImage:
    """An (H, W, 3) uint8 RGB array as a QImage (a copy, so the array may go)."""
    rgb = np.ascontiguousarray(rgb)
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def screen_mapper(monitors: Sequence[Region]) -> ScreenMapper:
    """The mapper of the running QGuiApplication's screens onto the physical ``monitors``."""
    screens = [
        (Region(g.x(), g.y(), g.width(), g.height()), s.devicePixelRatio())
        for s in QGuiApplication.screens()
        for g in [s.geometry()]
    ]
    return ScreenMapper(match_monitors(screens, monitors))


def own_windows() -> frozenset[int]:
    """The handles of this app's visible top-level windows (the picker's overlay, the main
    window): never the window picked."""
    from PySide6.QtWidgets import QApplication

    return frozenset(int(w.winId()) for w in QApplication.topLevelWidgets() if w.isVisible())


class RegionPicker(QWidget):
    """The overlay. Emits :attr:`picked` with a :class:`PickResult`, or :attr:`cancelled`."""

    picked = Signal(object)
    cancelled = Signal()

    def __init__(
        self,
        shot: np.ndarray,
        mapper: ScreenMapper,
        *,
        steps: Sequence[str] = REGION_ORDER,
        optional: Sequence[str] = ("game_over",),
        initial: dict[str, Region] | None = None,
        window_finder: Callable[[int, int], Window | None] | None = None,
        desktop: Desktop | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """
        Args:
            shot: (H, W, 3) uint8 RGB screenshot of ``mapper.physical_bounds``.
            mapper: logical <-> physical mapping of the screens.
            steps: region names asked for, in order.
            optional: those of ``steps`` that may be skipped.
            initial: regions to start from, absolute physical pixels (an existing profile's).
            window_finder: ``(x, y) -> Window | None`` for physical point (x, y); defaults
                to ``desktop``'s top-most window there, excluding this app's own.
            desktop: the desktop backend W (pick a window) asks; without it and without
                ``window_finder``, W says windows cannot be picked.
        """
        super().__init__(parent)
        self.mapper = mapper
        self.bounds = mapper.physical_bounds
        if shot.shape[:2] != (self.bounds.height, self.bounds.width):
            raise ValueError(
                f"screenshot is {shot.shape[1]}x{shot.shape[0]}, the screens span "
                f"{self.bounds.width}x{self.bounds.height}"
            )
        self.shot = shot
        self._image = numpy_to_qimage(shot)
        self.steps = list(steps)
        self.optional = set(optional)
        self.step = 0
        self.regions: dict[str, Region] = dict(initial or {})
        """Absolute physical pixels, by name (the current step's rectangle included)."""
        self.window: Window | None = None
        """The window the regions follow (its client area in physical pixels), or None."""
        self.picking_window = False
        if window_finder is None and desktop is not None:

            def window_finder(x: int, y: int) -> Window | None:
                return window_at(desktop, x, y, exclude=own_windows())

        self._finder = window_finder
        self._drag: tuple[str, QPoint, Region | None] | None = None
        self._cursor = QPoint(-1, -1)
        self.message = ""
        logical = mapper.logical_bounds
        self.origin = QPoint(int(logical.x), int(logical.y))
        self.setGeometry(
            QRect(self.origin, QPoint(int(logical.right) - 1, int(logical.bottom) - 1))
        )
        self.setWindowTitle("screen-agent: pick regions")
        self.setWindowFlags(
            Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.X11BypassWindowManagerHint
        )
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    # -- construction from the live screen
    @classmethod
    def from_screen(
        cls, initial: dict[str, Region] | None = None, display: str | None = None, **kwargs
    ) -> RegionPicker:
        """Grab every monitor now (one mss grab of their bounding box) and make the overlay."""
        import mss

        with mss.MSS(display=display) as sct:
            monitors = sct.monitors[1:] if len(sct.monitors) > 1 else sct.monitors
            mapper = screen_mapper(
                [Region(m["left"], m["top"], m["width"], m["height"]) for m in monitors]
            )
            shot = sct.grab(mapper.physical_bounds.as_monitor())
            bgra = np.frombuffer(shot.raw, dtype=np.uint8).reshape(shot.height, shot.width, 4)
            rgb = bgra[:, :, 2::-1].copy()
        return cls(rgb, mapper, initial=initial, **kwargs)

    def start(self) -> None:
        """Show over every screen and take the keyboard."""
        self.show()
        self.raise_()
        self.activateWindow()
        self.setFocus()
        self.grabKeyboard()

    # -- state
    @property
    def current(self) -> str | None:
        """The region being drawn now (None once finished)."""
        return self.steps[self.step] if self.step < len(self.steps) else None

    def physical(self, pos: QPoint | QPointF) -> tuple[int, int]:
        """The physical screen pixel under widget position ``pos``."""
        return self.mapper.to_physical(pos.x() + self.origin.x(), pos.y() + self.origin.y())

    def widget_rect(self, region: Region) -> QRectF:
        """Where a physical region is drawn in this widget (logical coordinates)."""
        x0, y0 = self.mapper.to_logical(region.x, region.y)
        s = self.mapper.scale_at_physical(region.x, region.y)
        return QRectF(
            x0 - self.origin.x(), y0 - self.origin.y(), region.width / s, region.height / s
        )

    def accept_step(self) -> None:
        """Enter: keep the current rectangle and go to the next step (or finish)."""
        name = self.current
        if name is None:
            return
        if name not in self.regions and name not in self.optional:
            self.message = f"drag the {name} region first"
            self.update()
            return
        self.step += 1
        self.message = ""
        if self.current is None:
            self.finish()
        self.update()

    def back(self) -> None:
        """Backspace: return to the previous step."""
        if self.step > 0:
            self.step -= 1
            self.update()

    def finish(self) -> None:
        """Emit the result in profile coordinates and close."""
        regions = {n: self.regions[n] for n in self.steps if n in self.regions}
        window = None
        if self.window is not None:
            w = self.window.client
            relative = {}
            for name, r in regions.items():
                inside = r.intersection(w)
                if inside is None:
                    self.message = (
                        f"the {name} region lies outside the window {self.window.title!r}"
                    )
                    self.step = self.steps.index(name)
                    self.update()
                    return
                relative[name] = inside.offset(-w.x, -w.y)
            regions = relative
            window = WindowRef(self.window.title, w.width, w.height)
        self.releaseKeyboard()
        self.picked.emit(PickResult(regions, window))
        self.close()

    def cancel(self) -> None:
        self.releaseKeyboard()
        self.cancelled.emit()
        self.close()

    def nudge(self, dx: int, dy: int, resize: bool = False) -> None:
        """Move (or with ``resize`` grow) the current rectangle by physical pixels."""
        name = self.current
        if name is None or name not in self.regions:
            return
        r = self.regions[name]
        if resize:
            r = Region(r.x, r.y, max(1, r.width + dx), max(1, r.height + dy))
        else:
            r = Region(r.x + dx, r.y + dy, r.width, r.height)
        self.regions[name] = self._clamp(r)
        self.update()

    def _clamp(self, r: Region) -> Region:
        b = self.bounds
        width, height = min(r.width, b.width), min(r.height, b.height)
        x = min(max(r.x, b.x), b.x + b.width - width)
        y = min(max(r.y, b.y), b.y + b.height - height)
        return Region(x, y, width, height)

    # -- hit testing
    def _handles(self, region: Region) -> dict[str, QRectF]:
        r = self.widget_rect(region)
        h = HANDLE
        xs = {"l": r.left(), "c": r.center().x(), "r": r.right()}
        ys = {"t": r.top(), "m": r.center().y(), "b": r.bottom()}
        out = {}
        for vy, y in ys.items():
            for hx, x in xs.items():
                if (hx, vy) != ("c", "m"):
                    out[vy + hx] = QRectF(x - h / 2, y - h / 2, h, h)
        return out

    def _hit(self, pos: QPoint) -> str | None:
        name = self.current
        if name is None or name not in self.regions:
            return None
        for key, rect in self._handles(self.regions[name]).items():
            if rect.adjusted(-2, -2, 2, 2).contains(QPointF(pos)):
                return key
        if self.widget_rect(self.regions[name]).contains(QPointF(pos)):
            return "move"
        return None

    # -- events
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.current is None:
            return
        pos = event.position().toPoint()
        if self.picking_window:
            x, y = self.physical(pos)
            found = self._finder(x, y) if self._finder is not None else None
            self.picking_window = False
            if self._finder is None:
                self.message = "windows cannot be picked here (no desktop); regions stay absolute"
            elif found is None:
                self.message = "no window there; regions stay absolute"
            else:
                self.window = found
                self.message = f"regions follow the window {found.title!r}"
            self.update()
            return
        hit = self._hit(pos)
        start = self.regions.get(self.current)
        self._drag = (hit or "new", pos, start)
        if hit is None:
            x, y = self.physical(pos)
            self.regions[self.current] = Region(x, y, 1, 1)
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        self._cursor = pos
        if self._drag is not None and self.current is not None:
            mode, anchor, start = self._drag
            ax, ay = self.physical(anchor)
            px, py = self.physical(pos)
            if mode == "new":
                region = Region.spanning(ax, ay, px, py)
            elif mode == "move" and start is not None:
                region = Region(start.x + px - ax, start.y + py - ay, start.width, start.height)
            elif start is not None:
                left, top = start.x, start.y
                right, bottom = start.x + start.width, start.y + start.height
                if "l" in mode:
                    left = px
                if "r" in mode:
                    right = px
                if mode[0] == "t":
                    top = py
                if mode[0] == "b":
                    bottom = py
                region = Region.spanning(left, top, right, bottom)
            else:
                region = None
            if region is not None:
                self.regions[self.current] = self._clamp(region)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._drag is not None:
            self.mouseMoveEvent(event)
            self._drag = None
            name = self.current
            if name is not None and name in self.regions:
                r = self.regions[name]
                if r.width < 2 or r.height < 2:  # a click, not a drag
                    del self.regions[name]
            self.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers()
        step = 10 if mods & Qt.KeyboardModifier.ShiftModifier else 1
        resize = bool(mods & Qt.KeyboardModifier.ControlModifier)
        arrows = {
            Qt.Key.Key_Left: (-step, 0),
            Qt.Key.Key_Right: (step, 0),
            Qt.Key.Key_Up: (0, -step),
            Qt.Key.Key_Down: (0, step),
        }
        if key in arrows:
            self.nudge(*arrows[key], resize=resize)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept_step()
        elif key == Qt.Key.Key_Escape:
            self.cancel()
        elif key == Qt.Key.Key_Backspace:
            self.back()
        elif key == Qt.Key.Key_W:
            self.picking_window = not self.picking_window
            self.message = "click the game's window" if self.picking_window else ""
            self.update()
        elif key == Qt.Key.Key_A:
            self.window = None
            self.message = "regions are absolute screen coordinates"
            self.update()
        else:
            super().keyPressEvent(event)

    # -- painting
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        b = self.bounds
        for patch in self.mapper.patches:
            target = QRectF(
                patch.logical.x - self.origin.x(),
                patch.logical.y - self.origin.y(),
                patch.logical.width,
                patch.logical.height,
            )
            source = QRectF(
                patch.physical.x - b.x,
                patch.physical.y - b.y,
                patch.physical.width,
                patch.physical.height,
            )
            painter.drawImage(target, self._image, source)
        painter.fillRect(self.rect(), QColor(0, 0, 0, 70))
        if self.window is not None:
            painter.setPen(QPen(WINDOW_COLOUR, 2, Qt.PenStyle.DashLine))
            painter.drawRect(self.widget_rect(self.window.client))
        for name, region in self.regions.items():
            self._draw_region(painter, name, region, name == self.current)
        self._draw_banner(painter)
        if self.rect().contains(self._cursor):
            self._draw_lens(painter)
        painter.end()

    def region_label(self, name: str, region: Region) -> str:
        """The text drawn over a region: its size and place on the screen, and in the
        picked window's client area."""
        label = f"{name}  {region.width}x{region.height} at ({region.x}, {region.y})"
        if self.window is not None:
            w = self.window.client
            label += f"  window ({region.x - w.x}, {region.y - w.y})"
        return label

    def _draw_region(self, p: QPainter, name: str, region: Region, active: bool) -> None:
        colour = COLOURS.get(name, QColor(0, 220, 220))
        rect = self.widget_rect(region)
        # The picked area shows undimmed.
        b = self.bounds
        p.drawImage(
            rect, self._image, QRectF(region.x - b.x, region.y - b.y, region.width, region.height)
        )
        p.setPen(QPen(colour, 3 if active else 2))
        p.drawRect(rect)
        label = self.region_label(name, region)
        p.setFont(QFont("Sans", 10, QFont.Weight.Bold))
        metrics = p.fontMetrics()
        box = QRectF(
            rect.left(),
            rect.top() - metrics.height() - 4,
            metrics.horizontalAdvance(label) + 8,
            metrics.height() + 4,
        )
        if box.top() < 0:
            box.moveTop(rect.bottom() + 2)
        p.fillRect(box, QColor(0, 0, 0, 190))
        p.setPen(colour)
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
        if active:
            p.setPen(QPen(QColor(0, 0, 0), 1))
            for handle in self._handles(region).values():
                p.fillRect(handle, colour)
                p.drawRect(handle)

    def instructions(self) -> str:
        name = self.current
        if name is None:
            return "done"
        skip = " (optional: Enter with none skips it)" if name in self.optional else ""
        n = f"{self.step + 1}/{len(self.steps)}"
        return (
            f"{n}  Drag the {name.replace('_', '-').upper()} region{skip}.  Enter: next   "
            "Backspace: back   arrows: nudge (Shift 10 px, Ctrl resize)   W: pick a window   Esc: cancel"
        )

    def _draw_banner(self, p: QPainter) -> None:
        p.setFont(QFont("Sans", 12, QFont.Weight.Bold))
        lines = [self.instructions()]
        if self.window is not None:
            w = self.window.client
            lines.append(f"window: {self.window.title!r} {w.width}x{w.height} at ({w.x}, {w.y})")
        if self.message:
            lines.append(self.message)
        metrics = p.fontMetrics()
        width = max(metrics.horizontalAdvance(line) for line in lines) + 24
        height = (metrics.height() + 4) * len(lines) + 12
        # On the screen that holds the widget's top-left corner, centred.
        first = self.mapper.patches[0].logical
        x = first.x - self.origin.x() + max(8, (first.width - width) / 2)
        box = QRectF(x, first.y - self.origin.y() + 8, width, height)
        p.fillRect(box, QColor(20, 20, 30, 225))
        p.setPen(QColor(255, 255, 255))
        for i, line in enumerate(lines):
            p.drawText(
                box.adjusted(12, 6 + i * (metrics.height() + 4), -12, 0),
                Qt.AlignmentFlag.AlignLeft,
                line,
            )

    def _draw_lens(self, p: QPainter) -> None:
        px, py = self.physical(self._cursor)
        b = self.bounds
        half = LENS_PIXELS // 2
        size = LENS_PIXELS * LENS_ZOOM
        source = QRectF(px - half - b.x, py - half - b.y, LENS_PIXELS, LENS_PIXELS)
        x = self._cursor.x() + 24
        y = self._cursor.y() + 24
        if x + size > self.width():
            x = self._cursor.x() - 24 - size
        if y + size + 24 > self.height():
            y = self._cursor.y() - 48 - size
        target = QRectF(x, y, size, size)
        p.fillRect(target, QColor(0, 0, 0))
        p.drawImage(target, self._image, source)
        p.setPen(QPen(QColor(255, 255, 255), 1))
        p.drawRect(target)
        centre = QRectF(x + half * LENS_ZOOM, y + half * LENS_ZOOM, LENS_ZOOM, LENS_ZOOM)
        p.setPen(QPen(QColor(255, 0, 255), 1))
        p.drawRect(centre)
        text = f"({px}, {py})"
        if self.window is not None:
            text += f"  window ({px - self.window.client.x}, {py - self.window.client.y})"
        p.setFont(QFont("Sans", 9))
        label = QRectF(x, y + size, max(size, p.fontMetrics().horizontalAdvance(text) + 8), 20)
        p.fillRect(label, QColor(0, 0, 0, 210))
        p.setPen(QColor(255, 255, 255))
        p.drawText(label, Qt.AlignmentFlag.AlignCenter, text)
