"""launch_game: start a profile's game (and its helpers), find its window, place it, focus it,
and press the launch steps; LaunchedGame stops it all again.

The window is the one titled exactly ``window.title`` that appeared after the launch, and of
those the one owned by the launched process or a child of it (a browser shows other windows
first, and another copy of the game may already be open). Errors a user can fix (a program
that is not installed, one that exits at once or never shows its window) are one line that
quotes the program's last output.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from screen_agent.desktop import Desktop, Window, WindowClosedError, open_desktop
from screen_agent.desktop.tracking import GameWindow
from screen_agent.errors import UserError
from screen_agent.input.keyboard import KeyboardSink
from screen_agent.input.sink import InputStatus
from screen_agent.launch.processes import (
    LaunchedProcess,
    accepts,
    descendants,
    find_program,
    free_port,
    start_process,
    wait_until,
)
from screen_agent.profile import GameProfile, Launch, ProfileError
from screen_agent.profile.placeholders import expand

POLL_S = 0.1
"""How often the launcher looks for the window and checks the processes, seconds."""
FOCUS_TIMEOUT_S = 2.0
"""How long the launcher waits for the placed window to have keyboard focus, seconds."""


class LaunchError(UserError):
    """The game could not be started; the message names the profile field and what to do."""


@dataclass
class LaunchedGame:
    """A game started by :func:`launch_game`: its window and processes. Close it to stop
    them (the session that launched it does); :meth:`detach` leaves them running."""

    title: str
    window: Window
    """The game window as it was when the launch finished (placed, steps done)."""
    processes: list[LaunchedProcess]
    """The helpers in start order, then the game."""
    folder: Path
    """Holds ``tmp/`` (the ``{tmp}`` placeholder) and each process's output log."""
    focused: bool = False
    """Whether the window had keyboard focus after the launch."""
    notes: list[str] = field(default_factory=list)
    """Things the user should know that are not errors (the window manager placed the
    window elsewhere, its size differs from the profile's)."""
    _done: bool = False

    @property
    def game(self) -> LaunchedProcess:
        return self.processes[-1]

    def close(self) -> None:
        """Stop the game, then the helpers (reverse start order), and remove ``folder``;
        idempotent."""
        if self._done:
            return
        self._done = True
        stop_all(self.processes, self.folder)

    def detach(self) -> None:
        """Leave everything running (``screen-agent launch``): ``close`` then does nothing."""
        self._done = True

    def __enter__(self) -> LaunchedGame:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def stop_all(processes: list[LaunchedProcess], folder: Path | None) -> None:
    """Stop ``processes`` last-started first, then remove ``folder``."""
    try:
        for process in reversed(processes):
            process.stop()
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def profile_folder(source: str | os.PathLike[str]) -> Path:
    """The ``{profile_dir}`` of a profile read from ``source`` (the current folder for a
    profile that has no file)."""
    path = Path(source)
    return path.resolve().parent if path.is_file() else Path.cwd().resolve()


def launch_game(
    profile: GameProfile,
    source: str | os.PathLike[str],
    desktop: Desktop | None = None,
    *,
    env: Mapping[str, str] | None = None,
) -> LaunchedGame:
    """Start ``profile``'s ``[launch]``: helpers, the game, its window placed and focused, the
    launch steps pressed.

    Args:
        profile: a profile with ``launch`` and ``window``.
        source: the profile's file (``{profile_dir}``, and messages name it).
        desktop: the backend that finds, places and focuses the window and presses the steps;
            None: a connection of its own to the default display, closed once the game is up
            (the game does not need it).
        env: variables set for every process on top of ours (e.g. the session's ``DISPLAY``).

    Raises LaunchError (one line) when a program is missing, exits early, a helper is never
    ready, or no window with the title appears within ``launch.window_timeout_s``.
    """
    if desktop is not None:
        return _launch(profile, source, desktop, env)
    own = open_desktop()
    try:
        return _launch(profile, source, own, env)
    finally:
        own.close()


