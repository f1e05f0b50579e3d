"""Every setting of a DQN run in one typed dataclass, with presets per kind of environment."""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
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


def load_presets(text: str) -> dict[str, DQNConfig]:
    """Every preset of a presets file (``presets.toml``'s text), each built on the defaults or
    on its ``base``, a preset earlier in the file. A wrong name is a ValueError naming it."""
    known = {f.name for f in dataclasses.fields(DQNConfig)}
    built: dict[str, DQNConfig] = {}
    for name, values in tomllib.loads(text).items():
        changes = dict(values)
        base = changes.pop("base", None)
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"presets.toml [{name}]: no such setting {sorted(unknown)}")
        if base is not None and base not in built:
            raise ValueError(f"presets.toml [{name}]: base {base!r} is not a preset above it")
        built[name] = (built[base] if base else DQNConfig()).replace(**changes)
    return built


_PRESETS = load_presets(resources.files(__package__).joinpath("presets.toml").read_text("utf-8"))


def preset(name: str) -> DQNConfig:
    """A fresh copy of the preset ``name`` (see ``presets.toml`` for what each is for)."""
    return dataclasses.replace(_PRESETS[name])


PRESETS = {name: functools.partial(preset, name) for name in _PRESETS}
"""Every preset by name (``--preset NAME``), each a function giving a fresh config."""


def cartpole_config() -> DQNConfig:
    """Tuned for CartPole-v1 (``presets.toml``)."""
    return preset("cartpole")


def atari_config() -> DQNConfig:
    """Nature-CNN Double DQN with the CleanRL/SB3 update settings (``presets.toml``)."""
    return preset("atari")


def screen_config() -> DQNConfig:
    """The classic preset for live screen games (``presets.toml``)."""
    return preset("screen")


def atari100k_config() -> DQNConfig:
    """DrQ(epsilon) for Atari 100k-style runs, every value cited in ``presets.toml``."""
    return preset("atari100k")


def screen_efficient_config() -> DQNConfig:
    """The data-efficient preset (DrQ(epsilon)) for live screen games (``presets.toml``)."""
    return preset("screen-efficient")


def replay_ratio(config: DQNConfig) -> float:
    """Gradient updates per environment step (decision): ``gradient_steps / train_freq``."""
    return config.gradient_steps / config.train_freq
