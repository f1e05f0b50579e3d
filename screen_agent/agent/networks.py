"""Q-networks sized from the observation space.

Image stacks ``(C, H, W)`` of uint8 go to the Nature CNN (Mnih et al. 2015), which scales pixels
by 1/255 itself so frames stay uint8 everywhere outside the network. Flat vector observations go
to an MLP. Either body can end in a plain or a dueling head.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

NATURE_CHANNELS = (32, 64, 64)
"""Filters of the Nature CNN's three convolutions."""
NATURE_FEATURES = 512
"""Width of the Nature CNN's hidden fully connected layer."""


def is_image_space(shape: Sequence[int], dtype: np.dtype) -> bool:
    """True for a stack of 2-D frames of uint8 pixels, shape (stack, height, width)."""
    return len(shape) == 3 and np.dtype(dtype) == np.uint8


class NatureCNN(nn.Module):
    """The three-convolution body of the Nature DQN; returns a flat ``features``-wide vector.

    Input: ``(B, C, H, W)`` pixels in 0..255, uint8 or float (in any memory layout).

    Args:
        in_channels, height, width: shape of one observation.
        width_scale: multiplies every filter count and the hidden width (1.0 is the Nature CNN;
            0.5 has about a third of its arithmetic).
    """

    def __init__(self, in_channels: int, height: int, width: int, width_scale: float = 1.0) -> None:
        super().__init__()
        c1, c2, c3 = (max(1, round(c * width_scale)) for c in NATURE_CHANNELS)
        features = max(1, round(NATURE_FEATURES * width_scale))
        self.convs = nn.Sequential(
            nn.Conv2d(in_channels, c1, kernel_size=8, stride=4),
            nn.ReLU(inplace=True),
            nn.Conv2d(c1, c2, kernel_size=4, stride=2),
            nn.ReLU(inplace=True),
            nn.Conv2d(c2, c3, kernel_size=3, stride=1),
            nn.ReLU(inplace=True),
            nn.Flatten(),
        )
        with torch.no_grad():
            flat = self.convs(torch.zeros(1, in_channels, height, width)).shape[1]
        self.fc = nn.Sequential(nn.Linear(flat, features), nn.ReLU(inplace=True))
        self.out_features = features

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        first = self.convs[0]
        # The 1/255 scaling rides on the first convolution's weights (a convolution is linear in
        # its input): 8,192 multiplications instead of a pass over the 32x4x84x84 batch. A float
        # input is used as it is (no copy): the update hands over float channels-last stacks.
        pixels = frames if frames.is_floating_point() else frames.float()
        x = F.conv2d(pixels, first.weight * (1.0 / 255.0), first.bias, first.stride)
        return self.fc(self.convs[1:](x))


class MLP(nn.Module):
    """A ReLU multilayer perceptron body over flat vector observations."""

    def __init__(self, in_features: int, hidden: Sequence[int]) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU(inplace=True)]
            width = h
        self.body = nn.Sequential(*layers)
        self.out_features = width

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.body(obs.float())


class QNetwork(nn.Module):
    """Maps observations to one Q-value per action.

    Args:
        obs_shape: shape of one observation, e.g. (4, 84, 84) or (4,).
        obs_dtype: dtype of observations; uint8 image stacks select the CNN.
        n_actions: number of discrete actions.
        hidden: widths of the MLP's hidden layers (vector observations only).
        dueling: split into state value and action advantages (Wang et al. 2016).
        cnn_width: multiplier on the CNN's filters and hidden units (image stacks only).
    """

    def __init__(
        self,
        obs_shape: Sequence[int],
        obs_dtype: np.dtype,
        n_actions: int,
        hidden: Sequence[int] = (256, 256),
        dueling: bool = False,
        cnn_width: float = 1.0,
    ) -> None:
        super().__init__()
        if is_image_space(obs_shape, obs_dtype):
            self.body: nn.Module = NatureCNN(*obs_shape, width_scale=cnn_width)
        else:
            self.body = MLP(int(np.prod(obs_shape)), hidden)
        width = self.body.out_features
        self.dueling = dueling
        if dueling:
            self.value = nn.Linear(width, 1)
            self.advantage = nn.Linear(width, n_actions)
        else:
            self.head = nn.Linear(width, n_actions)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        features = self.body(obs)
        if self.dueling:
            advantage = self.advantage(features)
            return self.value(features) + advantage - advantage.mean(dim=1, keepdim=True)
        return self.head(features)
