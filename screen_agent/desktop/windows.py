"""The Windows backend: Win32 through ctypes (no pywin32).

- Windows are found with ``EnumWindows``; a window's client area is ``GetClientRect`` moved by
  ``ClientToScreen``, in physical pixels: the backend makes the process per-monitor DPI aware
  when it is created, so at 125% or 150% scaling regions are the pixels mss grabs.
- Keys are sent with ``SendInput`` as *scan codes* (``KEYEVENTF_SCANCODE``, plus
  ``KEYEVENTF_EXTENDEDKEY`` for the keys that need the E0 prefix: arrows, the
  insert/delete/home/end/page block, right Ctrl and Alt, the Windows keys, numpad divide, ...).
  DirectInput and raw-input games read scan codes and ignore virtual-key-only input, which is
  what pyautogui sends. A key name means a key *position* on a US keyboard (``"a"`` is the key
  right of Caps Lock), as DirectInput's key codes do; on another layout that key may type
  another character, and :meth:`WindowsDesktop.held_keys` reads positions the same way, so a
  recorded profile plays back the keys the person pressed.
- The fail-safe: :meth:`WindowsDesktop.key_down` (and :meth:`~WindowsDesktop.click`) refuse to
  act while the pointer is within one pixel of a corner of the virtual screen.

The module imports on any platform (Linux linters and tests import it); the Win32 DLLs are
loaded when a :class:`WindowsDesktop` is created.
"""

from __future__ import annotations

import contextlib
import ctypes
import sys
import threading
from ctypes import wintypes
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from screen_agent.desktop.base import Monitor, Window, covering_windows
from screen_agent.desktop.errors import (
    DesktopError,
    FailSafeError,
    WindowClosedError,
    WindowNotFoundError,
)
from screen_agent.geometry import Region
from screen_agent.keys import KEY_NAMES


@dataclass(frozen=True)
class ScanKey:
    """How one key name is pressed: its set-1 scan code and the virtual key that reads it."""

    scan: int
    """Set-1 make code without the E0 prefix."""
    extended: bool
    """True for keys whose make code has the E0 prefix (sent with KEYEVENTF_EXTENDEDKEY)."""
    vk: int
    """The virtual-key code ``GetAsyncKeyState`` reads for it (on a US layout; keys whose
    character depends on the layout are re-read from the scan code at run time)."""


