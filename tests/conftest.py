"""Fixtures shared by all tests."""

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

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
