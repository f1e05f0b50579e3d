"""TrainingController: one training or play run at a time, off the GUI thread.

The run is a trainer-like object (``run``/``stop``/``pause``/``resume``: the app's
:class:`~screen_agent.training.worker_process.WorkerProcess`, or a scripted stand-in in tests)
built by a factory in a :class:`~screen_agent.gui.background.BackgroundTask`. Its events reach
:meth:`TrainingModel.apply` in the GUI thread; an error (the factory's, the run's, or the
child process's :class:`WorkerFailed` carrying e.g. the learner's failure) ends in
:meth:`TrainingModel.fail`, which the main window shows as a dialog. ``stop`` is safe at any
moment, even before the trainer exists, and the trainer releases every key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from screen_agent.gui.background import BackgroundTask, TaskControl
from screen_agent.gui.model import TrainingModel


class Trainer(Protocol):
    """What the controller needs of a run (``ScreenTrainer``, ``ScreenPlayer`` and
    ``WorkerProcess`` have it)."""

    def run(self) -> Any: ...
    def stop(self) -> None: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...


TrainerFactory = Callable[[Callable[[Any], None]], Trainer]
"""``factory(on_event) -> trainer``: builds a run that reports its events through ``on_event``
(called from the run's thread). It runs off the GUI thread, so it may take its time."""


class TrainingController(QObject):
    """Starts, pauses, resumes and stops one run at a time; :attr:`ended` after each."""

    ended = Signal()
    """The run is over (finished, stopped or failed); the model's state says which."""

    def __init__(self, model: TrainingModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.task = BackgroundTask("screen-agent run", self)
        self.task.progress.connect(model.apply)
        self.task.finished.connect(lambda _result: self._ended(None))
        self.task.errored.connect(self._ended)
        self.task.cancelled.connect(lambda: self._ended(None))
        self.trainer: Trainer | None = None
        """The running trainer once its factory has built it (set in the run's thread)."""

    @property
    def running(self) -> bool:
        return self.task.running

    def start(self, factory: TrainerFactory) -> None:
        """Build and run ``factory(on_event)`` off the GUI thread."""
        if self.running:
            raise RuntimeError("a run is already going")
        self.model.clear()
        self.trainer = None

        def work(control: TaskControl) -> Any:
            trainer = factory(control.progress)
            self.trainer = trainer
            control.on_cancel(trainer.stop)  # at once if Stop came while it was being built
            return trainer.run()

        self.model.set_state("running")
        self.task.start(work)

    def pause(self) -> None:
        """Stop acting (keys released) until :meth:`resume`; learning goes on."""
        if self.trainer is not None and self.model.state == "running":
            self.trainer.pause()
            self.model.set_state("paused")

    def resume(self) -> None:
        if self.trainer is not None and self.model.state == "paused":
            self.trainer.resume()
            self.model.set_state("running")

    def stop(self) -> None:
        """Ask the run to stop (it releases every key and saves); returns at once."""
        if not self.running:
            return
        self.task.cancel()
        if self.model.state in ("running", "paused"):
            self.model.set_state("stopping")

    def shutdown(self, timeout_s: float = 10.0) -> bool:
        """Stop and wait for the run to end; True if it ended within ``timeout_s``."""
        self.stop()
        return self.task.wait(timeout_s)

    def _ended(self, error: str | None) -> None:
        self.trainer = None
        if error is not None:
            self.model.fail(error)
        elif self.model.state != "failed":
            self.model.set_state("finished")
        self.ended.emit()
