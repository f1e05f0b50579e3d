"""Stopping a launched game ends every process it started, also those in a session of their own
(xterm runs its program so; moon-buggy at its high-score prompt outlived its terminal and spun
a core)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from screen_agent.launch.processes import start_process

pytestmark = pytest.mark.skipif(os.name != "posix", reason="process sessions are POSIX")


def test_a_child_in_a_session_of_its_own_is_stopped_too(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    # The child leaves the group (setsid) and ignores the signals a closing terminal sends.
    script = (
        f"setsid sh -c 'trap \"\" HUP TERM; echo $$ > {pid_file}; while :; do sleep 0.1; done' &"
        " wait"
    )
    launched = start_process("game", [shutil.which("sh"), "-c", script], dict(os.environ),
                             tmp_path / "log")  # fmt: skip
    deadline = time.monotonic() + 5
    while not (pid_file.exists() and pid_file.read_text().strip()):
        assert time.monotonic() < deadline, "the child did not start"
        time.sleep(0.05)
    child = int(pid_file.read_text())
    launched.stop(timeout_s=1)
    deadline = time.monotonic() + 3
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child), "a process of the game outlived stop()"


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for its parent."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
