"""Gym training with the learner in its own process, as the screen mode does it: the actor
steps the environment and acts with the newest published weights while the learner updates on
the other core, so environment stepping overlaps learning.

The actor keeps to the run's replay ratio from the other side: it never gets more than
:data:`MAX_LEAD` decisions ahead of what the learner's updates allow, so the algorithm is the
synchronous one's with the policy at most a few updates old. Evaluations, the random baseline,
logs and the report are the synchronous loop's (:mod:`.gym_loop`); checkpoints are written by
the learner process.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from screen_agent.agent.config import DQNConfig, replay_ratio
from screen_agent.agent.networks import is_image_space
from screen_agent.agent.schedules import LinearSchedule, epsilon_schedule
from screen_agent.envs.factory import action_names, make_env, newest_frame
from screen_agent.training.checkpoint import BEST, CHECKPOINT, load_checkpoint
from screen_agent.training.episode_recording import EpisodeRecorder
from screen_agent.training.evaluate import EvalResult, evaluate
from screen_agent.training.gym_loop import (
    EVAL_SEED_OFFSET,
    TRAIN_LOG_EVERY,
    TrainResult,
    _frames_per_second,
    _rendering_eval_env,
    config_from_json,
    config_to_json,
    write_report_safely,
)
from screen_agent.training.learner_process import (
    LearnerProcess,
    LearnerSpec,
    LearnerStats,
    SnapshotActor,
    actor_network,
)
from screen_agent.training.metrics import RunLogger

MAX_LEAD = 4
"""Decisions the actor may make beyond what the learner's updates so far allow."""


