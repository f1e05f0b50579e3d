"""Every setting of a DQN run in one typed dataclass, with presets per kind of environment."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


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
    """Hidden layer widths of the MLP for vector observations (the CNN's are set by cnn_width)."""
    eps_start: float = 1.0
    """Exploration epsilon at step 0."""
    eps_end: float = 0.01
    """Exploration epsilon after the decay."""
    eps_fraction: float = 0.1
    """Fraction of total_steps over which epsilon decays linearly (when eps_decay_steps is 0)."""
    eps_decay_steps: int = 0
    """Steps of linear epsilon decay after learning_starts, eps_start until then (0: eps_fraction)."""
    augment_shift: int = 0
    """Random shift of sampled image stacks in pixels: edge-pad, random crop back (DrQ: 4; 0 off)."""
    augment_intensity: float = 0.0
    """Per-stack brightness noise: pixels x (1 + this x clip(N(0,1), -2, 2)) (DrQ in Dopamine: 0.05)."""
    cnn_width: float = 1.0
    """Multiplier on the Nature CNN's filters and hidden units (0.5: ~1/3 of the arithmetic)."""
    demo_pretrain_updates: int = 1_000
    """With demonstrations: updates on demonstrations alone before the agent acts (DQfD)."""
    demo_margin: float = 0.8
    """With demonstrations: how much the demonstrated action's value must beat every other's
    (DQfD's large margin, in return units)."""
    demo_weight: float = 1.0
    """With demonstrations: the margin loss's weight while pre-training."""
    demo_weight_after: float = 0.3
    """With demonstrations: the margin loss's weight once the agent acts."""
    demo_ratio_start: float = 0.5
    """With demonstrations: share of each batch drawn from them when the agent starts acting."""
    demo_ratio_end: float = 0.05
    """With demonstrations: the share it decays to (linearly)."""
    demo_ratio_updates: int = 5_000
    """With demonstrations: updates over which the share decays."""
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

    def replace(self, **changes: object) -> DQNConfig:
        return dataclasses.replace(self, **changes)


def config_to_json(config: DQNConfig) -> dict[str, Any]:
    """The config as JSON values (a run's config.json and its checkpoints keep it so)."""
    return dataclasses.asdict(config)


def config_from_json(values: dict[str, Any]) -> DQNConfig:
    """The config :func:`config_to_json` gave."""
    values = dict(values)
    values["hidden"] = tuple(values["hidden"])
    return DQNConfig(**values)


def cartpole_config() -> DQNConfig:
    """Tuned for CartPole-v1: greedy return 500 within 30,000 steps on seeds 0, 1 and 2."""
    return DQNConfig().replace(
        total_steps=30_000,
        buffer_size=50_000,
        batch_size=64,
        train_freq=1,
        n_step=3,
        lr=1e-3,
        adam_eps=1e-8,
        target_update_interval=500,
        eps_end=0.02,
        eps_fraction=0.2,
        eval_interval=2_000,
        checkpoint_interval=10_000,
    )


def atari_config() -> DQNConfig:
    """Nature-CNN DQN with the CleanRL/SB3 update settings (batch 32, an update every 4 steps),
    plus Double DQN and 3-step returns, which learn Pong in far fewer frames."""
    return DQNConfig().replace(
        total_steps=1_000_000,
        learning_starts=20_000,
        n_step=3,
        target_update_interval=2_000,
        dueling=True,
        eval_interval=50_000,
        eval_episodes=3,
        checkpoint_interval=100_000,
    )


def screen_config() -> DQNConfig:
    """For live screen games: a few thousand decisions a session, so learning starts early and
    every decision is used (n-step returns, dueling head); ``total_steps`` is set from the
    session's minutes times the decision rate."""
    return DQNConfig().replace(
        total_steps=9_000,
        buffer_size=50_000,
        learning_starts=500,
        train_freq=2,  # half an update per decision (the screen learner: updates / decisions)
        n_step=3,
        lr=2.5e-4,
        target_update_interval=500,
        dueling=True,
        eps_end=0.02,
        eps_fraction=0.3,
        eval_interval=0,
        checkpoint_interval=3_000,
    )


def atari100k_config() -> DQNConfig:
    """Data-efficient DQN for Atari 100k-style runs (100,000 agent steps = 400,000 frames):
    DrQ(epsilon), the double + dueling DQN with augmentation of Dopamine's Atari 100k lab.

    Every value is from ``google/dopamine``'s ``dopamine/labs/atari_100k/configs/DrQ_eps.gin``
    (Agarwal et al. 2021, "Deep RL at the Edge of the Statistical Precipice", which defines
    DrQ(epsilon); DrQ is Kostrikov, Yarats and Fergus 2021) unless said otherwise:

    - ``n_step`` 10 (``update_horizon``), ``gamma`` 0.99, ``batch_size`` 32.
    - ``learning_starts`` 1,600 (``min_replay_history``), then one update per step
      (``update_period`` 1, ``num_updates_per_train_step`` 1).
    - ``target_update_interval`` 1 with ``tau`` 1 (``target_update_period`` 1): the target is the
      online network as of the previous update, so the agent runs one forward pass on the next
      states instead of two.
    - ``double_dqn`` and ``dueling`` on (``JaxFullRainbowAgent``), Huber loss, no noisy nets, no
      distributional head, uniform replay (``replay_scheme = 'uniform'``).
    - epsilon 1.0 during the warm-up, then linearly to 0.01 over 5,000 steps
      (``epsilon_train`` 0.01, ``epsilon_decay_period`` 5,000, ``linearly_decaying_epsilon``);
      ``eps_fraction`` 0.066 gives the same end (6,600 of 100,000) where a trainer does not use
      ``eps_decay_steps``. Evaluation epsilon 0.001 (``epsilon_eval``).
    - Adam, ``lr`` 1e-4, ``adam_eps`` 1.5e-4 (``create_optimizer``, values from DER: van Hasselt,
      Hessel and Aslanides 2019).
    - ``augment_shift`` 4 and ``augment_intensity`` 0.05 (``data_augmentation = True``:
      ``drq_image_augmentation`` in ``atari_100k_rainbow_agent.py`` pads 4 with edge
      replication, crops back at random, then scales each stack by 1 + 0.05 x clip(N(0,1), -2, 2)).
    - ``buffer_size`` 100,000: the whole run (Dopamine uses 1M "as a proxy for unbounded").
    - ``max_grad_norm`` 10 is ours: Dopamine does not clip (with the Huber loss the norm rarely
      reaches 10).

    Written as the changes to :func:`atari_config`, whose other values are these already.

    The environment settings of the benchmark (no sticky actions, 27,000-step episode cap, life
    loss terminal in training, 100 evaluation episodes) are the trainer's: ``bench/atari100k.py``.
    """
    return atari_config().replace(
        total_steps=100_000,
        learning_starts=1_600,
        train_freq=1,
        n_step=10,
        target_update_interval=1,
        eps_fraction=0.066,
        eps_decay_steps=5_000,
        augment_shift=4,
        augment_intensity=0.05,
        eval_interval=25_000,
        eval_epsilon=0.001,
        checkpoint_interval=10_000,
    )


def screen_efficient_config() -> DQNConfig:
    """The data-efficient preset (``atari100k_config``, DrQ(epsilon)) for live screen games.

    Changed from it for sessions of minutes (15 decisions per second: 4,500 in 5 minutes):
    ``learning_starts`` 500 and epsilon to 0.01 over the next 1,000 decisions (shorter than
    DER's ``epsilon_decay_period`` 2,000 in Dopamine's ``DER.gin``), two updates per decision
    (``gradient_steps`` 2: on Catch, 5 minutes caught 84% of the last 50 balls against 72% with
    DER's decay and one update per decision), ``buffer_size`` 50,000 (about
    an hour of play; more than any session here), no periodic evaluation (there is no separate
    game to evaluate on), a checkpoint every 3,000 decisions, and ``lr`` 2.5e-4 (the classic
    screen preset's: on demonstrations of Catch, 1,000 pre-training updates get 92% of the
    demonstrator's moves right at 2.5e-4 against 17% at 1e-4). ``total_steps`` is set from
    the session's minutes.
    """
    return atari100k_config().replace(
        total_steps=9_000,
        buffer_size=50_000,
        learning_starts=500,
        lr=2.5e-4,
        eps_decay_steps=1_000,
        eps_fraction=0.17,
        gradient_steps=2,
        eval_interval=0,
        eval_epsilon=0.0,
        checkpoint_interval=3_000,
    )


PRESETS = {
    "cartpole": cartpole_config,
    "atari": atari_config,
    "atari100k": atari100k_config,
    "screen": screen_config,
    "screen-efficient": screen_efficient_config,
}
"""Every preset by name (``--preset NAME``)."""


def replay_ratio(config: DQNConfig) -> float:
    """Gradient updates per environment step (decision): ``gradient_steps / train_freq``."""
    return config.gradient_steps / config.train_freq
