"""Each widget the napari way: build the model, add the widget, change the model and look at
the widget; then edit in the widget and look at the model."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QMessageBox
from stall_meter import StallMeter

from screen_agent.desktop import Monitor, Window, WindowClosedError, WindowNotFoundError
from screen_agent.errors import UserError
from screen_agent.geometry import Region
from screen_agent.gui.actions_editor import ActionsEditor
from screen_agent.gui.app import MainWindow
from screen_agent.gui.background import BackgroundTask
from screen_agent.gui.controller import TrainingController
from screen_agent.gui.geometry import ScreenMapper, ScreenPatch
from screen_agent.gui.model import ProfileModel, RewardDebugModel, TrainingModel
from screen_agent.gui.preview import AreaFrame, AreaGrabber, LiveView
from screen_agent.gui.region_picker import WINDOW_COLOUR, PickResult, RegionPicker
from screen_agent.gui.reward_debugger import RewardDebugger
from screen_agent.gui.reward_editor import RewardEditor
from screen_agent.gui.training_view import TrainingView
from screen_agent.profile import WindowRef
from screen_agent.training.events import EpisodeEvent, FrameEvent, StatsEvent

STALL_LIMIT_MS = 250


def stats(step: int, **overrides: float | None) -> StatsEvent:
    fields = dict(
        step=step,
        updates=step // 2,
        loss=0.5,
        q_mean=1.5,
        epsilon=0.9,
        decisions_per_second=15.0,
        lateness_ms_p99=3.0,
        latency_ms_p99=25.0,
    )
    return StatsEvent(**(fields | overrides))


def catch_model() -> ProfileModel:
    model = ProfileModel()
    model.set_regions(
        {"game": Region(0, 80, 400, 480), "score": Region(273, 8, 121, 64)},
        WindowRef("screen-agent arcade: catch", 400, 560),
    )
    return model


def saved_catch_model(tmp_path) -> ProfileModel:
    model = catch_model()
    model.save(tmp_path / "catch.toml")
    return model


# --- live view --------------------------------------------------------------------------------
def test_live_view_draws_the_regions_over_the_frame(qtbot):
    model = catch_model()
    view = LiveView(model)
    qtbot.addWidget(view)
    view.resize(400, 560)
    frame = np.zeros((560, 400, 3), np.uint8)
    view.set_frame(AreaFrame(frame, (0, 0), 0.0))
    image = view.grab().toImage()
    left_edge = image.pixelColor(0, 300)  # the green outline of the game region
    assert left_edge.green() > 150 and left_edge.red() < 120
    assert view.grab().toImage().pixelColor(273, 40).red() > 150  # the score's, yellow
    model.set_region("score", None)  # model -> widget: the score outline disappears
    assert view.grab().toImage().pixelColor(273, 40).red() < 100


# --- actions editor ---------------------------------------------------------------------------
def test_actions_editor_shows_the_model_and_records_keys(qtbot):
    model = ProfileModel()
    editor = ActionsEditor(model)
    qtbot.addWidget(editor)
    editor.show()
    assert editor.table.rowCount() == 1 and "no-op" in editor.table.item(0, 1).text()
    model.add_action("jump", ["space"])  # model -> widget
    assert editor.table.item(1, 0).text() == "jump"
    assert editor.table.item(1, 1).text() == "space"
    # widget -> model: record an action by holding left and up together
    editor.table.clearSelection()
    editor.record()
    assert editor.recorder.recording
    qtbot.keyPress(editor.recorder, Qt.Key.Key_Left)
    qtbot.keyPress(editor.recorder, Qt.Key.Key_Up)
    qtbot.keyRelease(editor.recorder, Qt.Key.Key_Up)
    qtbot.keyRelease(editor.recorder, Qt.Key.Key_Left)
    assert not editor.recorder.recording
    assert model.actions[2].keys == ("left", "up")
    assert model.actions[2].name == "left+up"
    editor.table.item(2, 0).setText("up-left")  # rename in the table
    assert model.actions[2].name == "up-left"
    editor.hold.setValue(80)
    assert model.key_hold_ms == 80
    probed = []
    editor.probe = lambda m: (probed.append(m), lambda control: [])[1]
    editor.test_button.click()
    assert probed == [model]


# --- reward editor and debugger ---------------------------------------------------------------
def test_reward_editor_edits_rules_and_captures_a_template(qtbot, tmp_path):
    model = catch_model()
    model.path = tmp_path / "catch.toml"
    editor = RewardEditor(model)
    qtbot.addWidget(editor)
    model.add_rule({"kind": "score_change", "region": "score"})  # model -> widget
    assert editor.rules.count() == 1 and "score_change on score" in editor.rules.item(0).text()
    assert "all valid" in editor.status.text()
    editor.params["settle_frames"].spin.setValue(4)  # widget -> model
    assert model.rewards[0]["settle_frames"] == 4
    model.update_rule(0, settle_frames=0)  # a value the reader refuses, as a file could hold
    assert "settle_frames" in editor.status.text()  # the reader's own message
    editor.params["settle_frames"].spin.setValue(2)
    assert model.rewards[0]["settle_frames"] == 2 and "all valid" in editor.status.text()
    editor.new_kind.setCurrentText("template")
    editor.add_button.click()
    assert model.rewards[1]["kind"] == "template"
    frame = np.zeros((560, 400, 3), np.uint8)
    frame[8:72, 273:394] = np.random.default_rng(0).integers(0, 255, (64, 121, 3))
    editor.set_frame(frame)
    editor.capture_button.click()
    image = model.rewards[1]["image"]
    assert (tmp_path / image).exists() and "Captured 121x64" in editor.status.text()
    editor.refresh()
    assert "2 rule(s), all valid" in editor.status.text()


def test_reward_debugger_plots_signals_and_marks_firings(qtbot, tmp_path):
    debug = RewardDebugModel()
    widget = RewardDebugger(debug)
    qtbot.addWidget(widget)
    regions = {"game": Region(0, 0, 100, 100), "banner": Region(10, 10, 20, 20)}
    rules = [
        {
            "kind": "range",
            "region": "banner",
            "intensity": [200, 255],
            "reward": 1,
            "settle_frames": 1,
        }
    ]
    debug.configure(rules, regions, str(tmp_path / "p.toml"))
    assert len(widget.curves) == 1
    for i, value in enumerate([0, 255, 0, 255]):
        frame = np.zeros((100, 100, 3), np.uint8)
        frame[10:30, 10:30] = value
        debug.feed(frame, i / 15)
    _xs, ys = widget.curves[0].getData()
    assert list(np.round(ys)) == [0, 255, 0, 255]
    assert len(widget.reward_marks.data) == 2
    assert "2 reward(s)" in widget.summary.text()


# --- training view ----------------------------------------------------------------------------
def test_training_view_follows_trainer_events(qtbot):
    model = TrainingModel()
    view = TrainingView(model)
    qtbot.addWidget(view)
    for i in range(5):
        model.apply(EpisodeEvent(step=100 * (i + 1), episode=i + 1, ret=float(i), length=100))
        model.apply(stats(100 * (i + 1), loss=None if i == 0 else 0.1 * i))
    assert view._timer.isActive()  # redraws are coalesced
    view.flush_all()
    _xs, ys = view.curves["return"].getData()
    assert list(ys) == [0, 1, 2, 3, 4]
    assert list(view.rolling.getData()[1]) == [0, 0.5, 1, 1.5, 2]
    assert len(view.curves["loss"].getData()[1]) == 5
    frames = np.stack([np.full((84, 84), 60 * k, np.uint8) for k in range(4)])
    model.apply(FrameEvent(step=501, frames=frames, action="right"))
    qtbot.waitUntil(lambda: view.action.text() == "action: right", timeout=1000)
    assert view.action.text() == "action: right"
    newest = view.eyes[3].pixmap().toImage().pixelColor(10, 10)
    assert newest.red() == 180 and view.eyes[0].pixmap().toImage().pixelColor(10, 10).red() == 0
    assert "episodes: 5" in view.summary.text()


# --- region picker ----------------------------------------------------------------------------
def _mouse(widget, kind, pos, buttons=Qt.MouseButton.LeftButton):
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    event = QMouseEvent(
        kind, QPointF(*pos), QPointF(*pos), button, buttons, Qt.KeyboardModifier.NoModifier
    )
    widget.event(event)


def drag(widget, start, end):
    _mouse(widget, QEvent.Type.MouseButtonPress, start)
    for t in (0.25, 0.5, 1.0):
        pos = (start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t)
        _mouse(widget, QEvent.Type.MouseMove, pos)
    _mouse(widget, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)


def picker(qtbot, scale: float = 1.0, **kwargs) -> RegionPicker:
    w, h = 400, 300
    shot = np.random.default_rng(1).integers(
        0, 255, (int(h * scale), int(w * scale), 3), dtype=np.uint8
    )
    mapper = ScreenMapper(
        [ScreenPatch(Region(0, 0, w, h), Region(0, 0, int(w * scale), int(h * scale)))]
    )
    widget = RegionPicker(shot, mapper, **kwargs)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_region_picker_drag_nudge_resize_and_finish(qtbot):
    widget = picker(qtbot)
    results = []
    widget.picked.connect(results.append)
    drag(widget, (10, 20), (110, 220))
    assert widget.regions["game"] == Region(10, 20, 100, 200)
    qtbot.keyClick(widget, Qt.Key.Key_Right)
    qtbot.keyClick(widget, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert widget.regions["game"] == Region(11, 30, 100, 200)
    qtbot.keyClick(widget, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert widget.regions["game"].width == 101
    # the bottom-right handle resizes, dragging inside moves
    drag(widget, (112, 230), (150, 240))
    assert widget.regions["game"] == Region(11, 30, 139, 210)
    drag(widget, (50, 100), (60, 100))
    assert widget.regions["game"] == Region(21, 30, 139, 210)
    qtbot.keyClick(widget, Qt.Key.Key_Return)
    assert widget.current == "score"
    qtbot.keyClick(widget, Qt.Key.Key_Return)  # the score region is not optional
    assert widget.current == "score" and "first" in widget.message
    drag(widget, (300, 10), (380, 40))
    qtbot.keyClick(widget, Qt.Key.Key_Return)
    qtbot.keyClick(widget, Qt.Key.Key_Return)  # skip the optional game-over region
    assert results == [
        PickResult({"game": Region(21, 30, 139, 210), "score": Region(300, 10, 80, 30)}, None)
    ]


def test_region_picker_maps_hidpi_and_window_relative(qtbot):
    found = Window(42, "game", Region(20, 40, 600, 400))
    widget = picker(qtbot, scale=2.0, window_finder=lambda x, y: found, steps=("game",))
    results = []
    widget.picked.connect(results.append)
    qtbot.keyClick(widget, Qt.Key.Key_W)
    _mouse(widget, QEvent.Type.MouseButtonPress, (50, 50))
    assert widget.window is found
    drag(widget, (20, 30), (120, 130))  # logical; physical is twice that
    assert widget.regions["game"] == Region(40, 60, 200, 200)
    # The label gives the region's place in the window, and the window's outline is drawn
    # (dashed) where its client area is: physical (20, 40) is logical (10, 20) at scale 2.
    assert widget.region_label("game", widget.regions["game"]).endswith("window (20, 20)")
    image = widget.grab().toImage()
    outline = WINDOW_COLOUR.rgb()
    on_edge = sum(image.pixel(x, y) == outline for x in (9, 10, 11) for y in range(20, 220))
    assert on_edge > 50, on_edge
    qtbot.keyClick(widget, Qt.Key.Key_Return)
    assert results == [PickResult({"game": Region(20, 20, 200, 200)}, WindowRef("game", 600, 400))]


# --- the main window: worker thread, errors, closing ------------------------------------------
class ScriptedTrainer:
    """A stand-in for the screen trainer in the worker thread: sends real events, then either
    waits to be stopped or raises."""

    def __init__(self, on_event, fail: str | None = None, episodes: int = 20) -> None:
        self.on_event, self.fail, self.episodes = on_event, fail, episodes
        self.stopped = threading.Event()
        self.released = False

    def run(self) -> None:
        for i in range(self.episodes):
            self.on_event(EpisodeEvent(step=10 * i, episode=i + 1, ret=float(i % 5), length=10))
            self.on_event(stats(10 * i))
            self.on_event(FrameEvent(10 * i, np.zeros((4, 84, 84), np.uint8), "left"))
            time.sleep(0.005)
        if self.fail:
            raise RuntimeError(self.fail)
        self.stopped.wait(10)
        self.released = True

    def stop(self) -> None:
        self.stopped.set()

    def pause(self) -> None: ...
    def resume(self) -> None: ...


@pytest.mark.quiet  # a stall bound
def test_training_runs_in_a_worker_and_the_gui_stays_responsive(qtbot, tmp_path):
    trainers = []

    def factory(on_event):
        trainers.append(ScriptedTrainer(on_event))
        return trainers[-1]

    window = MainWindow(saved_catch_model(tmp_path), live=False, trainer_factory=factory)
    qtbot.addWidget(window)
    window.show()
    # The first paint of the plots (~50 ms offscreen) comes with opening the tab, not training.
    window.tabs.setCurrentWidget(window.training_view)
    qtbot.wait(100)
    with StallMeter() as meter:
        window.start_training()
        assert not window.start_action.isEnabled() and window.stop_action.isEnabled()
        qtbot.waitUntil(lambda: window.training.episodes == 20, timeout=5000)
        qtbot.wait(200)
    # Unloaded, the longest stall here is 20-40 ms (one plot redrawn per turn); a shared
    # 2-CPU machine under load adds scheduler delays, so this bound only catches a GUI thread
    # that blocks on the trainer. The 100 ms bound belongs to the e2e training test.
    assert meter.ticks > 5 and meter.longest_ms < STALL_LIMIT_MS, f"{meter.longest_ms:.0f} ms"
    assert window.status_rate.text() == "decisions/s: 15.0"
    qtbot.waitUntil(lambda: len(window.training_view.curves["return"].getData()[1]) == 20)
    window.close()  # closing stops the trainer (which releases the keys) and joins the thread
    assert trainers[0].released and not window.controller.running


def test_a_training_error_arrives_as_a_dialog(qtbot, tmp_path):
    window = MainWindow(
        saved_catch_model(tmp_path),
        live=False,
        trainer_factory=lambda on_event: ScriptedTrainer(on_event, "the game window closed", 2),
    )
    qtbot.addWidget(window)
    window.start_training()
    qtbot.waitUntil(lambda: window.training.state == "failed", timeout=5000)
    box = window.error_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "the game window closed" in box.text()
    qtbot.waitUntil(window.start_action.isEnabled, timeout=3000)
    assert not window.controller.running


def test_main_window_saves_a_profile_and_shows_it(qtbot, tmp_path):
    from screen_agent.profile import load_profile

    window = MainWindow(catch_model(), live=False, trainer_factory="no trainer here")
    qtbot.addWidget(window)
    assert (
        not window.start_action.isEnabled() and window.start_action.toolTip() == "no trainer here"
    )
    window.profile_form.name.setText("my-catch")
    window.profile_form.name.editingFinished.emit()
    assert window.model.name == "my-catch" and "my-catch *" in window.status_profile.text()
    assert window.save_to(tmp_path / "my-catch.toml")
    assert load_profile(tmp_path / "my-catch.toml").name == "my-catch"
    assert "my-catch (" in window.status_profile.text()
    window.show_frame(AreaFrame(np.zeros((560, 400, 3), np.uint8), (0, 0), time.monotonic()))
    assert window.reward_editor.frame is not None


def test_training_controller_pause_resume_stop(qtbot):
    model = TrainingModel()
    controller = TrainingController(model)
    controller.start(lambda on_event: ScriptedTrainer(on_event, episodes=1))
    qtbot.waitUntil(lambda: controller.trainer is not None, timeout=3000)
    controller.pause()
    assert model.state == "paused"
    controller.resume()
    assert model.state == "running"
    assert controller.shutdown(5)
    assert model.state == "finished"


# --- background work: the errored path --------------------------------------------------------
def test_background_task_delivers_progress_result_error_and_cancel_in_the_gui_thread(qtbot):
    task = BackgroundTask("test")
    seen = []
    task.progress.connect(lambda value: seen.append((value, threading.current_thread())))

    def count(control):
        for i in range(3):
            control.progress(i)
        return "done"

    with qtbot.waitSignal(task.finished, timeout=3000) as finished:
        task.start(count)
    assert finished.args == ["done"] and not task.running
    assert [v for v, _ in seen] == [0, 1, 2]
    assert all(t is threading.main_thread() for _, t in seen)

    with qtbot.waitSignal(task.errored, timeout=3000) as errored:
        task.start(lambda control: 1 / 0)
    assert errored.args[0].startswith("ZeroDivisionError: division by zero")

    def waits(control):
        while not control.wait(0.01):
            pass
        control.raise_if_cancelled()

    stopped = []
    task.start(lambda control: (control.on_cancel(lambda: stopped.append(1)), waits(control)))
    with qtbot.waitSignal(task.cancelled, timeout=3000):
        task.cancel()
    assert stopped == [1] and not task.running


def learner_failure_from_the_child() -> str:
    """The message a training child sends when its learner crashed (as WorkerProcess raises
    it in the app: WorkerFailed carrying worker_process.describe(LearnerFailed))."""
    from screen_agent.training.learner_process import LearnerFailed
    from screen_agent.training.worker_process import describe

    try:
        try:
            raise RuntimeError("CUDA error: out of memory")
        except RuntimeError as cause:
            raise LearnerFailed(
                "the learner stopped with an error: RuntimeError: CUDA error: out of memory; "
                "the run was saved"
            ) from cause
    except LearnerFailed as error:
        return describe(error)


def test_a_failing_run_ends_errored_with_a_dialog_and_the_failed_state(
    qtbot, tmp_path, monkeypatch
):
    """A run that raises (here the child's WorkerFailed carrying the learner's failure) takes
    the errored path: the model ends "failed" with the message and a dialog says it."""
    from screen_agent.training.worker_process import WorkerFailed

    opened = []
    open_dialog = QMessageBox.open
    monkeypatch.setattr(
        QMessageBox, "open", lambda box: (opened.append(box.windowTitle()), open_dialog(box))
    )
    message = learner_failure_from_the_child()

    class FailingWorker(ScriptedTrainer):
        def run(self) -> None:
            self.on_event(EpisodeEvent(step=10, episode=1, ret=1.0, length=10))
            raise WorkerFailed(message)

    window = MainWindow(
        saved_catch_model(tmp_path),
        live=False,
        trainer_factory=lambda on_event: FailingWorker(on_event),
    )
    qtbot.addWidget(window)
    states = []
    window.training.state_changed.connect(states.append)
    window.start_training()
    qtbot.waitUntil(lambda: window.training.state == "failed", timeout=5000)
    assert states == ["running", "failed"]
    assert window.training.error == message and window.training.episodes == 1
    assert opened == ["Training failed"]
    box = window.error_box
    assert box is not None and box.isVisible()
    assert box.text().startswith("the learner stopped with an error")
    assert "CUDA error: out of memory" in box.detailedText()  # the child's traceback
    qtbot.waitUntil(window.start_action.isEnabled, timeout=3000)


def test_a_factory_error_is_not_swallowed(qtbot, tmp_path):
    """The run's factory runs off the GUI thread too; its error ends the same way."""

    def factory(on_event):
        raise UserError("save the profile first: training reads it from its file")

    window = MainWindow(saved_catch_model(tmp_path), live=False, trainer_factory=factory)
    qtbot.addWidget(window)
    window.start_training()
    qtbot.waitUntil(lambda: window.training.state == "failed", timeout=5000)
    assert window.error_box is not None and window.error_box.isVisible()
    assert window.error_box.text() == "save the profile first: training reads it from its file"


