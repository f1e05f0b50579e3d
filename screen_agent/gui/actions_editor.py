"""The actions editor: the action set as a table; press keys to record an action.

"Record keys" listens until every key pressed is released again: the keys held together
become the action's keys. The no-op action (no keys) is marked; "Test…" runs the input probe
(``screen-agent probe``: which actions change the game) as a
:class:`~screen_agent.gui.background.BackgroundTask` and shows its report, one row per action,
flagging those with no visible effect; a probe that fails says why in a dialog.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from screen_agent.errors import UserError
from screen_agent.gui.background import BackgroundTask, TaskControl
from screen_agent.gui.cancellable import CancellableSink, wait_for_focus
from screen_agent.gui.colours import verdict_colour
from screen_agent.gui.dialogs import show_error
from screen_agent.gui.model import ProfileModel
from screen_agent.keys import KEY_NAMES
from screen_agent.probe import NOT_CLEAR, ActionReport, format_report

ProbeJob = Callable[[TaskControl], list[ActionReport]]
"""``job(control) -> reports``: the probe itself, run off the GUI thread; it reports what it
does through ``control.progress`` and ends early (raising
:class:`~screen_agent.gui.background.TaskCancelled`) once ``control.cancelled``."""
ProbeFunction = Callable[[ProfileModel], ProbeJob]
"""``probe(model) -> job``: called in the GUI thread when Test is clicked; takes what the job
needs from the model (UserError if the profile is not ready)."""
FOCUS_TIMEOUT_S = 30.0
"""How long the probe waits for the user to click the game window."""


def live_probe(display: str | None = None) -> ProbeFunction:
    """The probe on the live game window: ``screen-agent probe`` for the model's profile, on
    the capture and keys of a session opened for it (and closed after)."""

    def prepare(model: ProfileModel) -> ProbeJob:
        # UserError: shown in the editor, no task started. The probe reads no rewards, so a
        # rule still being written (a template not captured yet) must not stop it.
        profile = dataclasses.replace(model.to_profile(), rewards=())
        source_path = model.path

        def job(control: TaskControl) -> list[ActionReport]:
            from screen_agent.envs.session import open_session
            from screen_agent.probe import ProbeSettings, probe

            session = open_session(
                profile, source_path=source_path, display=display, need_rewards=False
            )
            try:
                source, sink = session.screen.source, session.screen.sink
                focus = sink.focus_check
                if focus is not None and not focus():
                    control.progress("Click the game window: the probe starts once it has focus…")
                    if not wait_for_focus(focus, FOCUS_TIMEOUT_S, control):
                        control.raise_if_cancelled()
                        raise UserError(
                            f"the game window never got keyboard focus in {FOCUS_TIMEOUT_S:.0f} s; "
                            "click the game window after pressing Test"
                        )
                keys = CancellableSink(sink, control)
                reports = probe(
                    profile,
                    source,
                    keys,  # type: ignore[arg-type]
                    ProbeSettings(),
                    on_trial=lambda name: control.progress(f"pressing {name}…"),
                )
                if keys.paused:
                    control.progress(
                        f"the game lost focus during {keys.paused} presses: "
                        "keep it focused and test again"
                    )
                return reports
            finally:
                session.close()  # releases every key

        return job

    return prepare


REPORT_COLUMNS = ("Action", "Keys", "Reacts", "Delay", "Changed px", "Verdict")

_SPECIAL = {
    Qt.Key.Key_Left: "left",
    Qt.Key.Key_Right: "right",
    Qt.Key.Key_Up: "up",
    Qt.Key.Key_Down: "down",
    Qt.Key.Key_Space: "space",
    Qt.Key.Key_Return: "enter",
    Qt.Key.Key_Enter: "enter",
    Qt.Key.Key_Escape: "esc",
    Qt.Key.Key_Tab: "tab",
    Qt.Key.Key_Backspace: "backspace",
    Qt.Key.Key_Delete: "delete",
    Qt.Key.Key_Insert: "insert",
    Qt.Key.Key_Home: "home",
    Qt.Key.Key_End: "end",
    Qt.Key.Key_PageUp: "pageup",
    Qt.Key.Key_PageDown: "pagedown",
    Qt.Key.Key_Shift: "shift",
    Qt.Key.Key_Control: "ctrl",
    Qt.Key.Key_Alt: "alt",
    **{getattr(Qt.Key, f"Key_F{i}"): f"f{i}" for i in range(1, 13)},
}


def key_name(event: QKeyEvent) -> str | None:
    """The pyautogui name of the key in ``event``, or None if profiles cannot use it."""
    name = _SPECIAL.get(Qt.Key(event.key()))
    if name is None:
        key = event.key()
        if Qt.Key.Key_A <= key <= Qt.Key.Key_Z or Qt.Key.Key_0 <= key <= Qt.Key.Key_9:
            name = chr(key).lower()
        else:
            text = event.text()
            name = text.lower() if text and text.isprintable() else None
    return name if name in KEY_NAMES else None


class KeyRecorder(QPushButton):
    """A button that, once clicked, records the keys held together until all are released."""

    recorded = Signal(tuple)
    """The keys (pyautogui names, in press order) once all are released."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Record keys", parent)
        self.recording = False
        self.held: list[str] = []
        self.pressed: list[str] = []
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.toggled.connect(self._toggle)

    def _toggle(self, on: bool) -> None:
        self.recording = on
        self.held, self.pressed = [], []
        self.setText("Press the keys…" if on else "Record keys")
        if on:
            self.setFocus()
            self.grabKeyboard()
        else:
            self.releaseKeyboard()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.recording:
            super().keyPressEvent(event)
            return
        if event.isAutoRepeat():
            return
        name = key_name(event)
        if name is not None and name not in self.held:
            self.held.append(name)
            if name not in self.pressed:
                self.pressed.append(name)
            self.setText("Holding: " + " + ".join(self.pressed))

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if not self.recording:
            super().keyReleaseEvent(event)
            return
        if event.isAutoRepeat():
            return
        name = key_name(event)
        if name in self.held:
            self.held.remove(name)
        if not self.held and self.pressed:
            keys = tuple(self.pressed)
            self.setChecked(False)
            self.recorded.emit(keys)


