"""What the two gym trainers share around their loops (:func:`.gym_loop.train`, which learns in
this process, and :func:`.gym_async.train_with_learner_process`, which learns in another): the
environments, the counters a checkpoint keeps, the run directory's config and logs, exploration,
the random policy's baseline, and each step's bookkeeping (storing the transition, episode
rows, train.csv rows and the progress bar, periodic greedy evaluations).

The trainer owns what learns (an agent and its replay, or the learner process) and saves it.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import gymnasium as gym
import numpy as np
from tqdm import tqdm

from screen_agent.agent.config import DQNConfig, config_from_json, config_to_json
from screen_agent.agent.networks import is_image_space
from screen_agent.agent.schedules import LinearSchedule, epsilon_schedule
from screen_agent.envs.factory import make_env, newest_frame
from screen_agent.training.episode_recording import EpisodeRecorder
from screen_agent.training.evaluate import EvalResult, evaluate
from screen_agent.training.metrics import RunLogger

TRAIN_LOG_EVERY = 1_000
"""Environment steps between rows of train.csv (and progress bar refreshes)."""
EVAL_SEED_OFFSET = 1_000_000
"""Evaluation episodes use seeds far from the training seed's."""


@dataclass
class TrainResult:
    """What a finished run reports."""

    run_dir: Path
    steps: int
    episodes: int
    last_eval: EvalResult | None
    best_eval_mean: float | None
    seconds: float


class TransitionStore(Protocol):
    """Where a trainer's transitions go: a :class:`~screen_agent.agent.replay.ReplayBuffer`, or
    the :class:`~screen_agent.training.learner_process.LearnerProcess` that owns one."""

    def start_episode(self, frame: np.ndarray) -> None: ...

    def add(
        self, action: int, reward: float, terminated: bool, truncated: bool, frame: np.ndarray
    ) -> None: ...