# --- the live view's grabs: every failure is one plain line -------------------------------------
class OneWindowDesktop:
    """A desktop with at most one window (``window``: None once it is closed)."""

    def __init__(self, window: Window | None) -> None:
        self.win = window
        self.covers: list[Window] = []
        """What lies over the window (each with the part of its client area it hides)."""

    def find_window(self, title: str) -> Window:
        if self.win is None or self.win.title != title:
            raise WindowNotFoundError(f"no window titled {title!r} is open; start the game")
        return self.win

    def window(self, handle: int) -> Window:
        if self.win is None or self.win.handle != handle:
            raise WindowClosedError(f"the window {handle:#x} was closed")
        return self.win

    def covering(self, handle: int) -> list[Window]:
        self.window(handle)
        return list(self.covers)

    def monitors(self) -> list[Monitor]:
        return [Monitor(Region(0, 0, 1600, 1000), 1.0, True)]


class FakeScreen:
    """An ``mss.MSS`` stand-in: one 1600x1000 monitor; grabs fail like XGetImage's."""

    monitors = ({"left": 0, "top": 0, "width": 1600, "height": 1000},) * 2

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    def grab(self, monitor):
        import mss.exception

        if self.fail:
            raise mss.exception.ScreenShotError(
                "XGetImage() failed\n<Xlib.error.BadMatch: code = 8, resource_id = 1234>"
            )

        class Shot:
            width, height = monitor["width"], monitor["height"]
            raw = bytes(4 * monitor["width"] * monitor["height"])

        return Shot()

    def close(self) -> None: ...


