"""Greedy play from a checkpoint and the actions editor's probe, the napari way: real models,
a real checkpoint, the core's player and screen env (on a scripted source and a recording sink) and real
probe reports; the widgets are driven and read through ``qtbot``."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import torch
from PySide6.QtWidgets import QFileDialog

from screen_agent.capture.frame import Frame
from screen_agent.envs.screen import ScreenEnv
from screen_agent.envs.session import make_session
from screen_agent.geometry import Region
from screen_agent.gui.actions_editor import ActionsEditor
from screen_agent.gui.app import MainWindow
from screen_agent.gui.background import TaskCancelled
from screen_agent.gui.model import ProfileModel
from screen_agent.input.sink import InputStatus, RecordingSink
from screen_agent.probe import NO_EFFECT, NOT_CLEAR, ProbeSettings, format_report, probe
from screen_agent.profile import WindowRef
from screen_agent.reward import RewardReader
from screen_agent.training.screen_play import ScreenPlayer, load_screen_agent


def catch_model(tmp_path) -> ProfileModel:
    model = ProfileModel()
    model.set_regions(
        {"game": Region(0, 80, 400, 480), "score": Region(273, 8, 121, 64)},
        WindowRef("screen-agent arcade: catch", 400, 560),
    )
    model.add_action("left", ("left",))
    model.add_action("right", ("right",))
    model.set_timing(episode_seconds=1)  # 15 decisions an episode
    model.save(tmp_path / "catch.toml")
    return model


class ScriptedScreen:
    """Frames of a 400x560 window: noise in the game region, the player's block moved by the
    keys the sink holds."""

    def __init__(self, sink: RecordingSink | None = None) -> None:
        self.sink = sink
        self.x = 180
        self.rng = np.random.default_rng(0)

    def grab(self) -> Frame:
        time.sleep(0.002)
        pixels = np.zeros((560, 400, 3), np.uint8)
        held = self.sink.held if self.sink is not None else frozenset()
        self.x = int(np.clip(self.x + 8 * ("right" in held) - 8 * ("left" in held), 0, 360))
        pixels[500:540, self.x : self.x + 40] = 255
        return Frame(pixels, time.monotonic())

    def close(self) -> None: ...


def screen_session(model: ProfileModel) -> tuple:
    """The model's game as a session over the scripted screen and a recording sink."""
    profile = model.to_profile()
    sink = RecordingSink(profile)
    source = ScriptedScreen(sink)
    reader = RewardReader.for_profile(profile, str(model.path))
    return make_session(ScreenEnv(profile, source, sink, reader, realtime=False)), sink


def write_checkpoint(env, names, path) -> None:
    from screen_agent.agent.config import screen_config
    from screen_agent.agent.dqn import DQNAgent
    from screen_agent.training.gym_loop import save_run_checkpoint

    rng = np.random.default_rng(0)
    config = screen_config()
    space = env.observation_space
    agent = DQNAgent(
        space.shape, space.dtype, env.action_space.n, config, torch.device("cpu"), rng, names
    )
    save_run_checkpoint(path, "screen:test", config, agent, 0, 0, float("-inf"), rng)


@pytest.fixture
def playing(qtbot, tmp_path):
    """A main window whose player plays the scripted screen with a real checkpoint."""
    model = catch_model(tmp_path)
    session, sink = screen_session(model)
    names = model.to_profile().action_names
    checkpoint = tmp_path / "checkpoint.pt"
    write_checkpoint(session, names, checkpoint)

    def player_factory(_model, path):
        # The app runs play in a child process on the live game; here the same player runs in
        # the controller's background task on the scripted screen.
        def factory(on_event):
            agent = load_screen_agent(path, session, torch.device("cpu"))
            return ScreenPlayer(agent, session, on_event)

        return factory

    window = MainWindow(model, live=False, player_factory=player_factory)
    qtbot.addWidget(window)
    window.show()
    return window, sink, checkpoint


