"""The true score of each test-bed game, read without the reward rules under test.

- the X games draw their score with X core fonts (xgalaga: ``6x10``; moon-buggy in xterm:
  ``10x20``; xjump: the first ``-adobe-*-*-*-*-*-24-*`` font, Courier Bold Oblique). The
  X server that shows the game renders the same font for us (:class:`XFont`), so a score is
  read by exact comparison with what the server draws for each candidate text: no template
  is learnt, no pixel may differ;
- the HTML5 Pac-Man keeps its score in ``window.globalConstants.score``, read through
  chromium's DevTools protocol (:class:`DevTools`, a minimal WebSocket client).

Used by ``record_games.py`` (which stores the truth beside the frames in ``tests/data``).
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import struct
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np


class XFont:
    """Text drawn by the X server in one core font, as a boolean ink mask."""

    def __init__(self, display: str, font: str) -> None:
        from Xlib import X
        from Xlib.display import Display

        self._X = X
        self.display = Display(display)
        screen = self.display.screen()
        self.root, self.depth = screen.root, screen.root_depth
        self.white, self.black = screen.white_pixel, screen.black_pixel
        self.font = self.display.open_font(font)
        info = self.font.query()
        self.ascent, self.height = info.font_ascent, info.font_ascent + info.font_descent
        self._cache: dict[str, np.ndarray] = {}

    def mask(self, text: str, width: int) -> np.ndarray:
        """(font height, width) bool: ``text`` drawn from x = 0 on its baseline."""
        key = f"{width}:{text}"
        if key not in self._cache:
            pixmap = self.root.create_pixmap(width, self.height, self.depth)
            pixmap.fill_rectangle(pixmap.create_gc(foreground=self.black), 0, 0, width, self.height)
            gc = pixmap.create_gc(foreground=self.white, background=self.black, font=self.font)
            pixmap.draw_text(gc, 0, self.ascent, text)
            image = pixmap.get_image(0, 0, width, self.height, self._X.ZPixmap, 0xFFFFFFFF)
            data = np.frombuffer(image.data, np.uint8).reshape(self.height, width, 4)
            self._cache[key] = data[:, :, :3].max(axis=2) > 0
            pixmap.free()
        return self._cache[key]

    def close(self) -> None:
        self.display.close()


def xgalaga_score(font: XFont, frame: np.ndarray) -> int | None:
    """xgalaga: 'Score: %07d' in yellow, pen at (145, baseline 8) of the client area."""
    ink = (frame[:, :, 0] > 200) & (frame[:, :, 1] > 200) & (frame[:, :, 2] < 80)
    cells = ink[8 - font.ascent : 8 - font.ascent + font.height, 187 : 187 + 42]
    digits = ""
    for i in range(7):
        cell = cells[:, 6 * i : 6 * i + 6]
        found = [d for d in "0123456789" if np.array_equal(font.mask(d, 6), cell)]
        if len(found) != 1:
            return None
        digits += found[0]
    return int(digits)


def terminal_row(
    font: XFont, frame: np.ndarray, row: int, first: int = 0, last: int = 79
) -> str | None:
    """The text of columns ``first``-``last`` of one xterm row (cells of 10x20 at
    x = 2 + 10 c, y = 2 + 20 r, light ink)."""
    ink = frame.max(axis=2) > 128
    text = ""
    for c in range(first, last + 1):
        cell = ink[2 + 20 * row : 22 + 20 * row, 2 + 10 * c : 12 + 10 * c]
        if not cell.any():
            text += " "
            continue
        found = [ch for ch in TERMINAL_CHARS if np.array_equal(font.mask(ch, 10), cell)]
        if len(found) != 1:
            return None
        text += found[0]
    return text


TERMINAL_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-.,()/"


def moon_buggy_score(font: XFont, frame: np.ndarray) -> int | None:
    """moon-buggy: the number after 'score:' on the status row (23, columns 61-79)."""
    text = terminal_row(font, frame, 23, 61, 79)
    match = re.search(r"score:\s*(-?\d+)", text or "")
    return int(match.group(1)) if match else None


def xjump_floor(font: XFont, frame: np.ndarray, candidates: list[int]) -> int | None:
    """xjump: the ten-digit floor counter, white, pen at (247, baseline 107): the candidate
    whose drawing equals the pixels exactly."""
    ink = frame.min(axis=2) > 200
    top = 107 - font.ascent
    area = ink[top : top + font.height, 247 : 247 + 160]
    for value in candidates:
        if value >= 0 and np.array_equal(font.mask(f"{value:010d}", 160), area):
            return value
    return None


class DevTools:
    """Chromium's DevTools protocol over a WebSocket (just enough to evaluate JavaScript in
    the page): the browser was started with ``--remote-debugging-port=0``, which writes the
    port it chose into ``DevToolsActivePort`` in its user-data-dir."""

    def __init__(self, user_data_dir: Path, timeout_s: float = 20.0) -> None:
        import time

        deadline = time.monotonic() + timeout_s
        port_file = user_data_dir / "DevToolsActivePort"
        while not port_file.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {port_file}")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as reply:
            pages = [t for t in json.load(reply) if t.get("type") == "page"]
        url = pages[0]["webSocketDebuggerUrl"]
        path = url.split(str(port), 1)[1]
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        header = b""
        while b"\r\n\r\n" not in header:
            header += self.sock.recv(1)
        if b" 101 " not in header.split(b"\r\n", 1)[0]:
            raise ConnectionError(header.decode(errors="replace"))
        self._id = 0

    def _send(self, text: str) -> None:
        payload = text.encode()
        mask = os.urandom(4)
        head = bytes([0x81])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _read_exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            data += chunk
        return data

    def _receive(self) -> str:
        first, second = self._read_exact(2)
        n = second & 0x7F
        if n == 126:
            n = struct.unpack(">H", self._read_exact(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self._read_exact(8))[0]
        payload = self._read_exact(n)
        return payload.decode(errors="replace") if first & 0x0F == 1 else ""

    def evaluate(self, expression: str) -> Any:
        """The value of ``expression`` in the page (None if it throws)."""
        self._id += 1
        self._send(
            json.dumps(
                {
                    "id": self._id,
                    "method": "Runtime.evaluate",
                    "params": {"expression": expression, "returnByValue": True},
                }
            )
        )
        while True:
            message = json.loads(self._receive() or "{}")
            if message.get("id") == self._id:
                return message.get("result", {}).get("result", {}).get("value")

    def close(self) -> None:
        self.sock.close()
