"""A private virtual X display (Xvfb), for the headless demo and the end-to-end tests."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from screen_agent.errors import UserError

SCREEN = "1280x1024x24"
"""Width x height x depth of the virtual screen."""


@dataclass
class VirtualDisplay:
    """A running Xvfb server."""

    name: str
    """The DISPLAY value, e.g. ``":3"``."""
    xauthority: Path
    """An empty Xauthority file, so clients never read the user's real cookies."""
    process: subprocess.Popen[bytes]

    def env(self, **extra: str) -> dict[str, str]:
        """The environment for a child process on this display."""
        return {**os.environ, "DISPLAY": self.name, "XAUTHORITY": str(self.xauthority), **extra}

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_xvfb(screen: str = SCREEN, folder: Path | None = None) -> VirtualDisplay:
    """Start Xvfb on a free display number and wait until it accepts clients.

    ``-displayfd`` makes Xvfb choose the number itself and write it to a pipe once it is ready,
    so there is no race for the number and no sleep.

    ``-noreset``: by default an X server resets when its last client disconnects, and the reset
    closes every connection still in its setup handshake. A client that connects just as the
    last one leaves (the next test's fixture right after the previous test's teardown) is then
    dropped: "Cannot connect to display: connection lost or could not be established".
    """
    if shutil.which("Xvfb") is None:
        raise UserError("Xvfb is not installed: run scripts/install-system-deps.sh (as root)")
    folder = Path(folder or tempfile.mkdtemp(prefix="screen-agent-xvfb-"))
    xauthority = folder / "Xauthority"
    xauthority.touch()
    read_fd, write_fd = os.pipe()
    options = ["-displayfd", str(write_fd), "-screen", "0", screen, "-nolisten", "tcp", "-noreset"]
    with open(folder / "xvfb.log", "wb") as log:
        process = subprocess.Popen(
            ["Xvfb", *options],
            pass_fds=(write_fd,),
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    os.close(write_fd)
    number = b""
    deadline = time.monotonic() + 10
    while not number.endswith(b"\n") and time.monotonic() < deadline:
        ready, _, _ = select.select([read_fd], [], [], 0.1)
        if ready:
            chunk = os.read(read_fd, 64)
            if not chunk:
                break
            number += chunk
    os.close(read_fd)
    if not number.strip().isdigit():
        process.kill()
        raise UserError(f"Xvfb did not start: {(folder / 'xvfb.log').read_text()}")
    return VirtualDisplay(f":{int(number)}", xauthority, process)
