"""The Windows desktop backend against real Win32 windows: run by scripts/test-windows.sh with the
Windows build of CPython under Wine (pytest on Linux does not collect this file).

A small ctypes game window (wine_game.py, in its own process) reports what reaches it: its
client area (WM_MOVE, WM_SIZE), the scan codes of the keys it receives, its clicks; it paints
known colours. Each test drives :class:`WindowsDesktop` and checks what the window saw.
"""

from __future__ import annotations

import contextlib
import ctypes
import queue
import subprocess
import sys
import threading
import time
import winreg
from collections.abc import Callable, Iterator
from ctypes import wintypes as W
from pathlib import Path

import pytest
import wine_game

from screen_agent.desktop import (
    Desktop,
    DesktopError,
    FailSafeError,
    WindowClosedError,
    WindowNotFoundError,
    open_desktop,
)
from screen_agent.desktop import windows as backend
from screen_agent.desktop.windows import (
    INPUT,
    SCAN_CODES,
    SWP_NOSIZE,
    SWP_NOZORDER,
    WindowsDesktop,
)
from screen_agent.geometry import Region
from screen_agent.subprocesses import wait_or_kill

GAME = Path(wine_game.__file__)
TITLE = "screen-agent wine test: game"
AT = (100, 100)
SIZE = (320, 240)

win32 = backend._load_api()
"""The backend's Win32 functions, with their prototypes."""
user32 = ctypes.WinDLL("user32", use_last_error=True)
"""For the functions the backend does not use."""
user32.SetCursorPos.argtypes = (ctypes.c_int, ctypes.c_int)
user32.GetThreadDpiAwarenessContext.restype = W.HANDLE
user32.GetAwarenessFromDpiAwarenessContext.argtypes = (W.HANDLE,)
user32.SetThreadDpiAwarenessContext.restype = W.HANDLE
user32.SetThreadDpiAwarenessContext.argtypes = (W.HANDLE,)


