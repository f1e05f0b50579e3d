"""Reading a run directory into plain arrays and values for the report; nothing here draws.

Every file is optional: what is missing or unreadable becomes ``None`` plus a note in
``RunData.notes``, so a partial run directory still gives a report.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from screen_agent.errors import UserError
from screen_agent.training.episode_recording import (
    RECORDING_FILE,
    EpisodeRecording,
    load_recording,
)
from screen_agent.training.metrics import (
    BASELINE_JSON,
    EPISODES_CSV,
    EVAL_CSV,
    REALTIME_CSV,
    REWARDS_CSV,
    SESSIONS_CSV,
    TRAIN_CSV,
    WALL_TIME,
)
from screen_agent.training.report.tables import Table, read_table
from screen_agent.training.report.timing import TimeAxis, time_axis

CONFIG_JSON = "config.json"
CHECKPOINT = "checkpoint.pt"
RUN_FILES = (CONFIG_JSON, CHECKPOINT, EPISODES_CSV, TRAIN_CSV, EVAL_CSV, REALTIME_CSV)
"""A folder holding none of these is not a run directory."""


@dataclass
class RunData:
    """Everything the report shows, read from one run directory."""

    run_dir: Path
    config: dict[str, Any] | None = None
    """The run's settings: DQNConfig fields plus ``env_id`` and ``seed`` where known."""
    config_source: str = ""
    env_id: str | None = None
    steps: int | None = None
    episodes_done: int | None = None
    episodes: Table | None = None
    train: Table | None = None
    evals: Table | None = None
    rewards: Table | None = None
    realtime: Table | None = None
    sessions: Table | None = None
    baseline: dict[str, Any] | None = None
    recording: EpisodeRecording | None = None
    time: TimeAxis | None = None
    started: datetime | None = None
    finished: datetime | None = None
    notes: list[str] = field(default_factory=list)
    """Problems met while reading (an unreadable file and why), shown in the report."""
    files: dict[str, bool] = field(default_factory=dict)
    """Each file the report looks for, and whether it was there."""

    @property
    def is_screen_run(self) -> bool:
        return (self.env_id or "").startswith("screen:") or self.realtime is not None

    @property
    def name(self) -> str:
        """The environment id, or the profile's name for a screen run."""
        if self.env_id and self.env_id.startswith("screen:"):
            return self.env_id.removeprefix("screen:")
        return self.env_id or "unknown environment"


def read_run(run_dir: Path) -> RunData:
    """Read everything the report needs from ``run_dir``.

    Raises:
        UserError: ``run_dir`` does not exist or holds none of a run's files.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UserError(
            f"no run directory at {run_dir}; give the folder a training run wrote (its --run-dir)"
        )
    present = {name: (run_dir / name).is_file() for name in RUN_FILES}
    if not any(present.values()):
        raise UserError(
            f"{run_dir} is not a run directory (it has no {', '.join(RUN_FILES)}); "
            "give the folder a training run wrote (its --run-dir)"
        )
    data = RunData(run_dir)
    for name in (*RUN_FILES, REWARDS_CSV, SESSIONS_CSV, BASELINE_JSON, RECORDING_FILE):
        data.files[name] = (run_dir / name).is_file()
    tables = {
        "episodes": EPISODES_CSV,
        "train": TRAIN_CSV,
        "evals": EVAL_CSV,
        "rewards": REWARDS_CSV,
        "realtime": REALTIME_CSV,
        "sessions": SESSIONS_CSV,
    }
    for attribute, name in tables.items():
        try:
            setattr(data, attribute, read_table(run_dir / name))
        except (OSError, csv.Error, UnicodeDecodeError) as error:
            data.notes.append(f"{name} could not be read: {error}")
    _read_config(data)
    _read_baseline(data)
    if data.files[RECORDING_FILE]:
        try:
            data.recording = load_recording(run_dir / RECORDING_FILE)
        except ValueError as error:
            data.notes.append(str(error))
    _count(data)
    data.time = time_axis(
        [data.episodes, data.train, data.evals, data.realtime, data.rewards],
        data.sessions,
        data.train,
    )
    _dates(data)
    return data


def _read_config(data: RunData) -> None:
    path = data.run_dir / CONFIG_JSON
    if path.is_file():
        try:
            config = json.loads(path.read_text())
            if not isinstance(config, dict):
                raise ValueError("not a JSON object")
            data.config, data.config_source = config, CONFIG_JSON
            data.env_id = config.get("env_id")
            return
        except (OSError, ValueError) as error:
            data.notes.append(f"{CONFIG_JSON} could not be read: {error}")
    checkpoint = data.run_dir / CHECKPOINT
    if checkpoint.is_file():
        try:
            # Only when config.json is missing (screen runs before it was written there):
            # torch is imported here and nowhere else in the report.
            from screen_agent.training.checkpoint import load_checkpoint

            state = load_checkpoint(checkpoint)
            data.config = {"env_id": state.get("env_id"), **dict(state.get("config", {}))}
            data.config_source = CHECKPOINT
            data.env_id = state.get("env_id")
            data.steps = int(state["step"]) if "step" in state else None
            data.episodes_done = int(state["episodes"]) if "episodes" in state else None
        except Exception as error:  # a damaged checkpoint must not stop the report
            data.notes.append(f"{CHECKPOINT} could not be read: {error}")


def _read_baseline(data: RunData) -> None:
    path = data.run_dir / BASELINE_JSON
    if not path.is_file():
        return
    try:
        baseline = json.loads(path.read_text())
        float(baseline["random_mean"])
        data.baseline = baseline
    except (OSError, ValueError, KeyError, TypeError) as error:
        data.notes.append(f"{BASELINE_JSON} could not be read (needs random_mean): {error!r}")


def _count(data: RunData) -> None:
    last_steps = [
        float(np.nanmax(column))
        for table in (data.episodes, data.train, data.evals, data.realtime)
        if table is not None and (column := table.column("step")) is not None
    ]
    if last_steps and (data.steps is None or max(last_steps) > data.steps):
        data.steps = int(max(last_steps))
    if data.episodes is not None:
        numbered = data.episodes.column("episode")
        counted = int(np.nanmax(numbered)) if numbered is not None else data.episodes.rows
        data.episodes_done = max(counted, data.episodes_done or 0)


def _dates(data: RunData) -> None:
    times: list[float] = []
    for table in (data.sessions, data.episodes, data.train, data.evals):
        if table is not None and (wall := table.column(WALL_TIME)) is not None:
            times.extend(wall[np.isfinite(wall)].tolist())
    if times:
        data.started = datetime.fromtimestamp(min(times), UTC)
        data.finished = datetime.fromtimestamp(max(times), UTC)
        return
    # Older runs: TensorBoard names its first event file after the time it was opened.
    stamps = [
        int(match.group(1))
        for path in (data.run_dir / "tb").glob("events.out.tfevents.*")
        if (match := re.match(r"events\.out\.tfevents\.(\d+)\.", path.name))
    ]
    modified = [
        (data.run_dir / name).stat().st_mtime
        for name in (EPISODES_CSV, TRAIN_CSV, EVAL_CSV, CHECKPOINT)
        if (data.run_dir / name).is_file()
    ]
    if stamps:
        data.started = datetime.fromtimestamp(min(stamps), UTC)
    if modified:
        data.finished = datetime.fromtimestamp(max(modified), UTC)
