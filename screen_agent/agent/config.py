"""Every setting of a DQN run in one typed dataclass, with presets per kind of environment."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass
class DQNConfig:
    """Hyperparameters of the agent and its training loop. Steps are environment steps."""

    total_steps: int = 100_000
    """Environment steps to train for."""
    buffer_size: int = 100_000
    """Replay capacity in transitions (one stored frame each)."""
    learning_starts: int = 1_000
    """Environment steps of experience collected before the first gradient update."""
    batch_size: int = 32
    """Transitions per gradient update."""
    train_freq: int = 4
    """Environment steps between rounds of gradient updates."""
    gradient_steps: int = 1
    """Gradient updates per round."""
    gamma: float = 0.99
    """Discount factor per environment step."""
    n_step: int = 1
    """Steps of real reward before bootstrapping (1 is plain DQN)."""
    lr: float = 1e-4
    """Adam learning rate."""
    adam_eps: float = 1.5e-4
    """Adam epsilon (the Rainbow/Dopamine value; Adam's default 1e-8 is less stable here)."""
    max_grad_norm: float = 10.0
    """Gradients are clipped to this global L2 norm."""
    target_update_interval: int = 1_000
    """Environment steps between target-network updates."""
    tau: float = 1.0
    """Target update weight: 1.0 copies (hard update), below 1 blends (Polyak averaging)."""
    double_dqn: bool = True
    """Choose the next action with the online network and value it with the target network."""
    dueling: bool = False
    """Split the head into state value and action advantages."""
    hidden: tuple[int, ...] = (256, 256)
    """Hidden layer widths of the MLP for vector observations (the CNN is fixed)."""
    eps_start: float = 1.0
    """Exploration epsilon at step 0."""
    eps_end: float = 0.01
    """Exploration epsilon after the decay."""
    eps_fraction: float = 0.1
    """Fraction of total_steps over which epsilon decays linearly."""
    eval_interval: int = 10_000
    """Environment steps between greedy evaluations (0 turns them off)."""
    eval_episodes: int = 10
    """Episodes per periodic greedy evaluation."""
    eval_epsilon: float = 0.0
    """Epsilon used when evaluating (0 is fully greedy)."""
    checkpoint_interval: int = 50_000
    """Environment steps between checkpoints (one is always written at the end)."""
    keep_best: bool = True
    """Also keep the checkpoint with the best periodic evaluation as best.pt."""
    save_replay: bool = True
    """Store the replay buffer with each checkpoint so --resume continues exactly."""
    torch_threads: int = 0
    """Torch intra-op threads (0: one per core)."""

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    def replace(self, **changes: object) -> DQNConfig:
        return dataclasses.replace(self, **changes)


def cartpole_config() -> DQNConfig:
    """Tuned for CartPole-v1: greedy return 500 within 30,000 steps on seeds 0, 1 and 2."""
    return DQNConfig(
        total_steps=30_000,
        buffer_size=50_000,
        learning_starts=1_000,
        batch_size=64,
        train_freq=1,
        gradient_steps=1,
        gamma=0.99,
        n_step=3,
        lr=1e-3,
        adam_eps=1e-8,
        max_grad_norm=10.0,
        target_update_interval=500,
        tau=1.0,
        dueling=False,
        hidden=(256, 256),
        eps_start=1.0,
        eps_end=0.02,
        eps_fraction=0.2,
        eval_interval=2_000,
        eval_episodes=10,
        checkpoint_interval=10_000,
    )


def atari_config() -> DQNConfig:
    """Nature-CNN DQN with the CleanRL/SB3 update settings (batch 32, an update every 4 steps),
    plus Double DQN and 3-step returns, which learn Pong in far fewer frames."""
    return DQNConfig(
        total_steps=1_000_000,
        buffer_size=100_000,
        learning_starts=20_000,
        batch_size=32,
        train_freq=4,
        gradient_steps=1,
        gamma=0.99,
        n_step=3,
        lr=1e-4,
        adam_eps=1.5e-4,
        max_grad_norm=10.0,
        target_update_interval=2_000,
        tau=1.0,
        dueling=True,
        eps_start=1.0,
        eps_end=0.01,
        eps_fraction=0.1,
        eval_interval=50_000,
        eval_episodes=3,
        checkpoint_interval=100_000,
    )


def default_config(env_id: str) -> DQNConfig:
    """The preset for an environment id: Atari ids, CartPole, or the generic defaults."""
    from screen_agent.envs.factory import is_atari_id

    if is_atari_id(env_id):
        return atari_config()
    if env_id.startswith("CartPole"):
        return cartpole_config()
    return DQNConfig()


def screen_config() -> DQNConfig:
    """For live screen games: a few thousand decisions a session, so learning starts early and
    every decision is used (n-step returns, dueling head); ``total_steps`` is set from the
    session's minutes times the decision rate."""
    return DQNConfig(
        total_steps=9_000,
        buffer_size=50_000,
        learning_starts=500,
        batch_size=32,
        train_freq=1,
        gradient_steps=1,
        gamma=0.99,
        n_step=3,
        lr=2.5e-4,
        adam_eps=1.5e-4,
        max_grad_norm=10.0,
        target_update_interval=500,
        tau=1.0,
        dueling=True,
        eps_start=1.0,
        eps_end=0.02,
        eps_fraction=0.3,
        eval_interval=0,
        checkpoint_interval=3_000,
    )
