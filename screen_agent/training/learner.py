"""The background learner of a real-time run: gradient updates beside the acting, at a set
replay ratio, with weight snapshots handed to the actor.

The learner never gets ahead of ``replay_ratio`` updates per decision past warm-up. Its update
counter is the agent's own (saved in checkpoints), so a resumed run keeps the same ratio instead
of catching up on every decision the earlier sessions made. A failure in the learner is kept in
:attr:`Learner.error` and sets the shared stop event: the run ends, releases the keys, saves
what it can and raises :class:`LearnerFailed`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from screen_agent.agent.config import DQNConfig
from screen_agent.agent.dqn import DQNAgent
from screen_agent.agent.replay import ReplayBuffer
from screen_agent.errors import RunFailed

IDLE_S = 0.005
"""How long the learner sleeps when it may not update yet, seconds."""


class LearnerFailed(RunFailed):
    """The learner stopped with an error; the run was stopped and saved."""


@dataclass(frozen=True)
class LearnerSettings:
    """How the learner shares the machine with the actor."""

    replay_ratio: float = 0.5
    """Gradient updates per decision (the learner never gets ahead of this)."""
    threads: int = 1
    """Torch threads of the learner."""
    nice: int = 10
    """Niceness added to the learner thread (Linux), so the actor wins when they compete."""
    publish_every: int = 10
    """Updates between weight snapshots handed to the actor."""


class Learner(threading.Thread):
    """Updates ``agent`` from ``replay`` in the background; see the module docstring.

    Args:
        agent: the agent to train (its ``updates`` counter is the learner's).
        replay: the shared replay buffer; read under ``replay_lock``.
        replay_lock: held by whoever adds to or saves the replay.
        publish: called with the online network every ``publish_every`` updates.
        config: learning_starts, batch_size, target_update_interval.
        settings: ratio, threads, niceness.
        stop: set to end the learner; the learner sets it when it fails.
    """

    def __init__(
        self,
        agent: DQNAgent,
        replay: ReplayBuffer,
        replay_lock: threading.Lock,
        publish: Callable[[torch.nn.Module], None],
        config: DQNConfig,
        settings: LearnerSettings,
        stop: threading.Event,
    ) -> None:
        super().__init__(name="learner", daemon=True)
        self.agent, self.replay, self.replay_lock = agent, replay, replay_lock
        self.publish = publish
        self.config, self.settings, self.stop_event = config, settings, stop
        self.decisions = 0
        """Decisions made so far (the actor sets it)."""
        self.target_every = max(1, round(config.target_update_interval * settings.replay_ratio))
        self.error: BaseException | None = None
        self.update_lock = threading.Lock()
        """Held during each update, so a checkpoint sees consistent weights."""
        self._stats: list[dict[str, torch.Tensor]] = []
        self._stats_lock = threading.Lock()

    @property
    def updates(self) -> int:
        """Gradient updates so far, over every session of the run."""
        return self.agent.updates

    def allowed(self) -> float:
        """How many updates the ratio allows after ``decisions`` decisions."""
        return self.settings.replay_ratio * (self.decisions - self.config.learning_starts)

    def run(self) -> None:
        torch.set_num_threads(self.settings.threads)
        _lower_priority(self.settings.nice)
        config = self.config
        try:
            while not self.stop_event.is_set():
                with self.replay_lock:
                    ready = self.updates < self.allowed() and self.replay.can_sample(
                        config.batch_size
                    )
                    batch = self.replay.sample(config.batch_size) if ready else None
                if batch is None:
                    time.sleep(IDLE_S)
                    continue
                with self.update_lock:
                    stats = self.agent.update(batch)
                with self._stats_lock:
                    self._stats.append(stats)
                if self.updates % self.target_every == 0:
                    self.agent.update_target()
                if self.updates % self.settings.publish_every == 0:
                    self.publish(self.agent.online)
        except BaseException as error:
            self.error = error
            self.stop_event.set()

    def take_stats(self) -> dict[str, float]:
        """The mean loss, Q and gradient norm of the updates since the last call."""
        with self._stats_lock:
            stats, self._stats = self._stats, []
        if not stats:
            return {}
        return {k: float(torch.stack([s[k] for s in stats]).mean()) for k in stats[0]}

    def check(self) -> None:
        """Raise LearnerFailed if the learner failed."""
        if self.error is not None:
            raise LearnerFailed(
                f"the learner failed ({type(self.error).__name__}: {self.error}); the run was "
                "stopped, every key released and the run saved"
            ) from self.error


def _lower_priority(nice: int) -> None:
    """Raise this thread's niceness (Linux schedules threads individually); a no-op elsewhere."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + nice)
    except OSError:
        pass
