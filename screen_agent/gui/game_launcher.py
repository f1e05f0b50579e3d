"""Start and stop the open profile's game from the app (``[launch]``; the CLI's ``launch``).

:class:`GameLauncher` runs the core's :func:`~screen_agent.launch.launch_game` (helpers, the
game, its window found, placed and focused, the launch steps pressed) in a
:class:`~screen_agent.gui.background.BackgroundTask`, keeps the
:class:`~screen_agent.launch.LaunchedGame`, notices when the game exits by itself, and stops it
(and its helpers) on Stop game and when the app closes. The live view then shows the window,
since it follows the profile's window title.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from screen_agent.errors import UserError
from screen_agent.gui.background import BackgroundTask, TaskControl
from screen_agent.gui.model import ProfileModel
from screen_agent.launch import LaunchedGame, launch_game
from screen_agent.profile import GameProfile

POLL_MS = 1000
"""How often the launcher checks that the game still runs, milliseconds."""

LaunchFunction = Callable[[GameProfile, Path], LaunchedGame]
"""``launch(profile, source) -> game``: start the game (off the GUI thread); raises a
UserError (one line) when it cannot."""


def profile_source(model: ProfileModel) -> Path:
    """The profile's file, or where it would be saved (``{profile_dir}`` and messages)."""
    return model.path or model.directory / f"{model.name}.toml"


class GameLauncher(QObject):
    """One launched game at a time: :meth:`start`, :meth:`stop`, :meth:`close`.

    ``state`` is ``"idle"``, ``"starting"``, ``"running"`` or ``"stopping"``.
    """

    state_changed = Signal(str)
    launched = Signal(object)
    """The game is up (arg: the LaunchedGame)."""
    failed = Signal(str)
    """It could not be started or stopped (arg: the message, one line for a user's error)."""
    exited = Signal(str)
    """The game ended by itself (arg: what the user should know)."""

    def __init__(
        self,
        launch: LaunchFunction = launch_game,
        parent: QObject | None = None,
        poll_ms: int = POLL_MS,
    ) -> None:
        super().__init__(parent)
        self.launch = launch
        self.state = "idle"
        self.game: LaunchedGame | None = None
        self._stop_requested = False
        self.task = BackgroundTask("screen-agent launch", self)
        self.task.finished.connect(self._done)
        self.task.errored.connect(self._errored)
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self._check_alive)

    @property
    def busy(self) -> bool:
        """True while a game is starting, running or stopping."""
        return self.state != "idle"

    def start(self, model: ProfileModel) -> None:
        """Start ``model``'s game off the GUI thread; UserError at once (one line) if the
        profile cannot say how, or a game is already up."""
        if self.busy:
            raise UserError("the game is already started; stop it first")
        if model.launch is None:
            raise UserError(
                f"{model.name}: the profile has no [launch] table, so the app cannot start the "
                "game; start it yourself, or add [launch] (see calibration/README.md)"
            )
        if model.window is None:
            raise UserError(
                f"{model.name}: the profile names no window, so the launched game's window "
                "cannot be found; pick the regions with its window first"
            )
        # The draft, not the validated profile: starting a game needs only [launch] and the
        # window, and a profile still being calibrated may lack its regions.
        profile, source = model.draft(), profile_source(model)
        self._stop_requested = False
        self._set_state("starting")
        self.task.start(lambda _control: self.launch(profile, source))

    def stop(self) -> None:
        """Stop the game and its helpers off the GUI thread (after the launch, if it is still
        starting)."""
        if self.state == "starting":
            self._stop_requested = True
            return
        if self.state == "running" and self.game is not None:
            self._close_in_background(self.game)

    def close(self, timeout_s: float = 30.0) -> None:
        """Stop the game now, waiting for a launch or stop in progress (the app closes)."""
        self.timer.stop()
        self._stop_requested = True
        self.task.wait(timeout_s)  # delivers the outcome now: a game just launched is kept
        game, self.game = self.game, None
        if game is not None:
            game.close()
        self._set_state("idle")

    # -- internals
    def _close_in_background(self, game: LaunchedGame) -> None:
        self.timer.stop()
        self._set_state("stopping")

        def work(_control: TaskControl) -> None:
            game.close()

        self.task.start(work)

    def _done(self, result: Any) -> None:
        if isinstance(result, LaunchedGame):
            self.game = result
            if self._stop_requested:
                self._close_in_background(result)
                return
            self._set_state("running")
            self.timer.start()
            self.launched.emit(result)
        else:  # a stop finished
            self.game = None
            self._set_state("idle")

    def _errored(self, message: str) -> None:
        if self.state == "stopping":
            self.game = None  # it is as stopped as it will get
        self._set_state("idle")
        self.failed.emit(message)

    def _check_alive(self) -> None:
        game = self.game
        if game is None or self.state != "running" or game.game.running():
            return
        code = game.game.process.returncode
        message = f"the game {game.title!r} exited (code {code}); {game.game.describe_output()}"
        self._close_in_background(game)  # its helpers (a web server) too
        self.exited.emit(message)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)
