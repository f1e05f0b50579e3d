"""What can go wrong on a desktop: each error's message says what is missing and what to do."""

from __future__ import annotations

from screen_agent.errors import UserError


class DesktopError(UserError):
    """The desktop cannot do what the screen mode needs (no display, Wayland, macOS, a missing
    permission); the message says what is missing and what to do."""


class WindowNotFoundError(UserError):
    """No window, or more than one, has the profile's title."""


class WindowClosedError(UserError):
    """The window followed so far is gone (closed, or the game restarted with a new window)."""


class FailSafeError(UserError):
    """The mouse pointer was moved into a corner of the screen: everything stops."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "stopped by the fail-safe: the mouse was moved to a corner of the screen. "
            "Every key was released; move the mouse away before starting again."
        )
