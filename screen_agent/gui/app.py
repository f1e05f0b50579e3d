"""``screen-agent gui [PROFILE]``: the main window.

Open, create and save profiles; a live view of the game with its regions; the region picker;
the actions and reward editors with the reward debugger; training with live plots; starting the
profile's game; "Find for me" (calibration by watching the game); recording demonstrations;
opening run reports. The CLI
calls :func:`add_arguments` and :func:`run`; ``python -m screen_agent.gui`` calls :func:`main`.
"""

from __future__ import annotations

import argparse
import importlib.util
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from screen_agent.desktop import Desktop, open_desktop
from screen_agent.errors import UserError
from screen_agent.gui.actions_editor import ActionsEditor, ProbeFunction, live_probe
from screen_agent.gui.calibration_panel import FindFunction, FindPanel, live_find
from screen_agent.gui.colours import FAULT
from screen_agent.gui.controller import TrainerFactory, TrainingController
from screen_agent.gui.demos_panel import DemosPanel, RecordFunction, live_record
from screen_agent.gui.dialogs import show_error
from screen_agent.gui.game_launcher import GameLauncher, LaunchFunction
from screen_agent.gui.keep_clear import Ask, Outcome, ask_no_room, keep_clear
from screen_agent.gui.model import (
    DemoListModel,
    ProfileModel,
    RewardDebugModel,
    TrainingModel,
    blank_profile,
)
from screen_agent.gui.preview import AreaFrame, AreaGrabber, LiveView
from screen_agent.gui.region_picker import PickResult, RegionPicker
from screen_agent.gui.report_opener import ReportOpener, open_in_browser
from screen_agent.gui.reward_debugger import RewardDebugger
from screen_agent.gui.reward_editor import RewardEditor
from screen_agent.gui.run_bar import RunBar
from screen_agent.gui.training_view import TrainingView
from screen_agent.keys import KEY_NAMES
from screen_agent.launch import launch_game
from screen_agent.training.jobs import ScreenJob
from screen_agent.training.worker_process import WorkerProcess, WorkerStarter

PREVIEW_FPS = 15
"""Live-view grabs per second (each well under a millisecond)."""
CALIBRATION_DIR = Path("calibration")
STARTER_DELAY_MS = 1000
"""How long after the window opens (or a run ends) the next trainer process is started."""
PREWARM_DELAY_MS = 300
"""Quiet time after the last resize before the hidden training tab is laid out again."""


PROBE_MODULES = (
    "screen_agent.envs.session",
    "screen_agent.capture.mss_source",
    "screen_agent.input.keyboard",
    "screen_agent.probe",
    "pyautogui",  # the desktop's keys, imported when the session opens
)
"""What the actions editor's probe imports in its worker thread. Imports hold the GIL while C
extensions build their state, so the window imports them before it shows. (Training and play
run in a child process: the app itself never loads torch.)"""


def preload_probe_modules() -> None:
    """Import :data:`PROBE_MODULES` now (those that fail are left to fail when the probe runs)."""
    import importlib

    for name in PROBE_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # e.g. no display for pyautogui: the probe reports it when started
            continue


def _saved_profile(profile_model: ProfileModel, what: str) -> Path:
    path = profile_model.path
    if path is None or profile_model.dirty:
        raise UserError(f"save the profile first: {what} reads it from its file")
    return path


def training_available() -> str | None:
    """None if this build can train, else why not."""
    if importlib.util.find_spec("torch") is None:
        return "training is not available in this build (torch is not installed)"
    return None


def new_run_dir(name: str) -> Path:
    """``runs/NAME-YYYYmmdd-HHMMSS``: a new training run's folder."""
    return Path("runs") / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"


def screen_trainer_factory(
    profile_model: ProfileModel,
    starter: WorkerStarter | None = None,
    run_dir: Callable[[], Path] | None = None,
    demos: Callable[[], Sequence[Path]] | None = None,
) -> TrainerFactory:
    """A factory running the screen trainer on the saved profile in a child process
    (:class:`~screen_agent.training.worker_process.WorkerProcess`; ``starter`` may have one
    ready), into the folder ``run_dir()`` names (default :func:`new_run_dir`), learning from
    the demonstration files ``demos()`` first."""

    def factory(on_event: Callable[[Any], None]) -> WorkerProcess:
        path = _saved_profile(profile_model, "training")
        folder = run_dir() if run_dir is not None else new_run_dir(profile_model.name)
        files = tuple(Path(p).resolve() for p in (demos() if demos is not None else ()))
        job = ScreenJob(path.resolve(), run_dir=folder.resolve(), demos=files)
        return WorkerProcess(job, on_event, starter)

    return factory