class GymRun:
    """One gym training run's bookkeeping.

    The order of use: construct (the environments), :meth:`restore` a checkpoint when
    resuming, :meth:`open_logs`, :meth:`start`; then, each step, :meth:`step_env` and the
    periodic :meth:`log_training`, :meth:`evaluate_if_due` and :meth:`checkpoint_due`; last
    :meth:`close` and :meth:`result`.
    """

    def __init__(
        self,
        env_id: str,
        config: DQNConfig,
        run_dir: Path,
        seed: int,
        rng: np.random.Generator,
        eval_frames: bool = True,
    ) -> None:
        """``eval_frames``: render the screen in evaluations for the report's animation (on
        CartPole that is most of an evaluation's time)."""
        self.started = time.perf_counter()
        self.env_id = env_id
        self.config = config
        self.run_dir = Path(run_dir)
        self.seed = seed
        self.rng = rng
        self.env = make_env(env_id, training=True)
        self.eval_env = _eval_env(env_id, eval_frames)
        space = self.env.observation_space
        self.stacked = is_image_space(space.shape, space.dtype)
        """Image stacks: the store keeps only each observation's newest frame."""
        self.step, self.episodes, self.best_eval = 0, 0, -np.inf
        self.exploration_steps = int(config.eps_fraction * config.total_steps)
        """Steps over which epsilon decays: the run's first horizon, kept on resume."""
        self.resumed = False
        self.recent: deque[float] = deque(maxlen=20)
        self.last_eval: EvalResult | None = None

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from the checkpoint ``state``: counters, exploration horizon, RNG."""
        self.resumed = True
        self.step, self.episodes = int(state["step"]), int(state["episodes"])
        self.best_eval = float(state["best_eval"])
        self.rng.bit_generator.state = state["rng"]
        saved = config_from_json(state["config"])
        self.exploration_steps = int(
            state.get("exploration_steps", saved.eps_fraction * saved.total_steps)
        )

    def counters(self) -> dict[str, Any]:
        """What a checkpoint keeps of this run besides the agent and config."""
        return {
            "step": self.step,
            "episodes": self.episodes,
            "best_eval": self.best_eval,
            "rng": self.rng.bit_generator.state,
            "exploration_steps": self.exploration_steps,
        }

    def open_logs(self, tensorboard: bool = True, baseline_episodes: int = 5) -> None:
        """Write config.json and open the logs; a new run first plays ``baseline_episodes``
        random episodes (the report's random-policy line)."""
        config = self.config
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "config.json").write_text(
            json.dumps(
                {"env_id": self.env_id, "seed": self.seed, **config_to_json(config)}, indent=2
            )
        )
        self.logger = RunLogger(self.run_dir, tensorboard=tensorboard)
        # A schedule of its own (Dopamine's, after the warm-up) does not depend on total_steps;
        # the fraction-of-total one keeps the run's first horizon on resume.
        self.epsilon = (
            epsilon_schedule(config)
            if config.eps_decay_steps > 0
            else LinearSchedule(config.eps_start, config.eps_end, self.exploration_steps)
        )
        self.recorder = EpisodeRecorder(self.run_dir, fps=_frames_per_second(self.eval_env))
        if not self.resumed and baseline_episodes > 0:
            # A generator of its own: the training's random stream stays what it was.
            chance = np.random.default_rng(self.seed + EVAL_SEED_OFFSET)
            n_actions = self.eval_env.action_space.n
            random_play = evaluate(
                self.eval_env, lambda _obs: int(chance.integers(n_actions)), baseline_episodes,
                EVAL_SEED_OFFSET - baseline_episodes,
            )  # fmt: skip
            self.logger.baseline(random_play.returns)

    def start(self, store: TransitionStore, progress: bool) -> np.ndarray:
        """Reset the environment (seeded by the step, so a resumed run plays on), start the
        store's first episode and the progress bar; the first observation."""
        obs, _ = self.env.reset(seed=self.seed + self.step)
        store.start_episode(newest_frame(obs, self.stacked))
        self.bar = tqdm(
            total=self.config.total_steps,
            initial=self.step,
            disable=not progress,
            unit="step",
            dynamic_ncols=True,
        )
        self._window_start, self._window_step = time.perf_counter(), self.step
        return obs

    def step_env(self, action: int, store: TransitionStore) -> np.ndarray:
        """Take ``action``, store the transition, count the step, and log an episode that ends
        and reset. The next observation (a new episode's first after one ends)."""
        next_obs, reward, terminated, truncated, info = self.env.step(action)
        store.add(
            action, float(reward), terminated, truncated, newest_frame(next_obs, self.stacked)
        )
        self.step += 1
        if not (terminated or truncated):
            return next_obs
        if "episode" in info:
            self.episodes += 1
            self.recent.append(float(info["episode"]["r"]))
            self.logger.episode(
                self.step, self.episodes, self.recent[-1], int(info["episode"]["l"])
            )
        obs, _ = self.env.reset()
        store.start_episode(newest_frame(obs, self.stacked))
        return obs

    def log_training(self, epsilon: float, stats: Callable[[], dict[str, float]]) -> bool:
        """Every :data:`TRAIN_LOG_EVERY` steps: a train.csv row (epsilon, steps per second and
        the learning's ``stats()`` since the last row) and the progress bar's refresh. True
        when it wrote one."""
        if self.step % TRAIN_LOG_EVERY != 0:
            return False
        now = time.perf_counter()
        sps = (self.step - self._window_step) / max(now - self._window_start, 1e-9)
        self._window_start, self._window_step = now, self.step
        self.logger.training(self.step, {"epsilon": epsilon, "steps_per_second": sps, **stats()})
        postfix = {"sps": f"{sps:.0f}", "eps": f"{epsilon:.3f}"}
        if self.recent:
            postfix["return"] = f"{np.mean(self.recent):.1f}"
        if self.last_eval is not None:
            postfix["eval"] = f"{self.last_eval.mean:.1f}"
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(self.step - self.bar.n)
        return True

    def evaluate_if_due(self, act: Callable[[np.ndarray], int]) -> bool:
        """Every ``eval_interval`` steps: play the evaluation episodes with ``act`` and log
        them. True when they are the best so far and the run keeps the best (save best.pt)."""
        config = self.config
        if not config.eval_interval or self.step % config.eval_interval != 0:
            return False
        self.last_eval = evaluate(
            self.eval_env,
            act,
            config.eval_episodes,
            EVAL_SEED_OFFSET + self.step,
            self.recorder,
            self.step,
        )
        self.logger.evaluation(
            self.step, self.last_eval.mean, self.last_eval.std, config.eval_episodes
        )
        if config.keep_best and self.last_eval.mean >= self.best_eval:
            self.best_eval = self.last_eval.mean
            return True
        return False

    def checkpoint_due(self) -> bool:
        """A periodic checkpoint is due (the last one is written when the run ends)."""
        config = self.config
        return self.step % config.checkpoint_interval == 0 and self.step < config.total_steps

    def close(self) -> None:
        """Close the progress bar, the logs and the environments."""
        self.bar.update(self.step - self.bar.n)
        self.bar.close()
        self.logger.close()
        self.env.close()
        self.eval_env.close()

    def result(self) -> TrainResult:
        return TrainResult(
            run_dir=self.run_dir,
            steps=self.step,
            episodes=self.episodes,
            last_eval=self.last_eval,
            best_eval_mean=None if self.best_eval == -np.inf else float(self.best_eval),
            seconds=time.perf_counter() - self.started,
        )


def _eval_env(env_id: str, render: bool) -> gym.Env:
    """The evaluation env; with ``render``, rendering frames for the report's animation when it
    can."""
    if render:
        try:
            return make_env(env_id, training=False, render_mode="rgb_array")
        except gym.error.DependencyNotInstalled:
            pass  # e.g. no pygame: no screen frames
    return make_env(env_id, training=False)


def _frames_per_second(env: gym.Env) -> float:
    """Frames per second of play: the env's own, else 15 (Atari with frame skip 4)."""
    return (
        float(env.metadata.get("render_fps") or 15)
        if not is_image_space(env.observation_space.shape, env.observation_space.dtype)
        else 15.0
    )
