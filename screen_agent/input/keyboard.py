"""KeyboardSink: real key presses through the desktop backend, only into the game window, and
always released.

Every held key is released on normal exit, exception, Ctrl+C and SIGTERM:

- ``with KeyboardSink(...) as sink:`` (or the session that owns it) releases on leaving the
  block, whatever the reason;
- a SIGTERM handler (installed when the sink is created in the main thread) raises
  ``SystemExit`` in the main thread, which unwinds through that ``with`` block;
- ``atexit`` releases whatever is still held when the interpreter exits.

SIGKILL cannot be caught: keys held then stay down until released (``xdotool keyup``).
The fail-safe (the pointer in a screen corner) is the backend's: a key-down raises
:class:`~screen_agent.desktop.FailSafeError` and the session ends with every key released.
"""

from __future__ import annotations

import atexit
import signal
import threading
from collections.abc import Callable
from typing import Any

from screen_agent.desktop import Desktop
from screen_agent.desktop.tracking import GameWindow
from screen_agent.errors import UserError
from screen_agent.input.sink import KeySink
from screen_agent.profile import GameProfile


class KeyboardSink(KeySink):
    """Presses the profile's keys through ``desktop``, only while the game window has focus.

    ``focus_check`` defaults to the followed ``window``'s focus; profiles with absolute regions
    have no window to check, so they need an explicit ``focus_check`` (or ``lambda: True`` to
    accept the risk).
    """

    def __init__(
        self,
        profile: GameProfile,
        desktop: Desktop,
        window: GameWindow | None,
        focus_check: Callable[[], bool] | None = None,
    ) -> None:
        if focus_check is None:
            if window is None:
                raise UserError(
                    f"{profile.name}: the profile has no window, so keyboard focus cannot be checked; "
                    "add window = { title = ... } to the profile"
                )
            focus_check = window.has_focus
        sendable = desktop.sendable_keys()
        missing = sorted(k for k in profile.allowed_keys if k not in sendable)
        if missing:
            raise UserError(
                f"{profile.name}: the {desktop.name} desktop cannot send "
                f"{', '.join(map(repr, missing))} on this system (no key code); use other keys in the profile"
            )

        def click(x: int, y: int) -> None:
            assert window is not None  # profiles without a window have no click steps
            origin = window.refresh()
            desktop.click(origin.client.x + x, origin.client.y + y)

        super().__init__(profile, desktop, focus_check, clicker=click)
        self._closed = False
        self._previous_sigterm: Any = None
        if threading.current_thread() is threading.main_thread():
            self._previous_sigterm = signal.signal(signal.SIGTERM, _raise_system_exit)
        atexit.register(self.release_all)

    def close(self) -> None:
        """Release every key and restore the SIGTERM handler; idempotent."""
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


def _raise_system_exit(signum: int, _frame: Any) -> None:
    # Turns SIGTERM into an exception in the main thread, so `with` blocks and `finally`
    # clauses (which release the keys) run; exit code 128 + 15 as for a signal death.
    raise SystemExit(128 + signum)
