import numpy as np
import pytest
import torch
import torch.nn.functional as F

from screen_agent.agent.augment import random_intensity, random_shift


def reference_shift(frames: torch.Tensor, pad: int, offsets: np.ndarray) -> torch.Tensor:
    """DrQ's definition, one stack at a time: replication-pad, then crop at the offset."""
    padded = F.pad(frames.float(), (pad, pad, pad, pad), mode="replicate")
    h, w = frames.shape[-2:]
    crops = [padded[i, :, dy : dy + h, dx : dx + w] for i, (dy, dx) in enumerate(offsets.T)]
    return torch.stack(crops).to(frames.dtype)


@pytest.mark.parametrize("shape", [(32, 4, 84, 84), (3, 2, 10, 7)])
def test_random_shift_is_pad_and_crop_with_one_offset_per_stack(shape):
    frames = torch.randint(0, 256, shape, dtype=torch.uint8)
    pad = 4
    shifted = random_shift(frames, pad, np.random.default_rng(7))
    offsets = np.random.default_rng(7).integers(0, 2 * pad + 1, size=(2, shape[0]))
    assert shifted.dtype == torch.uint8
    assert shifted.shape == frames.shape
    assert torch.equal(shifted, reference_shift(frames, pad, offsets))


def test_random_shift_covers_every_offset_and_keeps_frames_of_a_stack_together():
    # Each frame of a stack holds its own index in every pixel plus a column ramp, so the shift
    # of each stack can be read back from its first row.
    b, c, h, w = 400, 3, 12, 12
    ramp = torch.arange(w, dtype=torch.uint8).expand(h, w)
    frames = (ramp + 20 * torch.arange(c, dtype=torch.uint8).view(c, 1, 1)).expand(b, c, h, w)
    shifted = random_shift(frames.contiguous(), 4, np.random.default_rng(0))
    first_col = shifted[:, :, 5, 5].long() - 20 * torch.arange(c)  # ramp value at column 5
    assert (first_col == first_col[:, :1]).all()  # same horizontal shift for every frame
    assert set(first_col[:, 0].tolist()) == set(range(1, 10))  # 5 + (-4 .. 4)


def test_zero_pad_and_zero_scale_change_nothing():
    frames = torch.randint(0, 256, (2, 4, 8, 8), dtype=torch.uint8)
    assert random_shift(frames, 0, np.random.default_rng(0)) is frames
    pixels = frames.float()
    assert random_intensity(pixels, 0.0, np.random.default_rng(0)) is pixels


def test_random_intensity_scales_each_stack_within_ten_percent():
    pixels = torch.full((500, 4, 3, 3), 100.0)
    out = random_intensity(pixels.clone(), 0.05, np.random.default_rng(1))
    per_stack = out[:, 0, 0, 0]
    assert torch.all(out == per_stack.view(-1, 1, 1, 1))  # one factor per stack
    assert per_stack.min() >= 90.0 and per_stack.max() <= 110.0
    assert per_stack.std() > 2.0
