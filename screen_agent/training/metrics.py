"""Run metrics: the CSV, JSON and TensorBoard files a run writes in its run directory.

The file and column names here are the run directory's format: the run report
(``screen_agent.training.report``) reads them through these constants.
"""

from __future__ import annotations

import csv
import io
import json
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

import numpy as np

from screen_agent.files import atomic_write_bytes

EPISODES_CSV = "episodes.csv"
TRAIN_CSV = "train.csv"
EVAL_CSV = "eval.csv"
REWARDS_CSV = "rewards.csv"
REALTIME_CSV = "realtime.csv"
SESSIONS_CSV = "sessions.csv"
BASELINE_JSON = "baseline.json"
"""``{"random_mean": float, "random_std": float, "episodes": int, "policy": str}``: what a
random policy scores on the run's environment (the report draws it as a line)."""
WALL_TIME = "wall_time"
"""Column of every CSV: when the row was written, Unix time in seconds."""


class CsvTable:
    """Appends rows with a fixed header to one CSV file (keeps earlier rows on resume).

    A file written by an older version with fewer columns is rewritten once with the new
    header (old rows get empty cells), so a resumed run keeps one consistent table.
    """

    def __init__(self, path: Path, columns: tuple[str, ...]) -> None:
        self.columns = columns
        if path.exists() and path.stat().st_size > 0:
            self.columns = _extend_header(path, columns)
            new = False
        else:
            new = True
        self._file: IO[str] = path.open("a", newline="")
        self._writer = csv.writer(self._file)
        if new:
            self._writer.writerow(self.columns)
            self._file.flush()

    def write(self, row: dict[str, float | int | str]) -> None:
        self._writer.writerow([row.get(c, "") for c in self.columns])
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def _extend_header(path: Path, columns: tuple[str, ...]) -> tuple[str, ...]:
    """The columns of the existing file at ``path``, plus any of ``columns`` it lacks (the
    file is rewritten with them)."""
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header = tuple(rows[0])
    missing = tuple(c for c in columns if c not in header)
    if not missing:
        return header
    merged = header + missing
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(merged)
    for row in rows[1:]:
        writer.writerow(row + [""] * (len(merged) - len(row)))
    atomic_write_bytes(path, text.getvalue().encode())
    return merged


