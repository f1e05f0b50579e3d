"""Synchronous DQN training on a gymnasium environment: act, store, learn, evaluate, checkpoint.

Reads top to bottom like CleanRL's ``dqn.py``; the run directory holds everything needed to
inspect (CSV, TensorBoard), evaluate (checkpoint.pt, best.pt) and resume (plus replay.npz).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from tqdm import tqdm

from screen_agent.agent.config import DQNConfig
from screen_agent.agent.dqn import DQNAgent
from screen_agent.agent.networks import is_image_space
from screen_agent.agent.replay import ReplayBuffer
from screen_agent.agent.schedules import LinearSchedule, epsilon_schedule
from screen_agent.envs.factory import action_names, make_env, newest_frame
from screen_agent.training.checkpoint import (
    BEST,
    CHECKPOINT,
    REPLAY,
    load_arrays,
    load_checkpoint,
    save_arrays,
    save_checkpoint,
)
from screen_agent.training.episode_recording import EpisodeRecorder
from screen_agent.training.evaluate import EvalResult, evaluate
from screen_agent.training.metrics import RunLogger
from screen_agent.training.runtime import configure_torch, keep_freed_memory

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


def config_to_json(config: DQNConfig) -> dict[str, Any]:
    return dataclasses.asdict(config)


def config_from_json(values: dict[str, Any]) -> DQNConfig:
    values = dict(values)
    values["hidden"] = tuple(values["hidden"])
    return DQNConfig(**values)


def build_agent(
    env_id: str, config: DQNConfig, device: torch.device, rng: np.random.Generator
) -> DQNAgent:
    """An agent shaped for ``env_id``'s observation and action spaces."""
    env = make_env(env_id, training=False)
    try:
        space = env.observation_space
        return DQNAgent(
            space.shape, space.dtype, env.action_space.n, config, device, rng, action_names(env)
        )
    finally:
        env.close()


