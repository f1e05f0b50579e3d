"""Training in a worker thread, reported to the GUI thread through Qt signals; and a stall
meter that measures how responsive the GUI thread stays meanwhile.

:class:`TrainingController` owns the run: it builds the trainer with a factory, runs its
blocking ``run()`` in a ``QThread``, forwards every event (emitted from the trainer's thread)
through a queued signal to :meth:`TrainingModel.apply` in the GUI thread, and turns an
exception into :meth:`TrainingModel.fail` (the main window shows it as a dialog). ``stop``
is safe from anywhere and releases the keys (the trainer's ``stop`` does).
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QThread, QTimer, Signal, Slot

from screen_agent.errors import UserError
from screen_agent.gui.model import TrainingModel
from screen_agent.training.worker_process import WorkerFailed


class Trainer(Protocol):
    """What the controller needs of a trainer (``ScreenTrainer`` has it)."""

    def run(self) -> None: ...
    def stop(self) -> None: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...


TrainerFactory = Callable[[Callable[[Any], None]], Trainer]
"""``factory(on_event) -> trainer``: builds a trainer that reports through ``on_event``."""


class _Runner(QObject):
    """Lives in the worker thread; runs the trainer and reports through signals."""

    event = Signal(object)
    failed = Signal(str)
    done = Signal()

    def __init__(self, factory: TrainerFactory) -> None:
        super().__init__()
        self.factory = factory
        self.trainer: Trainer | None = None

    def run(self) -> None:
        try:
            self.trainer = self.factory(self.event.emit)
            self.trainer.run()
        except WorkerFailed as error:  # the child's message, already fit for the user
            self.failed.emit(str(error))
        except Exception as error:  # everything reaches the user as a dialog
            detail = "" if isinstance(error, UserError) else "\n\n" + traceback.format_exc(limit=6)
            self.failed.emit(f"{type(error).__name__}: {error}{detail}")
        finally:
            self.done.emit()
            thread = QThread.currentThread()
            if thread is not None:
                thread.quit()  # thread-safe: the worker's event loop ends once run returns


class TrainingController(QObject):
    """Starts, pauses, resumes and stops one training run at a time."""

    finished = Signal()

    def __init__(self, model: TrainingModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._thread: QThread | None = None
        self._runner: _Runner | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, factory: TrainerFactory) -> None:
        """Run ``factory(on_event).run()`` in a new worker thread."""
        if self._thread is not None:
            raise RuntimeError("a training run is already going")
        self.model.clear()
        thread = QThread()
        thread.setObjectName("screen-agent trainer")
        runner = _Runner(factory)
        runner.moveToThread(thread)
        # Queued onto this object's (the GUI) thread: the model is only touched there.
        queued = Qt.ConnectionType.QueuedConnection
        runner.event.connect(self._on_event, queued)
        runner.failed.connect(self._on_failed, queued)
        runner.done.connect(self._done, queued)
        thread.started.connect(runner.run)
        self._thread, self._runner = thread, runner
        self.model.set_state("running")
        thread.start()

    def pause(self) -> None:
        trainer = self._trainer()
        if trainer is not None and self.model.state == "running":
            trainer.pause()
            self.model.set_state("paused")

    def resume(self) -> None:
        trainer = self._trainer()
        if trainer is not None and self.model.state == "paused":
            trainer.resume()
            self.model.set_state("running")

    def stop(self) -> None:
        """Ask the trainer to stop (it releases every key); returns at once."""
        trainer = self._trainer()
        if trainer is not None:
            trainer.stop()
            if self.model.state in ("running", "paused"):
                self.model.set_state("stopping")

    def shutdown(self, timeout_s: float = 10.0) -> bool:
        """Stop and wait for the worker thread; True if it ended within ``timeout_s``."""
        self.stop()
        thread = self._thread
        if thread is None:
            return True
        deadline = time.monotonic() + timeout_s
        while self._runner is not None and self._runner.trainer is None and thread.isRunning():
            # Stopped before the factory finished: ask again once the trainer exists.
            if time.monotonic() > deadline:
                break
            thread.wait(20)
            self.stop()
        ok = thread.wait(max(0, int((deadline - time.monotonic()) * 1000)))
        self._done()
        return bool(ok)

    @Slot(object)
    def _on_event(self, event: Any) -> None:
        self.model.apply(event)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.model.fail(message)

    def _trainer(self) -> Trainer | None:
        return None if self._runner is None else self._runner.trainer

    @Slot()
    def _done(self) -> None:
        thread = self._thread
        if thread is None:
            return
        thread.quit()
        thread.wait(2000)
        self._thread, self._runner = None, None
        if self.model.state != "failed":
            self.model.set_state("finished")
        self.finished.emit()


class StallMeter(QObject):
    """Measures the longest the GUI thread's event loop went without running a timer.

    A timer fires every ``interval_ms``; the stall of a tick is how much later than due it
    ran. ``longest_ms`` is the worst since :meth:`start`. Use it around any work the GUI must
    survive (training, grabs): ``with StallMeter() as meter: ...; assert meter.longest_ms < 100``.
    """

    def __init__(self, interval_ms: int = 5, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._clock = QElapsedTimer()
        self.longest_ms = 0.0
        self.ticks = 0

    def start(self) -> None:
        self.longest_ms = 0.0
        self.ticks = 0
        self._clock.start()
        self._timer.start()

    def stop(self) -> float:
        """Stop measuring; returns the longest stall in milliseconds."""
        self._timer.stop()
        return self.longest_ms

    def _tick(self) -> None:
        elapsed = self._clock.nsecsElapsed() / 1e6
        self._clock.restart()
        self.ticks += 1
        self.longest_ms = max(self.longest_ms, elapsed - self.interval_ms)

    def __enter__(self) -> StallMeter:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
