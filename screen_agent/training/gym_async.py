"""Gym training with the learner in its own process, as the screen mode does it: the actor
steps the environment and acts with the newest published weights while the learner updates on
the other core, so environment stepping overlaps learning.

The actor keeps to the run's replay ratio from the other side: it never gets more than
:data:`MAX_LEAD` decisions ahead of what the learner's updates allow, so the algorithm is the
synchronous one's with the policy at most a few updates old. Evaluations, the random baseline
and the logs are the synchronous loop's too (:mod:`.gym_run`); checkpoints are written by the
learner process. Started by :func:`.gym_loop.train` with ``learner_process``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from screen_agent.agent.config import DQNConfig, replay_ratio
from screen_agent.envs.factory import action_names
from screen_agent.training.checkpoint import BEST, CHECKPOINT, load_checkpoint
from screen_agent.training.gym_loop import write_report_safely
from screen_agent.training.gym_run import GymRun, TrainResult
from screen_agent.training.learner_process import (
    LearnerProcess,
    LearnerSpec,
    LearnerStats,
    SnapshotActor,
    actor_network,
)

MAX_LEAD = 4
"""Decisions the actor may make beyond what the learner's updates so far allow."""


def train_with_learner_process(
    env_id: str,
    config: DQNConfig,
    run_dir: Path,
    seed: int,
    device: torch.device,
    resume: bool,
    progress: bool,
    tensorboard: bool,
    fresh_replay: bool,
    baseline_episodes: int,
    demos: Sequence[Path],
    eval_frames: bool = True,
) -> TrainResult:
    """:func:`~screen_agent.training.gym_loop.train` with ``learner_process``: the learner in a
    process of its own (one torch thread; the actor one more)."""
    torch.set_num_threads(1)
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    run = GymRun(env_id, config, run_dir, seed, rng, eval_frames)
    run_dir = run.run_dir
    env = run.env
    state = load_checkpoint(run_dir / CHECKPOINT) if resume else None
    if state is not None:
        run.restore(state)
    run.open_logs(tensorboard, baseline_episodes)
    space = env.observation_space
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
    learner = LearnerProcess(spec)
    actor = SnapshotActor(actor_network(spec), learner.weights, spec.n_actions, device, rng)
    ratio = spec.replay_ratio

    def meta(path: Path | None = None) -> dict:
        return {**run.counters(), **({"path": str(path)} if path is not None else {})}

    obs = run.start(learner, progress)
    stats = LearnerStats()
    failure: BaseException | None = None
    try:
        while run.step < config.total_steps:
            # Keep to the ratio from the actor's side too: wait while the learner is behind.
            while (
                run.step >= config.learning_starts
                and learner.updates < ratio * (run.step - config.learning_starts) - MAX_LEAD * ratio
            ):
                stats.add(learner.poll())
                time.sleep(0.0005)
            eps = run.epsilon(run.step)
            obs = run.step_env(actor.act(obs, eps), learner)
            stats.add(learner.poll())
            if run.log_training(eps, stats.means):
                stats = LearnerStats()
            if run.evaluate_if_due(lambda o: actor.act(o, config.eval_epsilon)):
                learner.save(meta(run_dir / BEST), with_replay=False)
            if run.checkpoint_due():
                learner.save(meta(), with_replay=True)
    except BaseException as error:
        failure = error
        raise
    finally:
        actor.close()
        run.close()
        try:
            learner.stop(meta(), with_replay=True)  # Ctrl+C too: what was learnt is kept
        except BaseException:
            if failure is None:
                raise
    write_report_safely(run_dir)
    return run.result()
