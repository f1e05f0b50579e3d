"""What the bench scripts share: Pong's observation and action shapes, our replay buffer
for them, timed calls and the machine's CPU (imported as a sibling module: the scripts run as
``python bench/NAME.py``, which puts ``bench/`` on ``sys.path``)."""

from __future__ import annotations

import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

OBS_SHAPE = (4, 84, 84)
"""A stack of four 84x84 frames, as the Atari preprocessing gives."""
N_ACTIONS = 6
"""Pong's minimal action set; the replay and update measurements use it too."""


def our_buffer(capacity: int, config: Any, rng: np.random.Generator) -> Any:
    """Our :class:`~screen_agent.agent.replay.ReplayBuffer` of ``capacity`` Pong transitions,
    with ``config``'s (a DQNConfig) n-step returns. Imported here, not at the top: the peers'
    measurements never import screen-agent."""
    from screen_agent.agent.replay import ReplayBuffer

    return ReplayBuffer(
        capacity=capacity,
        frame_shape=OBS_SHAPE[1:],
        frame_dtype=np.uint8,
        stack=OBS_SHAPE[0],
        n_step=config.n_step,
        gamma=config.gamma,
        rng=rng,
    )


def time_call(call: Callable[[], Any], warmup: int, repeats: int) -> list[float]:
    """Seconds each of ``repeats`` timed calls took, after ``warmup`` untimed ones."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def percentiles_ms(seconds: list[float], upper: float = 90) -> tuple[float, float]:
    """(median, ``upper`` percentile) in milliseconds."""
    ms = np.asarray(seconds) * 1e3
    return float(np.median(ms)), float(np.percentile(ms, upper))


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``; elsewhere what :mod:`platform` says)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


SCREEN_AGENT = str(Path(sys.executable).with_name("screen-agent"))
"""The installed console script: the benchmarks run the program as a user would."""


def run_cli(display, *args: str, timeout: float) -> str:
    """``screen-agent ARGS`` on ``display``; its stdout. Raises naming the command on failure."""
    done = subprocess.run(
        [SCREEN_AGENT, *args],
        env=display.env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"screen-agent {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def train_cli(
    display, profile: Path, minutes: float, seed: int, run_dir: Path, *extra: str
) -> None:
    """``screen-agent train PROFILE --launch`` for ``minutes`` on ``display`` into ``run_dir``
    (``extra``: more of its options)."""
    run_cli(
        display,
        *("train", str(profile), "--launch", "--minutes", str(minutes), "--seed", str(seed)),
        *("--run-dir", str(run_dir), *extra),
        timeout=minutes * 60 + 900,
    )
