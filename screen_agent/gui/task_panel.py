"""The part the job-running tabs share ("Find for me", Demonstrations): one job at a time in a
:class:`~screen_agent.gui.background.BackgroundTask`, a Cancel button, a status line that
says how it went, and a failure shown in a dialog."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QWidget

from screen_agent.gui.background import BackgroundTask
from screen_agent.gui.dialogs import show_error
from screen_agent.gui.model import ProfileModel


class TaskPanel(QWidget):
    """A tab for ``model`` that runs one job at a time in :attr:`task`.

    A subclass creates :attr:`status` (a QLabel) and implements :meth:`_set_running` (which
    widgets work while the job runs), :meth:`_progress` and :meth:`_done` (the job's progress
    reports and its result); the class attributes are its texts.
    """

    TASK_NAME = "screen-agent task"
    """The name of the job's thread."""
    TITLE = "Error"
    """The error dialog's title."""
    FAILED = "The job"
    """What failed, in the status line: ``FAILED failed: first line of the error``."""
    CANCELLING = "Cancelling…"
    """The status line while the job winds down after Cancel."""
    CANCELLED = "Cancelled."
    """The status line once it has."""

    status: QLabel

    def __init__(self, model: ProfileModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.error_box: QMessageBox | None = None
        self.task = BackgroundTask(self.TASK_NAME, self)
        self.task.progress.connect(self._progress)
        self.task.finished.connect(self._done)
        self.task.errored.connect(self._failed)
        self.task.cancelled.connect(self._cancelled)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)

    def cancel(self) -> None:
        self.task.cancel()
        self.status.setText(self.CANCELLING)

    def show_error(self, message: str) -> None:
        self.error_box = show_error(self, message, self.TITLE)

    def _set_running(self, running: bool) -> None:
        raise NotImplementedError

    def _progress(self, value: Any) -> None:
        raise NotImplementedError

    def _done(self, result: Any) -> None:
        raise NotImplementedError

    def _ended(self) -> None:
        """The job ended, however it did: the settings work again."""
        self._set_running(False)

    def _failed(self, message: str) -> None:
        self._ended()
        self.status.setText(f"{self.FAILED} failed: {message.splitlines()[0]}")
        self.show_error(message)

    def _cancelled(self) -> None:
        self._ended()
        self.status.setText(self.CANCELLED)
