"""Animated GIFs of a recorded episode, made with Pillow."""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image

MIN_FRAME_MS = 40
"""Shortest frame delay used: browsers play delays under 20 ms at 100 ms, so faster recordings
(CartPole renders at 50 fps) drop frames instead."""
MAX_GIF_FRAMES = 600


def frame_step(fps: float, frames: int) -> int:
    """Keep every n-th frame: so each lasts at least MIN_FRAME_MS and at most MAX_GIF_FRAMES."""
    by_rate = math.ceil(MIN_FRAME_MS * fps / 1000) if fps > 0 else 1
    by_count = math.ceil(frames / MAX_GIF_FRAMES)
    return max(1, by_rate, by_count)


def gif(frames: np.ndarray, fps: float) -> bytes:
    """An endlessly looping GIF of ``frames``, (T, H, W) grayscale or (T, H, W, 3) RGB uint8,
    played at ``fps`` frames per second (fewer frames, longer each, when ``fps`` is high)."""
    if len(frames) == 0:
        raise ValueError("no frames to animate")
    step = frame_step(fps, len(frames))
    frames = frames[::step]
    duration_ms = max(MIN_FRAME_MS, round(1000 * step / fps)) if fps > 0 else 100
    if frames.ndim == 3:
        images = [Image.fromarray(frame) for frame in frames]
    else:
        images = _quantized(frames)
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=duration_ms,
        loop=0,
    )
    return buffer.getvalue()


def _quantized(frames: np.ndarray) -> list[Image.Image]:
    """RGB frames on one shared 256-colour palette, so colours do not flicker between frames."""
    sample = frames[np.linspace(0, len(frames) - 1, min(len(frames), 16)).astype(int)]
    mosaic = Image.fromarray(np.concatenate(list(sample), axis=0))
    palette = mosaic.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    return [
        Image.fromarray(frame).quantize(palette=palette, dither=Image.Dither.NONE)
        for frame in frames
    ]
