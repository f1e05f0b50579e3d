"""Where the screen mode cannot run, every screen command says so in one line and exits 2:
no display, a Wayland session without XWayland, macOS (simulated in a real process)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from screen_agent.desktop import DesktopError, check_platform, detect_platform
from screen_agent.desktop.platform import MACOS, NO_DISPLAY, WAYLAND

CATCH = "calibration/arcade-catch.toml"
SCREEN_COMMANDS = [
    ["train", CATCH, "--minutes", "0.1"],
    ["probe", CATCH],
    ["record", CATCH, "--seconds", "1"],
]


def run(args: list[str], env: dict[str, str], platform: str | None = None):
    code = "import sys, types; from screen_agent.cli import main; "
    if platform is not None:
        # What the platform check sees (the rest of Python stays on Linux: its own modules
        # would look for macOS libraries).
        code += "import screen_agent.desktop.platform as p; "
        code += f"p.sys = types.SimpleNamespace(platform={platform!r}); "
    code += f"sys.exit(main({args!r}))"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


def without_display(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return {**env, **extra}


def assert_one_line(result, expected: str) -> None:
    message = result.stderr.strip()
    assert result.returncode == 2, (result.stdout, message)
    assert "Traceback" not in message and len(message.splitlines()) == 1, message
    assert message == f"error: {expected}", message


@pytest.mark.parametrize("args", SCREEN_COMMANDS, ids=lambda a: a[0])
def test_no_display_is_one_line(args):
    assert_one_line(run(args, without_display()), NO_DISPLAY)


@pytest.mark.parametrize("args", SCREEN_COMMANDS, ids=lambda a: a[0])
def test_wayland_without_xwayland_is_one_line(args):
    assert_one_line(run(args, without_display(WAYLAND_DISPLAY="wayland-0")), WAYLAND)


def test_macos_is_one_line():
    assert_one_line(run(SCREEN_COMMANDS[0], without_display(), platform="darwin"), MACOS)


def test_platform_detection():
    assert detect_platform({"DISPLAY": ":0"}, "linux") == "x11"
    assert detect_platform({"DISPLAY": ":0", "WAYLAND_DISPLAY": "w"}, "linux") == "x11"  # XWayland
    assert detect_platform({"WAYLAND_DISPLAY": "w"}, "linux") == "wayland"
    assert detect_platform({}, "linux") == "none"
    assert detect_platform({}, "win32") == "windows"
    assert detect_platform({"DISPLAY": ":0"}, "darwin") == "macos"
    assert check_platform(environ={}, platform="win32") == "windows"
    with pytest.raises(DesktopError, match="Screen Recording and Accessibility"):
        check_platform(environ={}, platform="darwin")
