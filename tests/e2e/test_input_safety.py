"""Input safety on a real display: keys go only to the focused game, are never left held,
and only the profile's keys are ever sent. Key state is read from the X server itself."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from screen_agent.capture import MssSource
from screen_agent.input import InputStatus, KeyNotAllowedError
from screen_agent.profile import load_profile

if TYPE_CHECKING:
    from e2e_fixtures import ArcadeLauncher, XDisplay

pytestmark = pytest.mark.e2e

CATCH_PATH = Path(__file__).resolve().parents[2] / "calibration" / "arcade-catch.toml"
CATCH = load_profile(CATCH_PATH)
LEFT, RIGHT = 1, 2
"""Catch's action ids."""


@pytest.fixture
def x(xvfb_display: XDisplay) -> Any:
    """An Xlib connection to the test display."""
    from Xlib.display import Display

    connection = Display(xvfb_display.name)
    yield connection
    connection.close()


def held_keycodes(x: Any) -> list[int]:
    """Keycodes the X server has down right now."""
    keymap = x.query_keymap()
    return [8 * i + bit for i, byte in enumerate(keymap) for bit in range(8) if byte >> bit & 1]


def keycode(x: Any, name: str) -> int:
    from Xlib import XK

    return x.keysym_to_keycode(XK.string_to_keysym(name))


def sink_for(window: Any, keyboard: Any, desktop: Any) -> Any:
    """The keyboard sink a session opens for the game window (keyboard: pyautogui is bound)."""
    from screen_agent.desktop.tracking import GameWindow
    from screen_agent.input import KeyboardSink

    game = GameWindow(desktop, CATCH.window.title, handle=int(window.window_id))
    return KeyboardSink(CATCH, desktop, game)


def source_for(window: Any, desktop: Any) -> MssSource:
    from screen_agent.desktop.tracking import GameWindow

    return MssSource(CATCH, desktop, GameWindow(desktop, CATCH.window.title, int(window.window_id)))


def paddle_left_column(pixels: np.ndarray) -> int:
    white = (pixels[-40:] == 255).all(axis=2).any(axis=0)
    return int(np.nonzero(white)[0].min()) // 40


def test_static_key_names_match_pyautogui(keyboard: Any) -> None:
    from screen_agent.keys import KEY_NAMES

    assert frozenset(keyboard.KEY_NAMES) == KEY_NAMES


def test_held_key_reaches_the_game(
    arcade_window: ArcadeLauncher, keyboard: Any, x: Any, desktop: Any
) -> None:
    window = arcade_window("catch", (40, 40))
    with source_for(window, desktop) as source, sink_for(window, keyboard, desktop) as sink:
        assert paddle_left_column(source.grab().pixels) == 4
        assert sink.apply(RIGHT) is InputStatus.SENT
        assert keycode(x, "Right") in held_keycodes(x)
        deadline = time.monotonic() + 3
        while paddle_left_column(source.grab().pixels) < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert paddle_left_column(source.grab().pixels) == 8, (
            "held right: the paddle reaches the wall"
        )
    assert held_keycodes(x) == []


def test_no_keys_reach_a_window_that_takes_focus(
    arcade_window: ArcadeLauncher, keyboard: Any, xvfb_display: XDisplay, x: Any, desktop: Any
) -> None:
    from Xlib import X

    window = arcade_window("catch", (40, 40))
    screen = x.screen()
    other = screen.root.create_window(
        1100, 900, 60, 60, 0, screen.root_depth, X.InputOutput, X.CopyFromParent,
        background_pixel=screen.white_pixel, override_redirect=True,
        event_mask=X.KeyPressMask | X.KeyReleaseMask,
    )  # fmt: skip
    other.map()
    x.sync()

    def presses() -> list[Any]:
        x.sync()
        events = [x.next_event() for _ in range(x.pending_events())]
        return [e for e in events if e.type == X.KeyPress]

    try:
        with sink_for(window, keyboard, desktop) as sink:
            assert sink.apply(RIGHT) is InputStatus.SENT
            xvfb_display.focus(str(other.id))  # mid-episode, another window takes focus
            for action in (LEFT, RIGHT, 0, LEFT):
                status = sink.apply(action)
                assert status is InputStatus.PAUSED
                assert status.value == "paused: the game window does not have keyboard focus"
                assert sink.held == frozenset() and held_keycodes(x) == []
            with pytest.raises(KeyNotAllowedError):
                sink.hold(["a"])
            time.sleep(0.1)
            assert presses() == [], "the other window received a key press"
            window.focus()
            assert sink.apply(LEFT) is InputStatus.SENT, "focus is back: acting resumes"
        # The logger works: a key sent while it has focus shows up.
        xvfb_display.focus(str(other.id))
        xvfb_display.xdotool("key", "a")
        time.sleep(0.1)
        assert len(presses()) == 1
    finally:
        other.destroy()
        x.sync()