class RunLogger:
    """Writes episodes, training statistics and evaluations of one run.

    Files in ``run_dir`` (every CSV also has ``wall_time``, Unix seconds, as its last column):

    - ``episodes.csv``: step, episode, return, length (environment steps).
    - ``train.csv``: step, loss, q_mean, grad_norm, epsilon, steps_per_second.
    - ``eval.csv``: step, mean_return, std_return, episodes (periodic greedy evaluations).
    - ``rewards.csv`` (screen runs): step, reward, rule (the reward rule that fired, if known).
    - ``realtime.csv`` (screen runs): percentiles in milliseconds of the recent decision-tick
      lateness and capture-to-keypress latency, learner updates, decisions per second.
    - ``sessions.csv``: event (``start`` when a logger opens the run, ``stop`` when it closes),
      so the report can leave the time between a run and its ``--resume`` out of its duration.
    - ``baseline.json``: what a random policy scores (:meth:`baseline`).
    - TensorBoard events under ``tb/`` with the same scalars.
    """

    EPISODE_COLUMNS = ("step", "episode", "return", "length", WALL_TIME)
    TRAIN_COLUMNS = (
        "step",
        "loss",
        "q_mean",
        "grad_norm",
        "epsilon",
        "steps_per_second",
        WALL_TIME,
    )
    REWARD_COLUMNS = ("step", "reward", WALL_TIME, "rule")
    REALTIME_COLUMNS = (
        "step",
        "updates",
        "lateness_ms_p50",
        "lateness_ms_p99",
        "lateness_ms_max",
        "latency_ms_p50",
        "latency_ms_p99",
        "latency_ms_max",
        WALL_TIME,
        "lateness_ms_p90",
        "latency_ms_p90",
        "decisions_per_second",
    )
    EVAL_COLUMNS = ("step", "mean_return", "std_return", "episodes", WALL_TIME)
    SESSION_COLUMNS = (WALL_TIME, "event")

    def __init__(
        self,
        run_dir: Path,
        tensorboard: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``clock`` gives the wall time of each row (Unix seconds; tests pass a fake one)."""
        run_dir.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self.episodes = CsvTable(run_dir / EPISODES_CSV, self.EPISODE_COLUMNS)
        self.train = CsvTable(run_dir / TRAIN_CSV, self.TRAIN_COLUMNS)
        self.evals = CsvTable(run_dir / EVAL_CSV, self.EVAL_COLUMNS)
        self.sessions = CsvTable(run_dir / SESSIONS_CSV, self.SESSION_COLUMNS)
        self.sessions.write({WALL_TIME: clock(), "event": "start"})
        self._run_dir = run_dir
        self._optional: dict[str, CsvTable] = {}
        self._closed = False
        self._tb = None
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self._tb = SummaryWriter(str(run_dir / "tb"))

    def episode(self, step: int, episode: int, ret: float, length: int) -> None:
        row = {"step": step, "episode": episode, "return": ret, "length": length}
        self.episodes.write(self._stamped(row))
        self._scalars("episode", {"return": ret, "length": length}, step)

    def training(self, step: int, stats: dict[str, float]) -> None:
        self.train.write(self._stamped({"step": step, **stats}))
        self._scalars("train", stats, step)

    def evaluation(self, step: int, mean: float, std: float, episodes: int) -> None:
        row = {"mean_return": mean, "std_return": std, "episodes": episodes}
        self.evals.write(self._stamped({"step": step, **row}))
        self._scalars("eval", {"mean_return": mean, "std_return": std}, step)

    def reward(self, step: int, reward: float, rule: str = "") -> None:
        """A non-zero reward event (``rewards.csv``), e.g. to count catches and misses.

        ``rule``: the name of the reward rule that fired (``RuleCommon.name``), so the report
        can count events per rule; call once per rule when several fire on one frame.
        """
        row = {"step": step, "reward": reward, "rule": rule}
        self._table(REWARDS_CSV, self.REWARD_COLUMNS).write(self._stamped(row))

    def realtime(
        self,
        step: int,
        updates: int,
        lateness_s: np.ndarray,
        latency_s: np.ndarray,
        decisions_per_second: float | None = None,
    ) -> None:
        """Percentiles of the recent decision-tick lateness and capture-to-keypress latency
        (``realtime.csv``, milliseconds), and the decision rate over the same window."""
        row: dict[str, float | int] = {"step": step, "updates": updates}
        if decisions_per_second is not None:
            row["decisions_per_second"] = decisions_per_second
        for name, values in (("lateness", lateness_s), ("latency", latency_s)):
            if values.size:
                ms = 1000 * values
                p50, p90, p99 = np.percentile(ms, (50, 90, 99))
                row[f"{name}_ms_p50"] = float(p50)
                row[f"{name}_ms_p90"] = float(p90)
                row[f"{name}_ms_p99"] = float(p99)
                row[f"{name}_ms_max"] = float(ms.max())
        self._table(REALTIME_CSV, self.REALTIME_COLUMNS).write(self._stamped(row))
        self._scalars("realtime", {k: v for k, v in row.items() if k != "step"}, step)

    def baseline(self, returns: Sequence[float], policy: str = "uniformly random actions") -> None:
        """Record what a random policy scores on this run's environment (``baseline.json``)."""
        write_baseline(self._run_dir, returns, policy)

    def _stamped(self, row: dict[str, float | int | str]) -> dict[str, float | int | str]:
        row[WALL_TIME] = round(self._clock(), 3)
        return row

    def _table(self, name: str, columns: tuple[str, ...]) -> CsvTable:
        if name not in self._optional:
            self._optional[name] = CsvTable(self._run_dir / name, columns)
        return self._optional[name]

    def _scalars(self, group: str, values: dict[str, float], step: int) -> None:
        if self._tb is not None:
            for name, value in values.items():
                self._tb.add_scalar(f"{group}/{name}", value, step)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.sessions.write({WALL_TIME: round(self._clock(), 3), "event": "stop"})
        tables = (self.episodes, self.train, self.evals, self.sessions, *self._optional.values())
        for table in tables:
            table.close()
        if self._tb is not None:
            self._tb.close()


def write_baseline(
    run_dir: Path, returns: Sequence[float], policy: str = "uniformly random actions"
) -> None:
    """Write ``baseline.json``: the mean and std of ``returns``, episodes a policy played on
    the run's environment (by default a random one), for the report's random-policy line."""
    values = [float(r) for r in returns]
    if not values or not all(math.isfinite(v) for v in values):
        raise ValueError(f"baseline returns must be finite and not empty, got {values!r}")
    data = {
        "random_mean": float(np.mean(values)),
        "random_std": float(np.std(values)),
        "episodes": len(values),
        "policy": policy,
    }
    atomic_write_bytes(run_dir / BASELINE_JSON, (json.dumps(data, indent=2) + "\n").encode())