def screen_player_factory(
    profile_model: ProfileModel, checkpoint: Path, starter: WorkerStarter | None = None
) -> TrainerFactory:
    """A factory playing greedily with ``checkpoint`` on the saved profile in a child process."""

    def factory(on_event: Callable[[Any], None]) -> WorkerProcess:
        path = _saved_profile(profile_model, "play")
        job = ScreenJob(path.resolve(), checkpoint=Path(checkpoint).resolve())
        return WorkerProcess(job, on_event, starter)

    return factory


def restart_summary(model: ProfileModel) -> str:
    """The restart sequence in a few words: ``space, wait 500 ms, click (200, 300)``."""
    parts = []
    for step in model.restart.steps:
        if step.keys:
            parts.append("+".join(step.keys))
        if step.click is not None:
            parts.append(f"click {step.click}")
        if step.wait_ms:
            parts.append(f"wait {step.wait_ms} ms")
    return ", ".join(parts)


class ProfileForm(QWidget):
    """The profile's name, window and timing."""

    def __init__(self, model: ProfileModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._updating = False
        self.name = QLineEdit()
        self.name.editingFinished.connect(
            lambda: self._edit(lambda: model.set_name(self.name.text().strip()))
        )
        self.window = QLabel()
        self.window.setWordWrap(True)
        self.dps = QDoubleSpinBox()
        self.dps.setRange(1, 60)
        self.dps.valueChanged.connect(
            lambda v: self._edit(lambda: model.set_timing(decisions_per_second=v))
        )
        self.episode = QDoubleSpinBox()
        self.episode.setRange(1, 36000)
        self.episode.setSuffix(" s")
        self.episode.valueChanged.connect(
            lambda v: self._edit(lambda: model.set_timing(episode_seconds=v))
        )
        self.restart_keys = QLineEdit()
        self.restart_keys.setPlaceholderText("space")
        self.restart_keys.editingFinished.connect(self._restart_edited)
        self.restart_wait = QSpinBox()
        self.restart_wait.setRange(0, 60000)
        self.restart_wait.setSuffix(" ms")
        self.restart_wait.valueChanged.connect(lambda _v: self._restart_edited())
        self.restart_note = QLabel()
        self.restart_note.setWordWrap(True)
        self.system_keys = QCheckBox(
            "allow keys that act on the desktop (alt+f4, the Windows key…)"
        )
        self.system_keys.toggled.connect(
            lambda on: self._edit(lambda: model.set_allow_system_keys(on))
        )
        self.launch = QLabel()
        self.launch.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {FAULT};")
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Window", self.window)
        form.addRow("Decisions per second", self.dps)
        form.addRow("Episode time limit", self.episode)
        form.addRow("Restart keys", self.restart_keys)
        form.addRow("Wait after restart", self.restart_wait)
        form.addRow("", self.restart_note)
        form.addRow("System keys", self.system_keys)
        form.addRow("Launch", self.launch)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addStretch()
        model.changed.connect(self.refresh)
        self.refresh()

    def _edit(self, change: Callable[[], None]) -> None:
        if not self._updating:
            change()

    def _restart_edited(self) -> None:
        if self._updating or not self.model.simple_restart:
            return
        keys = [
            k for k in self.restart_keys.text().replace("+", " ").replace(",", " ").split() if k
        ]
        bad = [k for k in keys if k not in KEY_NAMES]
        if bad:
            self.problem.setText(f"unknown key(s): {', '.join(bad)}")
            return
        self.model.set_restart(keys, self.restart_wait.value())

    def refresh(self) -> None:
        self._updating = True
        m = self.model
        self.name.setText(m.name)
        if m.window is None:
            self.window.setText("none: regions are absolute screen coordinates")
        else:
            size = f" ({m.window.width}x{m.window.height})" if m.window.width else ""
            self.window.setText(f"{m.window.title!r}{size}")
        self.dps.setValue(m.decisions_per_second)
        self.episode.setValue(m.episode_seconds)
        simple = m.simple_restart
        steps = m.restart.steps
        self.restart_keys.setText(" ".join(steps[0].keys) if simple and steps else "")
        self.restart_wait.setValue(steps[0].wait_ms if simple and steps else 0)
        self.restart_keys.setEnabled(simple)
        self.restart_wait.setEnabled(simple)
        self.restart_note.setVisible(not simple)
        if not simple:
            # The simple editor would drop the other steps: the sequence is kept as it is.
            self.restart_note.setText(
                f"The restart is a sequence of {len(steps)} steps ({restart_summary(m)}); "
                "it is kept as it is: edit it in the profile's file."
            )
        self.system_keys.setChecked(m.allow_system_keys)
        launch = m.launch
        self.launch.setText(
            "none: start the game yourself"
            if launch is None
            else " ".join(launch.command)
            + (f" (then {len(launch.steps)} steps)" if launch.steps else "")
        )
        self.problem.setText(m.problem() or "")
        self._updating = False


class MainWindow(QMainWindow):
    """The app's window; ``live=False`` skips screen grabs (for tests without a display)."""

    def __init__(
        self,
        model: ProfileModel | None = None,
        *,
        live: bool = True,
        trainer_factory: TrainerFactory | str | None = None,
        probe: ProbeFunction | None = None,
        player_factory: Callable[[ProfileModel, Path], TrainerFactory] | None = None,
        launch: LaunchFunction | None = None,
        find: FindFunction | None = None,
        record: RecordFunction | None = None,
        open_url: Callable[[Path], bool] | None = None,
    ) -> None:
        """Tests replace what touches the desktop: ``trainer_factory``, ``probe``,
        ``player_factory``, ``launch`` (starts the game), ``find`` (the calibration job),
        ``record`` (the demonstration recording) and ``open_url`` (opens a report)."""
        super().__init__()
        self.model = model or ProfileModel()
        self.training = TrainingModel()
        self.debug = RewardDebugModel()
        self.demos = DemoListModel()
        """The demonstration files the next training run learns from."""
        self.run_dir: Path | None = None
        """The current or last training run's folder."""
        self._run_demos: tuple[Path, ...] = ()
        self.controller = TrainingController(self.training, self)
        self.starter: WorkerStarter | None = None
        """Keeps a trainer process started ahead of Train (live windows only)."""
        if trainer_factory is None:
            unavailable = training_available()
            if unavailable is None and live:
                self.starter = WorkerStarter()
            trainer_factory = unavailable or screen_trainer_factory(
                self.model,
                self.starter,
                run_dir=lambda: self.run_dir or new_run_dir(self.model.name),
                demos=lambda: self._run_demos,
            )
        self.trainer_factory: TrainerFactory | str = trainer_factory
        self.player_factory = player_factory or (
            lambda model, checkpoint: screen_player_factory(model, checkpoint, self.starter)
        )
        self.mode = "train"
        """What the controller runs: "train" or "play" (greedy play from a checkpoint)."""
        self.live = live
        self.ask_placement: Ask = ask_no_room
        """Asks the user what to do when the app covers the game and cannot go beside it
        (tests put a scripted answer here)."""
        self._placed_late = False
        """The app moved out of the way once during this run (see :meth:`_paused`)."""
        if live:
            preload_probe_modules()
        self.desktop: Desktop | None = None
        """The desktop backend (windows, monitors), opened on first use."""
        self.grabber: AreaGrabber | None = None
        self.picker: RegionPicker | None = None
        self.last_frame: AreaFrame | None = None
        self.error_box: QMessageBox | None = None
        self.resize(1280, 800)

        self.live_view = LiveView(self.model)
        self.profile_form = ProfileForm(self.model)
        self.actions_editor = ActionsEditor(
            self.model, probe if probe is not None else live_probe()
        )
        self.reward_editor = RewardEditor(self.model, self.debug)
        self.reward_debugger = RewardDebugger(self.debug)
        self.training_view = TrainingView(self.training)
        self.launcher = GameLauncher(launch or launch_game, self)
        self.find_panel = FindPanel(
            self.model,
            find or live_find,
            window_titles=self._window_titles,
            before_watch=self._before_watch,
        )
        self.demos_panel = DemosPanel(
            self.model, self.demos, record or live_record, before_record=self._before_record
        )
        self.reports = ReportOpener(open_url or open_in_browser, parent=self)
        self.reports.failed.connect(lambda message: self.show_error(message, "Report"))
        self.reports.opened.connect(
            lambda path: self.statusBar().showMessage(f"opened {path}", 6000)
        )
        self.run_bar = RunBar(self.reports)
        layout = self.training_view.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, self.run_bar)
        rewards = QSplitter(Qt.Orientation.Vertical)
        rewards.addWidget(self.reward_editor)
        rewards.addWidget(self.reward_debugger)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.profile_form, "Profile")
        self.tabs.addTab(self.find_panel, "Find for me")
        self.tabs.addTab(self.actions_editor, "Actions")
        self.tabs.addTab(rewards, "Rewards")
        self.tabs.addTab(self.demos_panel, "Demonstrations")
        self.tabs.addTab(self.training_view, "Training")
        splitter = QSplitter()
        splitter.addWidget(self.live_view)
        splitter.addWidget(self.tabs)
        splitter.setSizes([340, 520])
        self.setCentralWidget(splitter)
        self._build_actions()

        self.status_rate = QLabel("decisions/s: –")
        self.status_late = QLabel("lateness p99: –")
        self.status_profile = QLabel()
        for w in (self.status_rate, self.status_late):
            self.statusBar().addWidget(w)
        self.statusBar().addPermanentWidget(self.status_profile)

        self.model.changed.connect(self._profile_changed)
        self.model.regions_changed.connect(self._configure_debugger)
        self.model.rewards_changed.connect(self._configure_debugger)
        self.training.stats_added.connect(self._stats)
        self.training.paused.connect(self._paused)
        self.training.state_changed.connect(lambda _s: self._update_buttons())
        self.controller.ended.connect(self._update_buttons)
        self.controller.ended.connect(self._run_ended)
        self.launcher.state_changed.connect(lambda _s: self._update_buttons())
        self.launcher.launched.connect(self._game_launched)
        self.launcher.failed.connect(lambda message: self.show_error(message, "Start game"))
        self.launcher.exited.connect(lambda message: self.statusBar().showMessage(message, 10000))
        # Minimised to keep off the game while it was watched or recorded: back when done.
        for task in (self.find_panel.task, self.demos_panel.task):
            task.finished.connect(lambda _result: self._restore())
            task.errored.connect(lambda _message: self._restore())
            task.cancelled.connect(self._restore)
        self.training.failed.connect(
            lambda message: self.show_error(
                message, "Play failed" if self.mode == "play" else "Training failed"
            )
        )
        self._profile_changed()
        self._configure_debugger()
        self._update_buttons()

        self._prewarm_timer = QTimer(self)
        self._prewarm_timer.setSingleShot(True)
        self._prewarm_timer.setInterval(PREWARM_DELAY_MS)
        self._prewarm_timer.timeout.connect(self._prewarm_training_view)
        self.tabs.installEventFilter(self)

        self.timer = QTimer(self)
        self.timer.setInterval(int(1000 / PREVIEW_FPS))
        self.timer.timeout.connect(self.grab_frame)
        if live:
            self.timer.start()
        if self.starter is not None:
            # Once the window is up (the child's start-up takes a CPU for a few seconds), and
            # again after each run, so Train never waits for torch to load.
            QTimer.singleShot(STARTER_DELAY_MS, self._prepare_worker)
            self.controller.ended.connect(
                lambda: QTimer.singleShot(STARTER_DELAY_MS, self._prepare_worker)
            )

    # -- actions and toolbar
    def _build_actions(self) -> None:
        bar = QToolBar("Main")
        bar.setMovable(False)
        self.addToolBar(bar)
        menu = self.menuBar().addMenu("&Profile")

        def action(
            text: str, slot: Callable[[], Any], shortcut: Any = None, tip: str = ""
        ) -> QAction:
            a = QAction(text, self)
            a.triggered.connect(lambda _checked=False: slot())
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut))
            if tip:
                a.setToolTip(tip)
            return a

        self.new_action = action("New", self.new_profile, QKeySequence.StandardKey.New)
        self.open_action = action("Open…", self.open_dialog, QKeySequence.StandardKey.Open)
        self.save_action = action("Save", self.save, QKeySequence.StandardKey.Save)
        self.save_as_action = action(
            "Save As…", self.save_as_dialog, QKeySequence.StandardKey.SaveAs
        )
        self.pick_action = action(
            "Pick regions…",
            self.pick_regions,
            "Ctrl+R",
            "Drag the game, score and game-over regions on a frozen screenshot",
        )
        self.find_action = action(
            "Find for me…",
            self.show_find,
            "Ctrl+F",
            "Watch the game and propose its regions, score digits, game-over rule and keys",
        )
        self.launch_action = action(
            "▶ Start game",
            self.toggle_game,
            None,
            "Start the profile's game as its [launch] says, and place its window",
        )
        self.start_action = action(
            "▶ Train", self.start_training, None, "Start training on the live game"
        )
        self.pause_action = action(
            "❚❚ Pause", self.toggle_pause, None, "Pause or resume acting (keys are released)"
        )
        self.stop_action = action(
            "■ Stop", self.controller.stop, None, "Stop training and release every key"
        )
        self.play_action = action(
            "Load checkpoint && play…",
            self.play_checkpoint,
            None,
            "Play greedily with a trained agent (a run's checkpoint.pt)",
        )
        for a in (self.new_action, self.open_action, self.save_action, self.save_as_action):
            menu.addAction(a)
            bar.addAction(a)
        bar.addSeparator()
        bar.addAction(self.launch_action)
        bar.addAction(self.pick_action)
        bar.addAction(self.find_action)
        bar.addSeparator()
        for a in (self.start_action, self.pause_action, self.stop_action, self.play_action):
            bar.addAction(a)
        game = self.menuBar().addMenu("&Game")
        for a in (self.launch_action, self.pick_action, self.find_action):
            game.addAction(a)
        train = self.menuBar().addMenu("&Training")
        for a in (self.start_action, self.pause_action, self.stop_action, self.play_action):
            train.addAction(a)
        train.addSeparator()
        self.report_action = action(
            "Open a run's report…", self.run_bar.pick, None, "Open any run folder's report.html"
        )
        train.addAction(self.report_action)

    def _update_buttons(self) -> None:
        available = not isinstance(self.trainer_factory, str)
        state = self.training.state
        busy = self.controller.running
        self.start_action.setEnabled(available and not busy)
        self.start_action.setToolTip(
            "Start training on the live game" if available else str(self.trainer_factory)
        )
        self.pause_action.setEnabled(busy and state in ("running", "paused"))
        self.pause_action.setText("▶ Resume" if state == "paused" else "❚❚ Pause")
        self.stop_action.setEnabled(busy)
        self.play_action.setEnabled(available and not busy)
        launcher = self.launcher.state
        self.launch_action.setText(
            "■ Stop game" if launcher in ("running", "stopping") else "▶ Start game"
        )
        self.launch_action.setEnabled(
            launcher in ("idle", "running")
            and (launcher == "running" or self.model.launch is not None)
        )
        self.launch_action.setToolTip(
            "Stop the game this app started (and its helpers)"
            if launcher == "running"
            else "Start the profile's game as its [launch] says, and place its window"
            if self.model.launch is not None
            else "The profile has no [launch]: start the game yourself"
        )

    # -- profiles
    def new_profile(self) -> None:
        if self._discard_ok():
            self.model.replace(blank_profile())

    def open_dialog(self) -> None:
        if not self._discard_ok():
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Open profile", str(CALIBRATION_DIR), "Profiles (*.toml)"
        )
        if path:
            self.open_profile(path)

    def open_profile(self, path: str | Path) -> bool:
        try:
            self.model.load(path)
        except UserError as error:
            self.show_error(str(error), "Cannot open the profile")
            return False
        return True

    def save(self) -> bool:
        if self.model.path is None:
            return self.save_as_dialog()
        return self.save_to(self.model.path)

    def save_as_dialog(self) -> bool:
        CALIBRATION_DIR.mkdir(exist_ok=True)
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save profile",
            str(CALIBRATION_DIR / f"{self.model.name}.toml"),
            "Profiles (*.toml)",
        )
        return bool(path) and self.save_to(path)

    def save_to(self, path: str | Path) -> bool:
        try:
            self.model.save(path)
        except (UserError, OSError) as error:
            self.show_error(str(error), "Cannot save the profile")
            return False
        self.statusBar().showMessage(f"saved {path}", 4000)
        return True

    def _discard_ok(self) -> bool:
        if not self.model.dirty:
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", "Discard the changes to this profile?"
        )
        return answer == QMessageBox.StandardButton.Yes

    def _profile_changed(self) -> None:
        m = self.model
        where = str(m.path) if m.path is not None else "not saved"
        self.status_profile.setText(f"profile: {m.name}{' *' if m.dirty else ''} ({where})")
        self.setWindowTitle(f"screen-agent — {m.name}{' *' if m.dirty else ''}")
        if hasattr(self, "launch_action"):
            self._update_buttons()

    # -- regions
    def pick_regions(self) -> RegionPicker | None:
        """Open the region picker over a frozen screenshot; returns it (for tests)."""
        initial = dict(self.model.regions)
        if self.model.window is not None and self.last_frame is not None:
            sx, sy = self.last_frame.screen_origin
            initial = {n: r.offset(sx, sy) for n, r in initial.items()}
        elif self.model.window is not None:
            initial = {}
        try:
            desktop = self.open_desktop()
            picker = RegionPicker.from_screen(initial=initial, desktop=desktop)
        except UserError as error:
            self.show_error(str(error), "Region picker")
            return None
        except Exception as error:  # mss's own errors are the X server's many-line reports
            self.show_error(
                f"cannot grab the screen ({type(error).__name__}); is the display still there?",
                "Region picker",
            )
            return None
        picker.picked.connect(self._picked)
        picker.destroyed.connect(lambda: setattr(self, "picker", None))
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.picker = picker
        picker.start()
        return picker

    def _picked(self, result: PickResult) -> None:
        self.model.set_regions(result.regions, result.window)
        if self.model.name == "untitled" and result.window is not None:
            slug = "".join(c if c.isalnum() else "-" for c in result.window.title.lower()).strip(
                "-"
            )
            self.model.set_name(slug.replace("screen-agent-arcade--", "arcade-") or "untitled")

    # -- live view and reward debugger
    def grab_frame(self) -> None:
        if self.grabber is None:
            try:
                self.grabber = AreaGrabber(self.open_desktop())
            except UserError as error:
                self.live_view.set_frame(None, f"no screen to grab: {error}")
                self.timer.stop()
                return
            except Exception as error:  # mss could not connect: its message is not one line
                self.live_view.set_frame(None, f"no screen to grab ({type(error).__name__})")
                self.timer.stop()
                return
        frame = self.grabber.grab(self.model)
        if frame is None:
            self.live_view.set_frame(None, self.grabber.error or "")
            return
        self.show_frame(frame)

    def show_frame(self, frame: AreaFrame) -> None:
        """Show a grabbed frame and, while the reward debugger is on screen, run the reward
        rules on it (not otherwise: reading the rules and redrawing the hidden strip chart took
        the GUI thread up to 230 ms at a time while training)."""
        self.last_frame = frame
        self.live_view.set_frame(frame)
        self.reward_editor.set_frame(frame.pixels, frame.origin)
        # A covered frame is not the game's: its score pixels would fire rules falsely.
        if self.debug.rules and self.reward_debugger.isVisible() and not frame.covered:
            self.debug.feed(frame.pixels, frame.time)

    def _configure_debugger(self) -> None:
        origin = self.last_frame.origin if self.last_frame is not None else (0, 0)
        source = str(self.model.path or self.model.directory / f"{self.model.name}.toml")
        self.debug.configure(self.model.rewards, self.model.regions, source, origin)

    # -- training
    def start_training(self) -> None:
        if isinstance(self.trainer_factory, str):
            self.show_error(self.trainer_factory, "Training")
            return
        if self._refuse_if_busy("Training"):
            return
        if not self._profile_saved():
            return
        if not self._clear_for_run():
            return
        self.tabs.setCurrentWidget(self.training_view)
        self.mode = "train"
        self.run_dir = new_run_dir(self.model.name)
        self._run_demos = self.demos.chosen()
        self.run_bar.run_started(self.run_dir, len(self._run_demos))
        self.controller.start(self.trainer_factory)
        self._update_buttons()

    def _prepare_worker(self) -> None:
        if self.starter is not None and not self.controller.running:
            self.starter.prepare()

    def _prewarm_training_view(self) -> None:
        """While the training tab is hidden, lay it out and paint it offscreen at the size it
        will have: its first showing (Train) then only replays cached axes (~30 ms) instead
        of laying out and drawing six plots from scratch (~90 ms, doubled when the CPU is
        busy starting the trainer)."""
        if self.tabs.currentWidget() is not self.training_view and not self.controller.running:
            self.training_view.prewarm(self.tabs.currentWidget().size())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.tabs and event.type() == QEvent.Type.Resize:
            self._prewarm_timer.start()  # once the resizing settles
        return super().eventFilter(watched, event)

    def toggle_pause(self) -> None:
        if self.training.state == "paused":
            self.controller.resume()
        else:
            self.controller.pause()

    def play_checkpoint(self) -> None:
        """Ask for a checkpoint, then play greedily with it."""
        runs = Path("runs")
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Load a checkpoint",
            str(runs if runs.is_dir() else Path.cwd()),
            "Checkpoints (*.pt);;All files (*)",
        )
        if path:
            self.start_playing(path)

    def start_playing(self, checkpoint: str | Path) -> bool:
        """Play greedily with the agent in ``checkpoint`` in the worker thread, until Stop."""
        if self.controller.running or self._refuse_if_busy("Play"):
            return False
        if not self._profile_saved():
            return False
        if not self._clear_for_run():
            return False
        self.tabs.setCurrentWidget(self.training_view)
        self.mode = "play"
        self.run_bar.run_started(None)
        self.controller.start(self.player_factory(self.model, Path(checkpoint)))
        self.statusBar().showMessage(f"playing greedily with {checkpoint}")
        self._update_buttons()
        return True

    def keep_clear_of_game(self, ask: bool = True) -> Outcome:
        """Move (and shrink if it must) this window so it does not cover the game, whose
        pixels the run is about to learn from; with no room beside the game, ask the user
        (unless ``ask`` is False). Nothing happens without a desktop (tests without a
        display) or while the game's window is not open (a run that launches it checks again
        when the game reports the app in its way, see :meth:`_paused`)."""
        if not self.isVisible() or (self.desktop is None and not self.live):
            return Outcome.CLEAR
        try:
            desktop = self.open_desktop()
        except UserError:
            return Outcome.NO_GAME  # the run itself will say why there is no screen
        outcome = keep_clear(self, desktop, self.model, self.ask_placement if ask else None)
        if outcome not in (Outcome.CLEAR, Outcome.NO_GAME):
            self.statusBar().showMessage(outcome.value, 8000)
        return outcome

    def _profile_saved(self) -> bool:
        """The profile is valid and saved, as a run or a recording reads it from its file;
        False after telling the user why it is not."""
        problem = self.model.problem()
        if problem:
            self.show_error(problem, "The profile is not ready")
            return False
        return not (self.model.dirty or self.model.path is None) or self.save()

    def _clear_for_run(self) -> bool:
        """Keep clear of the game as a run starts; False if the user chose not to start."""
        self._placed_late = False
        return self.keep_clear_of_game().proceed

    def _paused(self, message: str | None) -> None:
        """Acting paused; if because this window covers the game (the message names it: e.g.
        the game was launched under it), move out of the way, once a run."""
        title = repr(self.windowTitle())
        if message and title in message and self.controller.running and not self._placed_late:
            self.keep_clear_of_game(ask=False)
            self._placed_late = True

    def _run_ended(self) -> None:
        if self.mode == "train":
            self.run_bar.run_ended()

    # -- the game, "Find for me", demonstrations
    def toggle_game(self) -> None:
        """Start game / Stop game."""
        if self.launcher.state == "running":
            self.launcher.stop()
            return
        try:
            self.launcher.start(self.model)
        except UserError as error:
            self.show_error(str(error), "Start game")
            return
        launch = self.model.launch
        command = " ".join(launch.command) if launch is not None else self.model.name
        self.statusBar().showMessage(f"starting {command}…")

    def _game_launched(self, game: Any) -> None:
        """The game is up: move this window off it (the live view shows it), and say so."""
        if self.grabber is None and self.live and not self.timer.isActive():
            self.timer.start()  # the live view had given up for want of a window
        outcome = self.keep_clear_of_game(ask=False)
        client = game.window.client
        parts = [
            f"started {game.title!r} ({client.width}x{client.height} at {client.x}, {client.y})",
            *game.notes,
        ]
        if outcome not in (Outcome.CLEAR, Outcome.NO_GAME):
            parts.append(outcome.value)
        self.statusBar().showMessage("; ".join(parts), 15000)

    def _restore(self) -> None:
        if self.isMinimized():
            self.showNormal()
            self.raise_()

    def show_find(self) -> None:
        self.tabs.setCurrentWidget(self.find_panel)

    def _window_titles(self) -> list[str]:
        own = self.windowTitle()
        return [w.title for w in self.open_desktop().windows() if w.title and w.title != own]

    def _refuse_if_busy(self, what: str) -> bool:
        """True (and a one-line dialog) while something else uses the game: two of them
        would press keys or watch each other's presses."""
        busy = [
            name
            for name, running in (
                ("a training or play run", self.controller.running),
                ("Find for me", self.find_panel.task.running),
                ("a recording of your play", self.demos_panel.task.running),
            )
            if running
        ]
        if busy:
            self.show_error(f"{busy[0]} is using the game now; stop it first", what)
        return bool(busy)

    def _before_watch(self) -> bool:
        """Before Find for me watches: nothing else using the game, this window off it."""
        if self._refuse_if_busy("Find for me"):
            return False
        return self.keep_clear_of_game().proceed

    def _before_record(self) -> bool:
        """Before a demonstration: nothing else using the game, the profile saved (the
        recording reads its files) and this window off the game."""
        if self._refuse_if_busy("Record"):
            return False
        if not self._profile_saved():
            return False
        return self.keep_clear_of_game().proceed

    def _stats(self, event: Any) -> None:
        self.status_rate.setText(f"decisions/s: {event.decisions_per_second:.1f}")
        self.status_late.setText(f"lateness p99: {event.lateness_ms_p99:.1f} ms")

    # -- errors and closing
    def open_desktop(self) -> Desktop:
        """The desktop backend, opened on first use; DesktopError (one line) if there is
        none (no display, a Wayland session)."""
        if self.desktop is None:
            self.desktop = open_desktop()
        return self.desktop

    def show_error(self, message: str, title: str = "Training failed") -> QMessageBox:
        """Show ``message`` in a dialog that does not block the event loop."""
        self.error_box = show_error(self, message, title)
        return self.error_box

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing stops training, the probe, a calibration and a recording (each releases
        every key), then the game the app started, and the grabs."""
        self.timer.stop()
        # Everything that presses keys or watches the game ends first (each releases its
        # keys), then the game this app started.
        self.actions_editor.runner.cancel()  # the probe's session releases its keys
        self.find_panel.task.cancel()
        self.demos_panel.task.cancel()
        self.controller.shutdown()
        self.actions_editor.runner.wait(5.0)
        self.find_panel.task.wait(5.0)
        self.demos_panel.task.wait(5.0)
        self.launcher.close()
        if self.starter is not None:
            self.starter.close()
            self.starter = None
        if self.grabber is not None:
            self.grabber.close()
            self.grabber = None
        if self.picker is not None:
            self.picker.close()
        if self.desktop is not None:
            self.desktop.close()
            self.desktop = None
        super().closeEvent(event)


# --- command line -----------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``screen-agent gui``'s arguments to ``parser``."""
    parser.add_argument("profile", nargs="?", help="a profile to open (calibration/NAME.toml)")
    parser.add_argument(
        "--launch",
        action="store_true",
        help="start the profile's game ([launch]) once the window is up; it stops with the app",
    )