def test_load_checkpoint_and_play_in_a_worker(playing, qtbot, monkeypatch):
    window, sink, checkpoint = playing
    assert window.play_action.isEnabled()
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(checkpoint), ""))
    )
    window.play_action.trigger()  # the file dialog, then play
    assert window.mode == "play" and window.controller.running
    assert not window.play_action.isEnabled() and not window.start_action.isEnabled()
    assert window.stop_action.isEnabled()
    qtbot.waitUntil(lambda: window.training.episodes >= 2, timeout=20000)
    assert window.training.frame is not None and window.training.frame.frames.shape == (4, 84, 84)
    assert window.training.frame.action in ("noop", "left", "right")
    assert len(window.training.returns) >= 2 and sink.actions  # it pressed keys
    window.training_view.flush_all()
    assert window.training_view.action.text().startswith("action: ")
    assert len(window.training_view.curves["return"].getData()[0]) >= 2

    window.stop_action.trigger()
    qtbot.waitUntil(lambda: not window.controller.running, timeout=5000)
    assert sink.held == frozenset() and window.training.state == "finished"
    assert window.play_action.isEnabled() and window.error_box is None


def test_stop_works_while_the_game_has_no_focus(playing, qtbot):
    """Clicking Stop focuses the GUI, so the env is waiting for the game's focus: Stop must
    still end play (the env's waits are interruptible) and leave no key down."""
    window, sink, checkpoint = playing
    window.start_playing(checkpoint)
    qtbot.waitUntil(lambda: window.training.frame is not None, timeout=20000)
    sink.focused = False  # as when the user clicks the GUI
    qtbot.waitUntil(lambda: sink.last_status is InputStatus.PAUSED, timeout=5000)
    qtbot.wait(300)  # the env waits for focus
    started = time.monotonic()
    window.controller.stop()
    qtbot.waitUntil(lambda: not window.controller.running, timeout=3000)
    assert time.monotonic() - started < 2.0  # else: until the game has focus
    assert sink.held == frozenset() and window.error_box is None


def test_pause_releases_the_keys_and_close_stops_play(playing, qtbot):
    window, sink, checkpoint = playing
    window.start_playing(checkpoint)
    qtbot.waitUntil(lambda: window.training.frame is not None, timeout=20000)
    window.pause_action.trigger()
    assert window.training.state == "paused"
    qtbot.waitUntil(lambda: sink.held == frozenset(), timeout=2000)
    qtbot.wait(100)  # a step already under way when Pause came may still end
    steps = len(sink.actions)
    qtbot.wait(200)
    assert len(sink.actions) == steps  # no decisions while paused
    window.pause_action.trigger()
    qtbot.waitUntil(lambda: len(sink.actions) > steps, timeout=3000)
    window.close()  # stops the player and joins its thread
    assert not window.controller.running and sink.held == frozenset()


def test_a_bad_checkpoint_arrives_as_a_dialog(playing, qtbot, tmp_path):
    window = playing[0]
    window.start_playing(tmp_path / "missing.pt")
    qtbot.waitUntil(lambda: window.training.state == "failed", timeout=5000)
    box = window.error_box
    assert box is not None and box.isVisible() and box.windowTitle() == "Play failed"
    assert "no checkpoint at" in box.text()
    qtbot.waitUntil(window.play_action.isEnabled, timeout=3000)


