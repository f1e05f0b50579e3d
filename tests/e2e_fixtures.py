"""End-to-end fixtures: a private Xvfb display, arcade games in real windows, keys and pixels.

Everything here acts only on a display these fixtures started: ``xvfb_display`` points
DISPLAY and XAUTHORITY at it for the session, and the keyboard fixture refuses to send keys
anywhere else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from screen_agent.arcade.status import read_status
from screen_agent.subprocesses import wait_or_kill
from screen_agent.xvfb import VirtualDisplay, start_xvfb

SCREEN = "1280x1024x24"
"""Size and depth of the test display."""
WINDOW_TIMEOUT_S = 20.0
"""How long a game may take to show its window."""


class InThread:
    """Base of test helpers that run something in a daemon thread, as the app runs a trainer:
    :meth:`start_thread` starts it; :attr:`error` is what it raised (None: nothing)."""

    error: BaseException | None = None
    thread: threading.Thread

    def start_thread(self, target: Callable[[], object]) -> None:
        def run() -> None:
            try:
                target()
            except BaseException as error:
                self.error = error

        self.error = None
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()


@dataclass
class XDisplay(VirtualDisplay):
    """An Xvfb display started by the tests, with xdotool at hand."""

    def xdotool(self, *args: str, timeout: float = 10.0) -> str:
        """Run xdotool on this display; returns its stdout."""
        result = subprocess.run(
            ["xdotool", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
        return result.stdout

    def focus(self, window_id: str) -> None:
        """Give a window keyboard focus (no window manager: windowactivate would fail)."""
        self.xdotool("windowfocus", "--sync", window_id)


def _require(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is not installed: run scripts/install-system-deps.sh (as root)")


@pytest.fixture(scope="session")
def xvfb_display(tmp_path_factory: pytest.TempPathFactory) -> Iterator[XDisplay]:
    """Start a private Xvfb and point DISPLAY and XAUTHORITY at it for the whole session."""
    _require("Xvfb")
    _require("xdotool")
    virtual = start_xvfb(SCREEN, tmp_path_factory.mktemp("xvfb"))
    display = XDisplay(name=virtual.name, xauthority=virtual.xauthority, process=virtual.process)
    saved = {k: os.environ.get(k) for k in ("DISPLAY", "XAUTHORITY")}
    os.environ["DISPLAY"], os.environ["XAUTHORITY"] = display.name, str(virtual.xauthority)
    try:
        yield display
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        virtual.close()


@dataclass
class ArcadeWindow:
    """A game running as a real process, with its window on the test display."""

    game: str
    process: subprocess.Popen[bytes]
    display: XDisplay
    window_id: str
    """X window id, as xdotool prints it."""
    geometry: dict[str, int]
    """``X``, ``Y``, ``WIDTH``, ``HEIGHT`` of the client area, screen pixels
    (``xdotool getwindowgeometry --shell``)."""
    status_path: Path
    log_path: Path

    @property
    def region(self) -> dict[str, int]:
        """The client area as an mss monitor dict."""
        g = self.geometry
        return {"left": g["X"], "top": g["Y"], "width": g["WIDTH"], "height": g["HEIGHT"]}

    def focus(self) -> None:
        """Give the window keyboard focus."""
        self.display.focus(self.window_id)

    def status(self) -> dict[str, Any] | None:
        """The game's status file (frames, pause state), or None before the first write."""
        return read_status(self.status_path)

    def wait_status(
        self, condition: Callable[[dict[str, Any]], bool], timeout: float = 5.0
    ) -> dict[str, Any]:
        """Poll the status file until ``condition`` holds; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status()
            if status is not None and condition(status):
                return status
            time.sleep(0.02)
        pytest.fail(f"{self.game}: status never matched; last {self.status()}; log {self.log()}")

    def log(self) -> str:
        """What the game printed so far."""
        return self.log_path.read_text(errors="replace")


@dataclass
class ArcadeLauncher:
    """Starts arcade games on the test display; stops them all at teardown."""

    display: XDisplay
    tmp_path: Path
    started: list[ArcadeWindow] = field(default_factory=list)

    def __call__(
        self,
        game: str,
        position: tuple[int, int] = (0, 0),
        *,
        scale: int | None = None,
        speed: float | None = None,
        seed: int | None = 0,
        focus: bool = True,
    ) -> ArcadeWindow:
        """Start ``game`` at ``position``, wait for its window (and focus it); return it."""
        n = len(self.started)
        status_path = self.tmp_path / f"{game}-{n}.status.json"
        log_path = self.tmp_path / f"{game}-{n}.log"
        command = [sys.executable, "-m", "screen_agent.arcade", game]
        command += ["--position", f"{position[0]},{position[1]}", "--status-file", str(status_path)]
        if scale is not None:
            command += ["--scale", str(scale)]
        if speed is not None:
            command += ["--speed", str(speed)]
        if seed is not None:
            command += ["--seed", str(seed)]
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                command,
                env=self.display.env(QT_QPA_PLATFORM="xcb"),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        window_id = self._find_window(game, process, log_path)
        geometry = {
            key: int(value)
            for key, value in (
                line.split("=", 1)
                for line in self.display.xdotool("getwindowgeometry", "--shell", window_id)
                .strip()
                .splitlines()
            )
            if key in ("X", "Y", "WIDTH", "HEIGHT")
        }
        window = ArcadeWindow(
            game, process, self.display, window_id, geometry, status_path, log_path
        )
        self.started.append(window)
        if focus:
            window.focus()
        window.wait_status(lambda s: s.get("frames", 0) > 0 or not focus)
        return window

    def _find_window(self, game: str, process: subprocess.Popen[bytes], log_path: Path) -> str:
        """The visible window titled for ``game`` that belongs to ``process``."""
        title = f"^screen-agent arcade: {game}$"
        deadline = time.monotonic() + WINDOW_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"{game} exited with {process.returncode}: {log_path.read_text()}")
            try:
                # --sync waits for a match; a short timeout lets us check the process meanwhile.
                found = self.display.xdotool(
                    "search", "--sync", "--onlyvisible", "--name", title, timeout=2
                ).split()
            except subprocess.TimeoutExpired:
                continue
            ours = {w.window_id for w in self.started}
            for window_id in found:
                # Several windows of one game may be open: take the one this process owns.
                if window_id not in ours and self._pid_of(window_id) == process.pid:
                    return window_id
            time.sleep(0.05)
        process.kill()
        pytest.fail(f"no window for {game} within {WINDOW_TIMEOUT_S} s: {log_path.read_text()}")

    def _pid_of(self, window_id: str) -> int | None:
        try:
            return int(self.display.xdotool("getwindowpid", window_id).strip())
        except (subprocess.CalledProcessError, ValueError):
            return None

    def stop_all(self) -> None:
        """Terminate every game started (then kill any that linger)."""
        for window in self.started:
            if window.process.poll() is None:
                window.process.terminate()
        for window in self.started:
            wait_or_kill(window.process, 5)


@pytest.fixture
def arcade_window(xvfb_display: XDisplay, tmp_path: Path) -> Iterator[ArcadeLauncher]:
    """A factory: ``arcade_window("catch", (x, y))`` starts a game and returns its window."""
    launcher = ArcadeLauncher(xvfb_display, tmp_path)
    try:
        yield launcher
    finally:
        launcher.stop_all()


@pytest.fixture(scope="session")
def screen(xvfb_display: XDisplay) -> Iterator[Callable[[dict[str, int]], np.ndarray]]:
    """``screen(region) -> (H, W, 3) uint8 RGB``: grab a region of the test display with mss."""
    import mss

    with mss.MSS(display=xvfb_display.name) as sct:

        def grab(region: dict[str, int]) -> np.ndarray:
            shot = sct.grab(region)
            return np.asarray(shot, dtype=np.uint8)[:, :, 2::-1].copy()  # BGRA -> RGB

        yield grab


@pytest.fixture
def desktop(xvfb_display: XDisplay) -> Iterator[Any]:
    """The X11 desktop backend on the test display."""
    from screen_agent.desktop.x11 import X11Desktop

    backend = X11Desktop(xvfb_display.name)
    try:
        yield backend
    finally:
        backend.close()


@pytest.fixture(scope="session")
def keyboard(xvfb_display: XDisplay) -> Any:
    """pyautogui, bound to the test display (and refusing to work on any other)."""
    import pyautogui  # only now: it opens DISPLAY at import time
    from pyautogui import _pyautogui_x11

    bound = _pyautogui_x11._display.get_display_name()
    if bound != xvfb_display.name:
        pytest.fail(f"pyautogui is bound to display {bound!r}, not the test's {xvfb_display.name}")
    pyautogui.PAUSE = 0  # its default sleeps 0.1 s after every call
    return pyautogui


class Keys:
    """Holds at most one key down at a time through ``keyboard`` (pyautogui), sending only
    changes."""

    def __init__(self, keyboard: Any) -> None:
        self.keyboard = keyboard
        self.held: str | None = None

    def hold(self, key: str | None) -> None:
        if key == self.held:
            return
        if self.held is not None:
            self.keyboard.keyUp(self.held)
        if key is not None:
            self.keyboard.keyDown(key)
        self.held = key


@dataclass
class HelperWindow:
    """A small plain X window that can take keyboard focus away from a game."""

    window_id: str
    display: XDisplay

    def focus(self) -> None:
        """Take keyboard focus (from a game, say)."""
        self.display.focus(self.window_id)


@pytest.fixture
def helper_window(xvfb_display: XDisplay) -> Iterator[HelperWindow]:
    """A 40x40 window at the screen's bottom-right corner, mapped and ready to be focused."""
    from Xlib import X
    from Xlib.display import Display

    connection = Display(xvfb_display.name)
    screen_info = connection.screen()
    window = screen_info.root.create_window(
        1200, 950, 40, 40, 0, screen_info.root_depth, X.InputOutput, X.CopyFromParent,
        background_pixel=screen_info.white_pixel, override_redirect=True,
        event_mask=X.KeyPressMask | X.FocusChangeMask,
    )  # fmt: skip
    window.set_wm_name("screen-agent e2e helper")
    window.map()
    connection.sync()
    try:
        yield HelperWindow(str(window.id), xvfb_display)
    finally:
        window.destroy()
        connection.close()
