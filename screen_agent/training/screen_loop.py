"""Real-time DQN training on a live screen game.

The actor runs on the game's decision clock in this process and never waits for learning: it
acts with its own copy of the Q-network, which follows the weights the learner publishes.
Gradient updates run in a process of their own (:mod:`.learner_process`), which owns the
agent and the replay and writes the checkpoints, so the two use both cores with no GIL
between them and a checkpoint never stalls the actor. Every tick's lateness and the
capture-to-keypress latency are measured and logged.

A pause (the app's Pause, the game window losing focus or being covered) breaks the chain of
transitions: the transition that spans it is not stored (the game moved on while the agent was
not acting) and the replay starts a new chain from the first frame after it, so nothing is
learnt across a pause and no n-step return bootstraps over one. Rewards are clipped for
learning (``reward_clip``); the raw rewards are what the logs and episode returns show.
"""

from __future__ import annotations

import json
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from screen_agent.agent.config import (
    DQNConfig,
    config_from_json,
    config_to_json,
    replay_ratio,
    screen_efficient_config,
)
from screen_agent.agent.schedules import epsilon_schedule
from screen_agent.envs.screen import EnvStopped
from screen_agent.envs.session import ScreenSession
from screen_agent.files import atomic_write_text
from screen_agent.training.checkpoint import CHECKPOINT, load_checkpoint
from screen_agent.training.control import RunControl
from screen_agent.training.episode_recording import EpisodeRecorder
from screen_agent.training.events import (
    EpisodeEvent,
    FrameEvent,
    PauseEvent,
    StatsEvent,
    TrainerEvent,
)
from screen_agent.training.gym_loop import write_report_safely
from screen_agent.training.learner_process import (
    LearnerProcess,
    LearnerSpec,
    LearnerStats,
    SnapshotActor,
    actor_network,
)
from screen_agent.training.metrics import RunLogger

PAUSE_POLL_S = 0.05
"""How often a paused trainer checks for resume or stop, seconds."""


@dataclass(frozen=True)
class RealtimeSettings:
    """How acting and learning share the machine, and what the run keeps."""

    learner_threads: int = 1
    """Torch threads of the learner process (1 beats 2 beside an actor: bench/README.md)."""
    publish_every: int = 10
    """Learner updates between weight snapshots for the actor."""
    actor_threads: int = 1
    """Torch threads of the actor (a batch-1 forward is fastest on one)."""
    stats_interval_s: float = 2.0
    """Seconds between StatsEvents and rows of realtime.csv."""
    frame_event_every: int = 2
    """Decisions between FrameEvents (the agent's-eye view)."""
    replay_snapshot_s: float = 600.0
    """Seconds between snapshots of the replay buffer (0: only at the end), so a crash loses
    at most this much experience; the learner process writes them while the actor goes on."""
    reward_clip: float = 1.0
    """Rewards are clipped to [-reward_clip, reward_clip] for learning (0: not clipped), so one
    misread score cannot swamp the values; the logs keep the raw ones."""


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
        config: hyperparameters (default: the data-efficient screen preset, one update per
            decision; the replay ratio is ``gradient_steps / train_freq``).
        settings: how acting and learning share the machine.
        fresh_replay: on resume, start with an empty replay (e.g. when replay.npz is damaged).
        demos: demonstration files to learn from first (DQfD); see :mod:`.demos`.

    ``run()`` raises :class:`~screen_agent.training.learner_process.LearnerFailed` after
    saving the run when the learner failed, and passes on errors of the session (a closed game
    window) after saving the run.
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
        demos: tuple[Path, ...] = (),
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
        self.demos = tuple(Path(d) for d in demos)
        if config is None:
            config = screen_efficient_config()
            if minutes is not None:
                config = config.replace(
                    total_steps=int(minutes * 60 * self.profile.decisions_per_second)
                )
        self.config = config

    def run(self) -> None:
        # Hand the GIL over quickly, so the actor wakes on time while the weights follower or
        # the learner queue's feeder thread runs Python.
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
        torch.set_num_threads(self.settings.actor_threads)
        torch.manual_seed(self.seed)
        space = self.session.observation_space
        spec = LearnerSpec(
            obs_shape=tuple(space.shape),
            obs_dtype=np.dtype(space.dtype).str,
            n_actions=int(self.session.action_space.n),
            action_names=self.session.action_names,
            config=self.config,
            device=str(self.device),
            seed=self.seed,
            run_dir=self.run_dir,
            env_id=f"screen:{self.profile.name}",
            replay_ratio=replay_ratio(self.config),
            threads=self.settings.learner_threads,
            publish_every=self.settings.publish_every,
            resume=state is not None,
            fresh_replay=self.fresh_replay,
            demos=self.demos,
            demo_source=("screen", self.profile.name),
        )
        run = _Run(self, spec, np.random.default_rng(self.seed))
        if state is not None:
            run.step, run.episodes = int(state["step"]), int(state["episodes"])
            run.rng.bit_generator.state = state["rng"]
        run.go()


