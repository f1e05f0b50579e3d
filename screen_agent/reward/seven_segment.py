"""Seven-segment digits as rectangles: how Catch draws its score.

Drawn from rectangles rather than a font, so the score looks the same on every machine, in
every size, and a reader (or a test) can decode it by sampling the segment centres.
"""

from __future__ import annotations

from dataclasses import dataclass

Rect = tuple[int, int, int, int]
"""(x, y, width, height) in pixels."""

# Segments: a top, b top-right, c bottom-right, d bottom, e bottom-left, f top-left, g middle.
SEGMENTS_OF: dict[str, str] = {
    "0": "abcdef",
    "1": "bc",
    "2": "abged",
    "3": "abgcd",
    "4": "fgbc",
    "5": "afgcd",
    "6": "afgedc",
    "7": "abc",
    "8": "abcdefg",
    "9": "abcdfg",
    "-": "g",
    " ": "",
}
"""Which segments are lit for each character that can appear in a score."""


@dataclass(frozen=True)
class DigitBox:
    """Geometry of one seven-segment character cell, in pixels."""

    width: int
    height: int
    thickness: int
    """Stroke width of a segment."""

    def segment(self, name: str) -> Rect:
        """The rectangle of one segment, relative to the character cell's top-left corner."""
        w, h, t = self.width, self.height, self.thickness
        mid = (h - t) // 2
        return {
            "a": (0, 0, w, t),
            "b": (w - t, 0, t, mid + t),
            "c": (w - t, mid, t, h - mid),
            "d": (0, h - t, w, t),
            "e": (0, mid, t, h - mid),
            "f": (0, 0, t, mid + t),
            "g": (0, mid, w, t),
        }[name]

    def segment_centre(self, name: str) -> tuple[int, int]:
        """A pixel in the middle of a segment, lit only if that segment is (for decoding)."""
        # Segments overlap only at their ends, so the centre belongs to this one alone.
        x, y, w, h = self.segment(name)
        return x + w // 2, y + h // 2

    def rects(self, char: str) -> list[Rect]:
        """Rectangles to fill to draw ``char`` (a digit, '-' or ' ')."""
        return [self.segment(s) for s in SEGMENTS_OF[char]]


def decode(lit: dict[str, bool]) -> str | None:
    """The character whose lit segments are exactly those marked True, or None."""
    on = "".join(sorted(s for s, v in lit.items() if v))
    for char, segs in SEGMENTS_OF.items():
        if "".join(sorted(segs)) == on:
            return char
    return None
