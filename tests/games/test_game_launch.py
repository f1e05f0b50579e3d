"""`screen-agent launch` on the real test-bed games, its errors, and clicks on a real game."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from games import GAMES, profile_copy, profile_path

from screen_agent.desktop.x11 import X11Desktop
from screen_agent.envs.session import open_session

# pyautogui's connection (the keyboard fixture) stays open for the whole session: without a
# client left, Xvfb resets between two tests and refuses the next connection meanwhile.
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("keyboard")]


def stop_groups(stdout: str) -> None:
    """Kill the process groups `screen-agent launch` printed ("kill -- -PID ...")."""
    match = re.search(r"kill -- (.*)$", stdout, re.M)
    assert match, stdout
    for group in match.group(1).split():
        with contextlib.suppress(ProcessLookupError):  # it exited already
            os.killpg(-int(group), signal.SIGTERM)


def wait_gone(desktop: X11Desktop, title: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while any(w.title == title for w in desktop.windows()):
        assert time.monotonic() < deadline, f"{title!r} still open"
        time.sleep(0.1)


@pytest.mark.parametrize("game", GAMES)
def test_launch_starts_places_and_leaves_the_game_running(
    game: str, xvfb_display: Any, desktop: X11Desktop, cli: Any
) -> None:
    from screen_agent.profile import load_profile

    profile = load_profile(profile_path(game))
    assert profile.window is not None and profile.launch is not None
    result = cli("launch", str(profile_path(game)), timeout=120)
    try:
        assert result.returncode == 0, result.stderr
        window = desktop.find_window(profile.window.title)
        assert (window.client.width, window.client.height) == (
            profile.window.width,
            profile.window.height,
        )
        assert (window.client.x, window.client.y) == profile.launch.position
        assert desktop.has_focus(window.handle), result.stdout
        assert f"{window.handle:#x}" in result.stdout
    finally:
        stop_groups(result.stdout)
    wait_gone(desktop, profile.window.title)


def test_launch_errors_are_one_line(xvfb_display: Any, cli: Any, tmp_path: Path) -> None:
    missing = profile_copy("xjump", tmp_path, launch={"command": ["no-such-game-xyz"]})
    result = cli("launch", str(missing))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "launch.command[0]" in result.stderr and "no-such-game-xyz" in result.stderr

    early = profile_copy(
        "xjump", tmp_path, launch={"command": ["sh", "-c", "echo cannot start >&2; exit 3"]}
    )
    result = cli("launch", str(early))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "exited with code 3" in result.stderr and "cannot start" in result.stderr

    wrong = profile_copy(
        "xjump",
        tmp_path,
        window={"title": "no such title", "width": 546, "height": 591},
        launch={"command": ["/usr/games/xjump"], "window_timeout_s": 3},
    )
    result = cli("launch", str(wrong))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "no window titled 'no such title'" in result.stderr and "'xjump'" in result.stderr


def test_a_click_restart_starts_xgalaga(xvfb_display: Any, tmp_path: Path) -> None:
    """xgalaga's title screen starts a game on a mouse click: a restart sequence that only
    clicks (at a window point) gets from the title screen to play, which the profile's
    game-over rule (the title's yellow line) sees go away."""
    path = profile_copy(
        "xgalaga",
        tmp_path,
        restart={"steps": [{"click": {"x": 234, "y": 300}, "wait_ms": 1000}]},
    )
    session = open_session(path, launch=True)
    try:
        screen = session.screen
        banner = next(r for r in screen.reader.rules if r.common.game_over)
        title = screen.source.grab().pixels
        assert banner.signal(title) > 0.03  # the title screen (its yellow line)
        session.reset()  # the click
        playing = screen.source.grab().pixels
        assert banner.signal(playing) < 0.01, "the click did not start a game"
    finally:
        session.close()


def test_a_session_with_launch_stops_the_game_and_its_helper(
    xvfb_display: Any, desktop: X11Desktop
) -> None:
    session = open_session(profile_path("pacman-html"), launch=True)
    launched = session.launched
    assert launched is not None and len(launched.processes) == 2  # the web server, chromium
    try:
        session.reset()
    finally:
        session.close()
    assert not any(p.running() for p in launched.processes)
    wait_gone(desktop, launched.title)
    assert not launched.folder.exists()
    leftover = subprocess.run(
        ["pgrep", "-f", str(launched.folder)], capture_output=True, text=True, check=False
    )
    assert leftover.stdout.strip() == "", leftover.stdout
