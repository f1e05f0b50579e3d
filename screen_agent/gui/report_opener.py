"""Opening a run's ``report.html`` (every run writes one at its end) in the user's browser.

A run directory without a report (an older run, or one whose report failed) gets one first,
written by ``screen-agent report RUN_DIR`` in a child process: the report reads a run's
checkpoint with torch when its ``config.json`` is missing, and the app never loads torch.
That runs in a :class:`~screen_agent.gui.background.BackgroundTask`; its failure is one line.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices

from screen_agent.errors import UserError
from screen_agent.gui.background import BackgroundTask

REPORT_FILE = "report.html"
"""The report's name in a run directory (``training.report.REPORT_FILE``)."""
WRITE_TIMEOUT_S = 300.0
"""How long writing a report may take, seconds (it animates the best episode)."""


def open_in_browser(path: Path) -> bool:
    """Open ``path`` with the desktop's program for HTML files; False if none did."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).resolve())))


def write_report_in_child(run_dir: Path) -> Path:
    """``screen-agent report RUN_DIR`` in a child process; returns the report's path.
    UserError with the command's own one-line error when it fails."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "screen_agent.cli", "report", str(run_dir)],
            capture_output=True,
            text=True,
            timeout=WRITE_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        raise UserError(
            f"{run_dir}: writing the report took over {WRITE_TIMEOUT_S:.0f} s; run "
            f"'screen-agent report {run_dir}' in a terminal"
        ) from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit code {done.returncode}"
        raise UserError(last.removeprefix("error: "))
    return Path(run_dir) / REPORT_FILE


class ReportOpener(QObject):
    """Opens run reports; writes a missing one first, off the GUI thread."""

    opened = Signal(object)
    """A report was handed to the browser (arg: its path)."""
    failed = Signal(str)
    """It could not be written or opened (arg: one line)."""

    def __init__(
        self,
        open_url: Callable[[Path], bool] = open_in_browser,
        write: Callable[[Path], Path] = write_report_in_child,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.open_url = open_url
        self.write = write
        self.task = BackgroundTask("screen-agent report", self)
        self.task.finished.connect(self._show)
        self.task.errored.connect(self.failed.emit)

    @property
    def busy(self) -> bool:
        return self.task.running

    def open(self, run_dir: str | Path) -> None:
        """Open ``run_dir``'s report, writing it first if it has none."""
        run_dir = Path(run_dir)
        if not run_dir.is_dir():
            self.failed.emit(f"{run_dir}: no such run directory")
            return
        report = run_dir / REPORT_FILE
        if report.is_file():
            self._show(report)
        elif not self.task.running:
            self.task.start(lambda _control: self.write(run_dir))

    def _show(self, report: Path) -> None:
        if self.open_url(report):
            self.opened.emit(report)
        else:
            self.failed.emit(f"no program opened {report}; open it in a web browser yourself")