SIGNAL_POLL_MS = 250
"""How often the event loop lets Python run its signal handlers, milliseconds."""


def close_on_signals(window: QMainWindow) -> QTimer:
    """Make Ctrl+C and SIGTERM close ``window`` as its close button does (runs stop and
    release their keys, the game the app started stops) rather than kill the app with the
    game left running. Returns the timer that lets Python see the signals while Qt waits
    (keep it)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda _sig, _frame: window.close())
    timer = QTimer(window)
    timer.timeout.connect(lambda: None)  # a return to Python now and then
    timer.start(SIGNAL_POLL_MS)
    return timer


def run(args: argparse.Namespace) -> int:
    """Run the app until its window closes; returns the exit code."""
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("screen-agent")
    window = MainWindow()
    if args.profile and not window.open_profile(args.profile):
        print(
            f"error: {window.error_box.text() if window.error_box else args.profile}",
            file=sys.stderr,
        )
        return 2
    window.show()
    close_on_signals(window)
    if getattr(args, "launch", False):  # the CLI's own parser may not declare it
        window.launch_action.trigger()
    return int(app.exec())


def main(argv: list[str] | None = None) -> int:
    """``screen-agent gui [PROFILE]``."""
    parser = argparse.ArgumentParser(
        prog="screen-agent gui", description="The screen-agent desktop app."
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))
