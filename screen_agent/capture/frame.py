"""Frames and the FrameSource protocol: what every capture source hands the environment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from screen_agent.geometry import Region


@dataclass(frozen=True)
class Frame:
    """One grab of a region."""

    pixels: np.ndarray
    """(H, W, 3) uint8 RGB, C-contiguous; the source never writes to it again."""
    time: float
    """``time.monotonic()`` seconds when the grab finished (the pixels are at most that old)."""


@runtime_checkable
class FrameSource(Protocol):
    """Something that yields frames of one region: the screen, or a recording of it."""

    def grab(self) -> Frame:
        """The region's pixels now (or the next recorded frame)."""
        ...

    def close(self) -> None:
        """Release the source's resources; idempotent."""
        ...


def crop(pixels: np.ndarray, region: Region) -> np.ndarray:
    """The part of ``pixels`` under ``region`` (coordinates relative to ``pixels``), a view.

    Raises ValueError if the region does not lie inside the image, rather than silently
    returning a smaller array as numpy slicing would.
    """
    height, width = pixels.shape[:2]
    if (
        region.x < 0
        or region.y < 0
        or region.x + region.width > width
        or region.y + region.height > height
    ):
        raise ValueError(f"region {region} does not lie inside a {width}x{height} image")
    return pixels[region.y : region.y + region.height, region.x : region.x + region.width]
