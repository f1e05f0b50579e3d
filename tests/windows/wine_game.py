"""A tiny Win32 "game" for the Windows backend's tests (run under Wine by scripts/test-windows.sh).

``python wine_game.py TITLE [--at X,Y] [--size W,H] [--color R,G,B] [--no-focus]`` opens one
window titled TITLE whose client area is W x H (default 320 x 240) at screen pixel (X, Y),
painted R,G,B (default :data:`BACKGROUND`) with a :data:`MARK_SIZE` square of :data:`MARK` at
client pixel :data:`MARK_AT`, and brings it to the foreground (unless ``--no-focus``).

It reports on stdout, one line each, flushed:

- ``ready HWND``, once it is shown;
- ``move X Y`` (WM_MOVE: its client area's screen position) and ``size W H`` (WM_SIZE);
- ``down SCAN EXT VK`` / ``up SCAN EXT VK`` for every WM_(SYS)KEYDOWN / WM_(SYS)KEYUP: the scan
  code from lParam bits 16-23, the extended-key bit 24, and wParam (Wine leaves the virtual
  key 0 for scan-code input; Windows fills it in);
- ``rawdown SCAN E0 VK`` / ``rawup SCAN E0 VK`` for the same keys as raw input (WM_INPUT, what
  raw-input and DirectInput games read): the make code, the E0 flag and the virtual key;
- ``click X Y`` for every WM_LBUTTONDOWN (client pixels);
- ``focus 1`` / ``focus 0`` on WM_SETFOCUS / WM_KILLFOCUS.

It reads commands from stdin: ``focus`` (come to the top and the foreground), ``quit`` (end
at once, as a killed game does).
Only the standard library: it runs on the embeddable CPython.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from ctypes import wintypes

BACKGROUND = (200, 30, 60)
"""The client area's colour, RGB."""
MARK = (20, 220, 40)
"""The colour of the square that marks a known client pixel, RGB."""
MARK_AT = (40, 30)
"""The square's top-left corner in client pixels."""
MARK_SIZE = 20

WM_DESTROY, WM_MOVE, WM_SIZE, WM_SETFOCUS, WM_KILLFOCUS, WM_PAINT = 0x2, 0x3, 0x5, 0x7, 0x8, 0xF
WM_KEYDOWN, WM_KEYUP, WM_SYSKEYDOWN, WM_SYSKEYUP = 0x100, 0x101, 0x104, 0x105
WM_LBUTTONDOWN = 0x201
WM_INPUT = 0xFF
RID_INPUT = 0x10000003
RIM_TYPEKEYBOARD = 1
RI_KEY_BREAK, RI_KEY_E0 = 1, 2
WM_APP_FOCUS = 0x8000 + 1
WS_OVERLAPPEDWINDOW, WS_VISIBLE = 0x00CF0000, 0x10000000
SW_SHOW = 5

LRESULT = wintypes.LPARAM
WNDPROC = ctypes.WINFUNCTYPE(
    LRESULT, wintypes.HWND, wintypes.UINT, wintypes.WPARAM, wintypes.LPARAM
)


class WNDCLASSW(ctypes.Structure):
    _fields_ = (
        ("style", wintypes.UINT),
        ("lpfnWndProc", WNDPROC),
        ("cbClsExtra", ctypes.c_int),
        ("cbWndExtra", ctypes.c_int),
        ("hInstance", wintypes.HINSTANCE),
        ("hIcon", wintypes.HICON),
        ("hCursor", wintypes.HANDLE),
        ("hbrBackground", wintypes.HBRUSH),
        ("lpszMenuName", wintypes.LPCWSTR),
        ("lpszClassName", wintypes.LPCWSTR),
    )


class RAWINPUTDEVICE(ctypes.Structure):
    _fields_ = (
        ("usUsagePage", wintypes.USHORT),
        ("usUsage", wintypes.USHORT),
        ("dwFlags", wintypes.DWORD),
        ("hwndTarget", wintypes.HWND),
    )


class RAWINPUTHEADER(ctypes.Structure):
    _fields_ = (
        ("dwType", wintypes.DWORD),
        ("dwSize", wintypes.DWORD),
        ("hDevice", wintypes.HANDLE),
        ("wParam", wintypes.WPARAM),
    )


class RAWKEYBOARD(ctypes.Structure):
    _fields_ = (
        ("MakeCode", wintypes.USHORT),
        ("Flags", wintypes.USHORT),
        ("Reserved", wintypes.USHORT),
        ("VKey", wintypes.USHORT),
        ("Message", wintypes.UINT),
        ("ExtraInformation", wintypes.ULONG),
    )


class RAWINPUT(ctypes.Structure):
    _fields_ = (("header", RAWINPUTHEADER), ("keyboard", RAWKEYBOARD), ("_pad", ctypes.c_byte * 16))


