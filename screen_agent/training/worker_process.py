"""Run a screen training or play session in a child process, reporting its events back.

Why a process and not a thread: a front end (the desktop app) must never stop answering. In a
thread of the app's own process the trainer's Python work (building the agent, writing
checkpoints, talking to the X server) holds the GIL for up to 130 ms at a time and the app's
event loop waits for it; in a process of its own it only shares the CPU, which the kernel
divides in slices of a few milliseconds.

:class:`WorkerProcess` has the trainer's ``run``/``stop``/``pause``/``resume``: ``run()`` hands
the job to a child (a spare one that :class:`WorkerStarter` started ahead, if there is one) and
blocks, passing each event the child sends to ``on_event`` in the calling thread, until the
child ends; a failure in the child is raised there as :class:`WorkerFailed` with the
child's message. The child presses the keys, so it is the one that releases them: on stop, on
any error, on SIGTERM (sent if it does not end in time), and if its parent dies.
"""

from __future__ import annotations

import atexit
import multiprocessing
import queue
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.synchronize import Event as ProcessEvent
from typing import Any

from screen_agent.errors import UserError
from screen_agent.training.events import TrainerEvent
from screen_agent.training.jobs import ScreenJob, run_job

STOP_GRACE_S = 20.0
"""How long a stopped child may take to save its run and exit before it gets SIGTERM, seconds."""
POLL_S = 0.05
"""How often the child checks for stop and pause, and the parent whether the child lives."""


class WorkerFailed(UserError):
    """The job failed in the child; the message is the child's (with its traceback when the
    error was not one of ours)."""


@dataclass
class _Child:
    """A started child process and its channels (synchronisation objects can only reach a
    child as it starts, so each child has its own)."""

    process: Any
    jobs: Any
    messages: Any
    stop: ProcessEvent
    pause: ProcessEvent


class WorkerStarter:
    """Starts worker children, and keeps one started ahead of need.

    A child spends its first seconds importing the learning stack (torch: 2-5 s). A spare
    child started at an idle moment (:meth:`prepare`, e.g. when the app opens or a run ends)
    has done that by the time the user presses Train, so the run starts within a second and
    the import burst does not compete with the app for the CPU at that moment.
    """

    def __init__(self) -> None:
        # spawn, not fork: the parent may be a Qt app with threads, which fork copies badly.
        self._context = multiprocessing.get_context("spawn")
        self._spare: _Child | None = None
        self._lock = threading.Lock()
        # Before multiprocessing's own exit handler joins the children: a spare child waits
        # for a job and would keep that join waiting.
        atexit.register(self.close)

    def prepare(self) -> None:
        """Start a spare child now, unless one is waiting already."""
        with self._lock:
            if self._spare is None or not self._spare.process.is_alive():
                self._spare = self._start()

    def take(self) -> _Child:
        """The spare child if there is one, else a new one."""
        with self._lock:
            child, self._spare = self._spare, None
        if child is None or not child.process.is_alive():
            child = self._start()
        return child

    def close(self) -> None:
        """End the spare child, if any."""
        with self._lock:
            child, self._spare = self._spare, None
        if child is not None:
            child.jobs.put(None)
            child.process.join(5)
            if child.process.is_alive():
                child.process.kill()
                child.process.join()

    def _start(self) -> _Child:
        ctx = self._context
        child = _Child(None, ctx.Queue(), ctx.Queue(), ctx.Event(), ctx.Event())
        child.process = ctx.Process(
            target=_child_main,
            args=(child.jobs, child.messages, child.stop, child.pause),
            name="screen-agent worker",
            # Not daemonic: it starts a learner process of its own (daemonic processes may not
            # have children). It ends by itself when this process is gone (checked every
            # second, keys released), and a spare child is closed at exit (see __init__).
            daemon=False,
        )
        child.process.start()
        return child


