"""Ours beside Stable-Baselines3's DQN and CleanRL's dqn_atari.py settings, in one table.

Run with the benchmark's own environment (``bench/setup-peers.sh`` creates it), which holds SB3
and this checkout of screen-agent with the same torch build::

    bench/.venv-peers/bin/python bench/compare_dqn.py            # the full run, a few minutes
    bench/.venv-peers/bin/python bench/compare_dqn.py --quick    # smoke run, tiny sizes

Every measurement runs in its own subprocess (``--measure NAME --json``), so process-wide settings
of one (our allocator setting, torch threads, imported modules) cannot affect another; the parent
collects their JSON and prints one markdown table. What each number includes is in
``bench/README.md`` and in the table's notes.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from common import N_ACTIONS, OBS_SHAPE, cpu_model, our_buffer, percentiles_ms, time_call

ENV_ID = "PongNoFrameskip-v4"
CAPACITY_FOR_BYTES = 1_000_000
GOAL_BYTES = 7_100
GOAL_UPDATE_MS = 25.0
GOAL_SPEEDUP = 1.5
GOAL_UPDATES_PER_S = 15.0
TRAIN_LOG_EVERY = 1_000  # our trainer's train.csv row interval (gym_run.TRAIN_LOG_EVERY)


# ---------------------------------------------------------------------------- shared helpers


def _stats_ms(seconds: list[float]) -> dict[str, float]:
    median, p90 = percentiles_ms(seconds)
    return {"median_ms": median, "p90_ms": p90, "n": len(seconds)}


def _time_calls(call: Callable[[], Any], warmup: int, repeats: int) -> dict[str, float]:
    """Median and p90 of ``repeats`` timed calls after ``warmup`` untimed ones."""
    return _stats_ms(time_call(call, warmup, repeats))


def _frame_pool(rng: np.random.Generator, size: int = 257) -> np.ndarray:
    """Random 84x84 frames to fill buffers from (content does not matter, addresses do)."""
    return rng.integers(0, 256, size=(size, *OBS_SHAPE[1:]), dtype=np.uint8)


def _episode_lengths(rng: np.random.Generator) -> Any:
    while True:
        yield int(rng.integers(200, 2_000))


def _setup_torch(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


# ---------------------------------------------------------------------------- ours


def _our_buffer(capacity: int, rng: np.random.Generator, config: Any = None):
    from screen_agent.agent.config import atari_config

    return our_buffer(capacity, config or atari_config(), rng)


def _fill_ours(buffer: Any, transitions: int, rng: np.random.Generator) -> None:
    pool = _frame_pool(rng)
    lengths = _episode_lengths(rng)
    buffer.start_episode(pool[0])
    left = next(lengths)
    for i in range(transitions):
        left -= 1
        buffer.add(
            int(rng.integers(N_ACTIONS)),
            float(rng.integers(-1, 2)),
            left == 0,
            False,
            pool[(i + 1) % len(pool)],
        )
        if left == 0:
            buffer.start_episode(pool[(i + 2) % len(pool)])
            left = next(lengths)


def measure_replay_ours(args: argparse.Namespace) -> dict[str, Any]:
    buffer = _our_buffer(CAPACITY_FOR_BYTES, np.random.default_rng(0))
    return {"bytes_per_transition": buffer.nbytes / buffer.capacity}


def measure_sample_ours(args: argparse.Namespace) -> dict[str, Any]:
    _setup_torch(args.threads)
    rng = np.random.default_rng(0)
    buffer = _our_buffer(args.fill, rng)
    _fill_ours(buffer, args.fill, rng)
    result = _time_calls(lambda: buffer.sample(32), warmup=20, repeats=args.sample_calls)
    return {**result, "fill": args.fill}


def _our_agent_and_buffer(args: argparse.Namespace, preset: str = "atari"):
    import torch

    from screen_agent.agent.config import atari100k_config, atari_config
    from screen_agent.agent.dqn import DQNAgent
    from screen_agent.training.runtime import keep_freed_memory

    keep_freed_memory()  # our trainer does this first thing (gym_loop.train)
    _setup_torch(args.threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    config = atari100k_config() if preset == "atari100k" else atari_config()
    buffer = _our_buffer(args.fill, rng, config)
    _fill_ours(buffer, args.fill, rng)
    agent = DQNAgent(OBS_SHAPE, np.uint8, N_ACTIONS, config, torch.device("cpu"), rng)
    return agent, buffer, config


def measure_update_ours(args: argparse.Namespace) -> dict[str, Any]:
    agent, buffer, config = _our_agent_and_buffer(args)
    for _ in range(args.update_warmup):
        agent.update(buffer.sample(config.batch_size))
    times = []
    for _ in range(args.update_repeats):
        batch = buffer.sample(config.batch_size)  # not timed
        start = time.perf_counter()
        agent.update(batch)
        times.append(time.perf_counter() - start)
    return _stats_ms(times)


def measure_update_ours_100k(args: argparse.Namespace) -> dict[str, Any]:
    """The data-efficient preset: random-shift augmentation of both stacks, 10-step returns and
    a target copied after every update, as the trainers do it (the copy not timed), so the
    target is the online network and one forward pass on the next states serves both."""
    agent, buffer, config = _our_agent_and_buffer(args, preset="atari100k")
    times = []
    for i in range(args.update_warmup + args.update_repeats):
        batch = buffer.sample(config.batch_size)  # not timed
        start = time.perf_counter()
        agent.update(batch)
        if i >= args.update_warmup:
            times.append(time.perf_counter() - start)
        agent.update_target()  # target_update_interval 1
    return _stats_ms(times)


def measure_update_ours_sampled(args: argparse.Namespace) -> dict[str, Any]:
    agent, buffer, config = _our_agent_and_buffer(args)
    return _time_calls(
        lambda: agent.update(buffer.sample(config.batch_size)),
        warmup=args.update_warmup,
        repeats=args.update_repeats,
    )


def measure_pong_ours(args: argparse.Namespace) -> dict[str, Any]:
    import tempfile

    import torch

    from screen_agent.agent.config import atari_config
    from screen_agent.training.gym_loop import train

    total = args.pong_learning_starts + args.pong_steps
    config = atari_config().replace(
        total_steps=total,
        learning_starts=args.pong_learning_starts,
        eval_interval=0,
        save_replay=False,
        checkpoint_interval=total + 1,  # only the checkpoint at the end
        torch_threads=args.threads,
    )
    with tempfile.TemporaryDirectory(prefix="bench-pong-ours-") as run_dir:
        start = time.perf_counter()
        result = train(
            ENV_ID,
            config,
            Path(run_dir),
            seed=0,
            device=torch.device("cpu"),
            progress=False,
            tensorboard=False,
        )
        wall = time.perf_counter() - start
        # train.csv has a row every 1,000 steps with the steps/s of that window; the windows
        # after learning_starts time exactly the steps with updates (no setup, no final save).
        seconds_after, steps_after, prev_step = 0.0, 0, 0
        with (Path(run_dir) / "train.csv").open(newline="") as rows:
            for row in csv.DictReader(rows):
                step = int(row["step"])
                if step > args.pong_learning_starts:
                    seconds_after += (step - prev_step) / float(row["steps_per_second"])
                    steps_after += step - prev_step
                prev_step = step
    return {
        "steps_per_second": steps_after / seconds_after,
        "steps_timed": steps_after,
        "whole_run_steps_per_second": result.steps / wall,
        "whole_run_seconds": wall,
        "episodes": result.episodes,
    }


# ---------------------------------------------------------------------------- Stable-Baselines3


def _sb3_buffer(size: int, optimize: bool, handle_timeouts: bool):
    from gymnasium import spaces
    from stable_baselines3.common.buffers import ReplayBuffer

    return ReplayBuffer(
        size,
        spaces.Box(0, 255, OBS_SHAPE, np.uint8),
        spaces.Discrete(N_ACTIONS),
        device="cpu",
        optimize_memory_usage=optimize,
        handle_timeout_termination=handle_timeouts,
    )


def _sb3_nbytes(buffer: Any) -> int:
    return sum(v.nbytes for v in vars(buffer).values() if isinstance(v, np.ndarray))


def _fill_sb3(buffer: Any, transitions: int, rng: np.random.Generator) -> None:
    """Stacked observations as SB3 stores them: (n_envs=1, 4, 84, 84) per add."""
    pool = _frame_pool(rng)
    window = np.arange(OBS_SHAPE[0])
    lengths = _episode_lengths(rng)
    left = next(lengths)
    for i in range(transitions):
        left -= 1
        obs = pool[(i + window) % len(pool)][None]
        next_obs = pool[(i + 1 + window) % len(pool)][None]
        buffer.add(
            obs,
            next_obs,
            np.array([[rng.integers(N_ACTIONS)]]),
            np.array([float(rng.integers(-1, 2))]),
            np.array([left == 0]),
            [{}],
        )
        if left == 0:
            left = next(lengths)


def measure_replay_sb3(args: argparse.Namespace) -> dict[str, Any]:
    """Bytes per transition of SB3's buffer, from its arrays' nbytes (np.zeros: nothing touched).

    Every array is (buffer_size, n_envs, ...), so bytes per transition do not depend on the size.
    A 1M memory-optimised buffer is one 26.3 GiB np.zeros, which Linux's default (heuristic)
    overcommit refuses on a machine with less RAM plus swap than that; then the same arrays are
    built at 10,000 transitions and the result says so.
    """
    import warnings

    result: dict[str, Any] = {}
    for key, optimize, handle_timeouts in (
        ("optimized", True, False),
        ("plain", False, True),  # SB3's defaults
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "not enough memory" for a buffer never filled
            try:
                buffer = _sb3_buffer(CAPACITY_FOR_BYTES, optimize, handle_timeouts)
                result[f"{key}_allocated_at"] = CAPACITY_FOR_BYTES
            except MemoryError:
                buffer = _sb3_buffer(10_000, optimize, handle_timeouts)
                result[f"{key}_allocated_at"] = 10_000
        result[f"{key}_bytes_per_transition"] = _sb3_nbytes(buffer) / buffer.buffer_size
        del buffer
    return result


def measure_sample_sb3(args: argparse.Namespace) -> dict[str, Any]:
    _setup_torch(args.threads)
    np.random.seed(0)  # SB3 samples with the global numpy generator
    buffer = _sb3_buffer(args.fill, optimize=True, handle_timeouts=False)
    _fill_sb3(buffer, args.fill, np.random.default_rng(0))
    result = _time_calls(lambda: buffer.sample(32), warmup=20, repeats=args.sample_calls)
    return {**result, "fill": args.fill}


def _stack_env():
    import gymnasium as gym
    from gymnasium import spaces

    class StackEnv(gym.Env):
        """Blank (4, 84, 84) frames: only to give DQN its spaces; the buffer is filled directly."""

        observation_space = spaces.Box(0, 255, OBS_SHAPE, np.uint8)
        action_space = spaces.Discrete(N_ACTIONS)

        def reset(self, *, seed=None, options=None):
            super().reset(seed=seed)
            return np.zeros(OBS_SHAPE, np.uint8), {}

        def step(self, action):
            return np.zeros(OBS_SHAPE, np.uint8), 0.0, False, False, {}

    return StackEnv()


def measure_update_sb3(args: argparse.Namespace) -> dict[str, Any]:
    from stable_baselines3 import DQN
    from stable_baselines3.common.logger import configure

    _setup_torch(args.threads)
    model = DQN(
        "CnnPolicy",
        _stack_env(),
        buffer_size=args.fill,
        learning_starts=0,
        batch_size=32,
        optimize_memory_usage=True,
        replay_buffer_kwargs={"handle_timeout_termination": False},
        device="cpu",
        seed=0,
    )
    model.set_logger(configure(None, []))  # learn() would set one; train() records into it
    _fill_sb3(model.replay_buffer, args.fill, np.random.default_rng(0))
    return _time_calls(
        lambda: model.train(gradient_steps=1, batch_size=32),
        warmup=args.update_warmup,
        repeats=args.update_repeats,
    )


def measure_pong_sb3(args: argparse.Namespace) -> dict[str, Any]:
    import ale_py
    import gymnasium as gym
    from stable_baselines3 import DQN
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_atari_env
    from stable_baselines3.common.vec_env import VecFrameStack

    gym.register_envs(ale_py)  # gymnasium 1.x does not find the ALE ids without this
    _setup_torch(args.threads)
    learning_starts = args.pong_learning_starts
    total = learning_starts + args.pong_steps

    class MarkLearningStart(BaseCallback):
        """Notes the time right after the last warm-up step (before any update)."""

        started_at: float | None = None
        episodes = 0

        def _on_step(self) -> bool:
            if self.num_timesteps == learning_starts:
                self.started_at = time.perf_counter()
            self.episodes += sum("episode" in info for info in self.locals["infos"])
            return True

    start = time.perf_counter()
    env = VecFrameStack(make_atari_env(ENV_ID, n_envs=1, seed=0), n_stack=4)
    model = DQN(
        "CnnPolicy",
        env,
        buffer_size=100_000,
        learning_starts=learning_starts,
        batch_size=32,
        train_freq=4,
        gradient_steps=1,
        optimize_memory_usage=True,
        replay_buffer_kwargs={"handle_timeout_termination": False},
        # Same schedule as our Atari preset, so both act greedily (a forward pass) equally often.
        exploration_fraction=0.1,
        exploration_final_eps=0.01,
        target_update_interval=2_000,
        learning_rate=1e-4,
        device="cpu",
        seed=0,
        verbose=0,
    )
    mark = MarkLearningStart()
    model.learn(total_timesteps=total, callback=mark, progress_bar=False)
    end = time.perf_counter()
    env.close()
    assert mark.started_at is not None
    return {
        "steps_per_second": args.pong_steps / (end - mark.started_at),
        "steps_timed": args.pong_steps,
        "whole_run_steps_per_second": total / (end - start),
        "whole_run_seconds": end - start,
        "episodes": mark.episodes,
    }


# ---------------------------------------------------------------------------- CleanRL's settings


def _cleanrl_parts(args: argparse.Namespace):
    import torch
    from torch import nn, optim

    class QNetwork(nn.Module):
        """CleanRL dqn_atari.py's QNetwork, as published: Nature CNN, divides by 255 itself."""

        def __init__(self, n_actions: int) -> None:
            super().__init__()
            self.network = nn.Sequential(
                nn.Conv2d(4, 32, 8, stride=4),
                nn.ReLU(),
                nn.Conv2d(32, 64, 4, stride=2),
                nn.ReLU(),
                nn.Conv2d(64, 64, 3, stride=1),
                nn.ReLU(),
                nn.Flatten(),
                nn.Linear(3136, 512),
                nn.ReLU(),
                nn.Linear(512, n_actions),
            )

        def forward(self, x):
            return self.network(x / 255.0)

    _setup_torch(args.threads)
    torch.manual_seed(0)
    np.random.seed(0)
    q_network = QNetwork(N_ACTIONS)
    optimizer = optim.Adam(q_network.parameters(), lr=1e-4)
    target_network = QNetwork(N_ACTIONS)
    target_network.load_state_dict(q_network.state_dict())
    # dqn_atari.py's replay: SB3's buffer, memory-optimised, timeouts not handled.
    rb = _sb3_buffer(args.fill, optimize=True, handle_timeouts=False)
    _fill_sb3(rb, args.fill, np.random.default_rng(0))
    return q_network, target_network, optimizer, rb


