"""Screen geometry without Qt: logical (Qt) coordinates to physical (screenshot) pixels, and
the window under a point.

Qt places widgets in *logical* pixels; mss, the desktop and the profile use *physical* pixels.
On a HiDPI screen one logical pixel is ``devicePixelRatio`` physical ones, and with several
monitors the ratio may differ per monitor, so the mapping is per screen: each
:class:`ScreenPatch` pairs a screen's logical rectangle with its physical one. Rectangles are
:class:`~screen_agent.geometry.Region` throughout (logical ones may hold fractions).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from screen_agent.desktop import Desktop, Window
from screen_agent.geometry import Region


@dataclass(frozen=True)
class ScreenPatch:
    """One monitor: where Qt puts it (logical) and where mss sees it (physical)."""

    logical: Region
    physical: Region

    @property
    def scale(self) -> float:
        """Physical pixels per logical pixel (the device pixel ratio)."""
        return self.physical.width / self.logical.width


def match_monitors(
    screens: Sequence[tuple[Region, float]], monitors: Sequence[Region]
) -> list[ScreenPatch]:
    """Pair Qt screens (logical region, device pixel ratio) with the physical monitors.

    A screen takes the monitor of its physical size nearest to where its logical position
    scaled says; with none of that size, the scaled rectangle itself."""
    pool = list(monitors)
    patches = []
    for logical, dpr in screens:
        width, height = round(logical.width * dpr), round(logical.height * dpr)
        guess = (logical.x * dpr, logical.y * dpr)
        same = [m for m in pool if (m.width, m.height) == (width, height)]
        if same:
            physical = min(same, key=lambda m: abs(m.x - guess[0]) + abs(m.y - guess[1]))
            pool.remove(physical)
        else:
            physical = Region(round(guess[0]), round(guess[1]), width, height)
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
        """Physical pixels per logical pixel on the monitor holding physical (x, y)."""
        return self._patch_physical(x, y).scale

    @property
    def physical_bounds(self) -> Region:
        """The bounding box of every monitor, physical pixels (what one mss grab covers)."""
        b = Region.bounding(p.physical for p in self.patches)
        return Region(int(b.x), int(b.y), int(b.width), int(b.height))

    @property
    def logical_bounds(self) -> Region:
        """The bounding box of every screen, logical pixels (where the picker's overlay goes)."""
        return Region.bounding(p.logical for p in self.patches)


def _distance(r: Region, x: float, y: float) -> float:
    dx = max(r.x - x, 0.0, x - r.right)
    dy = max(r.y - y, 0.0, y - r.bottom)
    return dx + dy


def window_at(desktop: Desktop, x: int, y: int, exclude: Collection[int] = ()) -> Window | None:
    """The top-most titled window whose client area holds physical point (x, y), skipping
    handles in ``exclude`` (the app's own windows, the picker's overlay); None if none."""
    for window in reversed(desktop.windows()):  # top-most last
        if window.handle not in exclude and window.client.contains(x, y):
            return window
    return None
