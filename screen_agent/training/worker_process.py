"""Run a screen training or play session in a child process, reporting its events back.

Why a process and not a thread: a front end (the desktop app) must never stop answering. In a
thread of the app's own process the trainer's Python work (building the agent, writing
checkpoints, talking to the X server) holds the GIL for up to 130 ms at a time and the app's
event loop waits for it; in a process of its own it only shares the CPU, which the kernel
divides in slices of a few milliseconds.

:class:`WorkerProcess` has the trainer's ``run``/``stop``/``pause``/``resume``: ``run()`` starts
the child and blocks, handing each event the child sends to ``on_event`` in the calling thread,
until the child ends; a failure in the child is raised there as :class:`WorkerFailed` with the
child's message. The child presses the keys, so it is the one that releases them: on stop, on
any error, on SIGTERM (sent if it does not end in time), and if its parent dies.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.synchronize import Event as ProcessEvent
from pathlib import Path
from typing import Any

from screen_agent.errors import UserError
from screen_agent.training.events import PauseEvent, TrainerEvent

STOP_GRACE_S = 20.0
"""How long a stopped child may take to save its run and exit before it gets SIGTERM, seconds."""
POLL_S = 0.05
"""How often the child checks for stop and pause, and the parent whether the child lives."""


@dataclass(frozen=True)
class ScreenJob:
    """What the child runs: training on a saved profile, or greedy play with a checkpoint.

    Only plain values, so it crosses to the child as is.
    """

    profile_path: Path
    """The saved profile (the child loads and validates it)."""
    run_dir: Path | None = None
    """Training: where checkpoints and metrics go."""
    checkpoint: Path | None = None
    """Play: the checkpoint to play greedily with (training when None)."""
    seed: int = 0
    device: str = "auto"
    """A torch device name, or ``auto`` (CUDA when available, else the CPU)."""
    minutes: float | None = None
    """Training time; None trains until stopped."""

    @property
    def kind(self) -> str:
        return "train" if self.checkpoint is None else "play"


class WorkerFailed(UserError):
    """The job failed in the child; the message is the child's (with its traceback when the
    error was not one of ours)."""


class WorkerProcess:
    """Runs ``job`` in a child process; see the module docstring.

    Args:
        job: what to run.
        on_event: called in the thread that calls ``run()`` with each TrainerEvent.
        stop_grace_s: how long ``run()`` waits for a stopped child before SIGTERM.
    """

    def __init__(
        self,
        job: ScreenJob,
        on_event: Callable[[TrainerEvent], None],
        stop_grace_s: float = STOP_GRACE_S,
    ) -> None:
        self.job = job
        self.on_event = on_event
        self.stop_grace_s = stop_grace_s
        # spawn, not fork: the parent may be a Qt app with threads, which fork copies badly.
        self._context = multiprocessing.get_context("spawn")
        self._messages: Any = self._context.Queue()
        self._stop = self._context.Event()
        self._pause = self._context.Event()
        self.exitcode: int | None = None

    def stop(self) -> None:
        """Ask the child to finish (thread-safe); it releases the keys and saves the run."""
        self._stop.set()

    def pause(self) -> None:
        """Stop acting (keys released) until ``resume()``; learning goes on."""
        self._pause.set()

    def resume(self) -> None:
        self._pause.clear()

    def run(self) -> None:
        """Start the child and pass on its events until it ends; raises WorkerFailed if the
        job failed or the child died."""
        process = self._context.Process(
            target=_child_main,
            args=(self.job, self._messages, self._stop, self._pause),
            name=f"screen-agent {self.job.kind}",
            daemon=True,  # ended (SIGTERM: keys released) if this process exits first
        )
        process.start()
        failure: str | None = None
        stop_seen: float | None = None
        try:
            done = False
            while not done:
                alive = process.is_alive()  # before the read: all a dead child sent is queued
                try:
                    kind, payload = self._messages.get(timeout=POLL_S)
                except queue.Empty:
                    if not alive:
                        if not self._stop.is_set():
                            failure = failure or (
                                f"the {self.job.kind} process ended unexpectedly "
                                f"(exit code {process.exitcode})"
                            )
                        break
                    if self._stop.is_set():
                        stop_seen = stop_seen or time.monotonic()
                        if time.monotonic() - stop_seen > self.stop_grace_s:
                            process.terminate()
                    continue
                if kind == "event":
                    self.on_event(payload)
                elif kind == "failed":
                    failure = payload
                done = kind == "done"
        finally:
            process.join(self.stop_grace_s)
            if process.is_alive():
                process.terminate()  # SIGTERM: the child's keyboard releases every key
                process.join(5)
            if process.is_alive():
                process.kill()
                process.join()
            self.exitcode = process.exitcode
            self._messages.close()
        if failure is not None:
            raise WorkerFailed(failure)


def describe(error: BaseException) -> str:
    """What the user sees of an error in the child: our own errors as they are, anything else
    with its type and the end of its traceback."""
    if isinstance(error, UserError | FileNotFoundError):
        return str(error)
    detail = "".join(traceback.format_exception(error, limit=-6))
    return f"{type(error).__name__}: {error}\n\n{detail}"


def _child_main(
    job: ScreenJob, messages: Any, stop: ProcessEvent, pause: ProcessEvent
) -> None:  # pragma: no cover - runs in the child (covered by the tests that spawn it)
    def send(event: TrainerEvent) -> None:
        messages.put(("event", event))

    try:
        run_job(job, send, stop, pause)
    except KeyboardInterrupt:
        pass  # Ctrl+C in the terminal reaches the child too: a stop, not a failure
    except BaseException as error:
        messages.put(("failed", describe(error)))
    finally:
        messages.put(("done", None))
        messages.close()
        messages.join_thread()  # everything sent reaches the parent before the child exits


def run_job(
    job: ScreenJob,
    on_event: Callable[[TrainerEvent], None],
    stop: threading.Event | ProcessEvent,
    pause: threading.Event | ProcessEvent,
) -> None:
    """Open the profile's game, then train or play until done or ``stop`` is set, following
    ``pause``; the env is closed (every key released) whatever happens."""
    import torch

    from screen_agent.envs.live import open_live_env
    from screen_agent.envs.screen import make_screen_env
    from screen_agent.profile import load_profile
    from screen_agent.training.screen_loop import ScreenTrainer
    from screen_agent.training.screen_play import ScreenPlayer, load_screen_agent

    device = torch.device(
        ("cuda" if torch.cuda.is_available() else "cpu") if job.device == "auto" else job.device
    )
    profile = load_profile(job.profile_path)
    env = make_screen_env(
        open_live_env(profile, job.profile_path, on_pause=lambda m: on_event(PauseEvent(m)))
    )
    try:
        runner: ScreenTrainer | ScreenPlayer
        if job.checkpoint is None:
            run_dir = job.run_dir or Path("runs") / f"{profile.name}-seed{job.seed}"
            runner = ScreenTrainer(
                profile, run_dir, device, job.seed, env, on_event=on_event, minutes=job.minutes
            )
        else:
            agent = load_screen_agent(job.checkpoint, env, profile.action_names, device, job.seed)
            runner = ScreenPlayer(agent, env, on_event, seed=job.seed)
        finished = threading.Event()
        watcher = threading.Thread(
            target=_follow, args=(runner, stop, pause, finished), name="stop/pause", daemon=True
        )
        watcher.start()
        try:
            runner.run()
        finally:
            finished.set()
            watcher.join()
    finally:
        env.close()


def _follow(
    runner: Any,
    stop: threading.Event | ProcessEvent,
    pause: threading.Event | ProcessEvent,
    finished: threading.Event,
) -> None:
    """Pass the parent's stop and pause on to ``runner``; stop it if the parent dies."""
    parent = multiprocessing.parent_process()
    paused = False
    while not finished.is_set():
        if stop.wait(POLL_S) or (parent is not None and not parent.is_alive()):
            runner.stop()
            return
        if pause.is_set() != paused:
            paused = not paused
            (runner.pause if paused else runner.resume)()