def train_with_learner_process(
    env_id: str,
    config: DQNConfig,
    run_dir: Path,
    seed: int,
    device: torch.device,
    resume: bool = False,
    progress: bool = True,
    fresh_replay: bool = False,
    baseline_episodes: int = 5,
    demos: Sequence[Path] = (),
) -> TrainResult:
    """:func:`~screen_agent.training.gym_loop.train`'s contract, with the learner in a process
    of its own (one torch thread; the actor one more)."""
    run_dir = Path(run_dir)
    started = time.perf_counter()
    torch.set_num_threads(1)
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    env = make_env(env_id, training=True)
    eval_env = _rendering_eval_env(env_id)
    space = env.observation_space
    stacked = is_image_space(space.shape, space.dtype)
    state = load_checkpoint(run_dir / CHECKPOINT) if resume else None
    step, episodes, best_eval = 0, 0, -np.inf
    exploration_steps = int(config.eps_fraction * config.total_steps)
    if state is not None:
        step, episodes, best_eval = int(state["step"]), int(state["episodes"]), state["best_eval"]
        rng.bit_generator.state = state["rng"]
        saved = config_from_json(state["config"])
        exploration_steps = int(
            state.get("exploration_steps", saved.eps_fraction * saved.total_steps)
        )
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.json").write_text(
        json.dumps({"env_id": env_id, "seed": seed, **config_to_json(config)}, indent=2)
    )
    spec = LearnerSpec(
        obs_shape=tuple(space.shape),
        obs_dtype=np.dtype(space.dtype).str,
        n_actions=int(env.action_space.n),
        action_names=tuple(action_names(env)),
        config=config,
        device=str(device),
        seed=seed,
        run_dir=run_dir,
        env_id=env_id,
        replay_ratio=replay_ratio(config),
        threads=max(1, config.torch_threads or 1),
        publish_every=4,
        resume=state is not None,
        fresh_replay=fresh_replay,
        demos=tuple(Path(d) for d in demos),
        demo_source=("gym", env_id),
    )
    logger = RunLogger(run_dir)
    epsilon = (
        epsilon_schedule(config)
        if config.eps_decay_steps > 0
        else LinearSchedule(config.eps_start, config.eps_end, exploration_steps)
    )
    recorder = EpisodeRecorder(run_dir, fps=_frames_per_second(eval_env))
    if state is None and baseline_episodes > 0:
        chance = np.random.default_rng(seed + EVAL_SEED_OFFSET)
        random_play = evaluate(
            eval_env, lambda _obs: int(chance.integers(eval_env.action_space.n)), baseline_episodes,
            EVAL_SEED_OFFSET - baseline_episodes,
        )  # fmt: skip
        logger.baseline(random_play.returns)
    learner = LearnerProcess(spec)
    actor = SnapshotActor(actor_network(spec), learner.weights, spec.n_actions, device, rng)
    ratio = spec.replay_ratio

    def meta(path: Path | None = None) -> dict:
        return {
            "step": step,
            "episodes": episodes,
            "best_eval": best_eval,
            "rng": rng.bit_generator.state,
            "exploration_steps": exploration_steps,
            **({"path": str(path)} if path is not None else {}),
        }

    obs, _ = env.reset(seed=seed + step)
    learner.start_episode(newest_frame(obs, stacked))
    recent: deque[float] = deque(maxlen=20)
    last_eval: EvalResult | None = None
    stats = LearnerStats()
    bar = tqdm(total=config.total_steps, initial=step, disable=not progress, unit="step")
    window_start, window_step = time.perf_counter(), step
    failure: BaseException | None = None
    try:
        while step < config.total_steps:
            # Keep to the ratio from the actor's side too: wait while the learner is behind.
            while (
                step >= config.learning_starts
                and learner.updates < ratio * (step - config.learning_starts) - MAX_LEAD * ratio
            ):
                stats.add(learner.poll())
                time.sleep(0.0005)
            eps = epsilon(step)
            action = actor.act(obs, eps)
            next_obs, reward, terminated, truncated, info = env.step(action)
            learner.add(
                action, float(reward), terminated, truncated, newest_frame(next_obs, stacked)
            )
            obs = next_obs
            step += 1
            if terminated or truncated:
                if "episode" in info:
                    episodes += 1
                    recent.append(float(info["episode"]["r"]))
                    logger.episode(step, episodes, recent[-1], int(info["episode"]["l"]))
                obs, _ = env.reset()
                learner.start_episode(newest_frame(obs, stacked))
            stats.add(learner.poll())
            if step % TRAIN_LOG_EVERY == 0:
                now = time.perf_counter()
                sps = (step - window_step) / max(now - window_start, 1e-9)
                window_start, window_step = now, step
                logger.training(step, {"epsilon": eps, "steps_per_second": sps, **stats.means()})
                stats = LearnerStats()
                bar.set_postfix({"sps": f"{sps:.0f}", "eps": f"{eps:.3f}"}, refresh=False)
                bar.update(step - bar.n)
            if config.eval_interval and step % config.eval_interval == 0:
                last_eval = evaluate(
                    eval_env,
                    lambda o: actor.act(o, config.eval_epsilon),
                    config.eval_episodes,
                    EVAL_SEED_OFFSET + step,
                    recorder,
                    step,
                )
                logger.evaluation(step, last_eval.mean, last_eval.std, config.eval_episodes)
                if config.keep_best and last_eval.mean >= best_eval:
                    best_eval = last_eval.mean
                    learner.save(meta(run_dir / BEST), with_replay=False)
            if step % config.checkpoint_interval == 0 and step < config.total_steps:
                learner.save(meta(), with_replay=True)
        bar.update(step - bar.n)
    except BaseException as error:
        failure = error
        raise
    finally:
        bar.close()
        actor.close()
        logger.close()
        env.close()
        eval_env.close()
        try:
            learner.stop(meta(), with_replay=True)  # Ctrl+C too: what was learnt is kept
        except BaseException:
            if failure is None:
                raise
    write_report_safely(run_dir)
    return TrainResult(
        run_dir=run_dir,
        steps=step,
        episodes=episodes,
        last_eval=last_eval,
        best_eval_mean=None if best_eval == -np.inf else float(best_eval),
        seconds=time.perf_counter() - started,
    )
