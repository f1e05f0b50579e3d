"""Glyphs of a text line, with their places, and clusters of the glyph shapes seen.

:func:`segment` splits an ink mask exactly as :func:`screen_agent.reward.digits.glyphs` does
(runs of columns with ink, each cropped to its ink rows), so templates learnt here match what
the ``digits`` rule reads, and it also says where each glyph is. :class:`ShapeClusters` groups
glyph shapes that are the same character: identical bitmaps for bitmap fonts, near-identical
ones for anti-aliased text (:func:`same_shape`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

SAME_SIZE_DIFFER = 0.02
"""Two glyphs of one size are one shape if fewer than this share (0-1) of their pixels
differ (none for glyphs under 50 pixels: a bitmap font's 6 and 8 differ by one)."""
RESIZED_AGREE = 0.88
"""Two glyphs whose sizes differ by at most a tenth (or 2 pixels) are one shape if this
share (0-1) of the pixels agree once one is scaled to the other (anti-aliased text drawn at
another sub-pixel offset is a pixel wider or narrower)."""


@dataclass(frozen=True)
class Glyph:
    """One glyph of a mask."""

    x: int
    """Left column in the mask, pixels."""
    y: int
    """Top row of its ink, pixels."""
    bitmap: np.ndarray
    """bool (height, width), cropped to its ink."""

    @property
    def width(self) -> int:
        return int(self.bitmap.shape[1])

    @property
    def height(self) -> int:
        return int(self.bitmap.shape[0])

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height


def segment(mask: np.ndarray) -> list[Glyph]:
    """The glyphs of a bool ink mask, left to right (see the module docstring)."""
    columns = mask.any(axis=0)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], columns.astype(np.int8), [0]])))
    out = []
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        part = mask[:, start:stop]
        rows = np.flatnonzero(part.any(axis=1))
        out.append(Glyph(int(start), int(rows[0]), part[rows[0] : rows[-1] + 1]))
    return out


def same_shape(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two glyph bitmaps are the same character (see :data:`SAME_SIZE_DIFFER` and
    :data:`RESIZED_AGREE`)."""
    if a.shape == b.shape:
        return int((a != b).sum()) < max(1, int(SAME_SIZE_DIFFER * a.size))
    (ah, aw), (bh, bw) = a.shape, b.shape
    if abs(ah - bh) > max(2, bh // 10) or abs(aw - bw) > max(2, bw // 10):
        return False
    scaled = cv2.resize(a.astype(np.uint8), (bw, bh), interpolation=cv2.INTER_NEAREST) > 0
    return float((scaled == b).mean()) >= RESIZED_AGREE


@dataclass
class ShapeClusters:
    """Glyph shapes seen, grouped; a glyph's cluster id is its index in :attr:`shapes`."""

    shapes: list[np.ndarray] = field(default_factory=list)
    """One representative bitmap per cluster (the first seen)."""
    members: list[list[np.ndarray]] = field(default_factory=list)
    """The bitmaps assigned to each cluster (identical ones once each per call site)."""
    counts: list[int] = field(default_factory=list)
    """How many glyphs were assigned to each cluster."""
    _exact: dict[tuple[tuple[int, ...], bytes], int] = field(default_factory=dict)

    def assign(self, bitmap: np.ndarray) -> int:
        """The cluster of ``bitmap`` (a new one if it is like none seen)."""
        key = (bitmap.shape, np.packbits(bitmap).tobytes())
        found = self._exact.get(key)
        if found is None:
            found = next((i for i, s in enumerate(self.shapes) if same_shape(bitmap, s)), None)
            if found is None:
                found = len(self.shapes)
                self.shapes.append(bitmap)
                self.members.append([])
                self.counts.append(0)
            self.members[found].append(bitmap)
            self._exact[key] = found
        self.counts[found] += 1
        return found

    def __len__(self) -> int:
        return len(self.shapes)

    def template(self, cluster: int) -> np.ndarray:
        """One template for the cluster: the pixel-wise majority of its bitmaps, all scaled
        to one of their sizes, the size whose template matches its least-alike bitmap best
        (as ``DigitReader`` compares them: scaled, the share of agreeing pixels). With one
        size only this is ``DigitReader.calibrate``'s majority."""
        from screen_agent.reward.digits import _similarity

        found = self.members[cluster]
        best: tuple[float, np.ndarray] | None = None
        for height, width in sorted({b.shape for b in found}):
            scaled = [
                cv2.resize(b.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
                for b in found
            ]
            template = np.mean(scaled, axis=0) >= 0.5
            worst = min(_similarity(b, template) for b in found)
            if best is None or worst > best[0]:
                best = (worst, template)
        assert best is not None
        return best[1]