# --- the actions editor's probe -----------------------------------------------------------------
def test_probe_runs_in_a_worker_and_flags_actions_without_effect(qtbot, tmp_path):
    model = catch_model(tmp_path)
    model.add_action("fire", ("space",))  # the scripted screen ignores space
    editor = ActionsEditor(model)
    qtbot.addWidget(editor)
    calls = []

    def prepare(m):
        calls.append(threading.current_thread())
        profile = m.to_profile()

        def job(control):
            calls.append(threading.current_thread())
            sink = RecordingSink(profile)
            # No third look (tests/test_probe_play.py): its random play would take 20 s here.
            settings = ProbeSettings(
                trials=4, hold_s=0.08, settle_s=0.02, settle_jitter_s=0.02, min_pixels=60,
                play=False,
            )  # fmt: skip
            return probe(profile, ScriptedScreen(sink), sink, settings, on_trial=control.progress)

        return job

    editor.probe = prepare
    editor.test_button.click()
    assert editor.test_button.text() == "Cancel test"
    qtbot.waitUntil(lambda: editor.reports != [], timeout=10000)
    assert calls[0] is threading.main_thread() and calls[1] is not threading.main_thread()
    assert [r.name for r in editor.reports] == ["left", "right", "fire"]
    assert [r.works for r in editor.reports] == [True, True, False]
    assert editor.report_text == format_report(editor.reports)
    table = editor.results
    assert table.isVisibleTo(editor) and table.rowCount() == 3
    assert [table.item(row, 0).text() for row in range(3)] == ["left", "right", "fire"]
    assert table.item(0, 5).text() == "works"
    assert table.item(2, 5).text() == editor.reports[2].verdict in (NO_EFFECT, NOT_CLEAR)
    assert table.item(2, 1).text() == "space" and table.item(2, 2).text() == "0/4"
    assert "fire" in editor.status.text() and editor.test_button.text() == "Test…"


def test_probe_shows_given_reports_errors_and_cancels(qtbot, tmp_path):
    from screen_agent.errors import UserError
    from screen_agent.probe import ActionReport

    model = catch_model(tmp_path)
    editor = ActionsEditor(model)
    qtbot.addWidget(editor)
    reports = [
        ActionReport("left", ("left",), 3, 3, 48.0, 900),
        ActionReport("right", ("right",), 1, 3, None, 12),
    ]
    editor.show_reports(reports)
    assert editor.results.item(0, 3).text() == "48 ms" and editor.results.item(1, 3).text() == "-"
    assert editor.results.item(1, 5).text() == NO_EFFECT and "right" in editor.status.text()
    # A miss just above the level is told as not clear, apart from the keys with no effect.
    up = ActionReport("up", ("up",), 150, 300, None, 0, chance=0.006, basis="play")
    editor.show_reports([*reports, up])
    assert editor.results.item(2, 5).text() == NOT_CLEAR and editor.results.item(2, 4).text() == "-"
    amber, red = (editor.results.item(row, 0).foreground().color().name() for row in (2, 1))
    assert amber != red, "a weak sign is shown apart from no sign"
    assert editor.status.text() == (
        "No visible effect: right. Does the game get these keys? "
        "Not clear: up (a weak sign of an effect; it may work only now and then): "
        "test again, or watch it in play."
    )

    def not_ready(_m):
        raise UserError("the profile has no game region")

    editor.probe = not_ready
    editor.test_button.click()
    assert "no game region" in editor.status.text() and not editor.runner.running

    def waits(_m):
        def job(control):
            control.progress("Click the game window…")
            while not control.wait(0.01):
                pass
            raise TaskCancelled

        return job

    editor.probe = waits
    editor.test_button.click()
    qtbot.waitUntil(lambda: editor.status.text().startswith("Click the game"), timeout=3000)
    editor.test_button.click()  # "Cancel test"
    qtbot.waitUntil(lambda: editor.status.text() == "Probe cancelled.", timeout=3000)
    assert not editor.runner.running and editor.test_button.text() == "Test…"

    editor.probe = lambda _m: lambda control: 1 / 0
    editor.test_button.click()
    qtbot.waitUntil(lambda: "ZeroDivisionError" in editor.status.text(), timeout=3000)
    assert editor.probe_error is not None and "Traceback" in editor.probe_error
    box = editor.error_box  # the failure is not only in the status line: a dialog says it
    assert box is not None and box.isVisible() and box.windowTitle() == "The input probe failed"
    assert box.text() == "ZeroDivisionError: division by zero"
    assert not editor.runner.running and editor.test_button.text() == "Test…"
