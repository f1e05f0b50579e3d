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

from screen_agent.desktop.base import Monitor, Window, covering_windows
from screen_agent.desktop.errors import (
    DesktopError,
    FailSafeError,
    WindowClosedError,
    WindowNotFoundError,
)
from screen_agent.geometry import Region

MOVE_TIMEOUT_S = 1.0
"""How long :meth:`X11Desktop.move_window` waits for the window to arrive, seconds."""
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
        self._atoms = {
            name: self._x.intern_atom(name)
            for name in (
                "_NET_WM_NAME",
                "UTF8_STRING",
                "WM_STATE",
                "_NET_WM_PID",
                "_NET_ACTIVE_WINDOW",
                "_NET_SUPPORTED",
            )
        }
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

    def move_window(self, handle: int, x: int, y: int) -> Window:
        """Moves the top-level window (or asks the window manager to move the client it
        manages) so the client area lands at (x, y), then waits up to
        :data:`MOVE_TIMEOUT_S` for the server to report it there."""
        from Xlib import error

        with self._lock:
            try:
                xwin = self._x.create_resource_object("window", handle)
                top = self._x.create_resource_object("window", self._top_level_of(handle))
                client = self._client(xwin)
                outer = self._outer(top)
                # Where the top-level's corner must go for the client area to be at (x, y):
                # decorations, borders and an inner client window keep their offsets.
                dx, dy = client.x - outer.x, client.y - outer.y
                if top.id != handle and self._managed(xwin):
                    # Reparented by a window manager: ask it (ICCCM: it places the frame's
                    # corner at the requested point for the default NorthWest gravity).
                    xwin.configure(x=x - dx, y=y - dy)
                else:
                    top.configure(x=x - dx, y=y - dy)
                self._x.sync()
            except (error.BadWindow, error.BadDrawable):
                raise WindowClosedError(f"the window {handle:#x} was closed") from None
        deadline = time.monotonic() + MOVE_TIMEOUT_S
        moved = self.window(handle)
        while (moved.client.x, moved.client.y) != (x, y) and time.monotonic() < deadline:
            time.sleep(0.02)
            moved = self.window(handle)
        return moved

    def focus_window(self, handle: int) -> None:
        """Through EWMH's ``_NET_ACTIVE_WINDOW`` when a window manager supports it (it then
        raises and focuses the window itself); with none (Xvfb), raises the top-level window
        and sets the input focus on it directly."""
        from Xlib import X, error
        from Xlib.protocol import event

        with self._lock:
            try:
                xwin = self._x.create_resource_object("window", handle)
                if self._wm_supports("_NET_ACTIVE_WINDOW"):
                    message = event.ClientMessage(
                        window=xwin,
                        client_type=self._atoms["_NET_ACTIVE_WINDOW"],
                        # source 2: a pager, i.e. the user's own request (not an application
                        # stealing focus, which focus-stealing prevention would refuse).
                        data=(32, [2, X.CurrentTime, 0, 0, 0]),
                    )
                    mask = X.SubstructureRedirectMask | X.SubstructureNotifyMask
                    self._root.send_event(message, event_mask=mask)
                else:
                    top = self._x.create_resource_object("window", self._top_level_of(handle))
                    top.configure(stack_mode=X.Above)
                    xwin.set_input_focus(X.RevertToParent, X.CurrentTime)
                self._x.sync()
            except (error.BadWindow, error.BadDrawable, error.BadMatch):
                raise WindowClosedError(f"the window {handle:#x} is gone or not shown") from None

    def window_pid(self, handle: int) -> int | None:
        """From the X-Resource extension (the client's process, as the server sees its local
        connection; works for every program), else the window's ``_NET_WM_PID`` (set by most
        toolkits, but not by plain Xlib programs)."""
        from Xlib import X, error

        with self._lock:
            try:
                if self._x.has_extension("X-Resource"):
                    from Xlib.ext import res

                    reply = self._x.res_query_client_ids(
                        [{"client": handle, "mask": res.LocalClientPIDMask}]
                    )
                    for found in reply.ids:
                        if found.value:
                            return int(found.value[0])
                xwin = self._x.create_resource_object("window", handle)
                prop = xwin.get_full_property(self._atoms["_NET_WM_PID"], X.AnyPropertyType)
                if prop is not None and len(prop.value):
                    return int(prop.value[0])
            except (error.BadWindow, error.BadDrawable, error.BadValue, error.BadMatch):
                return None
            return None

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

    def check_access(self, handle: int | None = None) -> None:
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
        """Every viewable titled window, in the root's stacking order (bottom-most first).

        A window inside a window of the same title is the same window to the user (xgalaga
        titles its top-level and the inner window that holds the game alike): it is listed
        once, as the one a window manager manages (it has ``WM_STATE``), else the outermost.
        """
        from Xlib import X, error

        found: list[Window] = []

        def walk(xwin: Any, outer: int | None) -> None:
            """``outer``: the index in ``found`` of the nearest titled ancestor."""
            try:
                children = xwin.query_tree().children
            except (error.BadWindow, error.BadDrawable):
                return
            for child in children:
                inner = outer
                try:
                    if child.get_attributes().map_state != X.IsViewable:
                        continue
                    title = self._title(child)
                    if title and outer is not None and found[outer].title == title:
                        if self._managed(child) and not self._managed_id(found[outer].handle):
                            found[outer] = Window(child.id, title, self._client(child))
                    elif title:
                        found.append(Window(child.id, title, self._client(child)))
                        inner = len(found) - 1
                except (error.BadWindow, error.BadDrawable):
                    continue  # a window closed while we walked the tree
                walk(child, inner)

        walk(self._root, None)
        return found

    def _managed(self, xwin: Any) -> bool:
        """True if a window manager manages ``xwin`` (ICCCM: it set ``WM_STATE``)."""
        from Xlib import X

        return xwin.get_full_property(self._atoms["WM_STATE"], X.AnyPropertyType) is not None

    def _managed_id(self, handle: int) -> bool:
        return self._managed(self._x.create_resource_object("window", handle))

    def _wm_supports(self, atom: str) -> bool:
        """True if a running EWMH window manager lists ``atom`` in ``_NET_SUPPORTED``."""
        from Xlib import X, error

        # A window manager that quit may leave _NET_SUPPORTED behind: its check window
        # (_NET_SUPPORTING_WM_CHECK) must still exist and point to itself.
        check = self._root.get_full_property(
            self._x.intern_atom("_NET_SUPPORTING_WM_CHECK"), X.AnyPropertyType
        )
        if check is None or not len(check.value):
            return False
        try:
            child = self._x.create_resource_object("window", int(check.value[0]))
            again = child.get_full_property(
                self._x.intern_atom("_NET_SUPPORTING_WM_CHECK"), X.AnyPropertyType
            )
        except (error.BadWindow, error.BadDrawable):
            return False
        if again is None or not len(again.value) or int(again.value[0]) != child.id:
            return False
        prop = self._root.get_full_property(self._atoms["_NET_SUPPORTED"], X.AnyPropertyType)
        return prop is not None and self._atoms[atom] in prop.value