def wait_until(
    check: Callable[[], object], timeout: float = 5.0, what: str | Callable[[], str] = ""
) -> None:
    """Poll ``check`` until it is true; AssertionError naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout} s waiting for {said or check}")
        time.sleep(0.02)


class Game:
    """wine_game.py in its own process, and the lines it printed."""

    def __init__(self, title: str, *options: str) -> None:
        self.title = title
        self.process = subprocess.Popen(
            [sys.executable, str(GAME), title, *options],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lines: list[list[str]] = []
        self._new: queue.Queue[list[str]] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        wait_until(lambda: self.last("ready"), 20, f"{title!r} to open")
        self.hwnd = int(self.last("ready")[1])

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.split())

    def last(self, kind: str) -> list[str] | None:
        for words in reversed(self.lines):
            if words and words[0] == kind:
                return words
        return None

    def keys(self, since: int = 0, raw: bool = False) -> list[tuple[str, int, int]]:
        """(``"down"``/``"up"``, scan code, extended bit) of the keys received after line
        ``since``: from WM_KEYDOWN/WM_KEYUP, or with ``raw`` from raw input (WM_INPUT, what
        raw-input and DirectInput games read)."""
        kinds = ("rawdown", "rawup") if raw else ("down", "up")
        return [
            (words[0].removeprefix("raw"), int(words[1]), int(words[2]))
            for words in self.lines[since:]
            if words[0] in kinds
        ]

    def client(self) -> Region:
        """The client area as the window itself was told (WM_MOVE, WM_SIZE)."""
        move, size = self.last("move"), self.last("size")
        assert move and size
        return Region(int(move[1]), int(move[2]), int(size[1]), int(size[2]))

    def command(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def take_focus(self, desktop: WindowsDesktop, what: str = "the game to get focus") -> None:
        """Bring the window to the foreground and wait until the game itself has the keyboard
        focus (WM_SETFOCUS), not only until it is the foreground window: under Wine the
        foreground changes first, and raw input (WM_INPUT) sent in between is lost (measured:
        5 of 40 refocusings lost some raw key messages that way, none of 120 with this wait)."""
        start = len(self.lines)
        self.command("focus")
        wait_until(lambda: desktop.has_focus(self.hwnd), 5, what)
        wait_until(lambda: ["focus", "1"] in self.lines[start:], 5, f"{what} (WM_SETFOCUS)")

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.command("quit")
            wait_or_kill(self.process, 10)


@pytest.fixture(scope="module", autouse=True)
def unscaled_display() -> None:
    """100% scaling, whatever a killed earlier run left in the Wine prefix."""
    with winreg.OpenKey(
        winreg.HKEY_CURRENT_USER, r"Control Panel\Desktop", 0, winreg.KEY_SET_VALUE
    ) as key:
        winreg.SetValueEx(key, "LogPixels", 0, winreg.REG_DWORD, 96)


@pytest.fixture(scope="module")
def desktop() -> Iterator[WindowsDesktop]:
    d = WindowsDesktop()
    yield d
    d.close()


@pytest.fixture(scope="module")
def game_process() -> Iterator[Game]:
    game = Game(TITLE, "--at", f"{AT[0]},{AT[1]}", "--size", f"{SIZE[0]},{SIZE[1]}")
    yield game
    game.close()


@pytest.fixture
def game(game_process: Game, desktop: WindowsDesktop) -> Game:
    """The game window, in the foreground, with the pointer away from the corners."""
    user32.SetCursorPos(640, 512)
    if not desktop.has_focus(game_process.hwnd):
        game_process.take_focus(desktop)
    return game_process


@pytest.fixture
def cover() -> Iterator[Callable[..., Game]]:
    """Opens more windows (closed after the test)."""
    opened: list[Game] = []

    def open_window(title: str, *options: str) -> Game:
        opened.append(Game(title, *options))
        return opened[-1]

    yield open_window
    for window in opened:
        window.close()


def pixel(x: int, y: int) -> tuple[int, int, int]:
    """The colour of screen pixel (x, y), as mss grabs it."""
    import mss

    with mss.mss() as sct:
        return sct.grab({"left": x, "top": y, "width": 1, "height": 1}).pixel(0, 0)


def press(desktop: WindowsDesktop, game: Game, keys: list[str]) -> list[tuple[str, int, int]]:
    """Press and release each key in turn; the key messages the game received."""
    start = len(game.lines)
    for key in keys:
        desktop.key_down(key)
        desktop.key_up(key)
    wait_until(lambda: len(game.keys(start)) >= 2 * len(keys), 5, f"{keys} to reach the game")
    time.sleep(0.1)  # anything more that was (wrongly) sent arrives too
    received = game.keys(start)
    assert game.keys(start, raw=True) == received  # raw input saw the same scan codes
    return received


# -- the structures ------------------------------------------------------------------------------


def test_input_structures_have_the_x64_sizes() -> None:
    assert ctypes.sizeof(ctypes.c_void_p) == 8
    assert ctypes.sizeof(INPUT) == 40
    assert ctypes.sizeof(backend.KEYBDINPUT) == 24
    assert ctypes.sizeof(backend.MOUSEINPUT) == 32


def test_open_desktop_picks_this_backend() -> None:
    desktop = open_desktop()
    assert isinstance(desktop, WindowsDesktop)
    assert isinstance(desktop, Desktop)  # the protocol, checked at run time
    assert desktop.name == "windows"


# -- windows ------------------------------------------------------------------------------------


def test_finds_the_window_by_its_title(desktop: WindowsDesktop, game: Game) -> None:
    window = desktop.find_window(TITLE)
    assert window.handle == game.hwnd
    assert window.title == TITLE
    assert desktop.window(game.hwnd) == window
    listed = {w.handle: w for w in desktop.windows()}
    assert listed[game.hwnd] == window


def test_a_missing_title_is_refused(desktop: WindowsDesktop, game: Game) -> None:
    with pytest.raises(WindowNotFoundError, match="no visible window is titled 'no such game'"):
        desktop.find_window("no such game")
    with pytest.raises(WindowNotFoundError, match="start the game"):
        desktop.find_window(TITLE[:-1])  # exact titles only


def test_a_duplicated_title_is_refused(desktop: WindowsDesktop, game: Game, cover) -> None:
    twin = cover(TITLE, "--at", "700,500", "--no-focus")
    with pytest.raises(WindowNotFoundError, match=r"2 windows are titled .* close all but"):
        desktop.find_window(TITLE)
    twin.close()
    wait_until(lambda: not win32.IsWindow(twin.hwnd), 5, "the twin to close")
    assert desktop.find_window(TITLE).handle == game.hwnd


def test_client_area_is_where_the_window_says_it_is(desktop: WindowsDesktop, game: Game) -> None:
    client = desktop.find_window(TITLE).client
    assert client == game.client()
    assert (client.width, client.height) == SIZE
    # Follow it when it moves.
    start = len(game.lines)
    frame = W.RECT()
    win32.GetWindowRect(game.hwnd, ctypes.byref(frame))
    try:
        win32.SetWindowPos(
            game.hwnd, None, frame.left + 37, frame.top + 21, 0, 0, SWP_NOSIZE | SWP_NOZORDER
        )
        wait_until(lambda: game.last("move") in game.lines[start:], 5, "WM_MOVE")
        moved = desktop.window(game.hwnd).client
        assert moved == game.client()
        assert (moved.x, moved.y) == (client.x + 37, client.y + 21)
    finally:
        win32.SetWindowPos(game.hwnd, None, frame.left, frame.top, 0, 0, SWP_NOSIZE | SWP_NOZORDER)
        wait_until(lambda: game.client() == client, 5, "the window to move back")


def test_move_window_places_the_client_area(desktop: WindowsDesktop, game: Game) -> None:
    client = desktop.find_window(TITLE).client
    try:
        moved = desktop.move_window(game.hwnd, 300, 250)
        assert (moved.client.x, moved.client.y) == (300, 250)
        assert moved.client.width == client.width and moved.client.height == client.height
        wait_until(lambda: game.client() == moved.client, 5, "the window to see itself moved")
    finally:
        desktop.move_window(game.hwnd, client.x, client.y)
    wait_until(lambda: game.client() == client, 5, "the window to move back")


def test_focus_window_raises_and_focuses(desktop: WindowsDesktop, game: Game, cover) -> None:
    client = desktop.find_window(TITLE).client
    over = cover("screen-agent wine test: over", "--at", f"{client.x},{client.y}")
    wait_until(lambda: desktop.has_focus(over.hwnd), 5, "the other window to take focus")
    assert [w.handle for w in desktop.covering(game.hwnd)] == [over.hwnd]
    desktop.focus_window(game.hwnd)
    wait_until(lambda: desktop.has_focus(game.hwnd), 5, "the game to get focus")
    assert desktop.covering(game.hwnd) == []
    # The game repaints and gets the keyboard focus when it handles the activation, a moment
    # after it became the foreground window.
    wait_until(
        lambda: pixel(client.x + 2, client.y + 2) == wine_game.BACKGROUND,
        5,
        lambda: f"the game to repaint: {pixel(client.x + 2, client.y + 2)}",
    )
    wait_until(lambda: game.last("focus") == ["focus", "1"], 5, "the game's WM_SETFOCUS")


def test_window_pid_is_the_games_process(desktop: WindowsDesktop, game: Game, cover) -> None:
    assert desktop.window_pid(game.hwnd) == game.process.pid
    gone = cover("screen-agent wine test: pid", "--at", "800,600", "--no-focus")
    assert desktop.window_pid(gone.hwnd) == gone.process.pid
    gone.close()
    assert desktop.window_pid(gone.hwnd) is None


def test_grabs_the_window_pixels(desktop: WindowsDesktop, game: Game) -> None:
    import mss

    client = desktop.find_window(TITLE).client
    mark_x, mark_y = wine_game.MARK_AT
    with mss.mss() as sct:
        shot = sct.grab(client.as_monitor())
    assert shot.size == SIZE
    assert shot.pixel(2, 2) == wine_game.BACKGROUND
    assert shot.pixel(client.width - 3, client.height - 3) == wine_game.BACKGROUND
    # The mark's first pixel and the one before it: the region is exact to the pixel.
    assert shot.pixel(mark_x, mark_y) == wine_game.MARK
    assert shot.pixel(mark_x - 1, mark_y - 1) == wine_game.BACKGROUND
    end = mark_x + wine_game.MARK_SIZE
    assert shot.pixel(end - 1, mark_y) == wine_game.MARK
    assert shot.pixel(end, mark_y) == wine_game.BACKGROUND


def test_windows_are_listed_bottom_first(desktop: WindowsDesktop, game: Game, cover) -> None:
    top = cover("screen-agent wine test: on top", "--at", "800,600")
    handles = [w.handle for w in desktop.windows()]
    assert handles.index(game.hwnd) < handles.index(top.hwnd)
    assert handles[-1] == top.hwnd


# -- keys -----------------------------------------------------------------------------------------


def test_keys_reach_the_window_as_scan_codes(desktop: WindowsDesktop, game: Game) -> None:
    keys = ["a", "w", "space", "enter", "escape", "1", "f1", "f12", "shiftleft", "ctrlleft"]
    received = press(desktop, game, keys)
    expected = []
    for key in keys:
        scan = SCAN_CODES[key].scan
        expected += [("down", scan, 0), ("up", scan, 0)]
    assert received == expected
    assert [scan for _, scan, _ in received[:2]] == [30, 30]  # set 1: A is 0x1E


def test_extended_keys_carry_the_extended_flag(desktop: WindowsDesktop, game: Game) -> None:
    # Each arrow shares its scan code with a numpad key: only the flag tells them apart.
    pairs = [("left", "num4"), ("right", "num6"), ("up", "num8"), ("down", "num2")]
    keys = [k for pair in pairs for k in pair] + ["ctrlright", "divide", "delete", "pgdn"]
    received = press(desktop, game, keys)
    expected = []
    for key in keys:
        code = SCAN_CODES[key]
        expected += [("down", code.scan, int(code.extended)), ("up", code.scan, int(code.extended))]
    assert received == expected
    assert received[0] == ("down", 0x4B, 1)  # left arrow: E0 4B
    assert received[2] == ("down", 0x4B, 0)  # numpad 4: 4B


def test_no_key_is_sent_while_another_window_has_focus(
    desktop: WindowsDesktop, game: Game, cover
) -> None:
    other = cover("screen-agent wine test: other", "--at", "700,500")
    wait_until(lambda: not desktop.has_focus(game.hwnd), 5, "the other window to take focus")
    assert desktop.has_focus(other.hwnd)
    start, other_start = len(game.lines), len(other.lines)
    # What the key sink does at every decision: press only while the game has focus.
    for key in ("a", "left"):
        if desktop.has_focus(game.hwnd):
            desktop.key_down(key)
    time.sleep(0.3)
    assert game.keys(start) == []
    assert other.keys(other_start) == []
    # Back in the game: keys reach it again.
    game.take_focus(desktop, "the game to get focus back")
    assert press(desktop, game, ["a"]) == [("down", 30, 0), ("up", 30, 0)]


class Held:
    """What a key sink does with keys: remember them, release them all on the way out."""

    def __init__(self, desktop: WindowsDesktop) -> None:
        self.desktop = desktop
        self.keys: list[str] = []

    def down(self, key: str) -> None:
        self.keys.append(key)
        self.desktop.key_down(key)

    def __enter__(self) -> Held:
        return self

    def __exit__(self, *_: object) -> None:
        while self.keys:
            self.desktop.key_up(self.keys.pop())


def test_held_keys_are_released_on_exception(desktop: WindowsDesktop, game: Game) -> None:
    start = len(game.lines)
    with pytest.raises(RuntimeError, match="the agent failed"), Held(desktop) as held:
        held.down("d")
        held.down("right")
        wait_until(lambda: len(game.keys(start)) == 2, 5, "the key downs")
        assert [kind for kind, _, _ in game.keys(start)] == ["down", "down"]
        raise RuntimeError("the agent failed")
    wait_until(lambda: len(game.keys(start)) == 4, 5, "the key ups")
    assert game.keys(start)[2:] == [("up", 0x4D, 1), ("up", 0x20, 0)]


def test_held_keys_are_released_at_exit(game: Game) -> None:
    # Another process holds a key and exits: its atexit handler releases it.
    start = len(game.lines)
    code = (
        "import atexit, sys\n"
        "from screen_agent.desktop.windows import WindowsDesktop\n"
        "d = WindowsDesktop()\n"
        "atexit.register(d.key_up, 'x')\n"
        "d.key_down('x')\n"
        "sys.exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)
    wait_until(lambda: len(game.keys(start)) == 2, 5, "the key down and up")
    assert game.keys(start) == [("down", 0x2D, 0), ("up", 0x2D, 0)]


def test_key_names_without_a_scan_code_are_refused(desktop: WindowsDesktop, game: Game) -> None:
    start = len(game.lines)
    with pytest.raises(DesktopError, match="'!' has no scan code"):
        desktop.key_down("!")
    time.sleep(0.1)
    assert game.keys(start) == []
    assert "!" not in desktop.sendable_keys()
    assert {"a", "left", "space", "f12"} <= desktop.sendable_keys()


def test_held_keys_reads_the_keyboard(desktop: WindowsDesktop, game: Game) -> None:
    # A person's key press: a virtual-key event, as a keyboard driver sends it.
    def person(vk: int, up: bool) -> None:
        event = INPUT(type=backend.INPUT_KEYBOARD)
        event.ki = backend.KEYBDINPUT(wVk=vk, wScan=0, dwFlags=2 if up else 0)
        assert win32.SendInput(1, ctypes.byref(event), ctypes.sizeof(INPUT)) == 1

    assert not {"a", "left"} & desktop.held_keys()
    start = len(game.lines)
    person(0x41, up=False)  # VK_A
    person(0x25, up=False)  # VK_LEFT
    try:
        wait_until(lambda: {"a", "left"} <= desktop.held_keys(), 5, "held_keys to see a, left")
        assert "b" not in desktop.held_keys()
    finally:
        person(0x41, up=True)
        person(0x25, up=True)
    wait_until(lambda: not {"a", "left"} & desktop.held_keys(), 5, "the keys to be up")
    wait_until(lambda: len(game.keys(start)) == 4, 5, "the game to see the person's keys")


# -- the fail-safe -------------------------------------------------------------------------------


@pytest.mark.parametrize("corner", ["top-left", "top-right", "bottom-left", "bottom-right"])
def test_failsafe_refuses_key_down_in_a_corner(
    desktop: WindowsDesktop, game: Game, corner: str
) -> None:
    screen = desktop.virtual_screen()
    x = screen.x + 1 if "left" in corner else screen.right - 1
    y = screen.y if "top" in corner else screen.bottom - 2
    start = len(game.lines)
    user32.SetCursorPos(x, y)
    try:
        with pytest.raises(FailSafeError, match="corner"):
            desktop.key_down("a")
        desktop.key_up("a")  # never refused
        wait_until(lambda: game.keys(start), 5, "the key up")
        time.sleep(0.1)
        assert game.keys(start) == [("up", 30, 0)]  # and no key down
    finally:
        user32.SetCursorPos(640, 512)
    assert press(desktop, game, ["a"]) == [("down", 30, 0), ("up", 30, 0)]


def test_click_lands_on_the_pixel(desktop: WindowsDesktop, game: Game) -> None:
    client = desktop.find_window(TITLE).client
    start = len(game.lines)
    desktop.click(client.x + 57, client.y + 43)
    wait_until(lambda: game.last("click") in game.lines[start:], 5, "the click")
    assert game.last("click") == ["click", "57", "43"]
    point = W.POINT()
    win32.GetCursorPos(ctypes.byref(point))
    assert (point.x, point.y) == (client.x + 57, client.y + 43)


# -- covering windows ------------------------------------------------------------------------


def test_covering_reports_a_window_on_top(desktop: WindowsDesktop, game: Game, cover) -> None:
    assert desktop.covering(game.hwnd) == []
    client = desktop.find_window(TITLE).client
    over = cover(
        "screen-agent wine test: over",
        "--at",
        f"{client.x + 200},{client.y + 150}",
        "--color",
        "0,0,255",
    )
    aside = cover("screen-agent wine test: aside", "--at", "800,600")
    frame = W.RECT()
    win32.GetWindowRect(over.hwnd, ctypes.byref(frame))
    area = Region(frame.left, frame.top, frame.right - frame.left, frame.bottom - frame.top)
    hidden = desktop.covering(game.hwnd)
    assert [w.handle for w in hidden] == [over.hwnd]  # not `aside`: it does not overlap
    assert aside.hwnd in [w.handle for w in desktop.windows()]
    assert hidden[0].title == over.title
    assert hidden[0].client == area.intersection(client)
    assert hidden[0].client.right == client.right and hidden[0].client.bottom == client.bottom
    # What is on the screen there: the window on top.
    assert pixel(client.right - 3, client.bottom - 3) == (0, 0, 255)
    assert pixel(hidden[0].client.x - 2, client.bottom - 3) == wine_game.BACKGROUND
    # Brought to the front, the game is uncovered.
    game.take_focus(desktop, "the game to come to the front")
    wait_until(
        lambda: desktop.covering(game.hwnd) == [],
        5,
        lambda: f"the game to be uncovered: {desktop.covering(game.hwnd)}",
    )
    # The game repaints the uncovered part when it handles WM_PAINT, a moment after it is raised.
    corner = (client.right - 3, client.bottom - 3)
    wait_until(
        lambda: pixel(*corner) == wine_game.BACKGROUND,
        5,
        lambda: f"the game to repaint its uncovered corner: {pixel(*corner)}",
    )


def test_a_closed_window_is_reported_gone(desktop: WindowsDesktop, cover) -> None:
    gone = cover("screen-agent wine test: gone", "--at", "800,600", "--no-focus")
    assert desktop.window(gone.hwnd).title == gone.title
    gone.close()
    with pytest.raises(WindowClosedError, match="gone"):
        desktop.window(gone.hwnd)
    with pytest.raises(WindowClosedError):
        desktop.covering(gone.hwnd)
    with pytest.raises(WindowClosedError):
        desktop.move_window(gone.hwnd, 10, 10)
    with pytest.raises(WindowClosedError):
        desktop.focus_window(gone.hwnd)
    assert not desktop.has_focus(gone.hwnd)


# -- monitors and DPI ------------------------------------------------------------------------


def test_monitors_are_listed(desktop: WindowsDesktop) -> None:
    monitors = desktop.monitors()
    assert monitors and monitors[0].primary
    assert monitors[0].area == Region(0, 0, 1280, 1024)  # the harness's Xvfb screen
    assert monitors[0].scale == 1.0
    assert desktop.virtual_screen() == Region.bounding(m.area for m in monitors)


def test_the_process_is_per_monitor_dpi_aware(desktop: WindowsDesktop) -> None:
    awareness = user32.GetAwarenessFromDpiAwarenessContext(user32.GetThreadDpiAwarenessContext())
    assert awareness == 2  # DPI_AWARENESS_PER_MONITOR_AWARE
    assert desktop.dpi_awareness != "unaware"


class FakeDpiApi:
    """The three DPI calls, each failing with a given error (None: it works)."""

    def __init__(self, context: int | None, shcore: int | None, legacy: bool) -> None:
        self.calls: list[str] = []
        self._context, self._shcore, self._legacy = context, shcore, legacy

    def SetProcessDpiAwarenessContext(self, value: int) -> bool:
        self.calls.append(f"context {value}")
        if self._context is not None:
            ctypes.set_last_error(self._context)
            return False
        return True

    def SetProcessDpiAwareness(self, value: int) -> None:
        self.calls.append(f"shcore {value}")
        if self._shcore is not None:
            raise OSError(None, "failed", None, self._shcore)

    def SetProcessDPIAware(self) -> bool:
        self.calls.append("legacy")
        return self._legacy


@pytest.mark.parametrize(
    ("context", "shcore", "legacy", "calls", "how"),
    [
        (None, None, True, ["context -4"], "per-monitor v2"),
        (5, None, True, ["context -4"], "already set"),  # ERROR_ACCESS_DENIED
        (87, None, True, ["context -4", "shcore 2"], "per-monitor"),  # Wine: no V2
        (87, backend.E_ACCESSDENIED, True, ["context -4", "shcore 2"], "already set"),
        (87, -2147467259, True, ["context -4", "shcore 2", "legacy"], "system"),  # E_FAIL
        (87, -2147467259, False, ["context -4", "shcore 2", "legacy"], "unaware"),
    ],
)
def test_dpi_awareness_falls_back(
    monkeypatch: pytest.MonkeyPatch, context, shcore, legacy, calls, how
) -> None:
    monkeypatch.setattr(backend, "_dpi_awareness", None)
    api = FakeDpiApi(context, shcore, legacy)
    assert backend._set_dpi_awareness(api) == how  # type: ignore[arg-type]
    assert api.calls == calls


DPI_CHILD = """
import json, sys
from screen_agent.desktop.windows import WindowsDesktop
d = WindowsDesktop()
window = d.find_window(sys.argv[1])
print(json.dumps({"client": window.client.as_tuple(), "scale": d.monitors()[0].scale,
                  "awareness": d.dpi_awareness}))