def cleanrl_update(q_network, target_network, optimizer, data, gamma: float = 0.99):
    """CleanRL's update as published in dqn_atari.py (plain eager PyTorch, MSE, no clipping).

    Left out: its TensorBoard write of the loss and mean Q every 100 environment steps.
    """
    import torch
    import torch.nn.functional as F

    with torch.no_grad():
        target_max, _ = target_network(data.next_observations).max(dim=1)
        td_target = data.rewards.flatten() + gamma * target_max * (1 - data.dones.flatten())
    old_val = q_network(data.observations).gather(1, data.actions).squeeze()
    loss = F.mse_loss(td_target, old_val)

    # optimize the model
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


def measure_update_cleanrl(args: argparse.Namespace) -> dict[str, Any]:
    q_network, target_network, optimizer, rb = _cleanrl_parts(args)
    for _ in range(args.update_warmup):
        cleanrl_update(q_network, target_network, optimizer, rb.sample(32))
    times = []
    for _ in range(args.update_repeats):
        data = rb.sample(32)  # not timed
        start = time.perf_counter()
        cleanrl_update(q_network, target_network, optimizer, data)
        times.append(time.perf_counter() - start)
    return _stats_ms(times)


def measure_update_cleanrl_sampled(args: argparse.Namespace) -> dict[str, Any]:
    q_network, target_network, optimizer, rb = _cleanrl_parts(args)
    return _time_calls(
        lambda: cleanrl_update(q_network, target_network, optimizer, rb.sample(32)),
        warmup=args.update_warmup,
        repeats=args.update_repeats,
    )


