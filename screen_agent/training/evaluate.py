"""Greedy evaluation: play whole episodes without learning and report the real returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from screen_agent.training.episode_recording import EpisodeRecorder


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
    recorder: EpisodeRecorder | None = None,
    step: int = -1,
) -> EvalResult:
    """Play ``episodes`` episodes with ``act`` (seeded ``seed``, ``seed + 1``, ...).

    The return of an episode is read from ``info["episode"]`` when a ``RecordEpisodeStatistics``
    wrapper provides it (the real score, below any training-only wrappers), else summed here.
    With ``recorder``, the first episode's frames are recorded (``env.render()`` gives the
    screen when the env renders ``rgb_array``), and kept if it is the best so far; ``step``
    is the training step the evaluation belongs to.
    """
    returns = []
    for i in range(episodes):
        obs, info = env.reset(seed=seed + i)
        record = recorder is not None and i == 0
        if record:
            recorder.start()
            recorder.add(*_frames(env, obs))
        total, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, info = env.step(act(obs))
            total += float(reward)
            done = terminated or truncated
            if record:
                recorder.add(*_frames(env, obs))
        returns.append(float(info["episode"]["r"]) if "episode" in info else total)
        if record:
            recorder.finish(returns[-1], step)
    return EvalResult(returns)


def _frames(env: gym.Env, obs: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """What the agent saw (the newest frame of an image stack) and what the screen showed."""
    agent = obs[-1] if obs.ndim == 3 and obs.dtype == np.uint8 else None
    screen = env.render() if env.render_mode == "rgb_array" else None
    return agent, screen