class ActionsEditor(QWidget):
    """Edits ``model.actions`` and ``model.key_hold_ms``; tests them with the input probe."""

    def __init__(
        self,
        model: ProfileModel,
        probe: ProbeFunction | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``probe(model)`` prepares the input probe's job; the Test button runs it off the GUI
        thread and shows the reports."""
        super().__init__(parent)
        self.model = model
        self.probe = probe
        self._updating = False
        self.reports: list[ActionReport] = []
        self.report_text = ""
        """The probe's last report as ``screen-agent probe`` prints it."""
        self.probe_error: str | None = None
        """Why the last probe failed, or None."""
        self.error_box: QMessageBox | None = None
        self.runner = BackgroundTask("screen-agent probe", self)
        self.runner.progress.connect(self._probe_progress)
        self.runner.finished.connect(self.show_reports)
        self.runner.errored.connect(self._probe_failed)
        self.runner.cancelled.connect(self._probe_cancelled)

        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Name", "Keys"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.itemChanged.connect(self._item_changed)

        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self.add_action)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.recorder = KeyRecorder()
        self.recorder.recorded.connect(self._recorded)
        self.clear_button = QPushButton("No keys")
        self.clear_button.setToolTip("Make the selected action the no-op: no keys held")
        self.clear_button.clicked.connect(lambda: self._recorded(()))
        self.test_button = QPushButton("Test…")
        self.test_button.setToolTip(
            "Run the input probe: press each action and see which change the game"
        )
        self.test_button.clicked.connect(self.run_probe)

        self.hold = QSpinBox()
        self.hold.setRange(0, 2000)
        self.hold.setSuffix(" ms")
        self.hold.setToolTip("Minimum time an action's keys stay down")
        self.hold.valueChanged.connect(self._hold_changed)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.results = QTableWidget(0, len(REPORT_COLUMNS))
        self.results.setHorizontalHeaderLabels(list(REPORT_COLUMNS))
        self.results.horizontalHeader().setStretchLastSection(True)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.verticalHeader().setVisible(False)
        self.results.setToolTip("The input probe's last report")
        self.results.hide()

        buttons = QHBoxLayout()
        for w in (
            self.add_button,
            self.remove_button,
            self.recorder,
            self.clear_button,
            self.test_button,
        ):
            buttons.addWidget(w)
        hold_row = QHBoxLayout()
        hold_row.addWidget(QLabel("Key hold time"))
        hold_row.addWidget(self.hold)
        hold_row.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addLayout(hold_row)
        layout.addWidget(self.status)
        layout.addWidget(self.results)

        model.actions_changed.connect(self.refresh)
        self.refresh()

    # -- model -> widget
    def refresh(self) -> None:
        self._updating = True
        selected = self.selected()
        self.table.setRowCount(len(self.model.actions))
        noop = next((i for i, a in enumerate(self.model.actions) if not a.keys), None)
        for row, action in enumerate(self.model.actions):
            name = QTableWidgetItem(action.name)
            keys_text = " + ".join(action.keys) if action.keys else "(no keys)"
            if row == noop:
                keys_text += "   ← no-op"
            keys = QTableWidgetItem(keys_text)
            keys.setFlags(keys.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(row, 0, name)
            self.table.setItem(row, 1, keys)
        if selected is not None and selected < len(self.model.actions):
            self.table.selectRow(selected)
        self.hold.setValue(self.model.key_hold_ms)
        self.status.setText(
            "" if noop is not None else 'Add a "no keys" action so the agent can wait.'
        )
        self._updating = False

    def selected(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    # -- widget -> model
    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._updating or item.column() != 0:
            return
        name = item.text().strip()
        if name and name not in (
            a.name for i, a in enumerate(self.model.actions) if i != item.row()
        ):
            self.model.set_action(item.row(), name=name)
        else:
            self.status.setText(f"{name!r}: every action needs its own, non-empty name")
            self.refresh()

    def add_action(self) -> int:
        names = {a.name for a in self.model.actions}
        n = len(self.model.actions)
        while f"action{n}" in names:
            n += 1
        index = self.model.add_action(f"action{n}")
        self.table.selectRow(index)
        return index

    def remove_selected(self) -> None:
        row = self.selected()
        if row is not None and len(self.model.actions) > 1:
            self.model.remove_action(row)

    def record(self, row: int | None = None) -> None:
        """Start recording keys for ``row`` (default: the selected action, or a new one)."""
        if row is None:
            row = self.selected()
        if row is None:
            row = self.add_action()
        self.table.selectRow(row)
        self.recorder.setChecked(True)

    def _recorded(self, keys: tuple[str, ...]) -> None:
        row = self.selected()
        if row is None:
            row = self.add_action()
        action = self.model.actions[row]
        name = action.name
        if (
            keys
            and name.startswith("action")
            and "+".join(keys) not in {a.name for a in self.model.actions}
        ):
            name = "+".join(keys)  # a default name from the keys, e.g. "left"
        self.model.set_action(row, name=name, keys=keys)
        self.status.setText(f"{name}: {' + '.join(keys) or 'no keys'}")

    def _hold_changed(self, value: int) -> None:
        if not self._updating:
            self.model.set_key_hold_ms(value)

    # -- the input probe
    def run_probe(self) -> None:
        """Test…: start the probe off the GUI thread (or cancel the one running)."""
        if self.runner.running:
            self.runner.cancel()
            self.status.setText("Cancelling the probe…")
            return
        if self.probe is None:
            self.status.setText("The input probe is not available in this build.")
            return
        try:
            job = self.probe(self.model)
        except UserError as error:
            self.status.setText(f"Cannot test: {error}")
            return
        self.status.setText("Probing: each action's keys are pressed a few times…")
        self.test_button.setText("Cancel test")
        self.probe_error = None
        self.reports, self.report_text = [], ""
        self.results.hide()  # the last report no longer describes the actions
        self.runner.start(job)

    def show_reports(self, reports: list[ActionReport]) -> None:
        """Show the probe's reports: one row per action, failures flagged in red."""
        self.reports = list(reports)
        self.report_text = format_report(self.reports)
        self.results.setRowCount(len(self.reports))
        for row, r in enumerate(self.reports):
            cells = (
                r.name,
                "+".join(r.keys) or "(none)",
                f"{r.responded}/{r.trials}",
                "-" if r.delay_ms is None else f"{r.delay_ms:.0f} ms",
                "-" if r.basis == "play" else str(r.changed_pixels),  # random play counts none
                r.verdict,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                colour = verdict_colour(r.verdict)
                if colour is not None:
                    item.setForeground(QBrush(QColor(colour)))
                self.results.setItem(row, column, item)
        self.results.resizeColumnsToContents()
        self.results.setToolTip(self.report_text)
        self.results.show()
        self.status.setText(probe_summary(self.reports))
        self._probe_done()

    def _probe_progress(self, message: str) -> None:
        self.status.setText(message)

    def _probe_failed(self, message: str) -> None:
        self.probe_error = message
        self.status.setText(f"The probe failed: {message.splitlines()[0]}")
        self._probe_done()
        self.error_box = show_error(self, message, "The input probe failed")

    def _probe_cancelled(self) -> None:
        self.status.setText("Probe cancelled.")
        self._probe_done()

    def _probe_done(self) -> None:
        self.test_button.setText("Test…")


def probe_summary(reports: list[ActionReport]) -> str:
    """One line under the probe's table: which actions failed, and whether each showed no sign
    of an effect or only a weak one."""
    if all(r.works for r in reports):
        return "Every action changes the game."
    unclear = [r.name for r in reports if not r.works and r.verdict == NOT_CLEAR]
    none = [r.name for r in reports if not r.works and r.verdict != NOT_CLEAR]
    parts = []
    if none:
        parts.append(f"No visible effect: {', '.join(none)}. Does the game get these keys?")
    if unclear:
        they, them = ("it", "it") if len(unclear) == 1 else ("they", "them")
        parts.append(
            f"Not clear: {', '.join(unclear)} (a weak sign of an effect; "
            f"{they} may work only now and then): test again, or watch {them} in play."
        )
    return " ".join(parts)
