"""Screen geometry without Qt: logical (Qt) coordinates to physical (screenshot) pixels, and
the X window under a point.

Qt places widgets in *logical* pixels; mss and the profile use *physical* pixels. On a HiDPI
screen one logical pixel is ``devicePixelRatio`` physical ones, and with several monitors the
ratio may differ per monitor, so the mapping is per screen: each :class:`ScreenPatch` pairs a
screen's logical rectangle with its physical one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from screen_agent.profile import Region


@dataclass(frozen=True)
class Rect:
    """x, y, width, height (floats for logical coordinates)."""

    x: float
    y: float
    width: float
    height: float

    def contains(self, x: float, y: float) -> bool:
        return self.x <= x < self.x + self.width and self.y <= y < self.y + self.height


@dataclass(frozen=True)
class ScreenPatch:
    """One monitor: where Qt puts it (logical) and where mss sees it (physical)."""

    logical: Rect
    physical: Rect

    @property
    def scale(self) -> float:
        """Physical pixels per logical pixel (the device pixel ratio)."""
        return self.physical.width / self.logical.width


def match_monitors(
    screens: Sequence[tuple[Rect, float]], monitors: Sequence[Mapping[str, int]]
) -> list[ScreenPatch]:
    """Pair Qt screens (logical rect, device pixel ratio) with mss monitors (physical dicts,
    entry 0 the union when there are several). A screen takes the monitor of its physical
    size nearest to where its logical position scaled says; with none of that size, the
    scaled rectangle itself."""
    pool = list(monitors[1:] if len(monitors) > 1 else monitors)
    patches = []
    for logical, dpr in screens:
        width, height = round(logical.width * dpr), round(logical.height * dpr)
        guess = (logical.x * dpr, logical.y * dpr)
        same = [m for m in pool if (m["width"], m["height"]) == (width, height)]
        if same:
            m = min(same, key=lambda m: abs(m["left"] - guess[0]) + abs(m["top"] - guess[1]))
            pool.remove(m)
            physical = Rect(m["left"], m["top"], m["width"], m["height"])
        else:
            physical = Rect(guess[0], guess[1], width, height)
        patches.append(ScreenPatch(logical, physical))
    return patches


class ScreenMapper:
    """Maps global logical points to global physical pixels and back, screen by screen."""

    def __init__(self, patches: Sequence[ScreenPatch]) -> None:
        if not patches:
            raise ValueError("no screens")
        self.patches = list(patches)

    def _patch_logical(self, x: float, y: float) -> ScreenPatch:
        for patch in self.patches:
            if patch.logical.contains(x, y):
                return patch
        # Outside every screen (a gap between monitors): the nearest one.
        return min(self.patches, key=lambda p: _distance(p.logical, x, y))

    def _patch_physical(self, x: float, y: float) -> ScreenPatch:
        for patch in self.patches:
            if patch.physical.contains(x, y):
                return patch
        return min(self.patches, key=lambda p: _distance(p.physical, x, y))

    def to_physical(self, x: float, y: float) -> tuple[int, int]:
        """The physical pixel under logical point (x, y)."""
        p = self._patch_logical(x, y)
        s = p.scale
        return (
            round(p.physical.x + (x - p.logical.x) * s),
            round(p.physical.y + (y - p.logical.y) * s),
        )

    def to_logical(self, x: float, y: float) -> tuple[float, float]:
        """The logical point of physical pixel (x, y)'s top-left corner."""
        p = self._patch_physical(x, y)
        s = p.scale
        return (p.logical.x + (x - p.physical.x) / s, p.logical.y + (y - p.physical.y) / s)

    def scale_at_physical(self, x: float, y: float) -> float:
        return self._patch_physical(x, y).scale

    @property
    def physical_bounds(self) -> Region:
        """The bounding box of every monitor, physical pixels (what one mss grab covers)."""
        left = min(p.physical.x for p in self.patches)
        top = min(p.physical.y for p in self.patches)
        right = max(p.physical.x + p.physical.width for p in self.patches)
        bottom = max(p.physical.y + p.physical.height for p in self.patches)
        return Region(int(left), int(top), int(right - left), int(bottom - top))


def _distance(r: Rect, x: float, y: float) -> float:
    dx = max(r.x - x, 0.0, x - (r.x + r.width))
    dy = max(r.y - y, 0.0, y - (r.y + r.height))
    return dx + dy


def normalised(x0: int, y0: int, x1: int, y1: int) -> Region:
    """The region spanned by two corners in any order (at least 1x1)."""
    left, right = sorted((x0, x1))
    top, bottom = sorted((y0, y1))
    return Region(left, top, max(1, right - left), max(1, bottom - top))


@dataclass(frozen=True)
class PickedWindow:
    """A window the user clicked: its title and client area on the screen."""

    window_id: int
    title: str
    rect: Region


def window_at(
    x: int, y: int, exclude: Sequence[int] = (), display: Any = None
) -> PickedWindow | None:
    """The titled top-level window whose client area holds physical point (x, y), topmost
    first, skipping window ids in ``exclude`` (the picker's own overlay); None if none."""
    from Xlib import X, error

    from screen_agent.capture.window import client_rect, open_display, window_title

    own = display is None
    display = display or open_display()
    try:
        root = display.screen().root
        # query_tree lists children bottom to top: walk it backwards for the topmost.
        for child in reversed(root.query_tree().children):
            try:
                if child.id in exclude or child.get_attributes().map_state != X.IsViewable:
                    continue
                found = _titled(display, child, window_title)
                if found is None:
                    continue
                rect = client_rect(found)
                if (
                    rect.left <= x < rect.left + rect.width
                    and rect.top <= y < rect.top + rect.height
                ):
                    title = window_title(display, found) or ""
                    return PickedWindow(
                        found.id, title, Region(rect.left, rect.top, rect.width, rect.height)
                    )
            except error.XError:
                continue
        return None
    finally:
        if own:
            display.close()


def _titled(display: Any, window: Any, window_title: Any) -> Any:
    """``window`` if it has a title, else its first titled descendant (a WM frame's client)."""
    if window_title(display, window):
        return window
    for child in window.query_tree().children:
        found = _titled(display, child, window_title)
        if found is not None:
            return found
    return None
