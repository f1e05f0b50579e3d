"""A screen job (train, or play with a checkpoint) from plain values to its end.

The CLI runs a job in its own process; the app runs it in a child process
(:mod:`.worker_process`). Both describe it with :class:`ScreenJob` and call :func:`run_job`,
which opens the session, builds the trainer or player, runs it following stop and pause
requests, and closes the session (every key released) whatever happens.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from screen_agent.errors import UserError
from screen_agent.training.events import PauseEvent, TrainerEvent

if TYPE_CHECKING:
    from screen_agent.agent.config import DQNConfig
    from screen_agent.training.evaluate import EvalResult

POLL_S = 0.05
"""How often a job checks its stop and pause requests, seconds."""


class Flag(Protocol):
    """A thread or process event."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


@dataclass(frozen=True)
class ScreenJob:
    """What to run: training on a saved profile, or play with a checkpoint.

    Only plain values, so it crosses to a child process as is.
    """

    profile_path: Path
    """The saved profile (the job loads and validates it)."""
    run_dir: Path | None = None
    """Training: where checkpoints and metrics go (default ``runs/NAME-seedS``)."""
    checkpoint: Path | None = None
    """Play: the checkpoint to play with (training when None)."""
    seed: int = 0
    device: str = "auto"
    """A torch device name, or ``auto`` (CUDA or MPS when available, else the CPU)."""
    minutes: float | None = None
    """Training time; None trains until stopped."""
    resume: bool = False
    """Training: continue the run in ``run_dir``."""
    fresh_replay: bool = False
    """Resume with an empty replay (when replay.npz is damaged)."""
    preset: str | None = None
    """Training: a hyperparameter preset by name (``agent.config.PRESETS``); None: the
    data-efficient screen preset."""
    demos: tuple[Path, ...] = ()
    """Training: demonstration files to learn from first."""
    episodes: int | None = None
    """Play: episodes to play (None: until stopped)."""
    epsilon: float = 0.0
    """Play: chance of a random action."""

    @property
    def kind(self) -> str:
        return "train" if self.checkpoint is None else "play"

    def default_run_dir(self, profile_name: str) -> Path:
        return self.run_dir or Path("runs") / f"{profile_name}-seed{self.seed}"


def run_job(
    job: ScreenJob,
    on_event: Callable[[TrainerEvent], None],
    stop: Flag | None = None,
    pause: Flag | None = None,
    parent_alive: Callable[[], bool] = lambda: True,
) -> EvalResult | None:
    """Open the profile's game, then train or play until done, ``stop`` is set or the parent
    is gone, following ``pause``. Returns the play's returns (None for training)."""
    # Imported here: the app describes jobs with ScreenJob but must not load torch itself.
    from screen_agent.envs.session import open_session
    from screen_agent.profile import load_profile
    from screen_agent.training.runtime import resolve_device
    from screen_agent.training.screen_loop import ScreenTrainer
    from screen_agent.training.screen_play import ScreenPlayer, load_screen_agent

    device = resolve_device(job.device)
    profile = load_profile(job.profile_path)
    session = open_session(
        profile,
        source_path=job.profile_path,
        on_pause=lambda message: on_event(PauseEvent(message)),
        need_rewards=job.kind == "train",
    )
    try:
        runner: ScreenTrainer | ScreenPlayer
        if job.checkpoint is None:
            runner = ScreenTrainer(
                job.default_run_dir(profile.name),
                device,
                job.seed,
                session,
                on_event=on_event,
                minutes=job.minutes,
                resume=job.resume,
                fresh_replay=job.fresh_replay,
                config=_preset(job, profile.decisions_per_second),
                demos=job.demos,
            )
        else:
            agent = load_screen_agent(job.checkpoint, session, device, job.seed)
            runner = ScreenPlayer(
                agent, session, on_event, episodes=job.episodes, epsilon=job.epsilon, seed=job.seed
            )
        finished = threading.Event()
        watcher = threading.Thread(
            target=_follow,
            args=(runner, stop, pause, finished, parent_alive),
            name="stop/pause",
            daemon=True,
        )
        watcher.start()
        try:
            return runner.run()
        finally:
            finished.set()
            watcher.join()
    finally:
        session.close()


def _preset(job: ScreenJob, decisions_per_second: float) -> DQNConfig | None:
    """The job's preset, its total steps sized from its minutes (None: the trainer's default)."""
    if job.preset is None:
        return None
    from screen_agent.agent.config import PRESETS

    if job.preset not in PRESETS:
        raise UserError(f"unknown preset {job.preset!r}; use one of {', '.join(PRESETS)}")
    config = PRESETS[job.preset]()
    if job.minutes is not None:
        config = config.replace(total_steps=int(job.minutes * 60 * decisions_per_second))
    return config


def _follow(
    runner: ScreenTrainerLike,
    stop: Flag | None,
    pause: Flag | None,
    finished: threading.Event,
    parent_alive: Callable[[], bool],
) -> None:
    """Pass stop and pause requests on to ``runner``; stop it if the parent dies."""
    paused = False
    while not finished.wait(POLL_S):
        if (stop is not None and stop.is_set()) or not parent_alive():
            runner.stop()
            return
        if pause is not None and pause.is_set() != paused:
            paused = not paused
            (runner.pause if paused else runner.resume)()


class ScreenTrainerLike(Protocol):
    def stop(self) -> None: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
