"""Synchronous DQN training on a gymnasium environment: act, store, learn, evaluate, checkpoint.

Reads top to bottom like CleanRL's ``dqn.py``; the run directory holds everything needed to
inspect (CSV, TensorBoard), evaluate (checkpoint.pt, best.pt) and resume (plus replay.npz).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from screen_agent.agent.config import DQNConfig, config_from_json, config_to_json
from screen_agent.agent.dqn import DQNAgent
from screen_agent.agent.replay import ReplayBuffer
from screen_agent.envs.factory import action_names, make_env
from screen_agent.training.checkpoint import (
    BEST,
    CHECKPOINT,
    REPLAY,
    load_arrays,
    load_checkpoint,
    save_arrays,
    save_checkpoint,
)
from screen_agent.training.evaluate import EvalResult, evaluate
from screen_agent.training.gym_run import GymRun, TrainResult
from screen_agent.training.runtime import configure_torch, keep_freed_memory


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
    learner_process: bool = False,
    eval_frames: bool = True,
) -> TrainResult:
    """Train a DQN on ``env_id`` for ``config.total_steps`` environment steps.

    With ``resume``, continue the run saved in ``run_dir`` (config, networks, optimizer, counters,
    exploration position, RNG and replay) up to the ``total_steps`` given now; exploration keeps
    the run's own schedule (its decay is not stretched to the new total). ``fresh_replay``
    resumes with an empty replay. Ctrl+C saves the run (checkpoint and replay) before it
    raises KeyboardInterrupt. A new run first plays ``baseline_episodes`` random episodes
    (the report's random-policy line); the run directory gets ``report.html`` at the end.
    With ``demos`` (files of :mod:`.demos` recorded on ``env_id``), the agent first learns
    from them alone, then mixes them into its batches (:mod:`.demo_learning`). With
    ``learner_process``, the agent learns in a process of its own while this one steps the
    environment, as the screen mode does (:mod:`.gym_async`). Without ``eval_frames`` the
    evaluations do not render the screen (the report then has no animation).
    """
    if learner_process:
        from screen_agent.training.gym_async import train_with_learner_process

        return train_with_learner_process(
            env_id, config, run_dir, seed, device, resume, progress, tensorboard, fresh_replay,
            baseline_episodes, demos, eval_frames,
        )  # fmt: skip
    keep_freed_memory()
    configure_torch(config.torch_threads)
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)

    run = GymRun(env_id, config, run_dir, seed, rng, eval_frames)
    run_dir = run.run_dir
    env = run.env
    obs_space = env.observation_space
    agent = DQNAgent(
        obs_space.shape, obs_space.dtype, env.action_space.n, config, device, rng, action_names(env)
    )
    frame_shape = obs_space.shape[1:] if run.stacked else obs_space.shape
    replay = ReplayBuffer(
        capacity=config.buffer_size,
        frame_shape=frame_shape,
        frame_dtype=obs_space.dtype,
        stack=obs_space.shape[0] if run.stacked else 1,
        n_step=config.n_step,
        gamma=config.gamma,
        rng=rng,
    )
    if resume:
        state = load_checkpoint(run_dir / CHECKPOINT)
        agent.load_state_dict(state["agent"], source=str(run_dir / CHECKPOINT))
        run.restore(state)
        torch.set_rng_state(state["torch_rng"])
        if (run_dir / REPLAY).exists() and not fresh_replay:
            # The episode in progress when the run stopped cannot be continued: the next
            # start_episode closes it as truncated, so no n-step return runs into the new one.
            replay.load_state_dict(load_arrays(run_dir / REPLAY))
    run.open_logs(tensorboard, baseline_episodes)
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
            path, env_id, config, agent, run.step, run.episodes, run.best_eval, rng,
            run.exploration_steps,
        )  # fmt: skip

    def save_all() -> None:
        """checkpoint.pt first, then replay.npz: a failed replay write keeps the checkpoint."""
        save(run_dir / CHECKPOINT)
        if config.save_replay:
            save_arrays(run_dir / REPLAY, replay.state_dict())

    pending_stats: list[dict[str, torch.Tensor]] = []

    def mean_stats() -> dict[str, float]:
        return {
            key: float(torch.stack([s[key] for s in pending_stats]).mean())
            for key in (pending_stats[0] if pending_stats else ())
        }

    obs = run.start(replay, progress)
    try:
        while run.step < config.total_steps:
            eps = run.epsilon(run.step)
            obs = run.step_env(agent.act(obs, eps), replay)
            step = run.step
            if step >= config.learning_starts and step % config.train_freq == 0:
                for _ in range(config.gradient_steps):
                    if mixer is not None:
                        pending_stats.append(mixer.update(config.batch_size))
                    elif replay.can_sample(config.batch_size):
                        pending_stats.append(agent.update(replay.sample(config.batch_size)))
            if step % config.target_update_interval == 0:
                agent.update_target()
            if run.log_training(eps, mean_stats):
                pending_stats.clear()
            if run.evaluate_if_due(lambda o: agent.act(o, config.eval_epsilon)):
                save(run_dir / BEST)
            if run.checkpoint_due():
                save_all()
    except KeyboardInterrupt:
        save_all()  # Ctrl+C keeps what was learnt
        raise
    finally:
        run.close()
    save_all()
    write_report_safely(run_dir)
    return run.result()


def write_report_safely(run_dir: Path) -> Path | None:
    """Write the run's report.html; a failure is printed, never raised (the run is saved)."""
    from screen_agent.training.report import write_report

    try:
        return write_report(run_dir)
    except Exception as error:
        print(f"warning: no report for {run_dir}: {type(error).__name__}: {error}")
        return None


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