def train(
    env_id: str,
    config: DQNConfig,
    run_dir: Path,
    seed: int,
    device: torch.device,
    resume: bool = False,
    progress: bool = True,
    tensorboard: bool = True,
    fresh_replay: bool = False,
    baseline_episodes: int = 5,
    demos: Sequence[Path] = (),
) -> TrainResult:
    """Train a DQN on ``env_id`` for ``config.total_steps`` environment steps.

    With ``resume``, continue the run saved in ``run_dir`` (config, networks, optimizer, counters,
    exploration position, RNG and replay) up to the ``total_steps`` given now; exploration keeps
    the run's own schedule (its decay is not stretched to the new total). ``fresh_replay``
    resumes with an empty replay. Ctrl+C saves the run (checkpoint and replay) before it
    raises KeyboardInterrupt. A new run first plays ``baseline_episodes`` random episodes
    (the report's random-policy line); the run directory gets ``report.html`` at the end.
    With ``demos`` (files of :mod:`.demos` recorded on ``env_id``), the agent first learns
    from them alone, then mixes them into its batches (:mod:`.demo_learning`).
    """
    run_dir = Path(run_dir)
    started = time.perf_counter()
    keep_freed_memory()
    configure_torch(config.torch_threads)
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)

    env = make_env(env_id, training=True)
    eval_env = _rendering_eval_env(env_id)
    obs_space = env.observation_space
    stacked = is_image_space(obs_space.shape, obs_space.dtype)
    agent = DQNAgent(
        obs_space.shape, obs_space.dtype, env.action_space.n, config, device, rng, action_names(env)
    )
    frame_shape = obs_space.shape[1:] if stacked else obs_space.shape
    replay = ReplayBuffer(
        capacity=config.buffer_size,
        frame_shape=frame_shape,
        frame_dtype=obs_space.dtype,
        stack=obs_space.shape[0] if stacked else 1,
        n_step=config.n_step,
        gamma=config.gamma,
        rng=rng,
    )
    exploration_steps = int(config.eps_fraction * config.total_steps)

    step, episodes, best_eval = 0, 0, -np.inf
    if resume:
        state = load_checkpoint(run_dir / CHECKPOINT)
        agent.load_state_dict(state["agent"], source=str(run_dir / CHECKPOINT))
        step, episodes = int(state["step"]), int(state["episodes"])
        best_eval = float(state["best_eval"])
        rng.bit_generator.state = state["rng"]
        torch.set_rng_state(state["torch_rng"])
        saved = config_from_json(state["config"])
        exploration_steps = int(
            state.get("exploration_steps", saved.eps_fraction * saved.total_steps)
        )
        if (run_dir / REPLAY).exists() and not fresh_replay:
            # The episode in progress when the run stopped cannot be continued: the next
            # start_episode closes it as truncated, so no n-step return runs into the new one.
            replay.load_state_dict(load_arrays(run_dir / REPLAY))
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.json").write_text(
        json.dumps({"env_id": env_id, "seed": seed, **config_to_json(config)}, indent=2)
    )
    logger = RunLogger(run_dir, tensorboard=tensorboard)
    # A schedule of its own (Dopamine's, after the warm-up) does not depend on total_steps;
    # the fraction-of-total one keeps the run's first horizon on resume.
    epsilon = (
        epsilon_schedule(config)
        if config.eps_decay_steps > 0
        else LinearSchedule(config.eps_start, config.eps_end, exploration_steps)
    )
    recorder = EpisodeRecorder(run_dir, fps=_frames_per_second(eval_env))
    if not resume and baseline_episodes > 0:
        # A generator of its own: the training's random stream stays what it was.
        chance = np.random.default_rng(seed + EVAL_SEED_OFFSET)
        random_play = evaluate(
            eval_env, lambda _obs: int(chance.integers(eval_env.action_space.n)), baseline_episodes,
            EVAL_SEED_OFFSET - baseline_episodes,
        )  # fmt: skip
        logger.baseline(random_play.returns)
    mixer = None
    if demos:
        from screen_agent.training.demo_learning import DemoMixer

        mixer = DemoMixer.load(
            demos, "gym", env_id, action_names(env), obs_space.shape, agent, replay, config, seed
        )
        # DQfD's pre-training: on the demonstrations alone, before the agent acts.
        while mixer.pretraining(agent.updates):
            mixer.update(config.batch_size)
            if agent.updates % config.target_update_interval == 0:
                agent.update_target()

    def save(path: Path) -> None:
        save_run_checkpoint(
            path, env_id, config, agent, step, episodes, best_eval, rng, exploration_steps
        )

    def greedy(observation: np.ndarray) -> int:
        return agent.act(observation, config.eval_epsilon)

    obs, _ = env.reset(seed=seed + step)
    replay.start_episode(newest_frame(obs, stacked))
    recent_returns: deque[float] = deque(maxlen=20)
    last_eval: EvalResult | None = None
    pending_stats: list[dict[str, torch.Tensor]] = []
    bar = tqdm(
        total=config.total_steps,
        initial=step,
        disable=not progress,
        unit="step",
        dynamic_ncols=True,
    )
    window_start, window_step = time.perf_counter(), step
    try:
        while step < config.total_steps:
            eps = epsilon(step)
            action = agent.act(obs, eps)
            next_obs, reward, terminated, truncated, info = env.step(action)
            replay.add(
                action, float(reward), terminated, truncated, newest_frame(next_obs, stacked)
            )
            obs = next_obs
            step += 1
            if terminated or truncated:
                if "episode" in info:
                    episodes += 1
                    ret = float(info["episode"]["r"])
                    recent_returns.append(ret)
                    logger.episode(step, episodes, ret, int(info["episode"]["l"]))
                obs, _ = env.reset()
                replay.start_episode(newest_frame(obs, stacked))

            if step >= config.learning_starts and step % config.train_freq == 0:
                for _ in range(config.gradient_steps):
                    if mixer is not None:
                        pending_stats.append(mixer.update(config.batch_size))
                    elif replay.can_sample(config.batch_size):
                        pending_stats.append(agent.update(replay.sample(config.batch_size)))
            if step % config.target_update_interval == 0:
                agent.update_target()

            if step % TRAIN_LOG_EVERY == 0:
                now = time.perf_counter()
                sps = (step - window_step) / max(now - window_start, 1e-9)
                window_start, window_step = now, step
                stats = {"epsilon": eps, "steps_per_second": sps}
                if pending_stats:
                    for key in pending_stats[0]:
                        stats[key] = float(torch.stack([s[key] for s in pending_stats]).mean())
                    pending_stats.clear()
                logger.training(step, stats)
                postfix = {"sps": f"{sps:.0f}", "eps": f"{eps:.3f}"}
                if recent_returns:
                    postfix["return"] = f"{np.mean(recent_returns):.1f}"
                if last_eval is not None:
                    postfix["eval"] = f"{last_eval.mean:.1f}"
                bar.set_postfix(postfix, refresh=False)
                bar.update(step - bar.n)

            if config.eval_interval and step % config.eval_interval == 0:
                last_eval = evaluate(
                    eval_env, greedy, config.eval_episodes, EVAL_SEED_OFFSET + step, recorder, step
                )
                logger.evaluation(step, last_eval.mean, last_eval.std, config.eval_episodes)
                if config.keep_best and last_eval.mean >= best_eval:
                    best_eval = last_eval.mean
                    save(run_dir / BEST)

            if step % config.checkpoint_interval == 0 and step < config.total_steps:
                _save_all(save, replay, run_dir, config)
        bar.update(step - bar.n)
    except KeyboardInterrupt:
        _save_all(save, replay, run_dir, config)  # Ctrl+C keeps what was learnt
        raise
    finally:
        bar.close()
        logger.close()
        env.close()
        eval_env.close()
    _save_all(save, replay, run_dir, config)
    write_report_safely(run_dir)
    return TrainResult(
        run_dir=run_dir,
        steps=step,
        episodes=episodes,
        last_eval=last_eval,
        best_eval_mean=None if best_eval == -np.inf else best_eval,
        seconds=time.perf_counter() - started,
    )


