"""Proposing the game region: where things moved during play.

Counted on the frames known to be play (a restart redraws the whole window, a game-over
screen covers it; neither is the game), in :data:`~screen_agent.calibrate.changes.BLOCK`-pixel
blocks. Blocks that changed on at least :data:`MIN_ACTIVE_SHARE` of those frames (sprites,
scrolling, a ball; not a lives counter that changes a few times) are joined into blobs; the
blob with the most changes is the field, and others nearly as busy join it. The field then
grows over blocks that changed at least twice and lie within :data:`REACH` of it (the dots a
player ate, a paddle's far end), so a quiet corner of the field is not cut off; something
farther away (a side panel's animation) stays out. The region is the bounding box, less the
score's band when the score lies at its top or bottom edge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from screen_agent.calibrate.changes import BLOCK, ChangeStats
from screen_agent.geometry import Region

MIN_ACTIVE_SHARE = 0.02
"""A block is active if it changed on at least this share (0-1) of the frames."""
JOIN_SHARE = 0.25
"""Another blob joins the field if it changed at least this share (0-1) as much."""
REACH = 0.03
"""How far (a share of the window's smaller side) the field grows over blocks that changed
at least twice."""
EDGE_BAND = 0.2
"""A score within this share (0-1) of the region's height from its top or bottom is cut off
with the band it lies in."""
MIN_PLAY_FRAMES = 20
"""With fewer frames known to be play, every frame is counted."""


@dataclass(frozen=True)
class GameRegionProposal:
    region: Region
    active_share: float
    """Share (0-1) of the region's blocks that were active."""
    blobs: int
    """Blobs of activity joined into it."""
    notes: list[str]

    def evidence(self) -> str:
        notes = "; ".join(self.notes)
        return (
            f"bounding box of {self.blobs} area(s) that kept changing in play and what moved "
            f"near them; {self.active_share:.0%} of it changed often"
            + (f"; {notes}" if notes else "")
        )


def propose_game_region(
    stats: ChangeStats,
    exclude: Sequence[Region] = (),
    play: np.ndarray | None = None,
    min_share: float = MIN_ACTIVE_SHARE,
) -> GameRegionProposal:
    """The game region from the watch's change counts (see the module docstring).
    ``exclude``: regions that are not the game (the score) even though they change;
    ``play``: (N,) bool, the frames known to be play (None: all)."""
    height, width = stats.events.shape
    if play is not None and int(np.sum(play)) < MIN_PLAY_FRAMES:
        play = None
    frames = int(np.sum(play)) if play is not None else stats.frames
    events = stats.block_events(play)
    keep = np.ones_like(events, bool)
    for r in exclude:
        # With a margin: a score's shadow or outline changes with it.
        m = max(2, r.height // 3)
        keep[
            max(0, r.y - m) // BLOCK : -(-(r.bottom + m) // BLOCK),
            max(0, r.x - m) // BLOCK : -(-(r.right + m) // BLOCK),
        ] = False
    active = (events >= max(2, int(min_share * frames))) & keep
    if not active.any():
        whole = Region(0, 0, width, height)
        return GameRegionProposal(whole, 0.0, 0, ["nothing kept changing: the whole window"])
    size = max(3, min(events.shape) // 40) | 1
    joined = cv2.dilate(active.astype(np.uint8), np.ones((size, size), np.uint8))
    count, labels = cv2.connectedComponents(joined, connectivity=8)
    weight = np.bincount(labels.ravel(), weights=(events * active).ravel(), minlength=count)
    weight[0] = 0
    chosen = [k for k in range(1, count) if weight[k] >= JOIN_SHARE * float(weight.max())]
    field = active & np.isin(labels, chosen)
    # Grow over what moved at least twice within reach.
    moved = (events >= 2) & keep
    reach = max(1, round(REACH * min(height, width) / BLOCK))
    kernel = np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)
    for _ in range(100):
        grown = field | (cv2.dilate(field.astype(np.uint8), kernel).astype(bool) & moved)
        if np.array_equal(grown, field):
            break
        field = grown
    ys, xs = np.nonzero(field)
    x0, y0 = int(xs.min()) * BLOCK, int(ys.min()) * BLOCK
    x1, y1 = min(width, (int(xs.max()) + 1) * BLOCK), min(height, (int(ys.max()) + 1) * BLOCK)
    region = Region(x0, y0, x1 - x0, y1 - y0)
    notes = []
    for r in exclude:
        if region.intersection(r) is None:
            continue
        if r.bottom - region.y <= EDGE_BAND * region.height:
            region = Region(region.x, r.bottom, region.width, region.bottom - r.bottom)
            notes.append("the score's band at the top left out")
        elif region.bottom - r.y <= EDGE_BAND * region.height:
            region = Region(region.x, region.y, region.width, r.y - region.y)
            notes.append("the score's band at the bottom left out")
    b = region
    inside = active[b.y // BLOCK : -(-b.bottom // BLOCK), b.x // BLOCK : -(-b.right // BLOCK)]
    return GameRegionProposal(region, float(inside.mean()), len(chosen), notes)
