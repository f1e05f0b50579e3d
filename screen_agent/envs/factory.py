"""make_env: any gymnasium environment by id, with the standard Atari preprocessing for Atari ids."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from screen_agent.agent.config import DQNConfig, atari_config, cartpole_config
from screen_agent.envs.atari_wrappers import FireOnReset, LifeLossIsTerminal
from screen_agent.errors import UserError


def _register_atari() -> None:
    import ale_py

    # Only errors: the emulator's banner on stderr would bury our one-line messages.
    ale_py.ALEInterface.setLoggerMode(ale_py.LoggerMode.Error)
    gym.register_envs(ale_py)


def is_atari_id(env_id: str) -> bool:
    """True for ids like ``ALE/Pong-v5``, ``PongNoFrameskip-v4`` or ``Breakout-v4``."""
    _register_atari()
    spec = gym.registry.get(env_id)
    return spec is not None and "ale_py" in str(spec.entry_point)


def default_config(env_id: str) -> DQNConfig:
    """The preset for an environment id: Atari ids, CartPole, or the generic defaults."""
    if is_atari_id(env_id):
        return atari_config()
    if env_id.startswith("CartPole"):
        return cartpole_config()
    return DQNConfig()


def make_env(
    env_id: str,
    *,
    training: bool = True,
    frame_stack: int = 4,
    render_mode: str | None = None,
) -> gym.Env:
    """Build the environment for ``env_id``.

    Atari ids get gymnasium's ``AtariPreprocessing`` (up to 30 no-op starts, frame skip 4 with a
    max over the last two frames, 84x84 grayscale), fire on reset where the game has FIRE, a
    ``frame_stack``-frame stack, and, when ``training``, life loss as terminal and rewards clipped
    to their sign. Evaluation (``training=False``) plays whole games with the real score.
    Every environment records its real episode returns in ``info["episode"]``.
    """
    if is_atari_id(env_id):
        return _make_atari(env_id, training, frame_stack, render_mode)
    try:
        env = gym.make(env_id, render_mode=render_mode)
    except gym.error.Error as error:
        raise UserError(f"unknown environment id {env_id!r}: {error}") from None
    if not isinstance(env.action_space, gym.spaces.Discrete):
        raise UserError(f"{env_id} has action space {env.action_space}; DQN needs Discrete actions")
    return gym.wrappers.RecordEpisodeStatistics(env)


def _make_atari(env_id: str, training: bool, frame_stack: int, render_mode: str | None) -> gym.Env:
    # Frame skipping is done by AtariPreprocessing (with max-pooling), so the emulator must not.
    env = gym.make(env_id, frameskip=1, render_mode=render_mode)
    env = gym.wrappers.AtariPreprocessing(env, noop_max=30, frame_skip=4, screen_size=84)
    # Below the training-only wrappers, so it sees whole games and unclipped rewards.
    env = gym.wrappers.RecordEpisodeStatistics(env)
    if training:
        env = LifeLossIsTerminal(env)
    if "FIRE" in env.unwrapped.get_action_meanings():
        env = FireOnReset(env)
    if training:
        env = gym.wrappers.TransformReward(env, lambda r: float(np.sign(r)))
    return gym.wrappers.FrameStackObservation(env, frame_stack)


def action_names(env: gym.Env) -> list[str]:
    """Human-readable action names (the ALE's meanings for Atari, indices otherwise)."""
    unwrapped = env.unwrapped
    if hasattr(unwrapped, "get_action_meanings"):
        return list(unwrapped.get_action_meanings())
    return [str(a) for a in range(int(env.action_space.n))]


def newest_frame(obs: np.ndarray, stacked: bool) -> np.ndarray:
    """The frame a replay buffer stores for an observation: the last of a stack, or all of it."""
    return obs[-1] if stacked else obs
