"""Which desktop we are on, and the one-line answer when the screen mode cannot work there."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from screen_agent.desktop.base import Desktop
from screen_agent.desktop.errors import DesktopError

DEMO_HINT = "`screen-agent demo` trains on a bundled game on a virtual display of its own"

NO_DISPLAY = (
    "no display: DISPLAY is not set, so there is no screen to grab and no window to send keys "
    "to. Run this from a terminal of an X11 desktop session (or set DISPLAY to an X server, "
    f"e.g. Xvfb); {DEMO_HINT}"
)
WAYLAND = (
    "this is a Wayland session without XWayland (WAYLAND_DISPLAY is set, DISPLAY is not): "
    "Wayland does not let a program read other windows' pixels or send them keys. Log in to "
    "an X11 (Xorg) session, or run the game under XWayland with DISPLAY set; "
    f"{DEMO_HINT}"
)
MACOS = (
    "macOS is not supported yet: the screen mode finds windows, checks focus and presses keys "
    "through X11 or Win32 only, and on macOS it would also need the Screen Recording and "
    "Accessibility permissions (System Settings > Privacy & Security). Use a Linux X11 or "
    "Windows machine; `screen-agent gym` (emulated Atari) works here"
)


def detect_platform(environ: Mapping[str, str] | None = None, platform: str | None = None) -> str:
    """``"x11"``, ``"windows"``, ``"macos"``, ``"wayland"`` (no XWayland) or ``"none"``
    (Linux with no display at all)."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if platform.startswith("win") or platform == "cygwin":
        return "windows"
    if platform == "darwin":
        return "macos"
    if environ.get("DISPLAY"):
        return "x11"
    if environ.get("WAYLAND_DISPLAY"):
        return "wayland"
    return "none"


def check_platform(
    display: str | None = None,
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
) -> str:
    """The platform's name if the screen mode can run here, else DesktopError with one line
    saying what works. ``display``: an X display given explicitly (it counts as DISPLAY)."""
    environ = dict(os.environ if environ is None else environ)
    if display:
        environ["DISPLAY"] = display
    name = detect_platform(environ, platform)
    if name == "none":
        raise DesktopError(NO_DISPLAY)
    if name == "wayland":
        raise DesktopError(WAYLAND)
    if name == "macos":
        raise DesktopError(MACOS)
    return name


def open_desktop(display: str | None = None) -> Desktop:
    """The backend for this platform; DesktopError (one line) where the screen mode cannot run.

    ``display``: the X display to use (default ``$DISPLAY``); ignored elsewhere.
    """
    name = check_platform(display)
    if name == "windows":
        from screen_agent.desktop.windows import WindowsDesktop

        return WindowsDesktop()
    from screen_agent.desktop.x11 import X11Desktop

    return X11Desktop(display)
