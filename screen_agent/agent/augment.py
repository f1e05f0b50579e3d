"""Image augmentation of sampled frame stacks (DrQ), vectorised over the batch in torch.

DrQ (Kostrikov, Yarats and Fergus 2021, "Image Augmentation Is All You Need", and its Atari
100k agents in Dopamine's ``labs/atari_100k``) shifts each sampled observation by a few pixels:
pad 4 pixels on every side by repeating the edge, then crop back to the original size at a
random offset. All frames of one stack get the same shift, so motion between them is kept.
Dopamine's version also multiplies each stack by a random brightness factor (from SPR,
Schwarzer et al. 2021). Both take their randomness from the caller's numpy generator.
"""

from __future__ import annotations

import numpy as np
import torch


def random_shift(frames: torch.Tensor, pad: int, rng: np.random.Generator) -> torch.Tensor:
    """Shift every stack by its own random offset in [-pad, pad] pixels on both axes.

    Equivalent to replication-padding by ``pad`` and cropping back to ``(H, W)`` at an offset
    drawn uniformly from ``0 .. 2 * pad`` per axis (DrQ's ``ReplicationPad2d`` + ``RandomCrop``).

    Args:
        frames: ``(B, C, H, W)`` stacks (any dtype; uint8 pixels here), C frames per stack.
        pad: the largest shift in pixels; 0 returns ``frames`` unchanged.
        rng: draws the ``2 * B`` offsets.

    Returns:
        A new contiguous ``(B, C, H, W)`` tensor of the same dtype.
    """
    if pad <= 0:
        return frames
    b, c, h, w = frames.shape
    offsets = torch.as_tensor(rng.integers(0, 2 * pad + 1, size=(2, b)), device=frames.device)
    # Pad only the columns (one copy: 1.1 MB for 32 x 4 x 84 x 84 uint8); the row shift is
    # an index per output row, clamped to the edge rows, which is the row padding for free.
    wide = w + 2 * pad
    padded = torch.cat(
        (frames[..., :1].expand(b, c, h, pad), frames, frames[..., -1:].expand(b, c, h, pad)),
        dim=3,
    ).reshape(-1)
    rows = (torch.arange(h, device=frames.device) + offsets[0, :, None] - pad).clamp_(0, h - 1)
    plane = torch.arange(b * c, device=frames.device).view(b, c, 1) * h
    starts = ((plane + rows.view(b, 1, h)) * wide + offsets[1].view(b, 1, 1)).reshape(-1)
    # Each output row is a contiguous run of w pixels of the padded batch starting at `starts`:
    # unfold views every such run, index_select copies the B*C*H wanted ones as whole rows
    # (0.4-0.6 ms for a 32-stack batch here, against 2-8 ms for a per-pixel gather).
    return padded.unfold(0, w, 1).index_select(0, starts).view(b, c, h, w)


def random_intensity(pixels: torch.Tensor, scale: float, rng: np.random.Generator) -> torch.Tensor:
    """Multiply each stack in place by ``1 + scale * clip(z, -2, 2)``, z ~ N(0, 1) per stack.

    Dopamine's ``_intensity_aug`` (scale 0.05: brightness within +-10%).

    Args:
        pixels: ``(B, ...)`` float tensor, modified in place and returned.
        scale: noise scale; 0 leaves ``pixels`` unchanged.
        rng: draws the B factors.
    """
    if scale <= 0.0:
        return pixels
    z = np.clip(rng.standard_normal(pixels.shape[0]), -2.0, 2.0)
    factors = torch.as_tensor(1.0 + scale * z, dtype=pixels.dtype, device=pixels.device)
    return pixels.mul_(factors.view(-1, *([1] * (pixels.dim() - 1))))