def test_key_outside_the_action_set_is_refused(
    arcade_window: ArcadeLauncher, keyboard: Any, x: Any, desktop: Any
) -> None:
    window = arcade_window("catch", (40, 40))
    with sink_for(window, keyboard, desktop) as sink:
        for keys in (["a"], ["right", "up"], ["enter"]):
            with pytest.raises(KeyNotAllowedError, match="is not in the profile"):
                sink.hold(keys)
            assert held_keycodes(x) == [], f"something was sent for {keys}"
        assert sink.tap(["space"]) is InputStatus.SENT  # the restart key is allowed


def test_exception_in_a_held_action_releases(
    arcade_window: ArcadeLauncher, keyboard: Any, x: Any, desktop: Any
) -> None:
    window = arcade_window("catch", (40, 40))
    with pytest.raises(RuntimeError, match="boom"), sink_for(window, keyboard, desktop) as sink:
        sink.apply(RIGHT)
        assert held_keycodes(x) == [keycode(x, "Right")]
        raise RuntimeError("boom")
    assert held_keycodes(x) == []


HOLDER = """
import atexit, sys, time
from Xlib.display import Display
from screen_agent.desktop.tracking import GameWindow
from screen_agent.desktop.x11 import X11Desktop
from screen_agent.input.keyboard import KeyboardSink
from screen_agent.profile import load_profile

# The X server itself releases a client's XTEST keys when the client disconnects, so the
# keymap after the process ended proves little: read it here, at exit, while our pyautogui
# connection is still open. Registered before the sink's handler, so it runs after it.
probe = Display()
def report():
    keymap = probe.query_keymap()
    held = [8 * i + b for i, byte in enumerate(keymap) for b in range(8) if byte >> b & 1]
    print("held at exit:", held, flush=True)
atexit.register(report)

mode, window_id = sys.argv[1], int(sys.argv[2])
profile = load_profile(sys.argv[3])
desktop = X11Desktop()
sink = KeyboardSink(profile, desktop, GameWindow(desktop, profile.window.title, window_id))
if mode == "with":
    with sink:
        sink.apply(2)
        print("held", flush=True)
        time.sleep(30)
else:  # no `with`: only the signal handler and atexit stand between us and a stuck key
    sink.apply(2)
    print("held", flush=True)
    if mode == "raise":
        raise RuntimeError("an uncaught error while a key is held")
    time.sleep(30)
"""


@pytest.mark.parametrize(
    ("mode", "signum"),
    [("with", signal.SIGTERM), ("bare", signal.SIGTERM), ("with", signal.SIGINT), ("raise", None)],
    ids=["sigterm-with", "sigterm-bare", "ctrl-c", "uncaught-exception"],
)
def test_process_exit_releases_held_keys(
    mode: str,
    signum: int | None,
    arcade_window: ArcadeLauncher,
    xvfb_display: XDisplay,
    x: Any,
    tmp_path: Path,
) -> None:
    window = arcade_window("catch", (40, 40))
    script = tmp_path / "holder.py"
    script.write_text(HOLDER)
    process = subprocess.Popen(
        [sys.executable, str(script), mode, window.window_id, str(CATCH_PATH)],
        env=xvfb_display.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        # Xlib prints an xauth warning on stdout first; wait for the holder's own line.
        lines = iter(process.stdout.readline, "")
        assert any(line.strip() == "held" for line in lines), "the holder never held its key"
        if signum is not None:
            assert held_keycodes(x) == [keycode(x, "Right")], "the key is held before the signal"
            process.send_signal(signum)
        process.wait(timeout=10)
        # From the same buffered reader: "held" and the exit report can arrive in one read,
        # and communicate() reads the pipe's descriptor, past what readline() had buffered.
        rest = process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode != 0
    assert "held at exit: []" in rest, f"keys were still held while the process exited: {rest}"
    assert held_keycodes(x) == [], "a key is still held after the process ended"
