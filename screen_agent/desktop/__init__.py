"""The desktop the screen mode runs on: one interface (:class:`Desktop`), one backend per
platform, and :func:`open_desktop`, the only place that picks one.

- ``x11``: Linux and BSD X11 sessions, Xvfb, and XWayland windows (python-xlib, XTEST keys);
- ``windows``: Win32 through ctypes (scan-code ``SendInput``, per-monitor DPI awareness);
- Wayland without XWayland, and macOS: refused with one line that says what works.
"""

from __future__ import annotations

from screen_agent.desktop.base import Desktop, Monitor, Window, covering_windows
from screen_agent.desktop.errors import (
    DesktopError,
    FailSafeError,
    WindowClosedError,
    WindowNotFoundError,
)
from screen_agent.desktop.platform import check_platform, detect_platform, open_desktop

__all__ = [
    "Desktop",
    "DesktopError",
    "FailSafeError",
    "Monitor",
    "Window",
    "WindowClosedError",
    "WindowNotFoundError",
    "check_platform",
    "covering_windows",
    "detect_platform",
    "open_desktop",
]