def test_a_failed_grab_says_why_in_one_line():
    model = catch_model()
    desktop = OneWindowDesktop(Window(7, "screen-agent arcade: catch", Region(100, 40, 400, 560)))
    grabber = AreaGrabber(desktop, screen=FakeScreen())
    frame = grabber.grab(model)
    assert frame is not None and frame.pixels.shape == (560, 400, 3) and grabber.error is None
    desktop.win = Window(7, "screen-agent arcade: catch", Region(1400, 40, 400, 560))
    grabber = AreaGrabber(desktop, screen=FakeScreen())  # partly off the 1600-pixel screen
    assert grabber.grab(model) is None
    assert grabber.error == (
        "the window 'screen-agent arcade: catch' lies partly off the screen: "
        "move it wholly onto one monitor"
    )
    desktop.win = Window(7, "screen-agent arcade: catch", Region(100, 40, 400, 560))
    grabber = AreaGrabber(desktop, screen=FakeScreen(fail=True))  # the X server refuses
    assert grabber.grab(model) is None
    assert "\n" not in grabber.error and "Xlib" not in grabber.error
    assert grabber.error.startswith("cannot grab the screen there")
    desktop.win = None
    grabber = AreaGrabber(desktop, screen=FakeScreen())
    assert grabber.grab(model) is None
    assert grabber.error == "no window titled 'screen-agent arcade: catch' is open; start the game"