class _Run:
    """One session of a screen training run: the actor loop and its bookkeeping."""

    def __init__(self, trainer: ScreenTrainer, spec: LearnerSpec, rng: np.random.Generator) -> None:
        self.t = trainer
        self.spec = spec
        self.rng = rng
        self.step = 0
        self.episodes = 0
        self.chain_broken = False
        """True after a pause: the next transition spans it and is not stored."""
        self.learner_stats = LearnerStats()
        """The learner's statistics since the last StatsEvent."""

    def go(self) -> None:
        t, config, settings = self.t, self.t.config, self.t.settings
        session = t.session
        epsilon = epsilon_schedule(config)
        t.run_dir.mkdir(parents=True, exist_ok=True)
        config_json = {"env_id": self.spec.env_id, "seed": t.seed, **config_to_json(config)}
        atomic_write_text(t.run_dir / "config.json", json.dumps(config_json, indent=2))
        self.learner = LearnerProcess(self.spec)
        actor = SnapshotActor(
            actor_network(self.spec), self.learner.weights, self.spec.n_actions, t.device, self.rng
        )
        self.logger = RunLogger(t.run_dir)
        recorder = EpisodeRecorder(t.run_dir, fps=t.profile.decisions_per_second)
        lateness: deque[float] = deque(maxlen=2000)
        latency: deque[float] = deque(maxlen=2000)
        window_start, window_step = time.monotonic(), self.step
        started = time.monotonic()
        deadline = None if t.minutes is None else started + t.minutes * 60
        next_snapshot = started + settings.replay_snapshot_s
        clip = settings.reward_clip
        learner = self.learner
        failure: BaseException | None = None
        try:
            obs, _ = session.reset(seed=t.seed)
            learner.start_episode(obs[-1])
            recorder.start()
            recorder.add(obs, self._screen())
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
                if next_action is not None:
                    session.press(next_action)
                if self.chain_broken or info["paused_s"]:
                    if not done:
                        learner.start_episode(next_obs[-1])  # a new chain from after the pause
                else:
                    learnt = float(np.clip(reward, -clip, clip)) if clip > 0 else reward
                    learner.add(action, learnt, terminated, truncated, next_obs[-1])
                self.chain_broken = False
                self.step += 1
                lateness.append(info["lateness_s"])
                if not info["paused_s"]:
                    latency.append(info["latency_s"])
                for rule, value in info["fired"]:
                    self.logger.reward(self.step, value, rule)
                if self.step % settings.frame_event_every == 0:
                    t.on_event(FrameEvent(self.step, next_obs, t.profile.action_names[action]))
                recorder.add(next_obs, self._screen())
                obs, eps = next_obs, next_eps
                if done:
                    self.episodes += 1
                    ret, length = float(info["episode"]["r"]), int(info["episode"]["l"])
                    self.logger.episode(self.step, self.episodes, ret, length)
                    t.on_event(EpisodeEvent(self.step, self.episodes, ret, length))
                    recorder.finish(ret, self.step)
                    obs, _ = session.reset()
                    learner.start_episode(obs[-1])
                    recorder.start()
                    recorder.add(obs, self._screen())
                    next_action = actor.act(obs, eps)
                action = next_action
                self.learner_stats.add(learner.poll())  # raises LearnerFailed if it failed
                now = time.monotonic()
                if now - window_start >= settings.stats_interval_s:
                    rate = (self.step - window_step) / (now - window_start)
                    self._stats(eps, rate, lateness, latency)
                    window_start, window_step = now, self.step
                snapshot = settings.replay_snapshot_s > 0 and now >= next_snapshot
                if self.step % config.checkpoint_interval == 0 or snapshot:
                    learner.save(self._meta(), with_replay=snapshot)
                    if snapshot:
                        next_snapshot = now + settings.replay_snapshot_s
        except EnvStopped:
            pass  # stop() during a wait in the env
        except BaseException as error:
            failure = error
            raise
        finally:
            session.release_keys()
            t._stop.set()
            actor.close()
            self.logger.close()
            try:
                learner.stop(self._meta(), with_replay=True)
            except BaseException:
                if failure is None:
                    raise  # the learner's own failure, after it saved the run
        write_report_safely(t.run_dir)

    def _meta(self) -> dict:
        return {"step": self.step, "episodes": self.episodes, "rng": self.rng.bit_generator.state}

    def _screen(self) -> np.ndarray | None:
        frame = self.t.session.screen.last_frame
        return None if frame is None else frame.pixels

    def _wait_out_pause(self) -> None:
        """Keys released until resume or stop; the chain of transitions ends here."""
        t = self.t
        t.session.release_keys()
        t.on_event(PauseEvent("paused"))
        while t._paused.is_set() and not t._stop.wait(PAUSE_POLL_S):
            self.learner.poll()
        t.session.restart_clock()
        self.chain_broken = True
        t.on_event(PauseEvent(None))

    def _stats(
        self, eps: float, rate: float, lateness: deque[float], latency: deque[float]
    ) -> None:
        stats = self.learner_stats.means()
        self.learner_stats = LearnerStats()
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
        self.logger.realtime(
            self.step,
            event.updates,
            np.asarray(lateness),
            np.asarray(latency),
            decisions_per_second=rate,
        )
        self.t.on_event(event)
