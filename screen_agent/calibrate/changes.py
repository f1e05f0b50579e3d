"""Where and when the watched window changed: one pass over the frames.

For every pixel it counts the frames on which it changed (some channel moved by more than
:data:`CHANGE_LEVEL` since the previous frame), and how many of those changes were
*isolated*: the pixel was still on the frame before and on the frame after. A score is
redrawn in one paint and then stays, so its pixels change in isolated steps; sprites, scrolling
and animations change the same pixels on runs of frames. It also notes, per frame, the share
of pixels that changed, and a coarse picture of the frame (:func:`cell_codes`) for the
game-over search.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from screen_agent.calibrate.watch import Watch

CHANGE_LEVEL = 24
"""Per-channel difference (0-255) above which a pixel counts as changed (ignores the noise of
anti-aliasing and dithering)."""
CELL = 8
"""Side of the coarse cells of :func:`cell_codes`, pixels."""
BLOCK = 4
"""Side of the blocks of :attr:`ChangeStats.blocks`, pixels."""


def cell_codes(frame: np.ndarray) -> np.ndarray:
    """(H // CELL, W // CELL) uint16: each cell's mean colour, 3 bits per channel."""
    height, width = frame.shape[:2]
    size = (max(1, width // CELL), max(1, height // CELL))
    part = frame[: size[1] * CELL, : size[0] * CELL]
    small = cv2.resize(part, size, interpolation=cv2.INTER_AREA)
    q = (small >> 5).astype(np.uint16)
    return (q[..., 0] << 6) | (q[..., 1] << 3) | q[..., 2]


def changed(a: np.ndarray, b: np.ndarray, level: int = CHANGE_LEVEL) -> np.ndarray:
    """(H, W) bool: pixels of two RGB frames that differ by more than ``level`` in a channel."""
    diff = cv2.absdiff(np.ascontiguousarray(a), np.ascontiguousarray(b))
    return np.maximum(np.maximum(diff[..., 0], diff[..., 1]), diff[..., 2]) > level


@dataclass(frozen=True)
class ChangeStats:
    """Per-pixel and per-frame change counts of a watch."""

    events: np.ndarray
    """(H, W) int32: frames on which the pixel changed."""
    isolated: np.ndarray
    """(H, W) int32: of those, changes with the pixel still on the frames before and after."""
    activity: np.ndarray
    """(N,) float: share (0-1) of the frame's pixels that changed since the previous frame
    (0 for the first frame)."""
    codes: np.ndarray
    """(N, H // CELL, W // CELL) uint16: each frame's :func:`cell_codes`."""
    blocks: np.ndarray
    """(N, bytes) uint8: per frame, which :data:`BLOCK`-pixel blocks changed since the
    previous frame, bit-packed (see :meth:`block_events`)."""
    block_shape: tuple[int, int]
    """(rows, columns) of blocks."""

    def block_events(self, frames: np.ndarray | None = None) -> np.ndarray:
        """(rows, columns) int: on how many of ``frames`` (a bool mask; default all) each
        block changed."""
        rows, cols = self.block_shape
        chosen = self.blocks if frames is None else self.blocks[np.asarray(frames, bool)]
        total = np.zeros(rows * cols, np.int32)
        for packed in chosen:
            total += np.unpackbits(packed, count=rows * cols).astype(np.int32)
        return total.reshape(rows, cols)

    @property
    def frames(self) -> int:
        return len(self.activity)


def change_stats(watch: Watch, level: int = CHANGE_LEVEL) -> ChangeStats:
    """Count the changes of ``watch`` (one pass; keeps three change masks at a time)."""
    height, width = watch.shape
    events = np.zeros((height, width), np.int32)
    isolated = np.zeros((height, width), np.int32)
    activity = np.zeros(len(watch), np.float64)
    codes = np.empty((len(watch), max(1, height // CELL), max(1, width // CELL)), np.uint16)
    block_shape = (-(-height // BLOCK), -(-width // BLOCK))
    blocks = np.zeros((len(watch), -(-block_shape[0] * block_shape[1] // 8)), np.uint8)
    before = np.zeros((height, width), bool)  # changes on frame t-1
    now: np.ndarray | None = None  # changes on frame t
    previous: np.ndarray | None = None
    for i, frame in enumerate(watch.frames):
        codes[i] = cell_codes(frame)
        if previous is None:
            previous = frame
            continue
        mask = changed(frame, previous)
        previous = frame
        activity[i] = mask.mean()
        events += mask
        blocks[i] = np.packbits(_pool(mask, block_shape).ravel())
        if now is not None:
            # frame t = i - 1 is judged once frame t + 1 = i is known.
            isolated += now & ~before & ~mask
            before = now
        now = mask
    if now is not None:
        isolated += now & ~before
    return ChangeStats(events, isolated, activity, codes, blocks, block_shape)


def _pool(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(rows, columns) bool: blocks of :data:`BLOCK` pixels holding any True."""
    rows, cols = shape
    image = mask.view(np.uint8) * np.uint8(255)
    bottom, right = rows * BLOCK - mask.shape[0], cols * BLOCK - mask.shape[1]
    if bottom or right:
        image = cv2.copyMakeBorder(image, 0, bottom, 0, right, cv2.BORDER_CONSTANT, value=0)
    # The mean of a block is at least 255/16 if any pixel of it is set.
    return cv2.resize(image, (cols, rows), interpolation=cv2.INTER_AREA) > 0
