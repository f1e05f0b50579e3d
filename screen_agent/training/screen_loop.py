"""Real-time DQN training on a live screen game.

The actor runs on the game's decision clock in the calling thread and never waits for learning:
it acts with its own copy of the Q-network, refreshed from the learner every few updates.
Gradient updates run beside it (:mod:`.learner`) at a set replay ratio. Every tick's lateness
and the capture-to-keypress latency are measured and logged.

A pause (the app's Pause, the game window losing focus, a checkpoint being written) breaks the
chain of transitions: the transition that spans it is not stored (the game moved on while the
agent was not acting) and the replay starts a new chain from the first frame after it, so
nothing is learnt across a pause and no n-step return bootstraps over one. Rewards are clipped
for learning (``reward_clip``); the raw rewards are what the logs and episode returns show.
"""

from __future__ import annotations

import copy
import json
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from screen_agent.agent.config import DQNConfig, screen_config
from screen_agent.agent.dqn import DQNAgent
from screen_agent.agent.replay import ReplayBuffer
from screen_agent.agent.schedules import LinearSchedule
from screen_agent.envs.screen import EnvStopped
from screen_agent.envs.session import ScreenSession
from screen_agent.files import atomic_write_text
from screen_agent.training.checkpoint import (
    CHECKPOINT,
    REPLAY,
    load_arrays,
    load_checkpoint,
    save_arrays,
)
from screen_agent.training.control import RunControl
from screen_agent.training.events import (
    EpisodeEvent,
    FrameEvent,
    PauseEvent,
    StatsEvent,
    TrainerEvent,
)
from screen_agent.training.gym_loop import config_from_json, config_to_json, save_run_checkpoint
from screen_agent.training.learner import Learner, LearnerSettings
from screen_agent.training.metrics import RunLogger
from screen_agent.training.runtime import keep_freed_memory

PAUSE_POLL_S = 0.05
"""How often a paused trainer checks for resume or stop, seconds."""


