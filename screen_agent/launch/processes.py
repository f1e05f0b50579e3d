"""The processes a launch starts: each in a process group of its own, its output in a log file,
stopped with everything it started.

A game often starts children (chromium's renderers, a shell script's program): stopping only
the process we started would leave them running. Each process therefore leads a new session
(POSIX) or process group (Windows), and :meth:`LaunchedProcess.stop` ends the whole group.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from screen_agent.subprocesses import wait_or_kill

STOP_TIMEOUT_S = 5.0
"""How long a process may take to exit after SIGTERM before it is killed, seconds."""
TAIL_LINES = 5
"""Lines of a program's output quoted in an error."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on now (the system picks it); a race with another program
    taking it before ours binds is possible but rare, as with every such scheme."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def accepts(host: str, port: int, timeout_s: float = 0.2) -> bool:
    """True if a TCP connection to ``host:port`` succeeds now."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def find_program(program: str, base: Path, path: str | None = None) -> str | None:
    """The executable ``program`` names: absolute as is, with a slash relative to ``base``
    (the profile's folder), else looked up on ``path`` (default ``$PATH``); None if there is
    no such executable."""
    if os.sep in program or (os.altsep and os.altsep in program):
        candidate = Path(program) if os.path.isabs(program) else base / program
        return str(candidate) if candidate.is_file() and os.access(candidate, os.X_OK) else None
    return shutil.which(program, path=path)


def descendants(pid: int) -> set[int]:
    """``pid`` and every process below it (from ``/proc``; only ``pid`` elsewhere)."""
    parents: dict[int, list[int]] = {}
    proc = Path("/proc")
    if proc.is_dir():
        for entry in proc.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # it exited meanwhile
            # The command name (2nd field) may hold spaces and parentheses: split after it.
            fields = stat[stat.rfind(")") + 2 :].split()
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = {pid}, [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


@dataclass
class LaunchedProcess:
    """One started program (the game or a helper)."""

    role: str
    """``"game"`` or ``"helper N"``, for messages."""
    argv: tuple[str, ...]
    process: subprocess.Popen[bytes]
    log: Path
    """Its standard output and error."""

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def tail(self, lines: int = TAIL_LINES) -> str:
        """Its last ``lines`` lines of output, joined by `` | `` (one line for a message)."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        kept = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
        return " | ".join(kept)

    def describe_output(self) -> str:
        """``its last output: ...`` or ``it printed nothing``, for an error message."""
        tail = self.tail()
        return f"its last output: {tail}" if tail else "it printed nothing"

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """End it and everything in its process group: SIGTERM, then SIGKILL after
        ``timeout_s``; idempotent."""
        if os.name != "posix":
            if self.running():
                self.process.terminate()
            wait_or_kill(self.process, timeout_s)
            return
        # A terminal runs its program in a session of its own, out of the group's reach.
        strays = {
            pid: _started_at(pid) for pid in descendants(self.process.pid) - {self.process.pid}
        }
        self._signal_group(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout_s)
        # The leader may be gone while its children (a browser's renderers) live on.
        self._signal_group(signal.SIGKILL)
        for pid, started in strays.items():
            if started is not None and _started_at(pid) == started:  # not a reused pid
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
        self.process.wait()

    def _signal_group(self, sig: int) -> None:
        # ProcessLookupError: nothing is left in the group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, sig)


def _started_at(pid: int) -> str | None:
    """When ``pid`` started (clock ticks since boot, from ``/proc``), None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2 :].split()[19]


def start_process(
    role: str,
    argv: Sequence[str],
    env: Mapping[str, str],
    log: Path,
) -> LaunchedProcess:
    """Start ``argv`` (argv[0] already resolved to an executable) in a new process group,
    with ``env`` as its whole environment and its output going to ``log``."""
    options: dict[str, object] = {}
    if os.name == "posix":
        options["start_new_session"] = True  # its own group: stop() ends its children too
    elif sys.platform == "win32":
        options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
    with open(log, "wb") as out:
        process = subprocess.Popen(
            list(argv),
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            **options,  # type: ignore[call-overload]
        )
    return LaunchedProcess(role, tuple(argv), process, log)


def wait_until(condition: Callable[[], bool], timeout_s: float, poll_s: float = 0.05) -> bool:
    """Poll ``condition()`` until it is true (True) or ``timeout_s`` passed (False)."""
    deadline = time.monotonic() + timeout_s
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll_s)