def test_the_live_view_marks_a_covered_part_in_red_with_the_message(qtbot):
    model = catch_model()
    desktop = OneWindowDesktop(Window(7, "screen-agent arcade: catch", Region(100, 40, 400, 560)))
    grabber = AreaGrabber(desktop, screen=FakeScreen())
    frame = grabber.grab(model)
    assert frame is not None and frame.covered == () and frame.note == ""
    # A window over the bottom-left of the game: the desktop gives the part it hides.
    desktop.covers = [Window(9, "Notes", Region(100, 420, 160, 180))]
    frame = grabber.grab(model)
    assert frame is not None and grabber.error is None
    assert frame.covered == (Region(0, 380, 160, 180),)  # the frame's pixels
    assert frame.note == (
        "'Notes' covers 160x180 px of the game window at (0, 380); move it away to go on"
    )
    view = LiveView(model)
    qtbot.addWidget(view)
    view.resize(400, 560)  # one view pixel per frame pixel
    view.set_frame(frame)
    assert view.note == frame.note
    image = view.grab().toImage()
    inside, outside = image.pixelColor(80, 450), image.pixelColor(300, 450)
    assert inside.red() > 60 and inside.green() < 30, inside.name()  # red over black
    assert outside.red() < 30, outside.name()
    desktop.covers = []  # moved away: no mark, no message
    frame = grabber.grab(model)
    assert frame is not None and frame.covered == () and frame.note == ""


def test_a_covered_frame_does_not_feed_the_reward_debugger(qtbot, tmp_path):
    window = MainWindow(saved_catch_model(tmp_path), live=False, trainer_factory="none")
    qtbot.addWidget(window)
    window.show()
    window.model.add_rule({"kind": "score_change", "region": "score", "settle_frames": 2})
    window.tabs.setCurrentWidget(window.reward_debugger.parentWidget())  # on screen
    pixels = np.zeros((560, 400, 3), np.uint8)
    window.show_frame(AreaFrame(pixels, (0, 0), 1.0))
    assert len(window.debug.times) == 1
    covered = AreaFrame(pixels, (0, 0), 2.0, covered=(Region(0, 0, 50, 50),), note="covered")
    window.show_frame(covered)
    assert len(window.debug.times) == 1
    assert window.live_view.note == "covered"
