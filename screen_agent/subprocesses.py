"""Ending child processes (standard library only: the Windows tests import it under Wine)."""

from __future__ import annotations

import subprocess
from typing import Any


def wait_or_kill(process: subprocess.Popen[Any], timeout_s: float) -> None:
    """Wait up to ``timeout_s`` for ``process`` to exit, then kill it (and reap it)."""
    try:
        process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