UPDATES_ROW = "learner updates per second while acting (second half of the run)"
"""bench/latency.py's row for the screen learner's sustained update rate."""


def measure_screen_ours(args: argparse.Namespace) -> dict[str, Any]:
    """The screen learner's updates per second while the actor plays the bundled Pong at 15
    decisions per second: bench/latency.py's run (its own Xvfb, the learner in its own
    process), read from its JSON line."""
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("latency.py")), "--json"]
        + (["--seconds", "30"] if args.quick else []),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:  # the parent shows this process's stderr: latency.py's, then
        print(proc.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"bench/latency.py failed (exit {proc.returncode})")
    rows = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"updates_per_second": rows[UPDATES_ROW]["median"]}


MEASUREMENTS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "replay-ours": measure_replay_ours,
    "replay-sb3": measure_replay_sb3,
    "sample-ours": measure_sample_ours,
    "sample-sb3": measure_sample_sb3,
    "update-ours": measure_update_ours,
    "update-ours-sampled": measure_update_ours_sampled,
    "update-ours-100k": measure_update_ours_100k,
    "update-sb3": measure_update_sb3,
    "update-cleanrl": measure_update_cleanrl,
    "update-cleanrl-sampled": measure_update_cleanrl_sampled,
    "pong-ours": measure_pong_ours,
    "pong-sb3": measure_pong_sb3,
    "screen-ours": measure_screen_ours,
}


