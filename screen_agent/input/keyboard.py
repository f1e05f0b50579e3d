"""KeyboardSink: real key presses with pyautogui, only into the game window, always released.

pyautogui is imported only when a sink is created (it opens the X display at import time).
``pyautogui.PAUSE = 0`` (its default sleeps 0.1 s after every call) and the fail-safe stays on
for presses (moving the mouse into a screen corner stops the agent). Releases bypass the
fail-safe check: a release must never be refused, or a key would stay down.

Every held key is released on normal exit, exception, Ctrl+C and SIGTERM:

- ``with KeyboardSink(...) as sink:`` releases on leaving the block, whatever the reason;
- a SIGTERM handler (installed when the sink is created in the main thread) raises
  ``SystemExit`` in the main thread, which unwinds through that ``with`` block;
- ``atexit`` releases whatever is still held when the interpreter exits.

SIGKILL cannot be caught: keys held then stay down until released (``xdotool keyup``).
"""

from __future__ import annotations

import atexit
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from screen_agent.capture.window import find_window, has_focus, open_display
from screen_agent.errors import UserError
from screen_agent.input.sink import KeySink

if TYPE_CHECKING:  # profile imports input.keys: a runtime import would be circular
    from screen_agent.profile import GameProfile


class PyAutoGuiKeys:
    """Key events through pyautogui (XTEST on X11)."""

    def __init__(self) -> None:
        import pyautogui

        pyautogui.PAUSE = 0
        pyautogui.FAILSAFE = True
        self._pyautogui = pyautogui
        # The platform function, without pyautogui's fail-safe check and pause.
        self._raw_key_up: Callable[[str], None] = pyautogui.platformModule._keyUp

    def check_sendable(self, keys: frozenset[str]) -> None:
        """UserError for keys this platform's pyautogui silently ignores (unmapped on X11)."""
        mapping = getattr(self._pyautogui.platformModule, "keyboardMapping", None)
        if mapping is None:
            return
        missing = sorted(k for k in keys if mapping.get(k) is None)
        if missing:
            raise UserError(
                f"pyautogui cannot send {', '.join(map(repr, missing))} on this system (no key code); "
                "use other keys in the profile"
            )

    def key_down(self, key: str) -> None:
        self._pyautogui.keyDown(key)

    def key_up(self, key: str) -> None:
        self._raw_key_up(key)


class X11Focus:
    """``__call__() -> bool``: whether the window titled ``title`` (or a child) has focus."""

    def __init__(
        self, title: str, display: str | None = None, window_id: int | None = None
    ) -> None:
        self._display = open_display(display)
        if window_id is not None:
            self.window = self._display.create_resource_object("window", window_id)
        else:
            self.window = find_window(self._display, title)

    def __call__(self) -> bool:
        return has_focus(self._display, self.window)

    def close(self) -> None:
        self._display.close()


class KeyboardSink(KeySink):
    """Presses the profile's keys with pyautogui, only while the game window has focus.

    ``focus_check`` defaults to X11's input focus against the profile's window (found by
    title); profiles with absolute regions have no window to check, so they need an explicit
    ``focus_check`` (or ``lambda: True`` to accept the risk).
    """

    def __init__(
        self,
        profile: GameProfile,
        focus_check: Callable[[], bool] | None = None,
        *,
        display: str | None = None,
        window_id: int | None = None,
        backend: Any = None,
    ) -> None:
        """
        Args:
            profile: actions, allowed keys, ``key_hold_ms`` and the window's title.
            focus_check: returns True when the game has keyboard focus (default: X11 focus).
            display: X display for the default focus check (default ``$DISPLAY``; pyautogui
                itself always uses ``$DISPLAY``).
            window_id: the game window's X id, when known (skips the title search).
            backend: key sender (default pyautogui), replaceable in tests.
        """
        self._focus: X11Focus | None = None
        if focus_check is None:
            if profile.window is None:
                raise UserError(
                    f"{profile.name}: the profile has no window, so keyboard focus cannot be checked; "
                    "add window = { title = ... } to the profile, or pass a focus_check"
                )
            self._focus = X11Focus(profile.window.title, display, window_id)
            focus_check = self._focus
        if backend is None:
            backend = PyAutoGuiKeys()
            backend.check_sendable(profile.allowed_keys)
        super().__init__(profile, backend, focus_check)
        self._closed = False
        self._previous_sigterm: Any = None
        if threading.current_thread() is threading.main_thread():
            self._previous_sigterm = signal.signal(signal.SIGTERM, _raise_system_exit)
        atexit.register(self.release_all)

    def close(self) -> None:
        """Release every key, restore the SIGTERM handler, close the X connection; idempotent."""
        if self._closed:
            return
        try:
            self.release_all()
        finally:
            self._closed = True
            atexit.unregister(self.release_all)
            if (
                self._previous_sigterm is not None
                and threading.current_thread() is threading.main_thread()
            ):
                signal.signal(signal.SIGTERM, self._previous_sigterm)
            if self._focus is not None:
                self._focus.close()


def _raise_system_exit(signum: int, _frame: Any) -> None:
    # Turns SIGTERM into an exception in the main thread, so `with` blocks and `finally`
    # clauses (which release the keys) run; exit code 128 + 15 as for a signal death.
    raise SystemExit(128 + signum)
