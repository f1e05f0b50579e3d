"""Real-time DQN training on a live screen game.

The actor runs on the game's decision clock in the calling thread and never waits for learning:
it acts with its own copy of the Q-network, refreshed from the learner every few updates.
Gradient updates run in a background thread at a set replay ratio (updates per decision); torch
releases the GIL inside its kernels, and each thread gets its own torch thread count so the
actor's batch-1 forward pass stays fast. Every tick's lateness and the capture-to-keypress
latency are measured and logged.
"""

from __future__ import annotations

import copy
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch

from screen_agent.agent.config import DQNConfig, screen_config
from screen_agent.agent.dqn import DQNAgent
from screen_agent.agent.replay import ReplayBuffer
from screen_agent.agent.schedules import LinearSchedule
from screen_agent.envs.screen import EnvStopped
from screen_agent.profile import GameProfile
from screen_agent.training.checkpoint import load_arrays, load_checkpoint, save_arrays
from screen_agent.training.control import RunControl
from screen_agent.training.events import (
    EpisodeEvent,
    FrameEvent,
    StatsEvent,
    TrainerEvent,
)
from screen_agent.training.gym_loop import (
    CHECKPOINT,
    REPLAY,
    config_from_json,
    save_run_checkpoint,
)
from screen_agent.training.metrics import RunLogger
from screen_agent.training.runtime import keep_freed_memory


@dataclass(frozen=True)
class RealtimeSettings:
    """How acting and learning share the machine."""

    replay_ratio: float = 0.5
    """Gradient updates per decision (the learner never gets ahead of this)."""
    learner_threads: int = 1
    """Torch threads of the learner."""
    actor_threads: int = 1
    """Torch threads of the actor (a batch-1 forward is fastest on one)."""
    learner_nice: int = 10
    """Niceness added to the learner thread (Linux), so the actor wins when they compete."""
    actor_sync_updates: int = 10
    """Learner updates between refreshes of the actor's copy of the network."""
    stats_interval_s: float = 2.0
    """Seconds between StatsEvents and rows of realtime.csv."""
    frame_event_every: int = 2
    """Decisions between FrameEvents (the agent's-eye view)."""


class Actor:
    """Acts epsilon-greedily with its own copy of the online network."""

    def __init__(self, agent: DQNAgent, rng: np.random.Generator) -> None:
        self.net = copy.deepcopy(agent.online).eval().requires_grad_(False)
        # Batch-1 forwards are faster in the default layout than channels-last.
        self.net.to(memory_format=torch.contiguous_format)
        self.n_actions = agent.n_actions
        self.device = agent.device
        self.rng = rng
        self._lock = threading.Lock()
        self._pending: dict[str, torch.Tensor] | None = None

    def publish(self, online: torch.nn.Module) -> None:
        """Called by the learner: hand over a snapshot of the online weights."""
        snapshot = {k: v.detach().clone() for k, v in online.state_dict().items()}
        with self._lock:
            self._pending = snapshot

    def act(self, obs: np.ndarray, epsilon: float) -> int:
        with self._lock:
            pending, self._pending = self._pending, None
        if pending is not None:
            self.net.load_state_dict(pending)  # copies into the net's own (contiguous) layout
        if epsilon > 0.0 and self.rng.random() < epsilon:
            return int(self.rng.integers(self.n_actions))
        with torch.inference_mode():
            q = self.net(torch.as_tensor(obs[None], device=self.device))
        return int(q.argmax(dim=1)[0])