# ---------------------------------------------------------------------------- the parent


def _shared_args(args: argparse.Namespace) -> list[str]:
    return [
        f"--threads={args.threads}",
        f"--fill={args.fill}",
        f"--sample-calls={args.sample_calls}",
        f"--update-warmup={args.update_warmup}",
        f"--update-repeats={args.update_repeats}",
        f"--pong-steps={args.pong_steps}",
        f"--pong-learning-starts={args.pong_learning_starts}",
    ]


def run_measurement(name: str, args: argparse.Namespace) -> dict[str, Any] | None:
    """Run one measurement in a fresh interpreter; its last stdout line is the JSON result."""
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", name, "--json"]
    print(f"measuring {name} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    proc = subprocess.run(
        [*command, *_shared_args(args)],
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": str(args.threads)},
        check=False,
    )
    took = time.perf_counter() - start
    if proc.returncode != 0:
        print(f"  {name} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}", file=sys.stderr)
        return None
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"  {name}: {took:.1f} s  {result}", file=sys.stderr, flush=True)
    return result


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    versions = {}
    for package in ("torch", "numpy", "stable_baselines3", "gymnasium", "ale-py", "screen-agent"):
        try:
            versions[package] = md.version(package)
        except md.PackageNotFoundError:
            versions[package] = "missing"
    return versions


