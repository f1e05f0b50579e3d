"""What the screen mode needs from a desktop, as one small interface every platform implements.

A :class:`Desktop` finds the game window by its title and says where its client area is on the
screen (physical pixels, the same pixels mss grabs), whether it has keyboard focus, and which
other windows lie on top of it; it presses and releases keys by their platform-neutral names
(:data:`screen_agent.keys.KEY_NAMES`), reads which keys the person holds, clicks at a point,
and lists the monitors with their scale. Capture itself is mss on every platform.

Only :func:`screen_agent.desktop.open_desktop` picks a backend; nothing outside this package
imports a platform module (python-xlib, pyautogui, ctypes' ``windll``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from screen_agent.desktop.errors import WindowClosedError
from screen_agent.geometry import Region


@dataclass(frozen=True)
class Window:
    """A top-level window as the desktop shows it now."""

    handle: int
    """The platform's id for it (X11 window id, Win32 HWND)."""
    title: str
    """Its title ('' when it has none)."""
    client: Region
    """Its client area (without decorations) on the screen, physical pixels; for a window
    returned by :meth:`Desktop.covering`, the part of the game's client area it hides."""


@dataclass(frozen=True)
class Monitor:
    """One monitor."""

    area: Region
    """Where it is on the virtual screen, physical pixels."""
    scale: float = 1.0
    """Physical pixels per logical pixel (1.25 at 125% scaling)."""
    primary: bool = False


@runtime_checkable
class Desktop(Protocol):
    """One platform's window, focus, keyboard and monitor services.

    Methods that take a window take its ``handle``. Every call is cheap enough for a decision
    tick (a few round trips at most) unless its docstring says otherwise. A backend is used from
    one thread at a time, except :meth:`key_up`, which must also work from a signal handler or
    ``atexit`` while another thread is inside another call.
    """

    name: str
    """``"x11"``, ``"windows"``, ..."""

    def find_window(self, title: str) -> Window:
        """The one visible top-level window titled exactly ``title``.

        Windows nested inside one another with the same title count as one (X11 toolkits give
        an inner window the title of its top-level, e.g. xgalaga): the one a window manager
        manages, else the outermost.

        Raises WindowNotFoundError if there is none (the message says to start the game or fix
        ``window.title``) or several (close all but one).
        """
        ...

    def window(self, handle: int) -> Window:
        """The window ``handle`` as it is now; WindowClosedError if it is gone."""
        ...

    def windows(self) -> list[Window]:
        """Every visible titled top-level window, bottom-most first (top-most last)."""
        ...

    def covering(self, handle: int) -> list[Window]:
        """The visible windows stacked above ``handle`` whose area intersects its client area,
        top-most last; each with the intersection as ``client`` (what of the game they hide).
        WindowClosedError if ``handle`` is gone."""
        ...

    def move_window(self, handle: int, x: int, y: int) -> Window:
        """Move the window so its client area's top-left corner is at screen pixel (x, y);
        returns it as it is afterwards (a window manager may refuse or adjust the move: the
        caller compares). WindowClosedError if it is gone."""
        ...

    def focus_window(self, handle: int) -> None:
        """Raise the window and give it the keyboard focus, as clicking on it would (through
        the window manager where there is one). For a window this program started, never
        to take the focus from the user's. WindowClosedError if it is gone."""
        ...

    def window_pid(self, handle: int) -> int | None:
        """The id of the process that owns the window, or None where the platform cannot
        tell (a remote X client, say)."""
        ...

    def has_focus(self, handle: int) -> bool:
        """True if ``handle`` (or a child of it) has the keyboard focus."""
        ...

    def monitors(self) -> list[Monitor]:
        """The monitors, primary first."""
        ...

    def sendable_keys(self) -> frozenset[str]:
        """The key names this backend can press on this system (a subset of KEY_NAMES)."""
        ...

    def key_down(self, key: str) -> None:
        """Press ``key``. Raises FailSafeError (and presses nothing) when the pointer is in a
        corner of the screen."""
        ...

    def key_up(self, key: str) -> None:
        """Release ``key``; never refused (no fail-safe check), so no key can stay down."""
        ...

    def held_keys(self) -> frozenset[str]:
        """The key names physically held down now (for recording a person's play)."""
        ...

    def click(self, x: int, y: int, button: str = "left") -> None:
        """Move the pointer to screen pixel (x, y) and click ``button``."""
        ...

    def check_access(self, handle: int | None = None) -> None:
        """Raise DesktopError if capture or input would silently fail here (e.g. a permission
        the user must grant); with the game window's ``handle``, also if input to it would be
        dropped (the game runs with more rights than we have)."""
        ...

    def close(self) -> None:
        """Free the backend's connections; idempotent."""
        ...


def covering_windows(stack: Iterable[Window], handle: int) -> list[Window]:
    """From windows bottom-most first, those above ``handle`` that overlap its client area,
    each reduced to the overlap; WindowClosedError if ``handle`` is not in ``stack``."""
    above: list[Window] | None = None
    target: Window | None = None
    for window in stack:
        if above is not None:
            above.append(window)
        elif window.handle == handle:
            target, above = window, []
    if target is None or above is None:
        raise WindowClosedError(f"the window {handle:#x} is gone")
    hidden = []
    for window in above:
        overlap = window.client.intersection(target.client)
        if overlap is not None:
            hidden.append(Window(window.handle, window.title, overlap))
    return hidden
