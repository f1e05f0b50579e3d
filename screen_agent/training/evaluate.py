"""Greedy evaluation: play whole episodes without learning and report the real returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gymnasium as gym
import numpy as np


@dataclass(frozen=True)
class EvalResult:
    """Returns of the evaluation episodes, in the environment's real (unclipped) score."""

    returns: list[float]

    @property
    def mean(self) -> float:
        return float(np.mean(self.returns))

    @property
    def std(self) -> float:
        return float(np.std(self.returns))

    def as_json(self) -> dict[str, float | int]:
        return {"mean_return": self.mean, "std_return": self.std, "episodes": len(self.returns)}


def evaluate(
    env: gym.Env,
    act: Callable[[np.ndarray], int],
    episodes: int,
    seed: int,
) -> EvalResult:
    """Play ``episodes`` episodes with ``act`` (seeded ``seed``, ``seed + 1``, ...).

    The return of an episode is read from ``info["episode"]`` when a ``RecordEpisodeStatistics``
    wrapper provides it (the real score, below any training-only wrappers), else summed here.
    """
    returns = []
    for i in range(episodes):
        obs, info = env.reset(seed=seed + i)
        total, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, info = env.step(act(obs))
            total += float(reward)
            done = terminated or truncated
        returns.append(float(info["episode"]["r"]) if "episode" in info else total)
    return EvalResult(returns)