def _launch(
    profile: GameProfile,
    source: str | os.PathLike[str],
    desktop: Desktop,
    env: Mapping[str, str] | None,
) -> LaunchedGame:
    where = str(source)
    launch = profile.launch
    if launch is None or profile.window is None:
        raise ProfileError(
            f"{where}: launch: the profile has no [launch] table, so the game cannot be "
            "started for you; add one (see calibration/README.md) or start the game yourself"
        )
    base = profile_folder(source)
    folder = Path(tempfile.mkdtemp(prefix=f"screen-agent-{profile.name}-"))
    (folder / "tmp").mkdir()
    values = {
        "profile_dir": str(base),
        "tmp": str(folder / "tmp"),
        "port": str(free_port()),
        "python": sys.executable,
    }
    environ = {**os.environ, **(env or {})}
    started: list[LaunchedProcess] = []
    try:
        _check_requires(launch, values, where)
        plans = _plans(launch, values, environ, base, where)
        title = profile.window.title
        before = {w.handle for w in desktop.windows() if w.title == title}
        for index, (argv, proc_env, ready) in enumerate(plans[:-1]):
            helper = start_process(
                f"helper {index}", argv, proc_env, folder / f"helper-{index}.log"
            )
            started.append(helper)
            _wait_ready(helper, ready, launch.window_timeout_s, f"{where}: launch.helpers[{index}]")
        argv, proc_env, _ = plans[-1]
        game = start_process("game", argv, proc_env, folder / "game.log")
        started.append(game)
        window = _wait_for_window(desktop, title, before, game, launch.window_timeout_s, where)
        launched = LaunchedGame(title, window, started, folder)
        _place(desktop, launched, profile, launch)
        desktop.focus_window(window.handle)
        launched.focused = wait_until(lambda: desktop.has_focus(window.handle), FOCUS_TIMEOUT_S)
        if launch.steps:
            _run_steps(desktop, launched, profile, launch, where)
            launched.focused = True
        launched.window = desktop.window(window.handle)
        return launched
    except BaseException:
        stop_all(started, folder)
        raise


def _plans(
    launch: Launch, values: Mapping[str, str], environ: Mapping[str, str], base: Path, where: str
) -> list[tuple[list[str], dict[str, str], str | None]]:
    """(argv, environment, ready_tcp) of every helper and then the game, placeholders filled
    in and programs found, before anything starts (so a missing one leaves nothing behind)."""
    specs = [
        (h.command, h.env, h.ready_tcp, f"launch.helpers[{i}].command[0]")
        for i, h in enumerate(launch.helpers)
    ]
    specs.append((launch.command, launch.env, None, "launch.command[0]"))
    plans = []
    for command, env, ready, field_name in specs:
        argv = [expand(arg, values) for arg in command]
        proc_env = {**environ, **{k: expand(v, values) for k, v in env.items()}}
        program = _own_script(argv[0]) or find_program(argv[0], base, proc_env.get("PATH"))
        if program is None:
            raise LaunchError(f"{where}: {field_name}: {_not_found(argv[0], base, launch)}")
        argv[0] = program
        plans.append((argv, proc_env, None if ready is None else expand(ready, values)))
    return plans


def _own_script(program: str) -> str | None:
    """For ``screen-agent`` (the bundled games' profiles start ``screen-agent arcade ...``):
    the console script beside the running Python, so that a venv's program works without the
    venv on PATH (``.venv/bin/screen-agent train --launch``); None for any other program, or
    if there is no such script."""
    if program != "screen-agent":
        return None
    script = Path(sys.executable).with_name(program + (".exe" if os.name == "nt" else ""))
    return str(script) if script.is_file() else None


def _install_hint(launch: Launch) -> str:
    return f"install it ({launch.install})" if launch.install else "install it"


def _check_requires(launch: Launch, values: Mapping[str, str], where: str) -> None:
    """LaunchError for the first file of ``launch.requires`` that does not exist."""
    for i, pattern in enumerate(launch.requires):
        path = Path(expand(pattern, values))
        if not path.exists():
            raise LaunchError(
                f"{where}: launch.requires[{i}]: {path} is missing, so the game is not "
                f"installed; {_install_hint(launch)}"
            )


def _not_found(program: str, base: Path, launch: Launch) -> str:
    """Why ``program`` was not found and what to do, as the end of an error line."""
    if os.sep in program:
        return (
            f"no executable {program!r} (relative paths start at the profile's folder {base}); "
            f"fix the path or {_install_hint(launch)}"
        )
    games = Path("/usr/games") / program
    if games.is_file():
        return (
            f"program {program!r} is not on PATH, but {games} exists (Debian puts games in "
            f'/usr/games, which is not on every PATH); write "{games}"'
        )
    return f"program {program!r} not found on PATH; {_install_hint(launch)} or give its full path"


