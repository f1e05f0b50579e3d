"""GameWindow: the game's window, followed while a session runs.

Capture needs its client area (the window may move), input needs to know whether it has
focus, and both must notice when it goes away: a closed window, or a game that restarted and
opened a new window with the same title. The window is re-read at most every
:data:`FOLLOW_INTERVAL_S`; when its handle is gone it is looked up again by title, and if no
window with that title comes back within :data:`GONE_TIMEOUT_S`, :meth:`GameWindow.refresh`
raises WindowClosedError, which ends the session with that message.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from screen_agent.desktop.base import Desktop, Window
from screen_agent.desktop.errors import WindowClosedError, WindowNotFoundError
from screen_agent.geometry import Region

FOLLOW_INTERVAL_S = 0.5
"""How often the window's position is re-read, seconds (two X round trips, ~0.1 ms)."""
GONE_TIMEOUT_S = 5.0
"""How long a vanished window may take to come back (a game restarting) before the session
ends, seconds."""


class GameWindow:
    """The window titled ``title`` on ``desktop``, followed; see the module docstring.

    Args:
        desktop: the backend.
        title: the window's exact title.
        handle: its handle when the caller found it already (else it is found now).
        clock: seconds, monotonic; replaceable in tests.
    """

    def __init__(
        self,
        desktop: Desktop,
        title: str,
        handle: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.desktop = desktop
        self.title = title
        self._clock = clock
        first = desktop.window(handle) if handle is not None else desktop.find_window(title)
        self._window: Window = first
        self._screens = [m.area for m in desktop.monitors()]
        self._checked = clock()
        self._gone_since: float | None = None
        self.replaced = 0
        """How many times the window was found again under a new handle."""

    @property
    def handle(self) -> int:
        return self._window.handle

    @property
    def client(self) -> Region:
        """The client area on the screen as last read (see :meth:`refresh`)."""
        return self._window.client

    @property
    def gone(self) -> bool:
        """True while the window is missing (within the grace period)."""
        return self._gone_since is not None

    def refresh(self, force: bool = False) -> Window:
        """Re-read the window if :data:`FOLLOW_INTERVAL_S` has passed (or ``force``).

        Returns the window as last seen. Raises WindowClosedError once it has been gone for
        :data:`GONE_TIMEOUT_S`.
        """
        now = self._clock()
        if not force and now - self._checked < FOLLOW_INTERVAL_S:
            return self._window
        self._checked = now
        try:
            self._window = self.desktop.window(self._window.handle)
            self._gone_since = None
            return self._window
        except WindowClosedError:
            pass
        try:
            self._window = self.desktop.find_window(self.title)
            self._gone_since = None
            self.replaced += 1
            return self._window
        except WindowNotFoundError:
            if self._gone_since is None:
                self._gone_since = now
            if now - self._gone_since >= GONE_TIMEOUT_S:
                raise WindowClosedError(
                    f"the game window {self.title!r} closed and no window with that title came "
                    f"back within {GONE_TIMEOUT_S:g} s; start the game again (or use --launch) "
                    "and resume the run"
                ) from None
            return self._window

    def has_focus(self) -> bool:
        """True if the window has keyboard focus now (False while it is gone)."""
        self.refresh()
        if self._gone_since is not None:
            return False
        try:
            return self.desktop.has_focus(self._window.handle)
        except WindowClosedError:
            return False

    def covering(self) -> list[Window]:
        """Windows that cover part of the client area now (see :meth:`Desktop.covering`)."""
        self.refresh()
        if self._gone_since is not None:
            return []
        try:
            return self.desktop.covering(self._window.handle)
        except WindowClosedError:
            return []

    def obstruction(self) -> str | None:
        """Why the pixels grabbed now would not be the game's, or None: another window covers
        part of it, it lies partly off the screen, or it is gone (for now). Cheap enough to
        ask after every grab."""
        window = self.refresh()
        if self._gone_since is not None:
            return f"paused: the game window {self.title!r} is gone; waiting for it to come back"
        hidden = self.covering()
        if hidden:
            top = hidden[-1]
            part = top.client.offset(-window.client.x, -window.client.y)
            name = repr(top.title) if top.title else f"an untitled window ({top.handle:#x})"
            return (
                f"paused: {name} covers {part.width}x{part.height} px of the game window at "
                f"({part.x}, {part.y}); move it away to go on"
            )
        if not any(screen.holds(window.client) for screen in self._screens):
            return (
                "paused: the game window lies partly off the screen; move it back onto one "
                "monitor to go on"
            )
        return None