def _ms(result: dict[str, Any] | None, p90: bool = True) -> str:
    if result is None:
        return "failed"
    text = f"{result['median_ms']:.2f} ms"
    return f"{text} (p90 {result['p90_ms']:.2f})" if p90 else text


def _get(results: dict[str, Any], name: str, key: str) -> float | None:
    result = results.get(name)
    return None if result is None else result[key]


def render_table(results: dict[str, Any], args: argparse.Namespace) -> str:
    def num(value: float | None, fmt: str = ",.0f") -> str:
        return "failed" if value is None else format(value, fmt)

    ours_bytes = _get(results, "replay-ours", "bytes_per_transition")
    sb3_bytes = _get(results, "replay-sb3", "optimized_bytes_per_transition")
    sb3_plain = _get(results, "replay-sb3", "plain_bytes_per_transition")
    ours_update = _get(results, "update-ours", "median_ms")
    ours_sps = _get(results, "pong-ours", "steps_per_second")
    sb3_sps = _get(results, "pong-sb3", "steps_per_second")
    ours_whole = _get(results, "pong-ours", "whole_run_steps_per_second")
    sb3_whole = _get(results, "pong-sb3", "whole_run_steps_per_second")

    def verdict(ok: bool | None) -> str:
        return "" if ok is None else (" — **met**" if ok else " — **not met**")

    bytes_ok = None if ours_bytes is None else ours_bytes <= GOAL_BYTES
    update_ok = None if ours_update is None else ours_update <= GOAL_UPDATE_MS
    ratio = None if ours_sps is None or sb3_sps is None else ours_sps / sb3_sps
    ratio_text = "" if ratio is None else f"{ratio:.2f}x SB3"
    speed_ok = None if ratio is None else ratio >= GOAL_SPEEDUP
    whole_ratio = None if ours_whole is None or sb3_whole is None else ours_whole / sb3_whole
    screen_rate = _get(results, "screen-ours", "updates_per_second")
    screen_ok = None if screen_rate is None else screen_rate >= GOAL_UPDATES_PER_S

    fill = f"{args.fill:,}"
    sb3_replay = results.get("replay-sb3") or {}
    scaled = any(
        sb3_replay.get(f"{k}_allocated_at") != CAPACITY_FOR_BYTES for k in ("optimized", "plain")
    )
    scaled_note = (
        " [a 1M SB3 buffer could not even be allocated here (26 GiB np.zeros refused); "
        "same arrays built at 10,000]"
        if sb3_replay and scaled
        else ""
    )
    rows = [
        ("measure", "ours", "SB3 DQN", "CleanRL dqn_atari.py settings", "goal"),
        ("---", "---", "---", "---", "---"),
        (
            "replay bytes per transition (capacity 1M, 4x84x84 uint8)",
            num(ours_bytes),
            f"{num(sb3_bytes)} (optimize_memory_usage=True); "
            f"{num(sb3_plain)} (False, SB3's default){scaled_note}",
            f"{num(sb3_bytes)} (SB3's buffer, optimize_memory_usage=True)",
            f"ours ≤ {GOAL_BYTES:,}{verdict(bytes_ok)}",
        ),
        (
            f"sample 32 stacks from {fill} transitions, median (p90) of {args.sample_calls}",
            _ms(results.get("sample-ours")),
            _ms(results.get("sample-sb3")),
            "same call as SB3 (its buffer)",
            "—",
        ),
        (
            f"learner update, batch 32, median (p90) of {args.update_repeats}",
            _ms(results.get("update-ours")),
            "n/a (train() always samples: next row)",
            _ms(results.get("update-cleanrl")),
            f"ours ≤ {GOAL_UPDATE_MS:g} ms{verdict(update_ok)}",
        ),
        (
            "learner update, data-efficient preset (atari100k_config: augmentation, target "
            "copied every update), median (p90)",
            _ms(results.get("update-ours-100k")),
            "n/a",
            "n/a",
            "—",
        ),
        (
            "learner update incl. sampling the batch, median (p90)",
            _ms(results.get("update-ours-sampled")),
            _ms(results.get("update-sb3")) + " `DQN.train(1, 32)`",
            _ms(results.get("update-cleanrl-sampled")),
            "—",
        ),
        (
            f"Pong training steps/s, {args.pong_steps:,} steps after "
            f"{args.pong_learning_starts:,} warm-up",
            num(ours_sps, ",.1f"),
            num(sb3_sps, ",.1f"),
            "n/a (same update as measured; loop not reproduced)",
            f"ours ≥ {GOAL_SPEEDUP:g}x SB3: {ratio_text}{verdict(speed_ok)}",
        ),
        (
            "Pong steps/s over the whole run (setup, warm-up, final checkpoint)",
            num(ours_whole, ",.1f"),
            num(sb3_whole, ",.1f"),
            "n/a",
            "—" if whole_ratio is None else f"{whole_ratio:.2f}x SB3",
        ),
        (
            "screen learner updates per second while acting (bundled Pong, 640x480 region, "
            "15 decisions/s, bench/latency.py)",
            num(screen_rate, ",.1f"),
            "n/a (no screen mode)",
            "n/a",
            f"ours ≥ {GOAL_UPDATES_PER_S:g} per second{verdict(screen_ok)}",
        ),
    ]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