"""


@contextlib.contextmanager
def system_dpi(dpi: int) -> Iterator[None]:
    """Wine's display scaling (LogPixels: 120 is 125%, 144 is 150%) for processes started
    inside the block."""
    path = r"Control Panel\Desktop"
    with winreg.OpenKey(winreg.HKEY_CURRENT_USER, path, 0, winreg.KEY_ALL_ACCESS) as key:
        try:
            old = winreg.QueryValueEx(key, "LogPixels")
        except FileNotFoundError:
            old = None
        winreg.SetValueEx(key, "LogPixels", 0, winreg.REG_DWORD, dpi)
        try:
            yield
        finally:
            if old is None:
                winreg.DeleteValue(key, "LogPixels")
            else:
                winreg.SetValueEx(key, "LogPixels", 0, old[1], old[0])


@pytest.mark.parametrize(("dpi", "scale"), [(120, 1.25), (144, 1.5)])
def test_regions_are_physical_pixels_when_scaled(
    desktop: WindowsDesktop, cover, dpi: int, scale: float
) -> None:
    import json

    import mss

    title = f"screen-agent wine test: {dpi} dpi"
    with system_dpi(dpi):
        scaled = cover(title, "--at", "500,400", "--size", "300,200", "--no-focus")
        child = subprocess.run(
            [sys.executable, "-c", DPI_CHILD, title],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    seen = json.loads(child.stdout)
    assert seen["scale"] == scale
    assert seen["awareness"] != "unaware"
    # The window made a 300 x 200 pixel client area: the backend reports those pixels (a
    # DPI-unaware program on Windows would be told 300 / scale x 200 / scale; Wine does not
    # virtualise coordinates that way, so only the physical side is checked here).
    assert tuple(seen["client"]) == (*scaled.client().as_tuple()[:2], 300, 200)
    with mss.mss() as sct:
        shot = sct.grab(Region(*seen["client"]).as_monitor())
    mark_x, mark_y = wine_game.MARK_AT
    assert shot.pixel(mark_x, mark_y) == wine_game.MARK
    assert shot.pixel(mark_x - 1, mark_y - 1) == wine_game.BACKGROUND


# -- permissions -----------------------------------------------------------------------------


def test_check_access_passes_for_a_window_of_ours(desktop: WindowsDesktop, game: Game) -> None:
    desktop.check_access()
    desktop.check_access(game.hwnd)
    assert desktop._elevated(win32.GetCurrentProcess()) in (True, False)  # the token is readable


def test_check_access_names_an_elevated_game(
    desktop: WindowsDesktop, game: Game, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = win32.GetCurrentProcess()
    # Wine runs every process with the same token: pretend the game's is elevated.
    monkeypatch.setattr(desktop, "_elevated", lambda process: process != ours)
    with pytest.raises(DesktopError) as error:
        desktop.check_access(game.hwnd)
    message = str(error.value)
    assert TITLE in message
    assert f"process {game.process.pid} (python.exe)" in message
    assert "as administrator" in message