class PAINTSTRUCT(ctypes.Structure):
    _fields_ = (
        ("hdc", wintypes.HDC),
        ("fErase", wintypes.BOOL),
        ("rcPaint", wintypes.RECT),
        ("fRestore", wintypes.BOOL),
        ("fIncUpdate", wintypes.BOOL),
        ("rgbReserved", ctypes.c_byte * 32),
    )


user32 = ctypes.WinDLL("user32", use_last_error=True)
gdi32 = ctypes.WinDLL("gdi32", use_last_error=True)
kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)


def _proto(dll, name, restype, *argtypes):
    fn = getattr(dll, name)
    fn.restype, fn.argtypes = restype, argtypes
    return fn


W = wintypes
DefWindowProcW = _proto(user32, "DefWindowProcW", LRESULT, W.HWND, W.UINT, W.WPARAM, W.LPARAM)
RegisterClassW = _proto(user32, "RegisterClassW", W.ATOM, ctypes.POINTER(WNDCLASSW))
CreateWindowExW = _proto(
    user32,
    "CreateWindowExW",
    W.HWND,
    W.DWORD,
    W.LPCWSTR,
    W.LPCWSTR,
    W.DWORD,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_int,
    W.HWND,
    W.HMENU,
    W.HINSTANCE,
    W.LPVOID,
)
AdjustWindowRectEx = _proto(
    user32, "AdjustWindowRectEx", W.BOOL, ctypes.POINTER(W.RECT), W.DWORD, W.BOOL, W.DWORD
)
ShowWindow = _proto(user32, "ShowWindow", W.BOOL, W.HWND, ctypes.c_int)
UpdateWindow = _proto(user32, "UpdateWindow", W.BOOL, W.HWND)
SetForegroundWindow = _proto(user32, "SetForegroundWindow", W.BOOL, W.HWND)
BringWindowToTop = _proto(user32, "BringWindowToTop", W.BOOL, W.HWND)
GetMessageW = _proto(user32, "GetMessageW", W.BOOL, ctypes.POINTER(W.MSG), W.HWND, W.UINT, W.UINT)
TranslateMessage = _proto(user32, "TranslateMessage", W.BOOL, ctypes.POINTER(W.MSG))
DispatchMessageW = _proto(user32, "DispatchMessageW", LRESULT, ctypes.POINTER(W.MSG))
PostMessageW = _proto(user32, "PostMessageW", W.BOOL, W.HWND, W.UINT, W.WPARAM, W.LPARAM)
PostQuitMessage = _proto(user32, "PostQuitMessage", None, ctypes.c_int)
BeginPaint = _proto(user32, "BeginPaint", W.HDC, W.HWND, ctypes.POINTER(PAINTSTRUCT))
EndPaint = _proto(user32, "EndPaint", W.BOOL, W.HWND, ctypes.POINTER(PAINTSTRUCT))
FillRect = _proto(user32, "FillRect", ctypes.c_int, W.HDC, ctypes.POINTER(W.RECT), W.HBRUSH)
GetClientRect = _proto(user32, "GetClientRect", W.BOOL, W.HWND, ctypes.POINTER(W.RECT))
CreateSolidBrush = _proto(gdi32, "CreateSolidBrush", W.HBRUSH, W.COLORREF)
GetModuleHandleW = _proto(kernel32, "GetModuleHandleW", W.HMODULE, W.LPCWSTR)
RegisterRawInputDevices = _proto(
    user32, "RegisterRawInputDevices", W.BOOL, ctypes.POINTER(RAWINPUTDEVICE), W.UINT, W.UINT
)
GetRawInputData = _proto(
    user32, "GetRawInputData", W.UINT, W.HANDLE, W.UINT, W.LPVOID, ctypes.POINTER(W.UINT), W.UINT
)


def colorref(rgb: tuple[int, int, int]) -> int:
    r, g, b = rgb
    return r | (g << 8) | (b << 16)


def say(*words: object) -> None:
    print(*words, flush=True)


def signed16(value: int) -> int:
    value &= 0xFFFF
    return value - 0x10000 if value & 0x8000 else value


