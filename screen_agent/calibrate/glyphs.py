"""Clusters of the glyph shapes seen on a text line.

Glyphs are found as the ``digits`` rule finds them (:func:`screen_agent.reward.digits.segment`),
so templates learnt here match what the rule reads. :class:`ShapeClusters` groups glyph
shapes that are the same character: identical bitmaps for bitmap fonts, near-identical ones
for anti-aliased text (:func:`same_shape`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from screen_agent.reward.digits import similarity

SAME_SIZE_DIFFER = 0.02
"""Two glyphs of one size are one shape if fewer than this share (0-1) of their pixels
differ (none for glyphs under 50 pixels: a bitmap font's 6 and 8 differ by one)."""
RESIZED_AGREE = 0.88
"""Two glyphs whose sizes differ by at most a tenth (or 2 pixels) are one shape if this
share (0-1) of the pixels agree once one is scaled to the other (anti-aliased text drawn at
another sub-pixel offset is a pixel wider or narrower)."""


def same_shape(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two glyph bitmaps are the same character (see :data:`SAME_SIZE_DIFFER` and
    :data:`RESIZED_AGREE`)."""
    if a.shape == b.shape:
        return int((a != b).sum()) < max(1, int(SAME_SIZE_DIFFER * a.size))
    return similarity(a, b) >= RESIZED_AGREE


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
        found = self.members[cluster]
        best: tuple[float, np.ndarray] | None = None
        for height, width in sorted({b.shape for b in found}):
            scaled = [
                cv2.resize(b.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
                for b in found
            ]
            template = np.mean(scaled, axis=0) >= 0.5
            worst = min(similarity(b, template) for b in found)
            if best is None or worst > best[0]:
                best = (worst, template)
        assert best is not None
        return best[1]
