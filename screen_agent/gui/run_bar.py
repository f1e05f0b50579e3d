"""The bar above the training view: the run's folder, its report, and the demonstrations used.

After a training run ends, "Open report" opens the ``report.html`` the run wrote in its
folder; "Open a run's report…" does it for any run folder (writing the report first when it
has none). Both go through a :class:`~screen_agent.gui.report_opener.ReportOpener`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from screen_agent.gui.report_opener import ReportOpener

RUNS_DIR = Path("runs")


class RunBar(QWidget):
    """Shows the current or last run's folder and opens run reports."""

    def __init__(self, opener: ReportOpener, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.opener = opener
        self.run_dir: Path | None = None
        self.label = QLabel("No run yet.")
        self.demos = QLabel()
        self.demos.setStyleSheet("color: #707070;")
        self.report_button = QPushButton("Open report")
        self.report_button.setToolTip("Open the report the last run wrote (report.html)")
        self.report_button.clicked.connect(self.open_last)
        self.report_button.hide()
        self.pick_button = QPushButton("Open a run's report…")
        self.pick_button.setToolTip("Open the report of any run folder (written if missing)")
        self.pick_button.clicked.connect(self.pick)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.demos)
        layout.addStretch()
        layout.addWidget(self.report_button)
        layout.addWidget(self.pick_button)

    def run_started(self, run_dir: Path | None, demos: int = 0) -> None:
        """A run began (writing into ``run_dir``; None for play)."""
        self.run_dir = run_dir
        self.report_button.hide()
        self.label.setText("Playing." if run_dir is None else f"Training into {run_dir}")
        self.demos.setText(f"learning from {demos} demonstration(s)" if demos else "")

    def run_ended(self) -> None:
        """The run is over: offer its report (written at its end; if it is missing, opening
        writes it)."""
        if self.run_dir is None:
            return
        self.label.setText(f"Last run: {self.run_dir}")
        self.report_button.show()

    def open_last(self) -> None:
        if self.run_dir is not None:
            self.opener.open(self.run_dir)

    def pick(self) -> None:
        start = RUNS_DIR if RUNS_DIR.is_dir() else Path.cwd()
        folder = QFileDialog.getExistingDirectory(self, "A run's folder", str(start))
        if folder:
            self.opener.open(folder)
