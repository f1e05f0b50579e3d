"""Run metrics: CSV files and TensorBoard event files in the run directory."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO

import numpy as np


class CsvTable:
    """Appends rows with a fixed header to one CSV file (keeps earlier rows on resume)."""

    def __init__(self, path: Path, columns: tuple[str, ...]) -> None:
        self.columns = columns
        new = not path.exists() or path.stat().st_size == 0
        self._file: IO[str] = path.open("a", newline="")
        self._writer = csv.writer(self._file)
        if new:
            self._writer.writerow(columns)

    def write(self, row: dict[str, float | int]) -> None:
        self._writer.writerow([row.get(c, "") for c in self.columns])
        self._file.flush()

    def close(self) -> None:
        self._file.close()


class RunLogger:
    """Writes episodes, training statistics and evaluations of one run.

    Files in ``run_dir``: ``episodes.csv`` (step, return, length), ``train.csv`` (step, loss,
    mean Q, epsilon, steps per second, ...), ``eval.csv`` (step, mean and std of the greedy
    return) and TensorBoard events under ``tb/`` with the same scalars.
    """

    EPISODE_COLUMNS = ("step", "episode", "return", "length")
    TRAIN_COLUMNS = ("step", "loss", "q_mean", "grad_norm", "epsilon", "steps_per_second")
    REWARD_COLUMNS = ("step", "reward")
    REALTIME_COLUMNS = (
        "step",
        "updates",
        "lateness_ms_p50",
        "lateness_ms_p99",
        "lateness_ms_max",
        "latency_ms_p50",
        "latency_ms_p99",
        "latency_ms_max",
    )
    EVAL_COLUMNS = ("step", "mean_return", "std_return", "episodes")

    def __init__(self, run_dir: Path, tensorboard: bool = True) -> None:
        run_dir.mkdir(parents=True, exist_ok=True)
        self.episodes = CsvTable(run_dir / "episodes.csv", self.EPISODE_COLUMNS)
        self.train = CsvTable(run_dir / "train.csv", self.TRAIN_COLUMNS)
        self.evals = CsvTable(run_dir / "eval.csv", self.EVAL_COLUMNS)
        self._run_dir = run_dir
        self._optional: dict[str, CsvTable] = {}
        self._tb = None
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self._tb = SummaryWriter(str(run_dir / "tb"))

    def episode(self, step: int, episode: int, ret: float, length: int) -> None:
        self.episodes.write({"step": step, "episode": episode, "return": ret, "length": length})
        self._scalars("episode", {"return": ret, "length": length}, step)

    def training(self, step: int, stats: dict[str, float]) -> None:
        self.train.write({"step": step, **stats})
        self._scalars("train", stats, step)

    def evaluation(self, step: int, mean: float, std: float, episodes: int) -> None:
        row = {"mean_return": mean, "std_return": std, "episodes": episodes}
        self.evals.write({"step": step, **row})
        self._scalars("eval", {"mean_return": mean, "std_return": std}, step)

    def reward(self, step: int, reward: float) -> None:
        """A non-zero reward event (``rewards.csv``), e.g. to count catches and misses."""
        self._table("rewards.csv", self.REWARD_COLUMNS).write({"step": step, "reward": reward})

    def realtime(
        self, step: int, updates: int, lateness_s: np.ndarray, latency_s: np.ndarray
    ) -> None:
        """Percentiles of the recent decision-tick lateness and capture-to-keypress latency
        (``realtime.csv``, milliseconds)."""
        row: dict[str, float | int] = {"step": step, "updates": updates}
        for name, values in (("lateness", lateness_s), ("latency", latency_s)):
            if values.size:
                ms = 1000 * values
                row[f"{name}_ms_p50"] = float(np.percentile(ms, 50))
                row[f"{name}_ms_p99"] = float(np.percentile(ms, 99))
                row[f"{name}_ms_max"] = float(ms.max())
        self._table("realtime.csv", self.REALTIME_COLUMNS).write(row)
        self._scalars("realtime", {k: v for k, v in row.items() if k != "step"}, step)

    def _table(self, name: str, columns: tuple[str, ...]) -> CsvTable:
        if name not in self._optional:
            self._optional[name] = CsvTable(self._run_dir / name, columns)
        return self._optional[name]

    def _scalars(self, group: str, values: dict[str, float], step: int) -> None:
        if self._tb is not None:
            for name, value in values.items():
                self._tb.add_scalar(f"{group}/{name}", value, step)

    def close(self) -> None:
        for table in (self.episodes, self.train, self.evals, *self._optional.values()):
            table.close()
        if self._tb is not None:
            self._tb.close()