class ScreenTrainer(RunControl):
    """Trains a DQN on a live game: ``run()`` blocks until ``stop()`` or the time is up;
    ``pause()`` stops acting (keys released) while learning goes on.

    Args:
        profile: the game's profile.
        run_dir: checkpoints and metrics (same contents as the gym mode, plus realtime.csv
            and rewards.csv).
        device: where the networks live.
        seed: seeds exploration, sampling and network initialisation.
        env: the stacked screen env (``make_screen_env``); the caller owns its source and sink.
        on_event: called from the trainer's thread with each TrainerEvent.
        minutes: training time; None runs until ``stop()``.
        resume: continue the run in ``run_dir``.
        config: hyperparameters (default: the screen preset).
        settings: how acting and learning share the machine.
    """

    def __init__(
        self,
        profile: GameProfile,
        run_dir: Path,
        device: torch.device,
        seed: int,
        env: gym.Env,
        on_event: Callable[[TrainerEvent], None] | None = None,
        minutes: float | None = None,
        resume: bool = False,
        config: DQNConfig | None = None,
        settings: RealtimeSettings | None = None,
    ) -> None:
        super().__init__(env)
        self.profile = profile
        self.run_dir = Path(run_dir)
        self.device = device
        self.seed = seed
        self.on_event = on_event or (lambda _event: None)
        self.minutes = minutes
        self._resume_run = resume
        self.settings = settings or RealtimeSettings()
        if config is None:
            config = screen_config()
            if minutes is not None:
                config = config.replace(
                    total_steps=int(minutes * 60 * profile.decisions_per_second)
                )
        self.config = config

    def run(self) -> None:
        keep_freed_memory()
        # Hand the GIL over quickly, so the actor wakes on time while the learner runs Python.
        previous_switch = sys.getswitchinterval()
        sys.setswitchinterval(0.0001)
        try:
            self._run()
        except EnvStopped:
            pass  # stop() during a wait in the env: _run has saved the run
        finally:
            sys.setswitchinterval(previous_switch)

    def _run(self) -> None:
        state = load_checkpoint(self.run_dir / CHECKPOINT) if self._resume_run else None
        if state is not None:
            # The run's hyperparameters and exploration schedule are the run's own: a resumed
            # session's minutes say how much longer to train, not how long the whole run is
            # (sizing epsilon's decay from them sent it back up after a short first session).
            self.config = config_from_json(state["config"])
        config, settings, profile = self.config, self.settings, self.profile
        torch.set_num_threads(settings.actor_threads)
        rng = np.random.default_rng(self.seed)
        torch.manual_seed(self.seed)
        space = self.env.observation_space
        agent = DQNAgent(
            space.shape,
            space.dtype,
            self.env.action_space.n,
            config,
            self.device,
            rng,
            profile.action_names,
        )
        replay = ReplayBuffer(
            config.buffer_size,
            space.shape[1:],
            space.dtype,
            space.shape[0],
            config.n_step,
            config.gamma,
            np.random.default_rng(self.seed + 1),
        )
        step, episodes = 0, 0
        run_dir = self.run_dir
        if state is not None:
            agent.load_state_dict(state["agent"], source=str(run_dir / CHECKPOINT))
            step, episodes = int(state["step"]), int(state["episodes"])
            rng.bit_generator.state = state["rng"]
            if (run_dir / REPLAY).exists():
                replay.load_state_dict(load_arrays(run_dir / REPLAY))
        actor = Actor(agent, rng)
        epsilon = LinearSchedule(
            config.eps_start, config.eps_end, int(config.eps_fraction * config.total_steps)
        )
        logger = RunLogger(run_dir)
        replay_lock = threading.Lock()
        learner = _Learner(agent, replay, replay_lock, actor, config, settings, self._stop)
        learner.decisions = step
        learner.start()

        lateness: deque[float] = deque(maxlen=2000)
        latency: deque[float] = deque(maxlen=2000)
        window_start, window_step = time.monotonic(), step
        deadline = None if self.minutes is None else time.monotonic() + self.minutes * 60
        try:
            obs, _ = self.env.reset(seed=self.seed)
            with replay_lock:
                replay.start_episode(obs[-1])
            eps = epsilon(step)
            action = actor.act(obs, eps)
            while not self._stop.is_set() and (deadline is None or time.monotonic() < deadline):
                if self._paused.is_set():
                    self.env.unwrapped.sink.release_all()
                    time.sleep(0.05)
                    continue
                next_obs, reward, terminated, truncated, info = self.env.step(action)
                done = terminated or truncated
                # Choose the next action first: bookkeeping must not delay the next keypress.
                next_eps = epsilon(step + 1)
                next_action = None if done else actor.act(next_obs, next_eps)
                with replay_lock:
                    replay.add(action, reward, terminated, truncated, next_obs[-1])
                step += 1
                learner.decisions = step
                lateness.append(info["lateness_s"])
                if not info["paused_s"]:
                    latency.append(info["latency_s"])
                if reward:
                    logger.reward(step, reward)
                if step % settings.frame_event_every == 0:
                    self.on_event(FrameEvent(step, next_obs, profile.action_names[action]))
                obs, eps = next_obs, next_eps
                if done:
                    episodes += 1
                    ret, length = float(info["episode"]["r"]), int(info["episode"]["l"])
                    logger.episode(step, episodes, ret, length)
                    self.on_event(EpisodeEvent(step, episodes, ret, length))
                    obs, _ = self.env.reset()
                    with replay_lock:
                        replay.start_episode(obs[-1])
                    next_action = actor.act(obs, eps)
                action = next_action
                now = time.monotonic()
                if now - window_start >= settings.stats_interval_s:
                    stats = learner.take_stats()
                    event = StatsEvent(
                        step=step,
                        updates=learner.updates,
                        loss=stats.get("loss"),
                        q_mean=stats.get("q_mean"),
                        epsilon=eps,
                        decisions_per_second=(step - window_step) / (now - window_start),
                        lateness_ms_p99=1000 * float(np.percentile(lateness, 99)),
                        latency_ms_p99=1000 * float(np.percentile(latency or [0.0], 99)),
                    )
                    logger.training(
                        step,
                        {"epsilon": eps, "steps_per_second": event.decisions_per_second, **stats},
                    )
                    logger.realtime(step, event.updates, np.asarray(lateness), np.asarray(latency))
                    self.on_event(event)
                    window_start, window_step = now, step
                if step % config.checkpoint_interval == 0:
                    # Networks only (fast): the replay is saved when the session ends.
                    with learner.update_lock:
                        self._checkpoint(agent, replay, replay_lock, rng, step, episodes, False)
                    self.env.unwrapped.restart_clock()
        finally:
            self.env.unwrapped.sink.release_all()
            self._stop.set()
            learner.join()
            logger.close()
            self._checkpoint(agent, replay, replay_lock, rng, step, episodes, True)

    def _checkpoint(
        self, agent, replay, replay_lock, rng, step: int, episodes: int, with_replay: bool
    ) -> None:
        with replay_lock:
            if with_replay and self.config.save_replay:
                save_arrays(self.run_dir / REPLAY, replay.state_dict())
        save_run_checkpoint(
            self.run_dir / CHECKPOINT,
            f"screen:{self.profile.name}",
            self.config,
            agent,
            step,
            episodes,
            float("-inf"),
            rng,
        )


