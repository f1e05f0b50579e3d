"""The app's one way to run work off the GUI thread: :class:`BackgroundTask`.

A task runs one callable at a time in a Python thread and reports back through Qt signals that
are always delivered in the GUI thread (queued through the task object, which lives there), so
whatever is connected to them may touch widgets and models:

- ``progress(value)``: anything the work reports on the way (a status line, a trainer event);
- ``finished(result)``: the callable returned ``result``;
- ``errored(message)``: it raised; the message is fit to show the user (one line for our own
  errors, type and traceback tail for a bug): nothing is swallowed;
- ``cancelled()``: it ended early with :class:`TaskCancelled` after :meth:`BackgroundTask.cancel`.

Exactly one of the last three ends each run. The work gets a :class:`TaskControl` to report
progress and to notice, or be told about, cancellation. The probe, play and training (which
waits in this thread on its child process) all run this way.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from screen_agent.errors import RunFailed, UserError

TRACEBACK_FRAMES = 6
"""Frames of a bug's traceback shown in its message (the innermost ones)."""


class TaskCancelled(Exception):
    """Raised by work that stops early because its task was cancelled."""


def describe_error(error: BaseException) -> str:
    """What the user is shown of ``error``: our own errors (a user's mistake, a failed run, a
    child's failure) as they are, anything else with its type and the end of its traceback."""
    if isinstance(error, UserError | RunFailed):
        return str(error)
    detail = "".join(traceback.format_exception(error, limit=-TRACEBACK_FRAMES)).rstrip()
    return f"{type(error).__name__}: {error}\n\n{detail}"


class TaskControl:
    """What running work sees of its task: report progress, and follow cancellation.

    Every method may be called from the work's thread; :meth:`cancel` from any thread.
    """

    def __init__(self, report: Callable[[Any], None]) -> None:
        self._report = report
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._on_cancel: list[Callable[[], None]] = []

    def progress(self, value: Any) -> None:
        """Send ``value`` to the task's ``progress`` signal (delivered in the GUI thread)."""
        self._report(value)

    @property
    def cancelled(self) -> bool:
        """True once the task was asked to cancel."""
        return self._cancel.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True (at once) if the task is or gets cancelled."""
        return self._cancel.wait(seconds)

    def raise_if_cancelled(self) -> None:
        """Raise :class:`TaskCancelled` if the task was asked to cancel."""
        if self._cancel.is_set():
            raise TaskCancelled

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` when the task is cancelled (now, if it already was): how work
        that blocks in someone else's loop (a trainer's ``run``) learns to stop."""
        with self._lock:
            if not self._cancel.is_set():
                self._on_cancel.append(callback)
                return
        callback()

    def cancel(self) -> None:
        with self._lock:
            if self._cancel.is_set():
                return
            self._cancel.set()
            callbacks, self._on_cancel = self._on_cancel, []
        for callback in callbacks:
            callback()


class BackgroundTask(QObject):
    """Runs one callable at a time off the GUI thread; see the module docstring.

    ``work(control) -> result`` runs in a new daemon thread; its outcome arrives as one of
    ``finished``, ``errored`` or ``cancelled``, in the GUI thread.
    """

    progress = Signal(object)
    finished = Signal(object)
    errored = Signal(str)
    cancelled = Signal()

    # Emitted from the work's thread; queued to this object's (the GUI) thread.
    _reported = Signal(int, object)
    _ended = Signal(int)

    def __init__(self, name: str = "screen-agent task", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._run = 0  # which run the queued signals belong to
        self._thread: threading.Thread | None = None
        self._control: TaskControl | None = None
        self._outcome: tuple[str, Any] | None = None
        self._outcome_lock = threading.Lock()
        queued = Qt.ConnectionType.QueuedConnection
        self._reported.connect(self._deliver_progress, queued)
        self._ended.connect(self._deliver_outcome, queued)

    @property
    def running(self) -> bool:
        """True from :meth:`start` until the outcome's signal has been emitted."""
        return self._control is not None

    @property
    def control(self) -> TaskControl | None:
        """The running work's control, or None."""
        return self._control

    def start(self, work: Callable[[TaskControl], Any]) -> None:
        """Run ``work(control)`` in a new thread; RuntimeError if a run is still going."""
        if self.running:
            raise RuntimeError(f"{self.name} is already running")
        self._run += 1
        run = self._run
        control = TaskControl(lambda value: self._reported.emit(run, value))
        self._control = control
        self._outcome = None

        def main() -> None:
            try:
                outcome: tuple[str, Any] = ("finished", work(control))
            except TaskCancelled:
                outcome = ("cancelled", None)
            except BaseException as error:  # everything reaches the user
                outcome = ("errored", describe_error(error))
            with self._outcome_lock:
                self._outcome = outcome
            self._ended.emit(run)

        self._thread = threading.Thread(target=main, name=self.name, daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Ask the work to stop (see :class:`TaskControl`); returns at once."""
        if self._control is not None:
            self._control.cancel()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait for the work's thread to end; once it has, emit its outcome now (not when the
        event loop gets to it). True if it ended within ``timeout_s``."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout_s)
            if thread.is_alive():
                return False
        self._deliver_outcome(self._run)
        return True

    @Slot(int, object)
    def _deliver_progress(self, run: int, value: Any) -> None:
        if run == self._run and self._control is not None:
            self.progress.emit(value)

    @Slot(int)
    def _deliver_outcome(self, run: int) -> None:
        if run != self._run:
            return
        with self._outcome_lock:
            outcome, self._outcome = self._outcome, None
        if outcome is None:
            return  # delivered already (by wait()), or the work is still running
        self._control = None
        self._thread = None
        kind, value = outcome
        if kind == "finished":
            self.finished.emit(value)
        elif kind == "errored":
            self.errored.emit(value)
        else:
            self.cancelled.emit()
