"""Region: the one rectangle type of the program (profiles, capture, desktops, the app)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    """A rectangle in pixels: relative to a window's client area, or absolute on the screen.

    Profiles, capture and the desktop use whole pixels; the app's logical (Qt) coordinates may
    be fractional, so the fields take any real number.
    """

    x: int
    """Left edge, pixels."""
    y: int
    """Top edge, pixels."""
    width: int
    """Width, pixels (> 0)."""
    height: int
    """Height, pixels (> 0)."""

    @property
    def right(self) -> int:
        """One past the right edge."""
        return self.x + self.width

    @property
    def bottom(self) -> int:
        """One past the bottom edge."""
        return self.y + self.height

    @property
    def area(self) -> int:
        """Width times height, square pixels."""
        return self.width * self.height

    def offset(self, left: int, top: int) -> Region:
        """This region moved by ``(left, top)`` pixels, e.g. to screen coordinates."""
        return Region(self.x + left, self.y + top, self.width, self.height)

    def contains(self, x: float, y: float) -> bool:
        """True if point (x, y) lies inside."""
        return self.x <= x < self.right and self.y <= y < self.bottom

    def holds(self, other: Region) -> bool:
        """True if ``other`` lies wholly inside this region."""
        return (
            other.x >= self.x
            and other.y >= self.y
            and other.right <= self.right
            and other.bottom <= self.bottom
        )

    def intersection(self, other: Region) -> Region | None:
        """The overlap of the two regions, or None if they do not overlap."""
        left, top = max(self.x, other.x), max(self.y, other.y)
        right, bottom = min(self.right, other.right), min(self.bottom, other.bottom)
        if right <= left or bottom <= top:
            return None
        return Region(left, top, right - left, bottom - top)

    def as_monitor(self) -> dict[str, int]:
        """The region as an mss monitor dict (``left``, ``top``, ``width``, ``height``)."""
        return {"left": self.x, "top": self.y, "width": self.width, "height": self.height}

    def as_tuple(self) -> tuple[int, int, int, int]:
        """``(x, y, width, height)``."""
        return (self.x, self.y, self.width, self.height)

    @staticmethod
    def bounding(regions: Iterable[Region]) -> Region:
        """The smallest region holding all of ``regions`` (at least one)."""
        rs = list(regions)
        left, top = min(r.x for r in rs), min(r.y for r in rs)
        right, bottom = max(r.right for r in rs), max(r.bottom for r in rs)
        return Region(left, top, right - left, bottom - top)

    @staticmethod
    def spanning(x0: int, y0: int, x1: int, y1: int) -> Region:
        """The region spanned by two corners in any order (at least 1x1)."""
        left, right = sorted((x0, x1))
        top, bottom = sorted((y0, y1))
        return Region(left, top, max(1, right - left), max(1, bottom - top))
