"""Frame preprocessing, pure numpy/cv2: the observation the Atari mode produces, from screen pixels.

Per grabbed RGB frame: grayscale, max with the previous grab's grayscale (removes flicker of
sprites drawn on alternate frames), resize to 84x84 with ``INTER_AREA`` (what gymnasium's
``AtariPreprocessing`` uses), then a stack of the last 4 as ``(4, 84, 84)`` uint8, padded at
reset by repeating the first frame (``FrameStackObservation(padding_type="reset")``).

Every buffer is allocated once per frame size and written in place; nothing becomes float.
"""

from __future__ import annotations

import cv2
import numpy as np

SIZE = 84
"""Side of the square observation, pixels."""
STACK = 4
"""Frames in the observation stack."""


def to_gray(rgb: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """(H, W, 3) uint8 RGB -> (H, W) uint8 luma (0.299 R + 0.587 G + 0.114 B, rounded)."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected (H, W, 3) uint8 RGB, got {rgb.shape} {rgb.dtype}")
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY, dst=out)


def resize84(gray: np.ndarray, out: np.ndarray | None = None, size: int = SIZE) -> np.ndarray:
    """(H, W) uint8 -> (size, size) uint8 by area averaging (``cv2.INTER_AREA``)."""
    return cv2.resize(gray, (size, size), dst=out, interpolation=cv2.INTER_AREA)


class FramePreprocessor:
    """Turns successive RGB grabs into stacked observations, in place.

    Call :meth:`reset` with the first frame of an episode, then :meth:`step` with each
    following grab. Both return a new ``(stack, size, size)`` uint8 array (the caller may keep
    it; the internal stack is updated in place).
    """

    def __init__(self, stack: int = STACK, size: int = SIZE, max_pool: bool = True) -> None:
        """
        Args:
            stack: frames per observation.
            size: side of each frame after resizing, pixels.
            max_pool: take the pixel-wise max of this grab and the previous one.
        """
        if stack < 1 or size < 1:
            raise ValueError(f"stack and size must be positive, got {stack} and {size}")
        self.stack = stack
        self.size = size
        self.max_pool = max_pool
        self._frames = np.zeros((stack, size, size), dtype=np.uint8)
        self._gray: np.ndarray | None = None  # (2, H, W): this grab and the previous one
        self._pooled: np.ndarray | None = None
        self._current = 0

    @property
    def observation_shape(self) -> tuple[int, int, int]:
        """``(stack, size, size)``."""
        return (self.stack, self.size, self.size)

    def reset(self, rgb: np.ndarray) -> np.ndarray:
        """Start an episode: every slot of the stack becomes this frame."""
        self._ensure_buffers(rgb.shape[:2])
        assert self._gray is not None
        # Like AtariPreprocessing at reset: the "previous" frame is black, so the max is a no-op.
        # _process flips _current first, so the buffer that becomes "previous" is today's current.
        self._gray[self._current].fill(0)
        self._process(rgb, self._frames[-1])
        self._frames[:-1] = self._frames[-1]
        return self._frames.copy()

    def step(self, rgb: np.ndarray) -> np.ndarray:
        """Push the next grab; returns the updated stack."""
        if self._gray is None:
            raise RuntimeError("call reset() with the episode's first frame before step()")
        if self._gray.shape[1:] != rgb.shape[:2]:
            raise ValueError(
                f"frame size changed from {self._gray.shape[1:]} to {rgb.shape[:2]} within an episode"
            )
        self._frames[:-1] = self._frames[1:]  # numpy copes with the overlap
        self._process(rgb, self._frames[-1])
        return self._frames.copy()

    def _ensure_buffers(self, shape: tuple[int, int]) -> None:
        if self._gray is None or self._gray.shape[1:] != shape:
            self._gray = np.zeros((2, *shape), dtype=np.uint8)
            self._pooled = np.zeros(shape, dtype=np.uint8)

    def _process(self, rgb: np.ndarray, out: np.ndarray) -> None:
        assert self._gray is not None and self._pooled is not None
        self._current = 1 - self._current
        gray = self._gray[self._current]
        to_gray(rgb, out=gray)
        if self.max_pool:
            np.maximum(gray, self._gray[1 - self._current], out=self._pooled)
            source = self._pooled
        else:
            source = gray
        resize84(source, out=out, size=self.size)