def _wait_ready(helper: LaunchedProcess, ready: str | None, timeout_s: float, where: str) -> None:
    """Wait until the helper accepts TCP connections at ``ready`` (HOST:PORT), if given."""
    if ready is None:
        return
    host, _, port = ready.rpartition(":")
    deadline = time.monotonic() + timeout_s
    while not accepts(host, int(port)):
        if not helper.running():
            raise LaunchError(
                f"{where}: {helper.argv[0]} exited with code {helper.process.returncode} before "
                f"accepting connections on {ready}; {helper.describe_output()}"
            )
        if time.monotonic() > deadline:
            raise LaunchError(
                f"{where}: nothing accepted connections on {ready} within {timeout_s:g} s; "
                f"{helper.describe_output()}; check the helper's command and ready_tcp"
            )
        time.sleep(POLL_S)


def _wait_for_window(
    desktop: Desktop,
    title: str,
    before: set[int],
    game: LaunchedProcess,
    timeout_s: float,
    where: str,
) -> Window:
    """The new window titled exactly ``title``, preferring one the game's process tree owns."""
    deadline = time.monotonic() + timeout_s
    exited_at: float | None = None
    while True:
        shown = desktop.windows()
        new = [w for w in shown if w.title == title and w.handle not in before]
        if new:
            ours = descendants(game.pid) if game.running() else set()
            owned = [w for w in new if desktop.window_pid(w.handle) in ours]
            if len(owned) == 1 or (not owned and len(new) == 1):
                return (owned or new)[0]
        if not game.running() and exited_at is None:
            exited_at = time.monotonic()
            if game.process.returncode != 0:
                raise LaunchError(
                    f"{where}: launch: {game.argv[0]} exited with code "
                    f"{game.process.returncode} before its window {title!r} appeared; "
                    f"{game.describe_output()}"
                )
        if time.monotonic() > deadline:
            others = sorted({w.title for w in shown if w.title != title})
            seen = f" (windows open: {', '.join(map(repr, others[:6]))})" if others else ""
            gone = f"; {game.argv[0]} exited (code 0) without it" if exited_at is not None else ""
            many = f"; {len(new)} new windows have that title" if len(new) > 1 else ""
            raise LaunchError(
                f"{where}: launch: no window titled {title!r} appeared within {timeout_s:g} s"
                f"{seen}{gone}{many}; {game.describe_output()}. Check window.title, or raise "
                "launch.window_timeout_s"
            )
        time.sleep(POLL_S)


def _place(desktop: Desktop, launched: LaunchedGame, profile: GameProfile, launch: Launch) -> None:
    """Move the window to ``launch.position``; note a refused move or an unexpected size."""
    window = launched.window
    if launch.position is not None:
        window = desktop.move_window(window.handle, *launch.position)
        if (window.client.x, window.client.y) != launch.position:
            launched.notes.append(
                f"asked to place the window at {launch.position}, it is at "
                f"({window.client.x}, {window.client.y}) (the window manager decides)"
            )
        launched.window = window
    ref = profile.window
    assert ref is not None
    if (ref.width is not None and ref.width != window.client.width) or (
        ref.height is not None and ref.height != window.client.height
    ):
        launched.notes.append(
            f"the window is {window.client.width}x{window.client.height}, the profile expects "
            f"{ref.width}x{ref.height}: a session will refuse it"
        )


def _run_steps(
    desktop: Desktop, launched: LaunchedGame, profile: GameProfile, launch: Launch, where: str
) -> None:
    """Press the launch steps; the whole sequence again if the focus was lost half-way."""
    window = GameWindow(desktop, launched.title, handle=launched.window.handle)
    sink = KeyboardSink(profile, desktop, window)
    deadline = time.monotonic() + launch.window_timeout_s
    try:
        while sink.run_steps(launch.steps) is not InputStatus.SENT:
            if time.monotonic() > deadline:
                raise LaunchError(
                    f"{where}: launch.steps: the game window {launched.title!r} did not keep the "
                    f"keyboard focus for {launch.window_timeout_s:g} s, so the steps could not be "
                    "pressed; click on the game window while it starts"
                )
            try:
                desktop.focus_window(launched.window.handle)
            except WindowClosedError:
                raise LaunchError(
                    f"{where}: launch.steps: the game window {launched.title!r} closed while the "
                    f"steps were pressed; {launched.game.describe_output()}"
                ) from None
            time.sleep(POLL_S)
    finally:
        sink.close()