NOTES = """\
Notes:
- ours: DQNAgent with the Atari preset (Nature CNN, dueling head, Double DQN, 3-step returns, \
Huber loss, grad-norm clip 10, Adam), keep_freed_memory() as our trainer calls it; its sample \
draws indices, builds both 4-frame stacks and the 3-step returns, as numpy arrays; the update \
turns each stack batch into float channels-last once (the 1/255 rides on the first \
convolution's weights). The data-efficient row: atari100k_config (DrQ(ε): random-shift and \
intensity augmentation, 10-step returns, target copied after every update, so one forward pass \
on the next states).
- SB3 DQN: sample() draws indices, gathers the stored stacks and copies them into torch tensors \
(th.tensor). DQN.train(gradient_steps=1, batch_size=32) = learning-rate update + sample + plain \
DQN target (no Double DQN) + Huber + clip 10 + Adam step + loss.item() + logger.record; the \
target-network copy is not in it (SB3 does that in _on_step).
- CleanRL: its update as published (no grad clipping, MSE, Adam lr 1e-4 with eps 1e-8) on \
batches from SB3's buffer; its every-100-steps TensorBoard write is left out.
- Pong: ours is screen_agent.training.gym_loop.train with the Atari preset (eval off, replay \
not saved, one checkpoint at the end), timed from train.csv's 1,000-step windows after \
learning_starts; SB3 is DQN("CnnPolicy") on make_atari_env + VecFrameStack(4), buffer 100,000, \
optimize_memory_usage=True, timed from the step that ends the warm-up to the end of learn(). \
Both use train_freq 4, batch 32, epsilon 1 -> 0.01 over the first 10% of steps, target update \
every 2,000 steps.
- Each cell is a separate process with torch.set_num_threads(THREADS)."""