def _keys() -> dict[str, ScanKey]:
    table: dict[str, ScanKey] = {}

    def add(names: str, scan: int, vk: int, extended: bool = False) -> None:
        for name in names.split("|"):
            table[name] = ScanKey(scan, extended, vk)

    for letter, scan in zip(
        "qwertyuiop", range(0x10, 0x1A), strict=True
    ):  # the three letter rows of set 1
        add(letter, scan, ord(letter.upper()))
    for letter, scan in zip("asdfghjkl", range(0x1E, 0x27), strict=True):
        add(letter, scan, ord(letter.upper()))
    for letter, scan in zip("zxcvbnm", range(0x2C, 0x33), strict=True):
        add(letter, scan, ord(letter.upper()))
    for digit, scan in zip("1234567890", range(0x02, 0x0C), strict=True):
        add(digit, scan, ord(digit))
    # The character keys around them (US positions) and their VK_OEM_* codes.
    add("-", 0x0C, 0xBD)
    add("=", 0x0D, 0xBB)
    add("[", 0x1A, 0xDB)
    add("]", 0x1B, 0xDD)
    add(";", 0x27, 0xBA)
    add("'", 0x28, 0xDE)
    add("`", 0x29, 0xC0)
    add("\\", 0x2B, 0xDC)
    add(",", 0x33, 0xBC)
    add(".", 0x34, 0xBE)
    add("/", 0x35, 0xBF)
    # Control keys.
    add("escape|esc", 0x01, 0x1B)
    add("backspace", 0x0E, 0x08)
    add("tab|\t", 0x0F, 0x09)
    add("enter|return|\n|\r", 0x1C, 0x0D)
    add("space| ", 0x39, 0x20)
    add("capslock", 0x3A, 0x14)
    add("numlock", 0x45, 0x90, extended=True)
    add("scrolllock", 0x46, 0x91)
    add("printscreen|prntscrn|prtsc|prtscr", 0x37, 0x2C, extended=True)
    # Modifiers: the plain name is the left key; held_keys reads either key for it.
    add("shift", 0x2A, 0x10)
    add("shiftleft", 0x2A, 0xA0)
    add("shiftright", 0x36, 0xA1)
    add("ctrl", 0x1D, 0x11)
    add("ctrlleft", 0x1D, 0xA2)
    add("ctrlright", 0x1D, 0xA3, extended=True)
    add("alt", 0x38, 0x12)
    add("altleft", 0x38, 0xA4)
    add("altright", 0x38, 0xA5, extended=True)
    add("win|winleft", 0x5B, 0x5B, extended=True)
    add("winright", 0x5C, 0x5C, extended=True)
    add("apps", 0x5D, 0x5D, extended=True)
    # Function keys.
    for n, scan in zip(range(1, 11), range(0x3B, 0x45), strict=True):
        add(f"f{n}", scan, 0x6F + n)
    add("f11", 0x57, 0x7A)
    add("f12", 0x58, 0x7B)
    for n, scan in zip(range(13, 24), range(0x64, 0x6F), strict=True):
        add(f"f{n}", scan, 0x6F + n)
    add("f24", 0x76, 0x87)
    # The navigation block and the arrows (E0-prefixed: not their numpad twins).
    add("insert", 0x52, 0x2D, extended=True)
    add("delete|del", 0x53, 0x2E, extended=True)
    add("home", 0x47, 0x24, extended=True)
    add("end", 0x4F, 0x23, extended=True)
    add("pageup|pgup", 0x49, 0x21, extended=True)
    add("pagedown|pgdn", 0x51, 0x22, extended=True)
    add("up", 0x48, 0x26, extended=True)
    add("left", 0x4B, 0x25, extended=True)
    add("down", 0x50, 0x28, extended=True)
    add("right", 0x4D, 0x27, extended=True)
    # The numeric keypad (the digits read as VK_NUMPADn with Num Lock on).
    for digit, scan in zip(
        "7894561230", (0x47, 0x48, 0x49, 0x4B, 0x4C, 0x4D, 0x4F, 0x50, 0x51, 0x52), strict=True
    ):
        add(f"num{digit}", scan, 0x60 + int(digit))
    add("multiply", 0x37, 0x6A)
    add("subtract", 0x4A, 0x6D)
    add("add", 0x4E, 0x6B)
    add("decimal", 0x53, 0x6E)
    add("divide", 0x35, 0x6F, extended=True)
    # Japanese keyboard keys (set-1 international codes).
    add("kana", 0x70, 0x15)
    add("convert", 0x79, 0x1C)
    add("nonconvert", 0x7B, 0x1D)
    # Media, browser and power keys (E0-prefixed, as keyboards with those keys send them).
    add("volumemute", 0x20, 0xAD, extended=True)
    add("volumedown", 0x2E, 0xAE, extended=True)
    add("volumeup", 0x30, 0xAF, extended=True)
    add("nexttrack", 0x19, 0xB0, extended=True)
    add("prevtrack", 0x10, 0xB1, extended=True)
    add("stop", 0x24, 0xB2, extended=True)
    add("playpause", 0x22, 0xB3, extended=True)
    add("launchmail", 0x6C, 0xB4, extended=True)
    add("launchmediaselect", 0x6D, 0xB5, extended=True)
    add("launchapp1", 0x6B, 0xB6, extended=True)
    add("launchapp2", 0x21, 0xB7, extended=True)
    add("browserback", 0x6A, 0xA6, extended=True)
    add("browserforward", 0x69, 0xA7, extended=True)
    add("browserrefresh", 0x67, 0xA8, extended=True)
    add("browserstop", 0x68, 0xA9, extended=True)
    add("browsersearch", 0x65, 0xAA, extended=True)
    add("browserfavorites", 0x66, 0xAB, extended=True)
    add("browserhome", 0x32, 0xAC, extended=True)
    add("sleep", 0x5F, 0x5F, extended=True)
    unknown = set(table) - KEY_NAMES
    if unknown:  # pragma: no cover - a typo in the table above
        raise AssertionError(f"not key names: {sorted(unknown)}")
    return table


SCAN_CODES: dict[str, ScanKey] = _keys()
"""Every key name of :data:`~screen_agent.keys.KEY_NAMES` that is a key of its own on a PC
keyboard, with its set-1 scan code. Left out: shifted characters (``!``, ``@``, ``{``, ...: a
profile holds ``shift`` and the key), ``pause`` (its E1 sequence is not one scan code), keys
with no standard scan code (``fn``, ``print``, ``help``, ``select``, ``execute``, ``clear``,
``separator``), the Korean and Japanese IME keys whose code depends on the keyboard
(``hangul``, ``hanja``, ``junja``, ``final``, ``kanji``, ``accept``, ``modechange``, ``yen``),
and macOS's ``command`` and ``option``."""

_LAYOUT_KEYS = frozenset(
    name for name in SCAN_CODES if len(name) == 1 and name not in "\t\n\r "
)  # whose virtual key depends on the keyboard layout