def _rendering_eval_env(env_id: str) -> gym.Env:
    """The evaluation env, rendering frames for the report's animation when it can."""
    try:
        return make_env(env_id, training=False, render_mode="rgb_array")
    except gym.error.DependencyNotInstalled:
        return make_env(env_id, training=False)  # e.g. no pygame: no screen frames


def _frames_per_second(env: gym.Env) -> float:
    """Frames per second of play: the env's own, else 15 (Atari with frame skip 4)."""
    return (
        float(env.metadata.get("render_fps") or 15)
        if not is_image_space(env.observation_space.shape, env.observation_space.dtype)
        else 15.0
    )


def write_report_safely(run_dir: Path) -> Path | None:
    """Write the run's report.html; a failure is printed, never raised (the run is saved)."""
    from screen_agent.training.report import write_report

    try:
        return write_report(run_dir)
    except Exception as error:
        print(f"warning: no report for {run_dir}: {type(error).__name__}: {error}")
        return None


def _save_all(save: Any, replay: ReplayBuffer, run_dir: Path, config: DQNConfig) -> None:
    """checkpoint.pt first, then replay.npz: a failed replay write keeps the checkpoint."""
    save(run_dir / CHECKPOINT)
    if config.save_replay:
        save_arrays(run_dir / REPLAY, replay.state_dict())


def save_run_checkpoint(
    path: Path,
    env_id: str,
    config: DQNConfig,
    agent: DQNAgent,
    step: int,
    episodes: int,
    best_eval: float,
    rng: np.random.Generator,
    exploration_steps: int | None = None,
) -> None:
    """Write everything a run needs to resume, but the replay buffer, atomically to ``path``.

    ``exploration_steps``: the steps over which epsilon decays (default: the config's
    fraction of its total), kept so a resumed run with a new total explores as before.
    """
    if exploration_steps is None:
        exploration_steps = int(config.eps_fraction * config.total_steps)
    save_checkpoint(
        path,
        {
            "env_id": env_id,
            "config": config_to_json(config),
            "agent": agent.state_dict(),
            "step": step,
            "episodes": episodes,
            "best_eval": best_eval,
            "rng": rng.bit_generator.state,
            "torch_rng": torch.get_rng_state(),
            "exploration_steps": exploration_steps,
        },
    )


def load_agent(
    checkpoint: Path, env_id: str, device: torch.device, rng: np.random.Generator
) -> DQNAgent:
    """An agent for ``env_id`` with the networks of ``checkpoint`` (refuses another shape)."""
    state = load_checkpoint(checkpoint)
    config = config_from_json(state["config"])
    agent = build_agent(env_id, config, device, rng)
    agent.load_state_dict(state["agent"], source=str(checkpoint))
    return agent


def evaluate_checkpoint(
    checkpoint: Path,
    env_id: str,
    episodes: int,
    seed: int,
    device: torch.device,
    epsilon: float = 0.0,
) -> EvalResult:
    """Greedy (or ``epsilon``-greedy) returns of a saved agent on whole episodes."""
    rng = np.random.default_rng(seed)
    agent = load_agent(checkpoint, env_id, device, rng)
    env = make_env(env_id, training=False)
    try:
        return evaluate(env, lambda o: agent.act(o, epsilon), episodes, seed)
    finally:
        env.close()