def main_parent(args: argparse.Namespace) -> int:
    started = datetime.datetime.now().astimezone()
    load_before = os.getloadavg()
    names = list(MEASUREMENTS) if not args.only else args.only.split(",")
    results = {name: run_measurement(name, args) for name in names}
    load_after = os.getloadavg()
    versions = _versions()

    mode = " — QUICK SMOKE RUN: tiny sizes, numbers not meaningful" if args.quick else ""
    print(f"## DQN beside Stable-Baselines3 and CleanRL's settings{mode}\n")
    print(f"- date: {started:%Y-%m-%d %H:%M %Z}")
    print(f"- machine: {cpu_model()}, {os.cpu_count()} logical cores, {platform.platform()}")
    print(
        f"- python {platform.python_version()}, torch {versions['torch']} "
        f"(torch.set_num_threads({args.threads})), numpy {versions['numpy']}, "
        f"stable-baselines3 {versions['stable_baselines3']}, gymnasium {versions['gymnasium']}, "
        f"ale-py {versions['ale-py']}, screen-agent {versions['screen-agent']}"
    )
    print(
        f"- load average (1 min) before/after: {load_before[0]:.2f} / {load_after[0]:.2f} "
        "(anything well above 0 means other work shared the cores)"
    )
    print(
        f"- goals: ours ≤ {GOAL_BYTES:,} B/transition; update ≤ {GOAL_UPDATE_MS:g} ms; "
        f"Pong steps/s ≥ {GOAL_SPEEDUP:g}x SB3; screen learner ≥ {GOAL_UPDATES_PER_S:g} updates/s\n"
    )
    print(render_table(results, args))
    print()
    print(NOTES.replace("THREADS", str(args.threads)))
    return 0 if all(r is not None for r in results.values()) else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run with tiny sizes")
    parser.add_argument("--threads", type=int, default=2, help="torch threads in every process")
    parser.add_argument("--fill", type=int, help="transitions in the buffers sampled from")
    parser.add_argument("--sample-calls", type=int, help="timed sample(32) calls")
    parser.add_argument("--update-warmup", type=int, help="untimed updates first")
    parser.add_argument("--update-repeats", type=int, help="timed updates (at least 50)")
    parser.add_argument("--pong-steps", type=int, help="Pong steps timed after the warm-up")
    parser.add_argument(
        "--pong-learning-starts", type=int, help="Pong warm-up steps (a multiple of 1,000)"
    )
    parser.add_argument("--only", help="comma-separated measurement names (default: all)")
    parser.add_argument("--measure", choices=sorted(MEASUREMENTS), help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    defaults = (
        {
            "fill": 2_000,
            "sample_calls": 100,
            "update_warmup": 2,
            "update_repeats": 10,
            "pong_steps": 1_000,
            "pong_learning_starts": 1_000,
        }
        if args.quick
        else {
            "fill": 100_000,
            "sample_calls": 1_000,
            "update_warmup": 10,
            "update_repeats": 100,
            "pong_steps": 5_000,
            "pong_learning_starts": 1_000,
        }
    )
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.pong_learning_starts % TRAIN_LOG_EVERY or args.pong_steps % TRAIN_LOG_EVERY:
        parser.error(
            f"--pong-learning-starts and --pong-steps must be multiples of {TRAIN_LOG_EVERY:,} "
            "(our trainer logs steps/s per 1,000-step window)"
        )
    if args.only:
        unknown = set(args.only.split(",")) - set(MEASUREMENTS)
        if unknown:
            parser.error(
                f"unknown measurements {sorted(unknown)}; choose from {list(MEASUREMENTS)}"
            )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.measure:
        result = MEASUREMENTS[args.measure](args)
        print(json.dumps(result) if args.json else result)
        return 0
    return main_parent(args)


if __name__ == "__main__":
    sys.exit(main())
