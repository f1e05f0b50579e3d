"""Q-networks sized from the observation space.

Image stacks ``(C, H, W)`` of uint8 go to the Nature CNN (Mnih et al. 2015), which divides by 255
itself so frames stay uint8 everywhere outside the network. Flat vector observations go to an MLP.
Either body can end in a plain or a dueling head.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn


def is_image_space(shape: Sequence[int], dtype: np.dtype) -> bool:
    """True for a stack of 2-D frames of uint8 pixels, shape (stack, height, width)."""
    return len(shape) == 3 and np.dtype(dtype) == np.uint8


class NatureCNN(nn.Module):
    """The three-convolution body of the Nature DQN; returns a flat 512-wide feature."""

    def __init__(self, in_channels: int, height: int, width: int, features: int = 512) -> None:
        super().__init__()
        self.convs = nn.Sequential(
            nn.Conv2d(in_channels, 32, kernel_size=8, stride=4),
            nn.ReLU(inplace=True),
            nn.Conv2d(32, 64, kernel_size=4, stride=2),
            nn.ReLU(inplace=True),
            nn.Conv2d(64, 64, kernel_size=3, stride=1),
            nn.ReLU(inplace=True),
            nn.Flatten(),
        )
        with torch.no_grad():
            flat = self.convs(torch.zeros(1, in_channels, height, width)).shape[1]
        self.fc = nn.Sequential(nn.Linear(flat, features), nn.ReLU(inplace=True))
        self.out_features = features

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        # uint8 in, scaled here: the replay buffer and the environment never hold float frames.
        return self.fc(self.convs(frames.float().div_(255.0)))


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
    """

    def __init__(
        self,
        obs_shape: Sequence[int],
        obs_dtype: np.dtype,
        n_actions: int,
        hidden: Sequence[int] = (256, 256),
        dueling: bool = False,
    ) -> None:
        super().__init__()
        if is_image_space(obs_shape, obs_dtype):
            self.body: nn.Module = NatureCNN(*obs_shape)
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
