"""Numbers the report derives from a run's tables: rolling means, reward rates, latency summaries."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from screen_agent.training.report.rundata import RunData
from screen_agent.training.report.tables import Table


def rolling_window(episodes: int) -> int:
    """Episodes per rolling mean: a tenth of the run, at least 5 (or all of a shorter run) and
    at most 100 (gym's "solved" span)."""
    return int(np.clip(round(episodes / 10), min(5, max(episodes, 1)), 100))


def rolling_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over the last ``window`` values (fewer at the start)."""
    sums = np.cumsum(np.concatenate([[0.0], values]))
    ends = np.arange(1, len(values) + 1)
    starts = np.maximum(ends - window, 0)
    return (sums[ends] - sums[starts]) / (ends - starts)


def time_unit(seconds: float) -> tuple[str, float]:
    """A readable unit for a span of ``seconds``: (name, seconds per unit)."""
    if seconds < 180:
        return "s", 1.0
    if seconds < 3 * 3600:
        return "min", 60.0
    return "h", 3600.0


def format_duration(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


@dataclass(frozen=True)
class RewardKind:
    """One kind of reward event: a rule's name, or a reward value when rules were not logged."""

    label: str
    times_s: np.ndarray
    """Training seconds of each event."""
    total_reward: float

    @property
    def events(self) -> int:
        return len(self.times_s)


def reward_kinds(data: RunData) -> list[RewardKind] | None:
    """The run's reward events grouped by rule (or by value), with their training times."""
    table = data.rewards
    if table is None or data.time is None:
        return None
    seconds = data.time.of(table)
    rewards = table.column("reward")
    if seconds is None or rewards is None:
        return None
    rules = table.texts.get("rule", [""] * table.rows)
    labels = [rule or f"reward {value:+g}" for rule, value in zip(rules, rewards, strict=True)]
    kinds = []
    for label in sorted(set(labels)):
        mask = np.array([name == label for name in labels])
        kinds.append(RewardKind(label, seconds[mask], float(np.nansum(rewards[mask]))))
    return kinds


def rate_bins(total_seconds: float) -> tuple[np.ndarray, float]:
    """Bin edges (training seconds) for counting events per minute: one-minute bins, or a
    tenth of the run when it is shorter than ten minutes. Returns (edges, bin width in s)."""
    width = 60.0 if total_seconds >= 600 else max(total_seconds / 10, 1.0)
    edges = np.arange(0.0, total_seconds + width, width)
    if len(edges) < 2:
        edges = np.array([0.0, width])
    return edges, width


@dataclass(frozen=True)
class LatencySummary:
    """Percentiles (milliseconds) of one real-time measure, over the windows of realtime.csv."""

    label: str
    p50: float
    p90: float | None
    p99: float
    worst_p99: float
    max: float


def latency_summaries(realtime: Table) -> list[LatencySummary]:
    """For tick lateness and capture-to-key latency: the median over realtime.csv's rows of
    each row's p50, p90 and p99 (each row covers the recent decisions), the worst row's p99,
    and the largest single value seen."""
    summaries = []
    for name, label in (("lateness", "decision-tick lateness"), ("latency", "capture-to-key")):
        p50 = realtime.column(f"{name}_ms_p50")
        p99 = realtime.column(f"{name}_ms_p99")
        if p50 is None or p99 is None:
            continue
        p90 = realtime.column(f"{name}_ms_p90")
        largest = realtime.column(f"{name}_ms_max")
        summaries.append(
            LatencySummary(
                label=label,
                p50=float(np.nanmedian(p50)),
                p90=None if p90 is None else float(np.nanmedian(p90)),
                p99=float(np.nanmedian(p99)),
                worst_p99=float(np.nanmax(p99)),
                max=float(np.nanmax(largest)) if largest is not None else float(np.nanmax(p99)),
            )
        )
    return summaries


def decision_rates(data: RunData) -> tuple[np.ndarray, np.ndarray] | None:
    """(training seconds, decisions per second) of a screen run's windows: realtime.csv's
    ``decisions_per_second``, else train.csv's ``steps_per_second`` (the same in screen runs)."""
    if data.time is None:
        return None
    for table, column in (
        (data.realtime, "decisions_per_second"),
        (data.train, "steps_per_second"),
    ):
        if table is None:
            continue
        rates, seconds = table.column(column), data.time.of(table)
        if rates is not None and seconds is not None:
            keep = np.isfinite(rates) & np.isfinite(seconds)
            return seconds[keep], rates[keep]
    return None


def best_eval_row(evals: Table) -> int | None:
    """Index of the best evaluation (the latest of equal means, as best.pt keeps)."""
    means = evals.column("mean_return")
    if means is None:
        return None
    finite = np.where(np.isfinite(means))[0]
    if not finite.size:
        return None
    best = np.nanmax(means)
    return int(finite[means[finite] == best][-1])
