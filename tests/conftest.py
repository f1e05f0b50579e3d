"""Fixtures shared by all tests."""

import importlib.util
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# The end-to-end fixtures (a private Xvfb for the whole session, arcade games in real windows,
# pyautogui bound to that display, a focus-stealing helper window) are defined once, here, for
# every test folder: a second session fixture in a sub-folder would start a second Xvfb, and
# pyautogui binds to the first display it is imported on. Loaded by path: tests/ is no package.
_spec = importlib.util.spec_from_file_location(
    "e2e_fixtures", Path(__file__).with_name("e2e_fixtures.py")
)
assert _spec is not None and _spec.loader is not None
_e2e = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _e2e  # dataclasses look their module up there
_spec.loader.exec_module(_e2e)
xvfb_display = _e2e.xvfb_display
arcade_window = _e2e.arcade_window
screen = _e2e.screen
keyboard = _e2e.keyboard
desktop = _e2e.desktop
helper_window = _e2e.helper_window

SCREEN_AGENT = str(Path(sys.executable).with_name("screen-agent"))
"""The installed console script: tests run the program as a user would."""


@pytest.fixture
def screen_agent_command() -> list[str]:
    return [SCREEN_AGENT]


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``screen-agent ARGS...`` and return the finished process (stdout, stderr as text)."""

    def run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SCREEN_AGENT, *args], capture_output=True, text=True, timeout=timeout, check=False
        )

    return run
