"""The "Find for me" tab: the region step done by watching the game.

The person names the game window (the profile's, by default), how long to watch, and whether
they play or random candidate keys are pressed; :class:`FindPanel` then runs the calibration
job (:func:`~screen_agent.gui.calibration_job.find_for_me`) in a
:class:`~screen_agent.gui.background.BackgroundTask`, with its progress, and shows the
proposals (:class:`~screen_agent.gui.calibration_review.ProposalsView`). Applying them changes
the :class:`~screen_agent.gui.model.ProfileModel` (:mod:`.calibration_apply`); a failure is
one line in a dialog.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from screen_agent.calibrate import DEFAULT_KEYS
from screen_agent.errors import UserError
from screen_agent.gui.background import TaskControl
from screen_agent.gui.calibration_apply import Accepted, apply_findings
from screen_agent.gui.calibration_job import Findings, FindProgress, FindSettings, find_for_me
from screen_agent.gui.calibration_review import ProposalsView
from screen_agent.gui.model import ProfileModel
from screen_agent.gui.task_panel import TaskPanel

FindJob = Callable[[TaskControl], Findings]
FindFunction = Callable[[FindSettings, Callable[[], bool]], FindJob]
"""``find(settings, stop_watching) -> job``: the calibration job for ``settings``, run off the
GUI thread; ``stop_watching()`` turns True when the person ends the watch early."""


def live_find(settings: FindSettings, stop_watching: Callable[[], bool]) -> FindJob:
    """The calibration on the live game window (see :func:`find_for_me`)."""
    return lambda control: find_for_me(settings, control, stop_watching)


def parse_key_list(text: str) -> tuple[str, ...]:
    """``"left, right space"`` as key names (checked by :meth:`FindSettings.check`)."""
    return tuple(k.strip().lower() for k in text.replace(",", " ").split() if k.strip())


class FindPanel(TaskPanel):
    """Settings, progress and review of "Find for me" for ``model``'s game.

    Args:
        model: the profile the accepted proposals go into.
        find: builds the job (default :func:`live_find`; tests pass a scripted one).
        window_titles: the titles of the open windows, for the window menu.
        before_watch: called before the watch starts (the app moves off the game, whose
            pixels are watched); False cancels.
    """

    TASK_NAME = "screen-agent find for me"
    TITLE = FAILED = "Find for me"

    def __init__(
        self,
        model: ProfileModel,
        find: FindFunction = live_find,
        window_titles: Callable[[], list[str]] | None = None,
        before_watch: Callable[[], bool] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(model, parent)
        self.find = find
        self.window_titles = window_titles
        self.before_watch = before_watch
        self.findings: Findings | None = None
        self.seed: int | None = None
        """Seeds the random presses and the probe (None: a new seed each time)."""
        self._stop_watching = threading.Event()

        self.window = QComboBox()
        self.window.setEditable(True)
        self.window.setToolTip("The game window's exact title")
        self.refresh_button = QPushButton("↻")
        self.refresh_button.setToolTip("List the open windows")
        self.refresh_button.clicked.connect(self.refresh_windows)
        self.seconds = QSpinBox()
        self.seconds.setRange(5, 3600)
        self.seconds.setValue(60)
        self.seconds.setSuffix(" s")
        self.i_play = QRadioButton("I play")
        self.random = QRadioButton("press random keys for me")
        self.random.setChecked(True)
        self.keys = QLineEdit()
        self.probe = QCheckBox("then test which keys work (the input probe)")
        self.probe.setChecked(True)
        self.restart = QLabel()
        self.restart.setWordWrap(True)
        self.find_button = QPushButton("Find for me")
        self.find_button.setToolTip(
            "Watch the game window and propose the game and score regions, the score's "
            "digits, a game-over rule and the keys that work"
        )
        self.find_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop watching")
        self.stop_button.setToolTip("End the watch now and analyse what was seen")
        self.stop_button.clicked.connect(self.stop_watching)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.status = QLabel(
            "Watches the game while it is played and proposes what a profile needs; you "
            "accept or correct each proposal."
        )
        self.status.setWordWrap(True)
        self.review = ProposalsView()
        self.review.apply_requested.connect(self.apply)

        # Three short rows: the review below needs the height.
        self.settings_box = QWidget()
        grid = QGridLayout(self.settings_box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("Game window"), 0, 0)
        window_row = QHBoxLayout()
        window_row.addWidget(self.window, 1)
        window_row.addWidget(self.refresh_button)
        grid.addLayout(window_row, 0, 1)
        grid.addWidget(QLabel("Watch for"), 0, 2)
        grid.addWidget(self.seconds, 0, 3)
        grid.addWidget(QLabel("While"), 1, 0)
        who = QHBoxLayout()
        who.addWidget(self.i_play)
        who.addWidget(self.random)
        who.addStretch()
        grid.addLayout(who, 1, 1)
        grid.addWidget(QLabel("Keys to try"), 1, 2)
        grid.addWidget(self.keys, 1, 3)
        grid.addWidget(self.probe, 2, 1)
        grid.addWidget(self.restart, 3, 0, 1, 4)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(3, 2)
        self.settings_toggle = QToolButton()
        self.settings_toggle.setText("Settings")
        self.settings_toggle.setCheckable(True)
        self.settings_toggle.setToolTip("Show or hide what Find for me watches and how")
        self.settings_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.settings_toggle.toggled.connect(self._show_settings)
        self.settings_toggle.setChecked(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.settings_toggle)
        buttons.addWidget(self.find_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.progress, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.settings_box)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.review, 1)

        self.i_play.toggled.connect(lambda _on: self._keys_hint())
        model.changed.connect(self.refresh)
        model.path_changed.connect(lambda _path: self._profile_replaced())
        self.refresh()
        self._set_running(False)

    # -- model -> widgets
    def refresh(self) -> None:
        """Take the window title, keys and restart from the profile (unless edited)."""
        m = self.model
        if m.window is not None and not self.window.currentText():
            self.window.setEditText(m.window.title)
        if not self.keys.isModified():
            used = sorted({k for a in m.actions for k in a.keys})
            self.keys.setText(" ".join(used))
        steps = m.restart.steps
        self.restart.setText(
            "Restart: none, the game restarts by itself (restart keys: Profile tab)"
            if not steps
            else "Restart: "
            + ", ".join(
                "+".join(s.keys) if s.keys else f"click {s.click}"
                for s in steps
                if s.keys or s.click
            )
            + ": pressed before the watch and whenever the game has ended (Profile tab)"
        )
        self._keys_hint()

    def _profile_replaced(self) -> None:
        """Another profile was opened (or created): its window and keys, not the last one's."""
        self.window.setEditText(self.model.window.title if self.model.window else "")
        self.keys.setModified(False)
        self.refresh()

    def _show_settings(self, on: bool) -> None:
        self.settings_box.setVisible(on)
        self.settings_toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    def _keys_hint(self) -> None:
        self.keys.setPlaceholderText(
            "empty: the keys you press" if self.i_play.isChecked() else " ".join(DEFAULT_KEYS)
        )

    def refresh_windows(self) -> None:
        """Fill the window menu with the open windows' titles."""
        if self.window_titles is None:
            return
        current = self.window.currentText()
        try:
            titles = self.window_titles()
        except UserError as error:
            self.status.setText(f"Cannot list the windows: {error}")
            return
        self.window.clear()
        self.window.addItems(sorted(set(titles)))
        self.window.setEditText(current)

    # -- running
    def settings(self) -> FindSettings:
        """The settings as the widgets show them (checked by the job)."""
        return FindSettings(
            title=self.window.currentText().strip(),
            seconds=float(self.seconds.value()),
            random_keys=self.random.isChecked(),
            keys=parse_key_list(self.keys.text()),
            restart=tuple(self.model.restart.steps),
            probe=self.probe.isChecked(),
            seed=self.seed,
        )

    def start(self) -> bool:
        """Find for me: start the job; False if it did not start (the reason is shown)."""
        if self.task.running:
            return False
        settings = self.settings()
        try:
            settings.check()
        except UserError as error:
            self.show_error(str(error))
            return False
        if self.before_watch is not None and not self.before_watch():
            return False
        self._stop_watching.clear()
        job = self.find(settings, self._stop_watching.is_set)
        self.review.clear()
        self.findings = None
        self.progress.setValue(0)
        who = "press random keys" if settings.random_keys else "play the game now"
        self.status.setText(f"Starting: the game window gets the focus; {who}…")
        self._set_running(True)
        self.task.start(job)
        return True

    def stop_watching(self) -> None:
        """End the watch now; the analysis goes on with what was seen."""
        self._stop_watching.set()
        self.stop_button.setEnabled(False)

    def _set_running(self, running: bool) -> None:
        self.find_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        for w in (self.window, self.refresh_button, self.seconds, self.i_play, self.random):
            w.setEnabled(not running)
        for w in (self.keys, self.probe):
            w.setEnabled(not running)

    def _progress(self, value: Any) -> None:
        if isinstance(value, FindProgress):
            self.status.setText(value.text)
            if value.fraction is not None:
                self.progress.setValue(round(1000 * value.fraction))
            else:
                self.stop_button.setEnabled(False)  # the watch is over
                self.progress.setRange(0, 0)  # busy

    def _done(self, findings: Findings) -> None:
        self._ended()
        self.findings = findings
        self.settings_toggle.setChecked(False)  # the review needs the room
        self.review.show_findings(findings)
        self.status.setText(
            f"Proposals for {findings.title!r} ({findings.width}x{findings.height}): accept or "
            "correct each, then Apply to profile."
        )

    def _ended(self) -> None:
        self.progress.setRange(0, 1000)
        super()._ended()

    # -- accepted -> model
    def apply(self, accepted: Accepted) -> list[str]:
        """Put ``accepted`` into the profile; returns what changed."""
        if self.findings is None:
            return []
        try:
            changes = apply_findings(self.model, self.findings, accepted)
        except OSError as error:
            self.show_error(f"cannot save the calibration's files: {error}")
            return []
        done = ", ".join(changes) if changes else "nothing (every proposal was unchecked)"
        self.review.status.setText(f"Applied: {done}. Save the profile to keep it.")
        self.status.setText(f"Applied to {self.model.name}: {done}.")
        return changes
