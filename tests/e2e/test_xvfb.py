"""The private Xvfb of screen_agent.xvfb serves every client, whenever it connects."""

from __future__ import annotations

import socket
import struct
import time
from pathlib import Path

import pytest

from screen_agent.xvfb import start_xvfb

pytestmark = pytest.mark.e2e

SETUP_REQUEST = b"l\0" + struct.pack("<HHHH", 11, 0, 0, 0) + b"\0\0"
"""An X connection setup request: little-endian, protocol 11.0, no authorization."""


def connect(display: str) -> socket.socket:
    """A socket connected to ``display``'s listener (as libxcb does: abstract name first)."""
    path = f"/tmp/.X11-unix/X{display.lstrip(':')}"
    for address in ("\0" + path, path):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(5)
        try:
            sock.connect(address)
            return sock
        except OSError:
            sock.close()
    pytest.fail(f"nothing listens on {path}")


def set_up(sock: socket.socket) -> str:
    """Send the connection setup request; the server's answer, or how the connection ended."""
    try:
        sock.sendall(SETUP_REQUEST)
        status = sock.recv(1)
    except OSError as error:
        return f"connection lost: {error!r}"
    return {b"": "closed by the server", b"\0": "refused", b"\1": "accepted"}.get(status, "other")


def test_a_client_that_connects_as_the_last_one_leaves_is_served(tmp_path: Path) -> None:
    # An X server resets when its last client leaves, unless told not to (-noreset), and the
    # reset drops the connections still in their setup: in scripts/test.sh's second phase, the
    # screen fixture's first connection, made right after the previous test closed its own,
    # failed so ("Cannot connect to display: connection lost or could not be established").
    display = start_xvfb("320x240x24", tmp_path)
    try:
        first = connect(display.name)
        assert set_up(first) == "accepted"
        arriving = connect(display.name)  # a client that has connected, not yet set up
        time.sleep(0.2)  # the server accepts it
        first.close()  # the last set-up client leaves
        time.sleep(0.3)  # the server sees it go (and, resetting, would drop ``arriving``)
        assert set_up(arriving) == "accepted", (
            f"Xvfb dropped a client that connected while its last client left; "
            f"log: {(tmp_path / 'xvfb.log').read_text()}"
        )
        arriving.close()
    finally:
        display.close()
    assert display.process.returncode is not None
