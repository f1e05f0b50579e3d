"""The X11 backend: windows, focus and stacking with python-xlib (one round trip per query, in
process), keys and clicks with pyautogui (XTEST).

Works on an X11 session, on Xvfb, and for XWayland windows of a Wayland session. pyautogui
opens ``$DISPLAY`` when it is first imported and keeps that connection for the process, so the
backend refuses a display other than the one pyautogui is bound to rather than send keys to
another screen.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from screen_agent.desktop.base import (
    DesktopError,
    FailSafeError,
    Monitor,
    Window,
    WindowClosedError,
    WindowNotFoundError,
    covering_windows,
)
from screen_agent.geometry import Region

MONITORS_TTL_S = 10.0
"""How long the monitor layout is taken to stay the same, seconds (each read opens mss)."""
WAYLAND_NOTE = (
    " (this is a Wayland session: only XWayland windows can be seen; "
    "run the game under XWayland or log in to an X11 session)"
)


def open_display(name: str | None = None) -> Any:
    """An Xlib connection to display ``name`` (default ``$DISPLAY``), or DesktopError."""
    from Xlib import error
    from Xlib.display import Display

    try:
        return Display(name)
    except (error.DisplayError, error.DisplayNameError, ConnectionError, OSError) as exc:
        raise DesktopError(
            f"cannot open the X display {name or os.environ.get('DISPLAY') or '$DISPLAY'} ({exc}); "
            "check that the X server runs and that you may connect to it (XAUTHORITY)"
        ) from None


class X11Desktop:
    """The :class:`~screen_agent.desktop.base.Desktop` of an X server."""

    name = "x11"

    def __init__(self, display: str | None = None) -> None:
        """``display``: the X display (default ``$DISPLAY``)."""
        self.display_name = display or os.environ.get("DISPLAY", "")
        self._x = open_display(display)
        self._root = self._x.screen().root
        self._atoms = {name: self._x.intern_atom(name) for name in ("_NET_WM_NAME", "UTF8_STRING")}
        self._keys: Any = None  # pyautogui, opened on first use: it grabs $DISPLAY for good
        self._lock = threading.RLock()
        self._stack: list[Window] | None = None
        """The top-level windows as last read; re-read when the X server reports a change."""
        self._stack_of: int | None = None
        self._monitors: tuple[float, list[Monitor]] | None = None

    # -- windows ---------------------------------------------------------------------------------
    def find_window(self, title: str) -> Window:
        with self._lock:
            found = [w for w in self._titled_windows() if w.title == title]
        if not found:
            note = WAYLAND_NOTE if os.environ.get("WAYLAND_DISPLAY") else ""
            raise WindowNotFoundError(
                f"no window titled {title!r} is open on display {self.display_name}{note}; "
                "start the game (or fix window.title in the profile)"
            )
        if len(found) > 1:
            raise WindowNotFoundError(
                f"{len(found)} windows are titled {title!r}; close all but one"
            )
        return found[0]

    def window(self, handle: int) -> Window:
        from Xlib import X, error

        with self._lock:
            try:
                xwin = self._x.create_resource_object("window", handle)
                if xwin.get_attributes().map_state != X.IsViewable:
                    raise WindowClosedError(f"the window {handle:#x} is no longer shown")
                return Window(handle, self._title(xwin) or "", self._client(xwin))
            except (error.BadWindow, error.BadDrawable):
                raise WindowClosedError(f"the window {handle:#x} was closed") from None

    def windows(self) -> list[Window]:
        with self._lock:
            return self._titled_windows()

    def covering(self, handle: int) -> list[Window]:
        """Cheap enough for every decision tick: the stacking order is re-read only when the X
        server reported a change (a window mapped, unmapped, moved, resized or restacked)
        since the last call; a round trip first makes sure every change made before this call
        (and so before the last grab) has been reported."""
        with self._lock:
            if self._stack is None or self._stack_of != handle:
                self._root.change_attributes(event_mask=self._x_constant("SubstructureNotifyMask"))
                self._stack = None
            self._x.sync()
            changed = False
            while self._x.pending_events():
                self._x.next_event()
                changed = True
            if changed or self._stack is None:
                self._stack = self._read_stack(handle)
                self._stack_of = handle
            return covering_windows(self._stack, handle)

    def _read_stack(self, handle: int) -> list[Window]:
        """The viewable top-level windows, bottom-most first, the game's with its client area
        (others with their whole area: a frame's border hides pixels too)."""
        from Xlib import X, error

        stack: list[Window] = []
        target_top = self._top_level_of(handle)
        for child in self._root.query_tree().children:  # bottom-most first
            try:
                attrs = child.get_attributes()
                if attrs.map_state != X.IsViewable or attrs.win_class == X.InputOnly:
                    continue
                if child.id == target_top:
                    game = self.window(handle)
                    stack.append(Window(handle, game.title, game.client))
                    continue
                titled = self._titled(child)
                title = self._title(titled) if titled is not None else ""
                stack.append(Window(child.id, title or "", self._outer(child)))
            except (error.BadWindow, error.BadDrawable):
                continue
        return stack

    @staticmethod
    def _x_constant(name: str) -> int:
        from Xlib import X

        return int(getattr(X, name))

    def has_focus(self, handle: int) -> bool:
        """True if ``handle`` or one of its descendants has the keyboard focus (toolkits often
        focus an inner widget), found by walking up from the focused window."""
        from Xlib import X, error

        with self._lock:
            focus = self._x.get_input_focus().focus
            if focus in (X.NONE, X.PointerRoot) or isinstance(focus, int):
                return False
            try:
                while focus is not None and focus.id != 0:
                    if focus.id == handle:
                        return True
                    parent = focus.query_tree().parent
                    # A window being destroyed may report no parent (0) rather than fail.
                    if parent is None or isinstance(parent, int) or parent.id in (0, self._root.id):
                        return False
                    focus = parent
            except (error.BadWindow, error.BadDrawable):
                return False
            return False

    def monitors(self) -> list[Monitor]:
        """From RandR through mss; read again at most every :data:`MONITORS_TTL_S`."""
        now = time.monotonic()
        if self._monitors is None or now - self._monitors[0] > MONITORS_TTL_S:
            import mss

            with mss.MSS(display=self.display_name or None) as sct:
                screens = sct.monitors[1:] if len(sct.monitors) > 1 else sct.monitors
                found = [
                    Monitor(Region(m["left"], m["top"], m["width"], m["height"]), 1.0, i == 0)
                    for i, m in enumerate(screens)
                ]
            self._monitors = (now, found)
        return list(self._monitors[1])

    # -- keys and clicks -------------------------------------------------------------------------
    def sendable_keys(self) -> frozenset[str]:
        mapping = self._pyautogui().platformModule.keyboardMapping
        return frozenset(k for k, code in mapping.items() if code is not None)

    def key_down(self, key: str) -> None:
        pyautogui = self._pyautogui()
        try:
            pyautogui.keyDown(key)
        except pyautogui.FailSafeException:
            raise FailSafeError() from None

    def key_up(self, key: str) -> None:
        # The platform call, without pyautogui's fail-safe check: a release is never refused.
        self._pyautogui().platformModule._keyUp(key)

    def held_keys(self) -> frozenset[str]:
        mapping = self._pyautogui().platformModule.keyboardMapping
        with self._lock:
            keymap = self._x.query_keymap()
        down = {8 * i + bit for i, byte in enumerate(keymap) for bit in range(8) if byte >> bit & 1}
        return frozenset(name for name, code in mapping.items() if code in down)

    def click(self, x: int, y: int, button: str = "left") -> None:
        pyautogui = self._pyautogui()
        try:
            pyautogui.click(x, y, button=button)
        except pyautogui.FailSafeException:
            raise FailSafeError() from None

    def check_access(self) -> None:
        self._pyautogui()

    def close(self) -> None:
        with self._lock:
            if self._x is not None:
                self._x.close()
                self._x = None

    # -- helpers ---------------------------------------------------------------------------------
    def _pyautogui(self) -> Any:
        if self._keys is None:
            if os.environ.get("DISPLAY") != self.display_name:
                raise DesktopError(
                    f"keys would go to display {os.environ.get('DISPLAY')!r}, not {self.display_name!r}: "
                    "pyautogui sends to $DISPLAY; set DISPLAY to the game's display"
                )
            import pyautogui

            bound = pyautogui.platformModule._display.get_display_name()
            if bound != self.display_name:
                raise DesktopError(
                    f"pyautogui is bound to display {bound!r} (the first it was imported on), "
                    f"not {self.display_name!r}; start a new process for the other display"
                )
            pyautogui.PAUSE = 0  # its default sleeps 0.1 s after every call
            pyautogui.FAILSAFE = True
            self._keys = pyautogui
        return self._keys

    def _title(self, xwin: Any) -> str | None:
        """``_NET_WM_NAME`` (UTF-8, what toolkits set) or else ``WM_NAME``."""
        prop = xwin.get_full_property(self._atoms["_NET_WM_NAME"], self._atoms["UTF8_STRING"])
        if prop is not None and prop.value:
            value = prop.value
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        name = xwin.get_wm_name()
        if isinstance(name, bytes):
            return name.decode("latin-1")
        return name

    def _client(self, xwin: Any) -> Region:
        geometry = xwin.get_geometry()
        origin = self._root.translate_coords(xwin, 0, 0)
        return Region(origin.x, origin.y, geometry.width, geometry.height)

    def _outer(self, xwin: Any) -> Region:
        """A top-level window's area on the screen, with its border."""
        g = xwin.get_geometry()
        border = g.border_width
        return Region(g.x, g.y, g.width + 2 * border, g.height + 2 * border)

    def _titled(self, xwin: Any) -> Any:
        """``xwin`` if it has a title, else its first titled descendant (a WM frame's client)."""
        if self._title(xwin):
            return xwin
        for child in xwin.query_tree().children:
            found = self._titled(child)
            if found is not None:
                return found
        return None

    def _top_level_of(self, handle: int) -> int:
        """The root's child that holds ``handle`` (a window manager's frame, or the window)."""
        from Xlib import error

        xwin = self._x.create_resource_object("window", handle)
        try:
            while True:
                parent = xwin.query_tree().parent
                if parent is None or isinstance(parent, int) or parent.id in (0, self._root.id):
                    return xwin.id
                xwin = parent
        except (error.BadWindow, error.BadDrawable):
            raise WindowClosedError(f"the window {handle:#x} was closed") from None

    def _titled_windows(self) -> list[Window]:
        """Every viewable titled window, in the root's stacking order (bottom-most first)."""
        from Xlib import X, error

        found: list[Window] = []

        def walk(xwin: Any) -> None:
            try:
                children = xwin.query_tree().children
            except (error.BadWindow, error.BadDrawable):
                return
            for child in children:
                try:
                    if child.get_attributes().map_state != X.IsViewable:
                        continue
                    title = self._title(child)
                    if title:
                        found.append(Window(child.id, title, self._client(child)))
                except (error.BadWindow, error.BadDrawable):
                    continue  # a window closed while we walked the tree
                walk(child)

        walk(self._root)
        return found