# Win32 constants.
INPUT_MOUSE, INPUT_KEYBOARD = 0, 1
KEYEVENTF_EXTENDEDKEY, KEYEVENTF_KEYUP, KEYEVENTF_SCANCODE = 0x1, 0x2, 0x8
MOUSEEVENTF_MOVE, MOUSEEVENTF_ABSOLUTE, MOUSEEVENTF_VIRTUALDESK = 0x1, 0x8000, 0x4000
MOUSE_BUTTONS = {"left": (0x2, 0x4), "right": (0x8, 0x10), "middle": (0x20, 0x40)}
SM_XVIRTUALSCREEN, SM_YVIRTUALSCREEN, SM_CXVIRTUALSCREEN, SM_CYVIRTUALSCREEN = 76, 77, 78, 79
GW_HWNDPREV = 3
SWP_NOSIZE, SWP_NOZORDER, SWP_NOACTIVATE = 0x1, 0x4, 0x10
SW_RESTORE = 9
GA_ROOT = 2
MONITORINFOF_PRIMARY = 1
MAPVK_VSC_TO_VK_EX = 3
DWMWA_EXTENDED_FRAME_BOUNDS, DWMWA_CLOAKED = 9, 14
PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
TOKEN_QUERY = 0x8
TOKEN_ELEVATION_CLASS = 20  # TokenElevation
ERROR_ACCESS_DENIED = 5
DESKTOP_READOBJECTS = 0x1
DPI_AWARENESS_CONTEXT_PER_MONITOR_AWARE_V2 = -4
PROCESS_PER_MONITOR_DPI_AWARE = 2
E_ACCESSDENIED = -2147024891  # 0x80070005: SetProcessDpiAwareness was already called

ULONG_PTR = ctypes.c_size_t


class MOUSEINPUT(ctypes.Structure):
    _fields_ = (
        ("dx", wintypes.LONG),
        ("dy", wintypes.LONG),
        ("mouseData", wintypes.DWORD),
        ("dwFlags", wintypes.DWORD),
        ("time", wintypes.DWORD),
        ("dwExtraInfo", ULONG_PTR),
    )


class KEYBDINPUT(ctypes.Structure):
    _fields_ = (
        ("wVk", wintypes.WORD),
        ("wScan", wintypes.WORD),
        ("dwFlags", wintypes.DWORD),
        ("time", wintypes.DWORD),
        ("dwExtraInfo", ULONG_PTR),
    )


class HARDWAREINPUT(ctypes.Structure):
    _fields_ = (
        ("uMsg", wintypes.DWORD),
        ("wParamL", wintypes.WORD),
        ("wParamH", wintypes.WORD),
    )


class _INPUTUNION(ctypes.Union):
    _fields_ = (("mi", MOUSEINPUT), ("ki", KEYBDINPUT), ("hi", HARDWAREINPUT))


class INPUT(ctypes.Structure):
    """SendInput's INPUT: 40 bytes on x64 (the union is as large as MOUSEINPUT), 28 on x86."""

    _anonymous_ = ("u",)
    _fields_ = (("type", wintypes.DWORD), ("u", _INPUTUNION))


class MONITORINFOEXW(ctypes.Structure):
    _fields_ = (
        ("cbSize", wintypes.DWORD),
        ("rcMonitor", wintypes.RECT),
        ("rcWork", wintypes.RECT),
        ("dwFlags", wintypes.DWORD),
        ("szDevice", wintypes.WCHAR * 32),
    )


def key_input(key: ScanKey, up: bool) -> INPUT:
    """The INPUT that presses (or releases) ``key`` by its scan code."""
    flags = KEYEVENTF_SCANCODE
    if key.extended:
        flags |= KEYEVENTF_EXTENDEDKEY
    if up:
        flags |= KEYEVENTF_KEYUP
    event = INPUT(type=INPUT_KEYBOARD)
    event.ki = KEYBDINPUT(wVk=0, wScan=key.scan, dwFlags=flags, time=0, dwExtraInfo=0)
    return event


