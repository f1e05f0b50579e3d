"""Learning from demonstrations (DQfD, Hester et al. 2018): pre-training on them, then mixing
them into the agent's own batches.

Demonstrations sit in buffers of their own that are never overwritten (:mod:`.demos`). Before
the agent acts, ``demo_pretrain_updates`` updates use demonstrations alone, with the TD loss
and the large-margin loss on the demonstrator's actions (weight ``demo_weight``). Afterwards
each batch mixes a share of demonstrations that decays from ``demo_ratio_start`` to
``demo_ratio_end`` over ``demo_ratio_updates`` updates, and their margin loss keeps the smaller
weight ``demo_weight_after``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from screen_agent.agent.config import DQNConfig
from screen_agent.agent.dqn import DQNAgent
from screen_agent.agent.replay import ReplayBuffer
from screen_agent.agent.schedules import LinearSchedule
from screen_agent.training.demos import DemoSet, concatenate, load_demo


class DemoMixer:
    """Makes each update's batch from the demonstrations and the agent's replay."""

    def __init__(
        self, demos: DemoSet, agent: DQNAgent, replay: ReplayBuffer, config: DQNConfig
    ) -> None:
        self.demos = demos
        self.agent = agent
        self.replay = replay
        self.config = config
        self.start_updates = agent.updates
        """The agent's updates when the run (or this session of it) started."""
        self.ratio = LinearSchedule(
            config.demo_ratio_start, config.demo_ratio_end, config.demo_ratio_updates
        )

    @classmethod
    def load(
        cls,
        paths: Sequence[Path],
        kind: str,
        source: str,
        action_names: Sequence[str],
        obs_shape: tuple[int, ...],
        agent: DQNAgent,
        replay: ReplayBuffer,
        config: DQNConfig,
        seed: int,
    ) -> DemoMixer:
        """Load the demonstration files for a run on ``source``; DemoError for a bad one."""
        rng = np.random.default_rng(seed + 7)
        image = len(obs_shape) == 3
        frame_shape = obs_shape[1:] if image else obs_shape
        stack = obs_shape[0] if image else 1
        demos = [
            load_demo(
                path,
                kind,
                source,
                action_names,
                frame_shape,
                stack,
                config.n_step,
                config.gamma,
                rng,
            )
            for path in paths
        ]
        return cls(DemoSet(demos, rng), agent, replay, config)

    @classmethod
    def for_run(cls, spec: Any, agent: DQNAgent, replay: ReplayBuffer) -> DemoMixer:
        """For a learner process's spec (``learner_process.LearnerSpec``)."""
        kind, source = spec.demo_source
        return cls.load(
            spec.demos, kind, source, spec.action_names, spec.obs_shape, agent, replay,
            spec.config, spec.seed,
        )  # fmt: skip

    def pretraining(self, updates: int) -> bool:
        """True while the run is in its pre-training phase (on demonstrations alone)."""
        return updates < self.config.demo_pretrain_updates

    def update(self, batch_size: int) -> dict[str, torch.Tensor]:
        """One update of the agent on a mixed batch; returns its statistics."""
        config = self.config
        updates = self.agent.updates
        if self.pretraining(updates) or not self.replay.can_sample(batch_size):
            batch, taught = self.demos.sample(batch_size)
            weight = config.demo_weight if self.pretraining(updates) else config.demo_weight_after
            return self.agent.update(batch, taught, weight)
        share = self.ratio(updates - config.demo_pretrain_updates)
        n_demo = int(self.demos.rng.binomial(batch_size, share))
        parts, taught = [], []
        if n_demo:
            demo_batch, demo_taught = self.demos.sample(n_demo)
            parts.append(demo_batch)
            taught.append(demo_taught)
        if batch_size - n_demo:
            parts.append(self.replay.sample(batch_size - n_demo))
            taught.append(np.zeros(batch_size - n_demo, dtype=bool))
        return self.agent.update(
            concatenate(parts), np.concatenate(taught), config.demo_weight_after
        )