class WorkerProcess:
    """Runs ``job`` in a child process; see the module docstring.

    Args:
        job: what to run.
        on_event: called in the thread that calls ``run()`` with each TrainerEvent.
        starter: where the child comes from (a spare one if it has one); default: a new child.
        stop_grace_s: how long ``run()`` waits for a stopped child before SIGTERM.
    """

    def __init__(
        self,
        job: ScreenJob,
        on_event: Callable[[TrainerEvent], None],
        starter: WorkerStarter | None = None,
        stop_grace_s: float = STOP_GRACE_S,
    ) -> None:
        self.job = job
        self.on_event = on_event
        self.starter = starter
        self.stop_grace_s = stop_grace_s
        self.exitcode: int | None = None
        self._child: _Child | None = None
        self._stop_requested = False
        self._pause_requested = False

    def stop(self) -> None:
        """Ask the child to finish (thread-safe); it releases the keys and saves the run."""
        self._stop_requested = True
        self._pass_on()

    def pause(self) -> None:
        """Stop acting (keys released) until ``resume()``; learning goes on."""
        self._pause_requested = True
        self._pass_on()

    def resume(self) -> None:
        self._pause_requested = False
        self._pass_on()

    def _pass_on(self) -> None:
        # Called by run() once the child exists too: whichever comes second passes them on.
        child = self._child
        if child is None:
            return
        if self._stop_requested:
            child.stop.set()
        if self._pause_requested:
            child.pause.set()
        else:
            child.pause.clear()

    def run(self) -> None:
        """Hand the job to a child and pass on its events until it ends; raises WorkerFailed
        if the job failed or the child died."""
        child = (self.starter or WorkerStarter()).take()
        self._child = child
        self._pass_on()
        process, messages = child.process, child.messages
        child.jobs.put(self.job)
        failure: str | None = None
        stop_seen: float | None = None
        try:
            done = False
            while not done:
                alive = process.is_alive()  # before the read: all a dead child sent is queued
                try:
                    kind, payload = messages.get(timeout=POLL_S)
                except queue.Empty:
                    if not alive:
                        if not child.stop.is_set():
                            failure = failure or (
                                f"the {self.job.kind} process ended unexpectedly "
                                f"(exit code {process.exitcode})"
                            )
                        break
                    if child.stop.is_set():
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
            messages.close()
        if failure is not None:
            raise WorkerFailed(failure)


def describe(error: BaseException) -> str:
    """What the user sees of an error in the child: our own errors as they are, anything else
    with its type and the end of its traceback."""
    if isinstance(error, UserError | FileNotFoundError):
        return str(error)
    from screen_agent.training.learner_process import LearnerFailed

    if isinstance(error, LearnerFailed) and error.__cause__ is not None:
        detail = "".join(traceback.format_exception(error.__cause__, limit=-6))
        return f"{error}\n\n{detail}"
    detail = "".join(traceback.format_exception(error, limit=-6))
    return f"{type(error).__name__}: {error}\n\n{detail}"


def _child_main(
    jobs: Any, messages: Any, stop: ProcessEvent, pause: ProcessEvent
) -> None:  # pragma: no cover - runs in the child (covered by the tests that spawn it)
    _import_learning_stack()
    job = _next_job(jobs)
    if job is None:
        return

    def send(event: TrainerEvent) -> None:
        messages.put(("event", event))

    parent = multiprocessing.parent_process()
    try:
        run_job(job, send, stop, pause, lambda: parent is None or parent.is_alive())
    except KeyboardInterrupt:
        pass  # Ctrl+C in the terminal reaches the child too: a stop, not a failure
    except BaseException as error:
        messages.put(("failed", describe(error)))
    finally:
        messages.put(("done", None))
        messages.close()
        messages.join_thread()  # everything sent reaches the parent before the child exits


def _import_learning_stack() -> None:
    """Import what a job needs while the child waits for one (see WorkerStarter)."""
    import importlib

    for name in (
        "torch",
        "screen_agent.training.screen_loop",
        "screen_agent.training.screen_play",
        "screen_agent.envs.session",
        "screen_agent.capture.mss_source",
        "screen_agent.desktop.x11",
        "pyautogui",
    ):
        try:
            importlib.import_module(name)
        except Exception:  # e.g. no display for pyautogui: the job reports it when it runs
            continue


def _next_job(jobs: Any) -> ScreenJob | None:
    """Wait for the parent's job; None to end (asked to, or the parent is gone)."""
    parent = multiprocessing.parent_process()
    while True:
        try:
            return jobs.get(timeout=1.0)
        except queue.Empty:
            if parent is not None and not parent.is_alive():
                return None