@dataclass(frozen=True)
class RealtimeSettings:
    """How acting and learning share the machine, and what the run keeps."""

    learner: LearnerSettings = field(default_factory=LearnerSettings)
    actor_threads: int = 1
    """Torch threads of the actor (a batch-1 forward is fastest on one)."""
    stats_interval_s: float = 2.0
    """Seconds between StatsEvents and rows of realtime.csv."""
    frame_event_every: int = 2
    """Decisions between FrameEvents (the agent's-eye view)."""
    replay_snapshot_s: float = 600.0
    """Seconds between snapshots of the replay buffer (0: only at the end); written with the
    keys released, so a crash loses at most this much experience."""
    reward_clip: float = 1.0
    """Rewards are clipped to [-reward_clip, reward_clip] for learning (0: not clipped), so one
    misread score cannot swamp the values; the logs keep the raw ones."""


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
        run_dir: checkpoints and metrics (as the gym mode, plus realtime.csv and rewards.csv).
        device: where the networks live.
        seed: seeds exploration, sampling and network initialisation.
        session: the game (:func:`~screen_agent.envs.session.open_session`); the caller owns
            and closes it.
        on_event: called from the trainer's thread with each TrainerEvent.
        minutes: training time; None runs until ``stop()``.
        resume: continue the run in ``run_dir`` (its own configuration and exploration).
        config: hyperparameters (default: the screen preset).
        settings: how acting and learning share the machine.
        fresh_replay: on resume, start with an empty replay (e.g. when replay.npz is damaged).

    ``run()`` raises :class:`~screen_agent.training.learner.LearnerFailed` after saving the run
    when the learner failed, and passes on errors of the session (a closed game window).
    """

    def __init__(
        self,
        run_dir: Path,
        device: torch.device,
        seed: int,
        session: ScreenSession,
        on_event: Callable[[TrainerEvent], None] | None = None,
        minutes: float | None = None,
        resume: bool = False,
        config: DQNConfig | None = None,
        settings: RealtimeSettings | None = None,
        fresh_replay: bool = False,
    ) -> None:
        super().__init__(session)
        self.session = session
        self.profile = session.profile
        self.run_dir = Path(run_dir)
        self.device = device
        self.seed = seed
        self.on_event = on_event or (lambda _event: None)
        self.minutes = minutes
        self._resume_run = resume
        self.fresh_replay = fresh_replay
        self.settings = settings or RealtimeSettings()
        if config is None:
            config = screen_config()
            if minutes is not None:
                config = config.replace(
                    total_steps=int(minutes * 60 * self.profile.decisions_per_second)
                )
        self.config = config

    def run(self) -> None:
        keep_freed_memory()
        # Hand the GIL over quickly, so the actor wakes on time while the learner runs Python.
        previous_switch = sys.getswitchinterval()
        sys.setswitchinterval(0.0001)
        try:
            self._run()
        finally:
            sys.setswitchinterval(previous_switch)

    def _run(self) -> None:
        state = load_checkpoint(self.run_dir / CHECKPOINT) if self._resume_run else None
        if state is not None:
            # The run's hyperparameters and exploration schedule are the run's own: a resumed
            # session's minutes say how much longer to train, not how long the whole run is.
            self.config = config_from_json(state["config"])
        config, settings, session = self.config, self.settings, self.session
        torch.set_num_threads(settings.actor_threads)
        rng = np.random.default_rng(self.seed)
        torch.manual_seed(self.seed)
        space = session.observation_space
        agent = DQNAgent(
            space.shape,
            space.dtype,
            session.action_space.n,
            config,
            self.device,
            rng,
            session.action_names,
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
        run = _Run(self, agent, replay, rng)
        if state is not None:
            agent.load_state_dict(state["agent"], source=str(self.run_dir / CHECKPOINT))
            run.step, run.episodes = int(state["step"]), int(state["episodes"])
            rng.bit_generator.state = state["rng"]
            if (self.run_dir / REPLAY).exists() and not self.fresh_replay:
                replay.load_state_dict(load_arrays(self.run_dir / REPLAY))
        run.go()


class _Run:
    """One session of a screen training run: the actor loop and its bookkeeping."""

    def __init__(
        self,
        trainer: ScreenTrainer,
        agent: DQNAgent,
        replay: ReplayBuffer,
        rng: np.random.Generator,
    ) -> None:
        self.t = trainer
        self.agent, self.replay, self.rng = agent, replay, rng
        self.step = 0
        self.episodes = 0
        self.replay_lock = threading.Lock()
        self.chain_broken = False
        """True after a pause: the next transition spans it and is not stored."""

    def go(self) -> None:
        t, config, settings = self.t, self.t.config, self.t.settings
        session, replay = t.session, self.replay
        actor = Actor(self.agent, self.rng)
        epsilon = LinearSchedule(
            config.eps_start, config.eps_end, int(config.eps_fraction * config.total_steps)
        )
        t.run_dir.mkdir(parents=True, exist_ok=True)
        config_json = {
            "env_id": f"screen:{t.profile.name}",
            "seed": t.seed,
            **config_to_json(config),
        }
        atomic_write_text(t.run_dir / "config.json", json.dumps(config_json, indent=2))
        self.logger = RunLogger(t.run_dir)
        self.learner = Learner(
            self.agent, replay, self.replay_lock, actor.publish, config, settings.learner, t._stop
        )
        self.learner.decisions = self.step
        self.learner.start()
        lateness: deque[float] = deque(maxlen=2000)
        latency: deque[float] = deque(maxlen=2000)
        window_start, window_step = time.monotonic(), self.step
        started = time.monotonic()
        deadline = None if t.minutes is None else started + t.minutes * 60
        next_snapshot = started + settings.replay_snapshot_s
        clip = settings.reward_clip
        try:
            obs, _ = session.reset(seed=t.seed)
            with self.replay_lock:
                replay.start_episode(obs[-1])
            eps = epsilon(self.step)
            action = actor.act(obs, eps)
            while not t._stop.is_set() and (deadline is None or time.monotonic() < deadline):
                if t._paused.is_set():
                    self._wait_out_pause()
                    continue
                next_obs, reward, terminated, truncated, info = session.step(action)
                done = terminated or truncated
                # Choose the next action first: bookkeeping must not delay the next keypress.
                next_eps = epsilon(self.step + 1)
                next_action = None if done else actor.act(next_obs, next_eps)
                spans_pause = self.chain_broken or bool(info["paused_s"])
                with self.replay_lock:
                    if not spans_pause:
                        learnt = float(np.clip(reward, -clip, clip)) if clip > 0 else reward
                        replay.add(action, learnt, terminated, truncated, next_obs[-1])
                    elif not done:
                        replay.start_episode(next_obs[-1])  # a new chain from after the pause
                self.chain_broken = False
                self.step += 1
                self.learner.decisions = self.step
                lateness.append(info["lateness_s"])
                if not info["paused_s"]:
                    latency.append(info["latency_s"])
                for rule, value in info["fired"]:
                    self.logger.reward(self.step, value, rule)
                if self.step % settings.frame_event_every == 0:
                    t.on_event(FrameEvent(self.step, next_obs, t.profile.action_names[action]))
                obs, eps = next_obs, next_eps
                if done:
                    self.episodes += 1
                    ret, length = float(info["episode"]["r"]), int(info["episode"]["l"])
                    self.logger.episode(self.step, self.episodes, ret, length)
                    t.on_event(EpisodeEvent(self.step, self.episodes, ret, length))
                    obs, _ = session.reset()
                    with self.replay_lock:
                        replay.start_episode(obs[-1])
                    next_action = actor.act(obs, eps)
                action = next_action
                now = time.monotonic()
                if now - window_start >= settings.stats_interval_s:
                    self._stats(
                        eps, (self.step - window_step) / (now - window_start), lateness, latency
                    )
                    window_start, window_step = now, self.step
                snapshot = settings.replay_snapshot_s > 0 and now >= next_snapshot
                if self.step % config.checkpoint_interval == 0 or snapshot:
                    self._checkpoint(with_replay=snapshot)
                    next_snapshot = time.monotonic() + settings.replay_snapshot_s
        except EnvStopped:
            pass  # stop() during a wait in the env
        finally:
            session.release_keys()
            t._stop.set()
            self.learner.join()
            self.logger.close()
            self._save(with_replay=True)
        self.learner.check()

    def _wait_out_pause(self) -> None:
        """Keys released until resume or stop; the chain of transitions ends here."""
        t = self.t
        t.session.release_keys()
        t.on_event(PauseEvent("paused"))
        while t._paused.is_set() and not t._stop.wait(PAUSE_POLL_S):
            pass
        t.session.restart_clock()
        self.chain_broken = True
        t.on_event(PauseEvent(None))

    def _stats(
        self, eps: float, rate: float, lateness: deque[float], latency: deque[float]
    ) -> None:
        stats = self.learner.take_stats()
        event = StatsEvent(
            step=self.step,
            updates=self.learner.updates,
            loss=stats.get("loss"),
            q_mean=stats.get("q_mean"),
            epsilon=eps,
            decisions_per_second=rate,
            lateness_ms_p99=1000 * float(np.percentile(lateness, 99)),
            latency_ms_p99=1000 * float(np.percentile(latency or [0.0], 99)),
        )
        self.logger.training(
            self.step, {"epsilon": eps, "steps_per_second": event.decisions_per_second, **stats}
        )
        self.logger.realtime(self.step, event.updates, np.asarray(lateness), np.asarray(latency))
        self.t.on_event(event)

    def _checkpoint(self, with_replay: bool) -> None:
        """A checkpoint in the middle of play: keys released first (writing may stall the
        actor), the clock restarted after, and the transition chain broken across it."""
        self.t.session.release_keys()
        self._save(with_replay)
        self.t.session.restart_clock()
        self.chain_broken = True

    def _save(self, with_replay: bool) -> None:
        """checkpoint.pt first, then replay.npz: a failed replay write keeps the checkpoint."""
        t = self.t
        with self.learner.update_lock:
            save_run_checkpoint(
                t.run_dir / CHECKPOINT,
                f"screen:{t.profile.name}",
                t.config,
                self.agent,
                self.step,
                self.episodes,
                float("-inf"),
                self.rng,
            )
        if with_replay and t.config.save_replay:
            with self.replay_lock:
                save_arrays(t.run_dir / REPLAY, self.replay.state_dict())
