"""Start game / Stop game: the launcher starts the profile's game off the GUI thread, keeps it,
notices when it exits, and stops it (with its helpers) on Stop game and when the app closes.

A scripted launch starts a real process (``sleep``) the way the core does, so stopping it is
real; finding and placing a window is the core's, tested in ``tests/games``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest

from screen_agent.desktop import Window
from screen_agent.errors import UserError
from screen_agent.geometry import Region
from screen_agent.gui.app import MainWindow
from screen_agent.gui.game_launcher import GameLauncher, profile_source
from screen_agent.gui.model import ProfileModel
from screen_agent.launch import LaunchedGame, LaunchError
from screen_agent.launch.processes import start_process
from screen_agent.profile import GameProfile, Launch, WindowRef


def launch_model(tmp_path: Path) -> ProfileModel:
    model = ProfileModel()
    model.set_regions({"game": Region(0, 0, 100, 100)}, WindowRef("a game", 200, 100))
    model.launch = Launch(command=("/usr/games/a-game",), position=(0, 0))
    model.save(tmp_path / "a-game.toml")
    return model


class ScriptedLaunch:
    """Starts ``seconds`` of ``sleep`` as "the game", with the window it would have found."""

    def __init__(self, seconds: float = 60.0, error: str | None = None) -> None:
        self.seconds, self.error = seconds, error
        self.calls: list[tuple[GameProfile, Path]] = []
        self.games: list[LaunchedGame] = []

    def __call__(self, profile: GameProfile, source: Path) -> LaunchedGame:
        self.calls.append((profile, source))
        if self.error is not None:
            raise LaunchError(self.error)
        folder = Path(tempfile.mkdtemp(prefix="screen-agent-test-launch-"))
        process = start_process(
            "game",
            [sys.executable, "-c", f"import time; time.sleep({self.seconds})"],
            {},
            folder / "game.log",
        )
        window = Window(0x400001, profile.window.title, Region(0, 0, 200, 100))
        game = LaunchedGame(profile.window.title, window, [process], folder, focused=True)
        game.notes.append("the window manager put it elsewhere")
        self.games.append(game)
        return game


def test_start_and_stop_a_game(qtbot, tmp_path):
    model = launch_model(tmp_path)
    launch = ScriptedLaunch()
    launcher = GameLauncher(launch)
    states: list[str] = []
    launcher.state_changed.connect(states.append)
    with qtbot.waitSignal(launcher.launched, timeout=5000) as launched:
        launcher.start(model)
    game = launched.args[0]
    assert launcher.state == "running" and launcher.game is game
    assert launch.calls[0][0].launch == model.launch
    assert launch.calls[0][1] == tmp_path / "a-game.toml" == profile_source(model)
    with pytest.raises(UserError, match="already started"):
        launcher.start(model)
    launcher.stop()
    qtbot.waitUntil(lambda: launcher.state == "idle", timeout=10000)
    assert not game.game.running() and not game.folder.exists()
    assert states == ["starting", "running", "stopping", "idle"]


def test_a_profile_without_launch_is_refused_in_one_line(qtbot):
    model = ProfileModel()
    launcher = GameLauncher(ScriptedLaunch())
    with pytest.raises(UserError, match=r"no \[launch\] table") as error:
        launcher.start(model)
    assert "\n" not in str(error.value)
    assert launcher.state == "idle"


def test_a_game_that_exits_by_itself_is_noticed(qtbot, tmp_path):
    launcher = GameLauncher(ScriptedLaunch(seconds=0.2), poll_ms=50)
    with qtbot.waitSignal(launcher.exited, timeout=10000) as exited:
        launcher.start(launch_model(tmp_path))
    assert "the game 'a game' exited (code 0)" in exited.args[0]
    qtbot.waitUntil(lambda: launcher.state == "idle", timeout=10000)


def test_the_app_starts_the_game_shows_failures_and_stops_it_when_closed(qtbot, tmp_path):
    launch = ScriptedLaunch(error="a-game.toml: launch: program 'a-game' not found on PATH")
    window = MainWindow(launch_model(tmp_path), live=False, trainer_factory="none", launch=launch)
    qtbot.addWidget(window)
    window.show()
    assert window.launch_action.isEnabled() and window.launch_action.text() == "▶ Start game"
    window.launch_action.trigger()
    qtbot.waitUntil(lambda: window.error_box is not None, timeout=5000)
    assert window.error_box.text() == "a-game.toml: launch: program 'a-game' not found on PATH"
    assert window.launcher.state == "idle"
    launch.error = None
    window.launch_action.trigger()
    qtbot.waitUntil(lambda: window.launcher.state == "running", timeout=5000)
    assert window.launch_action.text() == "■ Stop game"
    assert "the window manager put it elsewhere" in window.statusBar().currentMessage()
    game = launch.games[-1]
    window.close()  # stops the game
    assert not game.game.running()
    assert window.launcher.game is None


def test_start_game_is_off_for_a_profile_without_launch(qtbot):
    launch = ScriptedLaunch()
    window = MainWindow(ProfileModel(), live=False, trainer_factory="none", launch=launch)
    qtbot.addWidget(window)
    assert not window.launch_action.isEnabled()
    assert "start the game yourself" in window.launch_action.toolTip()
    # A stop requested while the game starts stops it once it is up.
    launcher = window.launcher
    model = ProfileModel()
    model.set_regions({"game": Region(0, 0, 10, 10)}, WindowRef("a game"))
    model.launch = Launch(command=("x",))
    launcher.start(model)
    launcher.stop()
    qtbot.waitUntil(lambda: launcher.state == "idle", timeout=10000)
    assert launcher.game is None and not launch.games[-1].game.running()


def test_sigterm_closes_the_app_as_its_close_button_does(qtbot, tmp_path):
    import os
    import signal

    from screen_agent.gui.app import close_on_signals

    launch = ScriptedLaunch()
    window = MainWindow(launch_model(tmp_path), live=False, trainer_factory="none", launch=launch)
    qtbot.addWidget(window)
    window.show()
    window.launch_action.trigger()
    qtbot.waitUntil(lambda: window.launcher.state == "running", timeout=5000)
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        close_on_signals(window)
        os.kill(os.getpid(), signal.SIGTERM)
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    assert not launch.games[-1].game.running()  # the game stopped with the app
