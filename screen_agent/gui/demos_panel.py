"""The Demonstrations tab: record the person's play, and choose the files Train learns from.

Record runs the core's :func:`~screen_agent.training.demos.record_screen_demo` (``screen-agent
record --demo``) on a session that presses no key (``open_session(..., observe=True)``) in a
:class:`~screen_agent.gui.background.BackgroundTask`: the person plays the game for the chosen
minutes while the tab shows each tick and the action their keys make up; at the end it shows
what was recorded and the ticks whose keys matched no action. The recorded file joins the
list below it (:class:`~screen_agent.gui.model.DemoListModel`), whose checked files go into
the next training run (``ScreenJob.demos``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from screen_agent.errors import UserError
from screen_agent.gui.background import TaskControl
from screen_agent.gui.model import DemoListModel, ProfileModel
from screen_agent.gui.task_panel import TaskPanel

DEMO_DIR = Path("demos")
"""Where recordings go by default (as ``screen-agent record --demo``)."""

RecordJob = Callable[[TaskControl], Any]
"""``job(control) -> DemoStats``: the recording, off the GUI thread; reports ``(tick, action
name or None)`` through ``control.progress`` and ends (TaskCancelled) once cancelled."""
RecordFunction = Callable[[ProfileModel, Path, float], RecordJob]
"""``record(model, out, seconds) -> job``: called in the GUI thread (UserError if the profile
is not ready)."""


def live_record(model: ProfileModel, out: Path, seconds: float) -> RecordJob:
    """Record ``seconds`` of the person's play of ``model``'s game to ``out``."""
    profile = model.to_profile()  # UserError (one line) before anything starts
    source_path = model.path

    def job(control: TaskControl) -> Any:
        from screen_agent.envs.session import open_session
        from screen_agent.training.demos import record_screen_demo

        session = open_session(profile, source_path=source_path, observe=True)
        control.on_cancel(session.request_stop)  # ends a wait for the game to start

        def tick(count: int, action: str | None) -> None:
            # Raising here ends the recording at once (nothing is saved); record_screen_demo
            # has no other way to stop early.
            control.raise_if_cancelled()
            control.progress((count, action))

        try:
            return record_screen_demo(session, seconds, out, on_tick=tick)
        except Exception:
            control.raise_if_cancelled()  # the stop's EnvStopped is a cancellation
            raise
        finally:
            session.close()

    return job


def default_demo_path(name: str) -> Path:
    """``demos/NAME-YYYYmmdd-HHMMSS.npz``, as the CLI names it."""
    return DEMO_DIR / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.npz"


class DemosPanel(TaskPanel):
    """Record a demonstration; list the demonstrations training uses.

    Args:
        model: the profile being played.
        demos: the files training uses; a finished recording is added to it.
        record: builds the recording job (default :func:`live_record`).
        before_record: called before recording starts (the app saves the profile and moves
            off the game); False cancels.
    """

    TASK_NAME = "screen-agent record"
    TITLE = "Record"
    FAILED = "Recording"
    CANCELLING = "Cancelling: nothing will be saved…"
    CANCELLED = "Recording cancelled; nothing was saved."

    def __init__(
        self,
        model: ProfileModel,
        demos: DemoListModel,
        record: RecordFunction = live_record,
        before_record: Callable[[], bool] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(model, parent)
        self.demos = demos
        self.record = record
        self.before_record = before_record
        self.out: Path | None = None
        self.expected = 0
        """Decision ticks the recording will have (its minutes at the profile's rate)."""
        self.stats: Any = None
        """The last recording's DemoStats."""
        self._updating = False

        self.minutes = QDoubleSpinBox()
        self.minutes.setRange(0.1, 120)
        self.minutes.setValue(5)
        self.minutes.setSingleStep(1)
        self.minutes.setSuffix(" min")
        self.file = QLineEdit()
        self.file.setPlaceholderText("demos/NAME-DATE.npz")
        self.browse = QPushButton("…")
        self.browse.setToolTip("Choose where the demonstration goes")
        self.browse.clicked.connect(self._browse_out)
        self.record_button = QPushButton("● Record my play")
        self.record_button.setToolTip(
            "Record your play: frames on the decision clock, the keys you hold as actions, "
            "the rewards the profile's rules read"
        )
        self.record_button.clicked.connect(self.start)
        self.cancel_button.setToolTip("Stop recording; nothing is saved")
        self.ticks = QLabel("–")
        self.action = QLabel("–")
        self.action.setStyleSheet("font-weight: bold;")
        self.status = QLabel(
            "Play the game yourself for a few minutes: the agent starts from your play (DQfD)."
        )
        self.status.setWordWrap(True)
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setPlaceholderText("What was recorded, and keys that matched no action")
        self.report.setMaximumHeight(140)

        self.list = QListWidget()
        self.list.itemChanged.connect(self._item_changed)
        self.add_button = QPushButton("Add…")
        self.add_button.clicked.connect(self._add_files)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self._remove_selected)

        row = QHBoxLayout()
        row.addWidget(QLabel("Record for"))
        row.addWidget(self.minutes)
        row.addWidget(QLabel("to"))
        row.addWidget(self.file, 1)
        row.addWidget(self.browse)
        buttons = QHBoxLayout()
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch()
        live = QHBoxLayout()
        live.addWidget(QLabel("Ticks:"))
        live.addWidget(self.ticks)
        live.addSpacing(16)
        live.addWidget(QLabel("Action:"))
        live.addWidget(self.action)
        live.addStretch()
        recording = QGroupBox("Record a demonstration")
        box = QVBoxLayout(recording)
        box.addLayout(row)
        box.addLayout(buttons)
        box.addLayout(live)
        box.addWidget(self.status)
        box.addWidget(self.report)
        files_buttons = QHBoxLayout()
        files_buttons.addWidget(self.add_button)
        files_buttons.addWidget(self.remove_button)
        files_buttons.addStretch()
        files = QGroupBox("Demonstrations Train learns from (checked)")
        box = QVBoxLayout(files)
        box.addWidget(self.list)
        box.addLayout(files_buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(recording)
        layout.addWidget(files, 1)

        demos.changed.connect(self.refresh)
        self.refresh()
        self._set_running(False)

    # -- model -> widgets
    def refresh(self) -> None:
        self._updating = True
        self.list.clear()
        for path, use in self.demos.items:
            item = QListWidgetItem(str(path))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if use else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self._updating = False

    # -- widgets -> model
    def _item_changed(self, item: QListWidgetItem) -> None:
        if not self._updating:
            self.demos.set_use(self.list.row(item), item.checkState() == Qt.CheckState.Checked)

    def _add_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self,
            "Demonstrations to learn from",
            str(DEMO_DIR if DEMO_DIR.is_dir() else Path.cwd()),
            "Demonstrations (*.npz)",
        )
        for path in paths:
            self.demos.add(path)

    def _remove_selected(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.demos.remove(row)

    def _browse_out(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save the demonstration as",
            str(default_demo_path(self.model.name)),
            "Demonstrations (*.npz)",
        )
        if path:
            self.file.setText(path)

    # -- recording
    def start(self) -> bool:
        """Record: start recording the person's play; False if it did not start."""
        if self.task.running:
            return False
        seconds = 60.0 * self.minutes.value()
        text = self.file.text().strip()
        out = Path(text) if text else default_demo_path(self.model.name)
        if out.suffix != ".npz":
            out = out.with_name(out.name + ".npz")
        if self.before_record is not None and not self.before_record():
            return False
        try:
            job = self.record(self.model, out, seconds)
            out.parent.mkdir(parents=True, exist_ok=True)
        except (UserError, OSError) as error:
            self.show_error(str(error))
            return False
        self.out = out
        self.expected = round(seconds * self.model.decisions_per_second)
        self.stats = None
        self.ticks.setText("0")
        self.action.setText("–")
        self.report.clear()
        self.status.setText(
            f"Recording {seconds / 60:g} min to {out}: play the game now (click its window). "
            "Recording starts when the game moves."
        )
        self._set_running(True)
        self.task.start(job)
        return True

    def _set_running(self, running: bool) -> None:
        self.record_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for w in (self.minutes, self.file, self.browse):
            w.setEnabled(not running)

    def _progress(self, value: Any) -> None:
        count, action = value
        self.ticks.setText(f"{count} of ~{self.expected}")
        self.action.setText(action if action is not None else "(keys match no action)")

    def _done(self, stats: Any) -> None:
        self._set_running(False)
        self.stats = stats
        out = self.out
        self.report.setPlainText(stats.describe())
        self.status.setText(f"Saved to {out}; it is checked below, so Train learns from it.")
        if out is not None:
            self.demos.add(out)
