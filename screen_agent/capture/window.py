"""X11 windows by title: find the game window, where its client area is, who has focus.

In-process with python-xlib (one round trip per query, no subprocess per frame). Shared by
capture (which follows the window) and input (which checks keyboard focus before sending).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from screen_agent.errors import UserError


class WindowNotFoundError(UserError):
    """No (or more than one) window has the profile's title, or it went away."""


@dataclass(frozen=True)
class ClientRect:
    """A window's client area on the screen, in pixels."""

    left: int
    top: int
    width: int
    height: int


def open_display(name: str | None = None) -> Any:
    """An Xlib connection to display ``name`` (default ``$DISPLAY``), or a UserError saying why not."""
    from Xlib import error
    from Xlib.display import Display

    try:
        return Display(name)
    except (error.DisplayError, error.DisplayNameError) as exc:
        raise UserError(
            f"cannot open the X display {name or '$DISPLAY'} ({exc}); run inside an X session or Xvfb"
        ) from None


def window_title(display: Any, window: Any) -> str | None:
    """The window's title: ``_NET_WM_NAME`` (UTF-8, what toolkits set) or else ``WM_NAME``."""
    net_wm_name = display.intern_atom("_NET_WM_NAME")
    utf8 = display.intern_atom("UTF8_STRING")
    prop = window.get_full_property(net_wm_name, utf8)
    if prop is not None and prop.value:
        value = prop.value
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    name = window.get_wm_name()
    if isinstance(name, bytes):
        return name.decode("latin-1")
    return name


def find_window(display: Any, title: str) -> Any:
    """The one viewable window titled exactly ``title``; WindowNotFoundError if none or several."""
    from Xlib import X, error

    found = []
    stack = [display.screen().root]
    while stack:
        window = stack.pop()
        try:
            children = window.query_tree().children
            for child in children:
                if (
                    window_title(display, child) == title
                    and child.get_attributes().map_state == X.IsViewable
                ):
                    found.append(child)
                stack.append(child)
        except error.BadWindow:  # a window closed while we walked the tree
            continue
    if not found:
        raise WindowNotFoundError(
            f"no window titled {title!r} is open; start the game (or fix window.title in the profile)"
        )
    if len(found) > 1:
        raise WindowNotFoundError(f"{len(found)} windows are titled {title!r}; close all but one")
    return found[0]


def client_rect(window: Any) -> ClientRect:
    """Where the window's client area is on the screen now (one geometry + one translate request)."""
    from Xlib import error

    try:
        geometry = window.get_geometry()
        origin = geometry.root.translate_coords(window, 0, 0)
    except (error.BadWindow, error.BadDrawable):
        raise WindowNotFoundError("the game window was closed; start the game again") from None
    return ClientRect(origin.x, origin.y, geometry.width, geometry.height)


def has_focus(display: Any, window: Any) -> bool:
    """True if ``window`` or one of its descendants has the keyboard focus.

    The focus may sit on a child of the game's window (toolkits focus inner widgets), so walk
    up from the focused window to the root looking for the game's.
    """
    from Xlib import X, error

    focus = display.get_input_focus().focus
    if focus in (X.NONE, X.PointerRoot) or isinstance(focus, int):
        return False
    try:
        while focus is not None and focus.id != 0:
            if focus.id == window.id:
                return True
            tree = focus.query_tree()
            if tree.parent is None or tree.parent.id == tree.root.id or tree.parent.id == 0:
                return False
            focus = tree.parent
    except error.BadWindow:
        return False
    return False
