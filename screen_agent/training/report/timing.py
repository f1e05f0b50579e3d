"""A run's training time: seconds since it started, with the pauses between sessions left out."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from screen_agent.training.metrics import WALL_TIME
from screen_agent.training.report.tables import Table


@dataclass
class TimeAxis:
    """Training time of a run: seconds of training since it started, with the pauses between a
    run and its ``--resume`` left out.

    Built from each row's ``wall_time`` and ``sessions.csv`` when the run wrote them, otherwise
    estimated from ``train.csv``'s steps per second (runs written before wall times existed).
    """

    source: str
    """How the times were obtained, for the report's notes."""
    steps: np.ndarray
    """Sorted environment steps ..."""
    seconds: np.ndarray
    """... and the training time at each, for steps of rows that have no time of their own."""
    session_starts: np.ndarray
    """Wall time (Unix s) each session started (empty when estimated)."""
    session_offsets: np.ndarray
    """Training seconds before each session."""
    total_seconds: float = 0.0
    """Training time of the whole run (to the last session's stop when it was recorded)."""

    def at_steps(self, steps: np.ndarray) -> np.ndarray:
        """Training seconds at ``steps`` (linear between known points, extended at the ends)."""
        return np.maximum(_interp_extrapolate(steps, self.steps, self.seconds), 0.0)

    def at_wall(self, wall: np.ndarray) -> np.ndarray:
        """Training seconds at Unix times ``wall`` (within their sessions)."""
        index = np.searchsorted(self.session_starts, wall, side="right") - 1
        index = np.clip(index, 0, len(self.session_starts) - 1)
        return self.session_offsets[index] + (wall - self.session_starts[index])

    def of(self, table: Table) -> np.ndarray | None:
        """Training seconds of each row of ``table``: its wall time, else its step."""
        wall = table.column(WALL_TIME)
        steps = table.column("step")
        if wall is not None and len(self.session_starts):
            seconds = self.at_wall(wall)
            if steps is not None and np.isnan(wall).any():
                seconds = np.where(np.isnan(wall), self.at_steps(steps), seconds)
            return seconds
        if steps is not None and len(self.steps):
            return self.at_steps(steps)
        return None


def _interp_extrapolate(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    if len(xp) == 1:
        return np.full_like(x, fp[0], dtype=np.float64)
    y = np.interp(x, xp, fp)
    low_rate = (fp[1] - fp[0]) / max(xp[1] - xp[0], 1e-9)
    high_rate = (fp[-1] - fp[-2]) / max(xp[-1] - xp[-2], 1e-9)
    y = np.where(x < xp[0], fp[0] + (x - xp[0]) * low_rate, y)
    return np.where(x > xp[-1], fp[-1] + (x - xp[-1]) * high_rate, y)


def time_axis(
    tables: list[Table | None], sessions: Table | None, train: Table | None
) -> TimeAxis | None:
    """The run's time axis from the ``wall_time`` of ``tables``' rows and ``sessions.csv``,
    else estimated from ``train.csv``; None if neither is possible."""
    walled = [
        (steps, wall)
        for table in tables
        if table is not None
        and (steps := table.column("step")) is not None
        and (wall := table.column(WALL_TIME)) is not None
    ]
    steps = np.concatenate([s for s, _ in walled]) if walled else np.array([])
    wall = np.concatenate([w for _, w in walled]) if walled else np.array([])
    keep = np.isfinite(steps) & np.isfinite(wall)
    steps, wall = steps[keep], wall[keep]
    if not wall.size:
        return _estimated_time_axis(train)
    starts, offsets, total = _sessions(sessions, wall)
    axis = TimeAxis("wall clock", np.array([]), np.array([]), starts, offsets, total)
    seconds = axis.at_wall(wall)
    order = np.argsort(steps, kind="stable")
    axis.steps, axis.seconds = steps[order], np.maximum.accumulate(seconds[order])
    return axis


def _sessions(sessions: Table | None, wall: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Start (Unix s) and the training seconds before each session of the run, and the
    training seconds of the whole run."""
    starts = np.array([float(wall.min())])
    stops: dict[int, float] = {}
    if sessions is not None and (times := sessions.column(WALL_TIME)) is not None:
        events = sessions.texts.get("event", [""] * sessions.rows)
        marks = [(t, e) for t, e in zip(times, events, strict=True) if math.isfinite(t)]
        begun = sorted(t for t, e in marks if e == "start")
        if begun:
            starts = np.array(begun)
        for t, e in marks:
            if e == "stop":
                index = int(np.searchsorted(starts, t, side="right")) - 1
                stops[index] = max(stops.get(index, t), t)
    starts[0] = min(starts[0], float(wall.min()))
    bounds = [*starts[1:], math.inf]
    durations = []
    for k, start in enumerate(starts):
        in_session = wall[(wall >= start) & (wall < bounds[k])]
        end = max(stops.get(k, start), float(in_session.max()) if in_session.size else start)
        durations.append(max(0.0, end - start))
    offsets = np.concatenate([[0.0], np.cumsum(durations)[:-1]])
    return starts, offsets, float(sum(durations))


def _estimated_time_axis(train: Table | None) -> TimeAxis | None:
    """From train.csv's steps/s: each row's window took (its step - the last row's) / rate."""
    if train is None:
        return None
    steps, rate = train.column("step"), train.column("steps_per_second")
    if steps is None or rate is None:
        return None
    keep = np.isfinite(steps) & np.isfinite(rate) & (rate > 0)
    steps, rate = steps[keep], rate[keep]
    if not steps.size:
        return None
    window = np.diff(steps, prepend=0.0)
    seconds = np.cumsum(window / rate)
    return TimeAxis(
        "estimated from train.csv's steps per second (this run's CSVs have no wall_time)",
        np.concatenate([[0.0], steps]),
        np.concatenate([[0.0], seconds]),
        np.array([]),
        np.array([]),
        float(seconds[-1]),
    )