class _Learner(threading.Thread):
    """Gradient updates in the background, at most ``replay_ratio`` per decision."""

    def __init__(self, agent, replay, replay_lock, actor, config: DQNConfig, settings, stop):
        super().__init__(name="learner", daemon=True)
        self.agent, self.replay, self.replay_lock, self.actor = agent, replay, replay_lock, actor
        self.config, self.settings, self.stop_event = config, settings, stop
        self.decisions = 0
        self.updates = 0
        self.target_every = max(1, round(config.target_update_interval * settings.replay_ratio))
        self._stats: list[dict[str, torch.Tensor]] = []
        self._stats_lock = threading.Lock()
        self.error: BaseException | None = None
        self.update_lock = threading.Lock()
        """Held during each update, so a checkpoint sees consistent weights."""

    def run(self) -> None:
        torch.set_num_threads(self.settings.learner_threads)
        _lower_priority(self.settings.learner_nice)
        config = self.config
        try:
            while not self.stop_event.is_set():
                allowed = self.settings.replay_ratio * (self.decisions - config.learning_starts)
                with self.replay_lock:
                    ready = self.updates < allowed and self.replay.can_sample(config.batch_size)
                    batch = self.replay.sample(config.batch_size) if ready else None
                if batch is None:
                    time.sleep(0.005)
                    continue
                with self.update_lock:
                    stats = self.agent.update(batch)
                self.updates += 1
                with self._stats_lock:
                    self._stats.append(stats)
                if self.updates % self.target_every == 0:
                    self.agent.update_target()
                if self.updates % self.settings.actor_sync_updates == 0:
                    self.actor.publish(self.agent.online)
        except BaseException as error:  # reported by take_stats; the actor stops
            self.error = error
            self.stop_event.set()

    def take_stats(self) -> dict[str, float]:
        if self.error is not None:
            raise RuntimeError(f"the learner thread failed: {self.error!r}") from self.error
        with self._stats_lock:
            stats, self._stats = self._stats, []
        if not stats:
            return {}
        return {k: float(torch.stack([s[k] for s in stats]).mean()) for k in stats[0]}


def _lower_priority(nice: int) -> None:
    """Raise this thread's niceness (Linux schedules threads individually); a no-op elsewhere."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + nice)
    except OSError:
        pass