def main(argv: list[str]) -> int:
    title = argv[0]
    x, y = 100, 100
    width, height = 320, 240
    focus = True
    color = BACKGROUND
    rest = argv[1:]
    while rest:
        option = rest.pop(0)
        if option == "--at":
            x, y = (int(v) for v in rest.pop(0).split(","))
        elif option == "--size":
            width, height = (int(v) for v in rest.pop(0).split(","))
        elif option == "--color":
            r, g, b = (int(v) for v in rest.pop(0).split(","))
            color = (r, g, b)
        elif option == "--no-focus":
            focus = False
        else:
            raise SystemExit(f"unknown option {option}")

    background = CreateSolidBrush(colorref(color))
    mark = CreateSolidBrush(colorref(MARK))

    def window_proc(hwnd, msg, wparam, lparam):
        if msg == WM_PAINT:
            paint = PAINTSTRUCT()
            hdc = BeginPaint(hwnd, ctypes.byref(paint))
            rect = W.RECT()
            GetClientRect(hwnd, ctypes.byref(rect))
            FillRect(hdc, ctypes.byref(rect), background)
            left, top = MARK_AT
            square = W.RECT(left, top, left + MARK_SIZE, top + MARK_SIZE)
            FillRect(hdc, ctypes.byref(square), mark)
            EndPaint(hwnd, ctypes.byref(paint))
            return 0
        if msg in (WM_KEYDOWN, WM_KEYUP, WM_SYSKEYDOWN, WM_SYSKEYUP):
            kind = "down" if msg in (WM_KEYDOWN, WM_SYSKEYDOWN) else "up"
            scan = (lparam >> 16) & 0xFF
            extended = (lparam >> 24) & 1
            say(kind, scan, extended, wparam)
            return 0
        if msg == WM_INPUT:
            data = RAWINPUT()
            size = W.UINT(ctypes.sizeof(data))
            got = GetRawInputData(
                lparam,
                RID_INPUT,
                ctypes.byref(data),
                ctypes.byref(size),
                ctypes.sizeof(RAWINPUTHEADER),
            )
            if got != 0xFFFFFFFF and data.header.dwType == RIM_TYPEKEYBOARD:
                kb = data.keyboard
                kind = "rawup" if kb.Flags & RI_KEY_BREAK else "rawdown"
                say(kind, kb.MakeCode, int(bool(kb.Flags & RI_KEY_E0)), kb.VKey)
        elif msg == WM_LBUTTONDOWN:
            say("click", signed16(lparam), signed16(lparam >> 16))
        elif msg == WM_MOVE:
            say("move", signed16(lparam), signed16(lparam >> 16))
        elif msg == WM_SIZE:
            say("size", lparam & 0xFFFF, (lparam >> 16) & 0xFFFF)
        elif msg == WM_SETFOCUS:
            say("focus", 1)
        elif msg == WM_KILLFOCUS:
            say("focus", 0)
        elif msg == WM_APP_FOCUS:
            # Windows raises the window it activates; Wine without a window manager does not.
            BringWindowToTop(hwnd)
            SetForegroundWindow(hwnd)
            return 0
        elif msg == WM_DESTROY:
            PostQuitMessage(0)
            return 0
        return DefWindowProcW(hwnd, msg, wparam, lparam)

    proc = WNDPROC(window_proc)  # kept alive for the window's life
    hinstance = GetModuleHandleW(None)
    wndclass = WNDCLASSW(lpfnWndProc=proc, hInstance=hinstance, lpszClassName="ScreenAgentTestGame")
    if not RegisterClassW(ctypes.byref(wndclass)):
        raise ctypes.WinError(ctypes.get_last_error())
    frame = W.RECT(0, 0, width, height)
    AdjustWindowRectEx(ctypes.byref(frame), WS_OVERLAPPEDWINDOW, False, 0)
    hwnd = CreateWindowExW(
        0,
        "ScreenAgentTestGame",
        title,
        WS_OVERLAPPEDWINDOW,
        x + frame.left,
        y + frame.top,
        frame.right - frame.left,
        frame.bottom - frame.top,
        None,
        None,
        hinstance,
        None,
    )
    if not hwnd:
        raise ctypes.WinError(ctypes.get_last_error())
    keyboard = RAWINPUTDEVICE(usUsagePage=1, usUsage=6, dwFlags=0, hwndTarget=hwnd)
    if not RegisterRawInputDevices(ctypes.byref(keyboard), 1, ctypes.sizeof(keyboard)):
        say("noraw", ctypes.get_last_error())
    ShowWindow(hwnd, SW_SHOW)
    UpdateWindow(hwnd)
    if focus:
        SetForegroundWindow(hwnd)

    def read_commands() -> None:
        for line in sys.stdin:
            command = line.strip()
            if command == "focus":
                PostMessageW(hwnd, WM_APP_FOCUS, 0, 0)
            elif command == "quit":
                break
        # Quit, or stdin closed (the test is gone): end at once, as a killed game does (Wine
        # removes the window with the process; closing it first takes 2 s under Wine).
        sys.stdout.flush()
        os._exit(0)

    threading.Thread(target=read_commands, daemon=True).start()
    say("ready", hwnd)
    msg = W.MSG()
    while GetMessageW(ctypes.byref(msg), None, 0, 0) > 0:
        TranslateMessage(ctypes.byref(msg))
        DispatchMessageW(ctypes.byref(msg))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
