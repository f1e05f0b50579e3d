"""The Windows backend's pure logic, on any platform: it imports without Windows, its scan-code
table covers the keys profiles use, its mouse and fail-safe arithmetic. The backend against real
Win32 windows is tested under Wine (scripts/test-windows.sh, tests/windows/wine_tests.py)."""

from __future__ import annotations

import sys
from collections import defaultdict

import pytest

from screen_agent.desktop import Desktop, DesktopError
from screen_agent.desktop import windows as backend
from screen_agent.desktop.windows import SCAN_CODES, absolute_mouse, in_corner, key_input
from screen_agent.geometry import Region
from screen_agent.keys import KEY_NAMES

COMMON = (
    [chr(c) for c in range(ord("a"), ord("z") + 1)]
    + [str(d) for d in range(10)]
    + [f"f{n}" for n in range(1, 13)]
    + ["up", "down", "left", "right", "space", "enter", "return", "escape", "esc", "tab"]
    + ["backspace", "shift", "shiftleft", "shiftright", "ctrl", "ctrlleft", "ctrlright"]
    + ["alt", "altleft", "altright"]
)


def test_imports_without_windows() -> None:
    assert backend.WindowsDesktop.name == "windows"
    if sys.platform != "win32":
        with pytest.raises(DesktopError, match="only on Windows"):
            backend.WindowsDesktop()


def test_has_every_method_of_the_desktop_protocol() -> None:
    wanted = {
        name
        for name, value in vars(Desktop).items()
        if not name.startswith("_") and (callable(value) or name in Desktop.__annotations__)
    } | set(Desktop.__annotations__)
    assert wanted - set(dir(backend.WindowsDesktop)) == set()
    assert "key_down" in wanted and "name" in wanted


def test_the_keys_profiles_use_have_scan_codes() -> None:
    missing = [key for key in COMMON if key not in SCAN_CODES]
    assert missing == []


def test_every_table_entry_is_a_key_name() -> None:
    assert set(SCAN_CODES) <= KEY_NAMES
    # Shifted characters have no key of their own: a profile holds shift and the key.
    assert not {"!", "@", "A", "~", "{"} & set(SCAN_CODES)


@pytest.mark.parametrize(
    ("key", "scan", "extended"),
    [
        ("a", 0x1E, False),
        ("q", 0x10, False),
        ("z", 0x2C, False),
        ("m", 0x32, False),
        ("1", 0x02, False),
        ("0", 0x0B, False),
        ("escape", 0x01, False),
        ("space", 0x39, False),
        ("enter", 0x1C, False),
        ("f1", 0x3B, False),
        ("f10", 0x44, False),
        ("f11", 0x57, False),
        ("f12", 0x58, False),
        ("shiftleft", 0x2A, False),
        ("shiftright", 0x36, False),
        ("ctrlleft", 0x1D, False),
        ("ctrlright", 0x1D, True),
        ("altleft", 0x38, False),
        ("altright", 0x38, True),
        ("left", 0x4B, True),
        ("right", 0x4D, True),
        ("up", 0x48, True),
        ("down", 0x50, True),
        ("num4", 0x4B, False),
        ("home", 0x47, True),
        ("num7", 0x47, False),
        ("insert", 0x52, True),
        ("delete", 0x53, True),
        ("pageup", 0x49, True),
        ("pagedown", 0x51, True),
        ("end", 0x4F, True),
        ("divide", 0x35, True),
        ("/", 0x35, False),
        ("multiply", 0x37, False),
        ("printscreen", 0x37, True),
        ("winleft", 0x5B, True),
        ("numlock", 0x45, True),
    ],
)
def test_set_1_scan_codes(key: str, scan: int, extended: bool) -> None:
    assert (SCAN_CODES[key].scan, SCAN_CODES[key].extended) == (scan, extended)


def test_only_aliases_share_a_key() -> None:
    names_by_key: dict[tuple[int, bool], set[str]] = defaultdict(set)
    for name, key in SCAN_CODES.items():
        names_by_key[key.scan, key.extended].add(name)
    shared = sorted(sorted(names) for names in names_by_key.values() if len(names) > 1)
    assert shared == sorted(
        sorted(names)
        for names in [
            ["\t", "tab"],
            ["\n", "\r", "enter", "return"],
            [" ", "space"],
            ["esc", "escape"],
            ["alt", "altleft"],
            ["ctrl", "ctrlleft"],
            ["shift", "shiftleft"],
            ["del", "delete"],
            ["pagedown", "pgdn"],
            ["pageup", "pgup"],
            ["prntscrn", "printscreen", "prtsc", "prtscr"],
            ["win", "winleft"],
        ]
    )


def test_key_input_sends_the_scan_code_with_its_flags() -> None:
    down = key_input(SCAN_CODES["left"], up=False)
    assert down.type == backend.INPUT_KEYBOARD
    assert (down.ki.wVk, down.ki.wScan) == (0, 0x4B)
    assert down.ki.dwFlags == backend.KEYEVENTF_SCANCODE | backend.KEYEVENTF_EXTENDEDKEY
    up = key_input(SCAN_CODES["a"], up=True)
    assert (up.ki.wVk, up.ki.wScan) == (0, 0x1E)
    assert up.ki.dwFlags == backend.KEYEVENTF_SCANCODE | backend.KEYEVENTF_KEYUP


@pytest.mark.parametrize(
    "screen", [Region(0, 0, 1280, 1024), Region(-1920, -200, 3840, 1280), Region(0, 0, 7, 5)]
)
def test_absolute_mouse_lands_on_every_pixel(screen: Region) -> None:
    # Windows maps a normalised n to pixel origin + n * size // 65536.
    for x in range(screen.x, screen.right, max(1, screen.width // 97)):
        nx, _ = absolute_mouse(x, screen.y, screen)
        assert 0 <= nx <= 65535
        assert screen.x + nx * screen.width // 65536 == x
    assert absolute_mouse(screen.x, screen.y, screen) == (0, 0)
    nx, ny = absolute_mouse(screen.right - 1, screen.bottom - 1, screen)
    assert screen.x + nx * screen.width // 65536 == screen.right - 1
    assert screen.y + ny * screen.height // 65536 == screen.bottom - 1


def test_failsafe_corners() -> None:
    screen = Region(-1920, 0, 3200, 1024)
    for x, y in [(-1920, 0), (-1919, 1), (1279, 0), (1278, 1023), (-1920, 1022), (1279, 1023)]:
        assert in_corner(x, y, screen), (x, y)
    for x, y in [(-1918, 0), (0, 0), (1279, 2), (640, 512), (1276, 1023)]:
        assert not in_corner(x, y, screen), (x, y)