def absolute_mouse(x: int, y: int, screen: Region) -> tuple[int, int]:
    """SendInput's normalised coordinates (0..65535 across the virtual screen ``screen``) that
    land on pixel (x, y): Windows maps n to pixel ``n * size // 65536``, so round up."""

    def norm(value: int, origin: int, size: int) -> int:
        return max(0, min(65535, ((value - origin) * 65536 + size - 1) // size))

    return norm(x, screen.x, screen.width), norm(y, screen.y, screen.height)


def in_corner(x: int, y: int, screen: Region, margin: int = 1) -> bool:
    """True if (x, y) lies within ``margin`` pixels of a corner of ``screen``."""
    near_x = abs(x - screen.x) <= margin or abs(x - (screen.right - 1)) <= margin
    near_y = abs(y - screen.y) <= margin or abs(y - (screen.bottom - 1)) <= margin
    return near_x and near_y


def _rect(rect: wintypes.RECT) -> Region:
    return Region(rect.left, rect.top, rect.right - rect.left, rect.bottom - rect.top)


_api_lock = threading.Lock()
_api_cache: SimpleNamespace | None = None
_dpi_awareness: str | None = None


def _load_api() -> SimpleNamespace:
    """The Win32 functions, with their prototypes (loaded once)."""
    global _api_cache
    with _api_lock:
        if _api_cache is not None:
            return _api_cache
        if sys.platform != "win32":
            raise DesktopError(
                "the Windows desktop backend runs only on Windows; on Linux the X11 backend is used"
            )
        W = wintypes
        user32 = ctypes.WinDLL("user32", use_last_error=True)
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)
        api = SimpleNamespace(user32=user32, kernel32=kernel32)
        winfunctype = ctypes.WINFUNCTYPE  # type: ignore[attr-defined]
        api.WNDENUMPROC = winfunctype(W.BOOL, W.HWND, W.LPARAM)
        api.MONITORENUMPROC = winfunctype(
            W.BOOL, W.HMONITOR, W.HDC, ctypes.POINTER(W.RECT), W.LPARAM
        )

        def proto(dll: Any, name: str, restype: Any, *argtypes: Any) -> None:
            fn = getattr(dll, name)
            fn.restype, fn.argtypes = restype, argtypes
            setattr(api, name, fn)

        proto(user32, "EnumWindows", W.BOOL, api.WNDENUMPROC, W.LPARAM)
        proto(user32, "GetWindowTextLengthW", ctypes.c_int, W.HWND)
        proto(user32, "GetWindowTextW", ctypes.c_int, W.HWND, W.LPWSTR, ctypes.c_int)
        proto(user32, "IsWindow", W.BOOL, W.HWND)
        proto(user32, "IsWindowVisible", W.BOOL, W.HWND)
        proto(user32, "IsIconic", W.BOOL, W.HWND)
        proto(user32, "GetClientRect", W.BOOL, W.HWND, ctypes.POINTER(W.RECT))
        proto(user32, "GetWindowRect", W.BOOL, W.HWND, ctypes.POINTER(W.RECT))
        proto(user32, "ClientToScreen", W.BOOL, W.HWND, ctypes.POINTER(W.POINT))
        proto(user32, "GetForegroundWindow", W.HWND)
        proto(user32, "GetAncestor", W.HWND, W.HWND, W.UINT)
        proto(user32, "GetWindow", W.HWND, W.HWND, W.UINT)
        proto(user32, "GetWindowThreadProcessId", W.DWORD, W.HWND, ctypes.POINTER(W.DWORD))
        proto(
            user32,
            "SetWindowPos",
            W.BOOL,
            W.HWND,
            W.HWND,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_int,
            W.UINT,
        )
        proto(user32, "ShowWindow", W.BOOL, W.HWND, ctypes.c_int)
        proto(user32, "BringWindowToTop", W.BOOL, W.HWND)
        proto(user32, "SetForegroundWindow", W.BOOL, W.HWND)
        proto(user32, "AttachThreadInput", W.BOOL, W.DWORD, W.DWORD, W.BOOL)
        proto(user32, "SendInput", W.UINT, W.UINT, ctypes.POINTER(INPUT), ctypes.c_int)
        proto(user32, "GetAsyncKeyState", W.SHORT, ctypes.c_int)
        proto(user32, "MapVirtualKeyW", W.UINT, W.UINT, W.UINT)
        proto(user32, "GetCursorPos", W.BOOL, ctypes.POINTER(W.POINT))
        proto(user32, "GetSystemMetrics", ctypes.c_int, ctypes.c_int)
        proto(
            user32,
            "EnumDisplayMonitors",
            W.BOOL,
            W.HDC,
            ctypes.POINTER(W.RECT),
            api.MONITORENUMPROC,
            W.LPARAM,
        )
        proto(user32, "GetMonitorInfoW", W.BOOL, W.HMONITOR, ctypes.POINTER(MONITORINFOEXW))
        proto(user32, "SetProcessDPIAware", W.BOOL)
        proto(user32, "OpenInputDesktop", W.HANDLE, W.DWORD, W.BOOL, W.DWORD)
        proto(user32, "CloseDesktop", W.BOOL, W.HANDLE)
        proto(kernel32, "GetCurrentProcess", W.HANDLE)
        proto(kernel32, "GetCurrentThreadId", W.DWORD)
        proto(kernel32, "OpenProcess", W.HANDLE, W.DWORD, W.BOOL, W.DWORD)
        proto(kernel32, "CloseHandle", W.BOOL, W.HANDLE)
        proto(
            kernel32,
            "QueryFullProcessImageNameW",
            W.BOOL,
            W.HANDLE,
            W.DWORD,
            W.LPWSTR,
            ctypes.POINTER(W.DWORD),
        )
        proto(advapi32, "OpenProcessToken", W.BOOL, W.HANDLE, W.DWORD, ctypes.POINTER(W.HANDLE))
        proto(
            advapi32,
            "GetTokenInformation",
            W.BOOL,
            W.HANDLE,
            ctypes.c_int,
            W.LPVOID,
            W.DWORD,
            ctypes.POINTER(W.DWORD),
        )
        # Optional: newer than Windows 7, or not in every Wine.
        api.SetProcessDpiAwarenessContext = None
        api.GetDpiForMonitor = None
        api.SetProcessDpiAwareness = None
        api.DwmGetWindowAttribute = None
        with contextlib.suppress(AttributeError):  # Windows 10 1703+
            proto(user32, "SetProcessDpiAwarenessContext", W.BOOL, W.HANDLE)
        try:
            shcore = ctypes.WinDLL("shcore", use_last_error=True)
            proto(shcore, "SetProcessDpiAwareness", ctypes.HRESULT, ctypes.c_int)
            proto(
                shcore,
                "GetDpiForMonitor",
                ctypes.HRESULT,
                W.HMONITOR,
                ctypes.c_int,
                ctypes.POINTER(W.UINT),
                ctypes.POINTER(W.UINT),
            )
        except (OSError, AttributeError):
            pass
        try:
            dwmapi = ctypes.WinDLL("dwmapi", use_last_error=True)
            proto(
                dwmapi,
                "DwmGetWindowAttribute",
                ctypes.HRESULT,
                W.HWND,
                W.DWORD,
                W.LPVOID,
                W.DWORD,
            )
        except (OSError, AttributeError):
            pass
        _api_cache = api
        return api


def _set_dpi_awareness(api: SimpleNamespace) -> str:
    """Make the process per-monitor DPI aware (once); returns how it was done."""
    global _dpi_awareness
    with _api_lock:
        if _dpi_awareness is not None:
            return _dpi_awareness
        how = "unaware"
        if api.SetProcessDpiAwarenessContext is not None:
            if api.SetProcessDpiAwarenessContext(DPI_AWARENESS_CONTEXT_PER_MONITOR_AWARE_V2):
                how = "per-monitor v2"
            elif ctypes.get_last_error() == ERROR_ACCESS_DENIED:
                how = "already set"  # by the manifest or an earlier call: keep it
        if how == "unaware" and api.SetProcessDpiAwareness is not None:
            try:
                api.SetProcessDpiAwareness(PROCESS_PER_MONITOR_DPI_AWARE)
                how = "per-monitor"
            except OSError as exc:  # HRESULT failures raise
                if exc.winerror == E_ACCESSDENIED:  # type: ignore[attr-defined]
                    how = "already set"
        if how == "unaware" and api.SetProcessDPIAware():
            how = "system"
        _dpi_awareness = how
        return how


class WindowsDesktop:
    """The :class:`~screen_agent.desktop.base.Desktop` of a Windows session (Win32, ctypes)."""

    name = "windows"

    def __init__(self) -> None:
        """Loads user32 & co. and makes the process per-monitor DPI aware (regions are then
        physical pixels); DesktopError when not on Windows."""
        self._api = _load_api()
        self.dpi_awareness = _set_dpi_awareness(self._api)
        """How DPI awareness was set: ``"per-monitor v2"``, ``"per-monitor"``, ``"system"``,
        ``"already set"`` (before us) or ``"unaware"`` (nothing worked)."""
        self._held_vks = self._read_vks()

    # -- windows ----------------------------------------------------------------------------

    def _title(self, hwnd: int) -> str:
        length = self._api.GetWindowTextLengthW(hwnd)
        if length <= 0:
            return ""
        buffer = ctypes.create_unicode_buffer(length + 1)
        self._api.GetWindowTextW(hwnd, buffer, length + 1)
        return buffer.value

    def _client(self, hwnd: int) -> Region:
        rect = wintypes.RECT()
        if not self._api.GetClientRect(hwnd, ctypes.byref(rect)):
            raise WindowClosedError(f"the window {hwnd:#x} is gone")
        origin = wintypes.POINT(0, 0)
        if not self._api.ClientToScreen(hwnd, ctypes.byref(origin)):
            raise WindowClosedError(f"the window {hwnd:#x} is gone")
        return Region(origin.x, origin.y, rect.right - rect.left, rect.bottom - rect.top)

    def _frame(self, hwnd: int) -> Region | None:
        """The area a window covers: DWM's frame bounds (without the invisible resize borders
        GetWindowRect includes), else its window rectangle; None if it cannot be read."""
        rect = wintypes.RECT()
        if self._api.DwmGetWindowAttribute is not None:
            try:
                self._api.DwmGetWindowAttribute(
                    hwnd, DWMWA_EXTENDED_FRAME_BOUNDS, ctypes.byref(rect), ctypes.sizeof(rect)
                )
                if rect.right > rect.left and rect.bottom > rect.top:
                    return _rect(rect)
            except OSError:
                pass
        if not self._api.GetWindowRect(hwnd, ctypes.byref(rect)):
            return None
        if rect.right <= rect.left or rect.bottom <= rect.top:
            return None
        return _rect(rect)

    def _cloaked(self, hwnd: int) -> bool:
        """True for windows DWM hides though they are 'visible' (other virtual desktops,
        suspended Store apps)."""
        if self._api.DwmGetWindowAttribute is None:
            return False
        cloaked = wintypes.DWORD(0)
        try:
            self._api.DwmGetWindowAttribute(
                hwnd, DWMWA_CLOAKED, ctypes.byref(cloaked), ctypes.sizeof(cloaked)
            )
        except OSError:
            return False
        return bool(cloaked.value)

    def _shown(self, hwnd: int) -> bool:
        """Visible, not minimised, not cloaked."""
        api = self._api
        return (
            bool(api.IsWindowVisible(hwnd)) and not api.IsIconic(hwnd) and not self._cloaked(hwnd)
        )

    def _top_levels(self) -> list[int]:
        """Every top-level window, top-most first."""
        found: list[int] = []

        def collect(hwnd: int | None, _: int) -> bool:
            if hwnd:
                found.append(hwnd)
            return True

        callback = self._api.WNDENUMPROC(collect)
        self._api.EnumWindows(callback, 0)
        return found

    def find_window(self, title: str) -> Window:
        matches = [
            hwnd
            for hwnd in self._top_levels()
            if self._api.IsWindowVisible(hwnd)
            and not self._cloaked(hwnd)
            and self._title(hwnd) == title
        ]
        if not matches:
            raise WindowNotFoundError(
                f"no visible window is titled {title!r}: start the game (and restore it if it "
                "is minimised), or set window.title in the profile to its exact title"
            )
        if len(matches) > 1:
            raise WindowNotFoundError(
                f"{len(matches)} windows are titled {title!r}: close all but the game's, so the "
                "screen agent knows which one to play"
            )
        hwnd = matches[0]
        if self._api.IsIconic(hwnd):
            raise WindowNotFoundError(
                f"the window {title!r} is minimised: restore it, so its pixels can be grabbed"
            )
        return Window(hwnd, title, self._client(hwnd))

    def window(self, handle: int) -> Window:
        self._check_window(handle)
        return Window(handle, self._title(handle), self._client(handle))

    def windows(self) -> list[Window]:
        shown = []
        for hwnd in self._top_levels():
            title = self._title(hwnd)
            if title and self._shown(hwnd):
                try:
                    shown.append(Window(hwnd, title, self._client(hwnd)))
                except WindowClosedError:
                    continue  # closed while we looked
        shown.reverse()
        return shown

    def covering(self, handle: int) -> list[Window]:
        api = self._api
        self._check_window(handle)
        root = api.GetAncestor(handle, GA_ROOT) or handle
        target = Window(handle, self._title(handle), self._client(handle))
        above: list[Window] = []
        hwnd = api.GetWindow(root, GW_HWNDPREV)
        seen = 0
        while hwnd and seen < 10_000:  # the z-order can change under us: never loop forever
            seen += 1
            if self._shown(hwnd):
                area = self._frame(hwnd)
                if area is not None:
                    above.append(Window(hwnd, self._title(hwnd), area))
            hwnd = api.GetWindow(hwnd, GW_HWNDPREV)
        above.reverse()  # bottom-most first, top-most last
        return covering_windows([target, *above], handle)

    def has_focus(self, handle: int) -> bool:
        api = self._api
        foreground = api.GetForegroundWindow()
        if not foreground or not handle:
            return False
        if foreground == handle:
            return True
        return (api.GetAncestor(foreground, GA_ROOT) or foreground) == (
            api.GetAncestor(handle, GA_ROOT) or handle
        )

    def _check_window(self, handle: int) -> None:
        if not handle or not self._api.IsWindow(handle):
            raise WindowClosedError(
                f"the window {handle:#x} is gone (closed, or the game restarted with a new window)"
            )

    def move_window(self, handle: int, x: int, y: int) -> Window:
        """Moves the window (``SetWindowPos``, without activating it) so that its client
        area's top-left corner is at (x, y); its frame keeps its offset from the client area.
        Moved onto a monitor of another scale, the game may resize itself (WM_DPICHANGED)."""
        self._check_window(handle)
        frame = wintypes.RECT()
        if not self._api.GetWindowRect(handle, ctypes.byref(frame)):
            raise WindowClosedError(f"the window {handle:#x} is gone")
        client = self._client(handle)
        left, top = x - (client.x - frame.left), y - (client.y - frame.top)
        flags = SWP_NOSIZE | SWP_NOZORDER | SWP_NOACTIVATE
        if not self._api.SetWindowPos(handle, None, left, top, 0, 0, flags):
            self._check_window(handle)
            raise DesktopError(
                f"Windows refused to move the window {self._title(handle)!r} "
                f"(error {ctypes.get_last_error()}): it may belong to a program running as "
                "administrator"
            )
        return self.window(handle)

    def focus_window(self, handle: int) -> None:
        """Restores the window if it is minimised, raises it and makes it the foreground
        window. Windows lets only the foreground program give away the foreground, so the
        call joins the foreground window's input queue for the moment (``AttachThreadInput``),
        as a click would; the caller checks :meth:`has_focus` afterwards."""
        api = self._api
        self._check_window(handle)
        root = api.GetAncestor(handle, GA_ROOT) or handle
        if api.IsIconic(root):
            api.ShowWindow(root, SW_RESTORE)
        foreground = api.GetForegroundWindow()
        ours = api.GetCurrentThreadId()
        theirs = api.GetWindowThreadProcessId(foreground, None) if foreground else 0
        attached = bool(theirs and theirs != ours and api.AttachThreadInput(ours, theirs, True))
        try:
            api.BringWindowToTop(root)
            api.SetForegroundWindow(root)
        finally:
            if attached:
                api.AttachThreadInput(ours, theirs, False)

    def window_pid(self, handle: int) -> int | None:
        """``GetWindowThreadProcessId``; None once the window is gone."""
        pid = wintypes.DWORD(0)
        if not handle or not self._api.GetWindowThreadProcessId(handle, ctypes.byref(pid)):
            return None
        return pid.value or None

    # -- monitors ---------------------------------------------------------------------------

    def virtual_screen(self) -> Region:
        """The bounding box of all monitors, physical pixels."""
        metric = self._api.GetSystemMetrics
        return Region(
            metric(SM_XVIRTUALSCREEN),
            metric(SM_YVIRTUALSCREEN),
            max(1, metric(SM_CXVIRTUALSCREEN)),
            max(1, metric(SM_CYVIRTUALSCREEN)),
        )

    def monitors(self) -> list[Monitor]:
        api = self._api
        found: list[Monitor] = []

        def collect(hmonitor: int | None, _hdc: int | None, _area: Any, _data: int) -> bool:
            info = MONITORINFOEXW()
            info.cbSize = ctypes.sizeof(MONITORINFOEXW)
            if not hmonitor or not api.GetMonitorInfoW(hmonitor, ctypes.byref(info)):
                return True
            scale = 1.0
            if api.GetDpiForMonitor is not None:
                dpi_x, dpi_y = wintypes.UINT(0), wintypes.UINT(0)
                try:
                    api.GetDpiForMonitor(hmonitor, 0, ctypes.byref(dpi_x), ctypes.byref(dpi_y))
                    if dpi_x.value:
                        scale = dpi_x.value / 96.0
                except OSError:
                    pass
            primary = bool(info.dwFlags & MONITORINFOF_PRIMARY)
            found.append(Monitor(_rect(info.rcMonitor), scale, primary))
            return True

        callback = api.MONITORENUMPROC(collect)
        api.EnumDisplayMonitors(None, None, callback, 0)
        found.sort(key=lambda m: not m.primary)
        return found

    # -- keys and mouse ---------------------------------------------------------------------

    def sendable_keys(self) -> frozenset[str]:
        return frozenset(SCAN_CODES)

    def _scan_key(self, key: str) -> ScanKey:
        try:
            return SCAN_CODES[key]
        except KeyError:
            raise DesktopError(
                f"the key {key!r} has no scan code of its own on Windows, so it cannot be "
                "pressed; use another key in the profile (for a shifted character, hold "
                "'shift' and the key)"
            ) from None

    def _send(self, *events: INPUT) -> None:
        array = (INPUT * len(events))(*events)
        sent = self._api.SendInput(len(events), array, ctypes.sizeof(INPUT))
        if sent != len(events):
            error = ctypes.get_last_error()
            raise DesktopError(
                f"Windows refused the input (SendInput sent {sent} of {len(events)} events, "
                f"error {error}): the desktop may be locked, or another program (e.g. one "
                "running as administrator) has the keyboard"
            )

    def check_failsafe(self) -> None:
        """FailSafeError if the pointer is within one pixel of a corner of the virtual screen."""
        point = wintypes.POINT()
        if self._api.GetCursorPos(ctypes.byref(point)) and in_corner(
            point.x, point.y, self.virtual_screen()
        ):
            raise FailSafeError()

    def key_down(self, key: str) -> None:
        scan_key = self._scan_key(key)
        self.check_failsafe()
        self._send(key_input(scan_key, up=False))

    def key_up(self, key: str) -> None:
        self._send(key_input(self._scan_key(key), up=True))

    def _read_vks(self) -> dict[str, int]:
        """Each key name's virtual key for GetAsyncKeyState: on the current layout for the
        character keys (the key at that position), from the table for the others."""
        vks = {}
        for name, key in SCAN_CODES.items():
            vk = key.vk
            if name in _LAYOUT_KEYS:
                vk = self._api.MapVirtualKeyW(key.scan, MAPVK_VSC_TO_VK_EX) or vk
            vks[name] = vk
        return vks

    def held_keys(self) -> frozenset[str]:
        state: dict[int, bool] = {}
        held = []
        for name, vk in self._held_vks.items():
            if vk not in state:
                state[vk] = bool(self._api.GetAsyncKeyState(vk) & 0x8000)
            if state[vk]:
                held.append(name)
        return frozenset(held)

    def click(self, x: int, y: int, button: str = "left") -> None:
        """Move the pointer to screen pixel (x, y) and click; FailSafeError (nothing done) if
        the pointer is in a corner of the screen."""
        if button not in MOUSE_BUTTONS:
            raise ValueError(f"button must be one of {', '.join(MOUSE_BUTTONS)}, not {button!r}")
        self.check_failsafe()
        nx, ny = absolute_mouse(x, y, self.virtual_screen())
        down, up = MOUSE_BUTTONS[button]
        move = INPUT(type=INPUT_MOUSE)
        move.mi = MOUSEINPUT(
            dx=nx,
            dy=ny,
            mouseData=0,
            dwFlags=MOUSEEVENTF_MOVE | MOUSEEVENTF_ABSOLUTE | MOUSEEVENTF_VIRTUALDESK,
            time=0,
            dwExtraInfo=0,
        )
        events = [move]
        for flag in (down, up):
            event = INPUT(type=INPUT_MOUSE)
            event.mi = MOUSEINPUT(dx=0, dy=0, mouseData=0, dwFlags=flag, time=0, dwExtraInfo=0)
            events.append(event)
        self._send(*events)

    # -- access -----------------------------------------------------------------------------

    def _elevated(self, process: int) -> bool | None:
        """Whether ``process``'s token is elevated; None if the token cannot be read."""
        api = self._api
        token = wintypes.HANDLE()
        if not api.OpenProcessToken(process, TOKEN_QUERY, ctypes.byref(token)):
            return None
        try:
            elevation = wintypes.DWORD(0)
            size = wintypes.DWORD(0)
            if not api.GetTokenInformation(
                token,
                TOKEN_ELEVATION_CLASS,
                ctypes.byref(elevation),
                ctypes.sizeof(elevation),
                ctypes.byref(size),
            ):
                return None
            return bool(elevation.value)
        finally:
            api.CloseHandle(token)

    def _image_name(self, process: int) -> str:
        buffer = ctypes.create_unicode_buffer(1024)
        size = wintypes.DWORD(len(buffer))
        if self._api.QueryFullProcessImageNameW(process, 0, buffer, ctypes.byref(size)):
            return buffer.value.replace("/", "\\").rsplit("\\", 1)[-1]
        return ""

    def check_access(self, handle: int | None = None) -> None:
        """DesktopError if input would be dropped silently: the input desktop cannot be opened
        (locked screen, another session), or the window ``handle`` belongs to a process that
        runs elevated (as administrator) while we do not (Windows' UIPI drops our keys).
        Without ``handle`` only the desktop is checked."""
        api = self._api
        desktop = api.OpenInputDesktop(0, False, DESKTOP_READOBJECTS)
        if not desktop:
            raise DesktopError(
                "cannot open the input desktop (the screen is locked, or this runs in another "
                "session, e.g. as a service): keys would be dropped. Unlock the screen and run "
                "screen-agent from the desktop session the game is on"
            )
        api.CloseDesktop(desktop)
        if handle is None:
            return
        if self._elevated(api.GetCurrentProcess()):
            return  # an elevated process may send input to any window
        pid = wintypes.DWORD(0)
        api.GetWindowThreadProcessId(handle, ctypes.byref(pid))
        if not pid.value:
            raise WindowClosedError(f"the window {handle:#x} is gone")
        title = self._title(handle)
        process = api.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, False, pid.value)
        name, elevated = "", None
        if process:
            try:
                name = self._image_name(process)
                elevated = self._elevated(process)
            finally:
                api.CloseHandle(process)
        if elevated is False:
            return
        who = f"process {pid.value}" + (f" ({name})" if name else "")
        if elevated:
            reason = "runs as administrator (elevated)"
        else:
            reason = "cannot be queried, which usually means it runs as administrator (elevated)"
        raise DesktopError(
            f"the window {title!r} belongs to {who}, which {reason} while screen-agent does "
            "not: Windows drops the keys a program sends to a more privileged one. Run "
            "screen-agent as administrator too, or start the game without administrator rights"
        )

    def close(self) -> None:
        """Nothing to free (the DLLs stay loaded for the process)."""
