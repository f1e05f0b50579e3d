"""The InputSink protocol, and the key bookkeeping every sink shares.

An action is a set of keys held together. Semantics (all sinks):

- ``apply(a)`` makes exactly action ``a``'s keys be down: keys newly in the set are pressed,
  keys no longer in it released, keys in both left alone (only the difference is sent, so a
  held key is not re-pressed at every decision).
- Keys stay down until an ``apply`` changes them. ``key_hold_ms`` is the *minimum* time a key
  stays down: a release that would come sooner waits out the rest (so a one-decision tap is
  still seen by a game that polls its keys once a frame). At 15 decisions per second and
  ``key_hold_ms = 60`` the wait never happens.
- Only keys of the profile (its actions' and restart keys) are ever sent: any other raises
  :class:`KeyNotAllowedError` before anything is sent.
- Focus is checked immediately before every key-down (and before a click): if the game window
  does not have keyboard focus, every held key is released, nothing more is pressed, and
  :attr:`InputStatus.PAUSED` is returned (the env pauses; it does not raise).
- ``release_all()`` is idempotent and safe to call from any exit path.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, runtime_checkable

from screen_agent.keys import KeyNotAllowedError
from screen_agent.profile import GameProfile, Step


class InputStatus(enum.Enum):
    """What became of an action."""

    SENT = "sent"
    """The keys are as the action says."""
    PAUSED = "paused: the game window does not have keyboard focus"
    """Nothing was pressed and every key was released; act again once the game has focus."""


@runtime_checkable
class InputSink(Protocol):
    """Turns action ids into key presses."""

    def apply(self, action: int) -> InputStatus:
        """Hold action ``action``'s keys (and only them) from now on."""
        ...

    def release_all(self) -> None:
        """Release every key held; idempotent."""
        ...

    def close(self) -> None:
        """Release everything and free resources; idempotent."""
        ...


class KeyBackend(Protocol):
    """Where key events go: a desktop backend, or a list in tests."""

    def key_down(self, key: str) -> None: ...

    def key_up(self, key: str) -> None: ...


Clicker = Callable[[int, int], None]
"""``click(x, y)`` at a point of the game window's client area, pixels."""


class KeySink:
    """The shared logic: action -> key set, difference, whitelist, focus, minimum hold.

    Thread-safe: the actor thread applies actions while a signal handler or ``atexit`` in
    the main thread may release everything.
    """

    def __init__(
        self,
        profile: GameProfile,
        backend: KeyBackend,
        focus_check: Callable[[], bool] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        clicker: Clicker | None = None,
    ) -> None:
        """
        Args:
            profile: gives the actions, the allowed keys and ``key_hold_ms``.
            backend: sends key downs and ups.
            focus_check: returns True when the game window has keyboard focus; None: always.
            clock, sleep: seconds; replaceable in tests.
            clicker: clicks in the game window (restart and launch steps); None: no clicks.
        """
        self.profile = profile
        self.backend = backend
        self.focus_check = focus_check
        self.clicker = clicker
        self.allowed = profile.allowed_keys
        self.min_hold_s = profile.key_hold_ms / 1000.0
        self._clock = clock
        self._sleep = sleep
        self._pressed_at: dict[str, float] = {}  # held key -> clock time it went down
        self._lock = threading.RLock()
        self.last_status: InputStatus | None = None

    @property
    def held(self) -> frozenset[str]:
        """Keys down right now (as sent by this sink)."""
        return frozenset(self._pressed_at)

    def apply(self, action: int) -> InputStatus:
        """Hold the keys of action ``action`` (an index into ``profile.actions``)."""
        if not 0 <= action < len(self.profile.actions):
            raise IndexError(
                f"action {action} is out of range: the profile has {len(self.profile.actions)}"
            )
        return self.hold(self.profile.actions[action].keys)

    def hold(self, keys: Iterable[str]) -> InputStatus:
        """Make exactly ``keys`` be down (send only the difference)."""
        wanted = tuple(dict.fromkeys(keys))
        refused = [k for k in wanted if k not in self.allowed]
        if refused:  # before anything is sent, so a bad call changes nothing
            raise KeyNotAllowedError(
                f"key {refused[0]!r} is not in the profile {self.profile.name!r}'s actions or restart keys "
                f"({', '.join(sorted(self.allowed)) or 'none'}); add it to an action in the profile"
            )
        with self._lock:
            if not self._focused():
                return self._pause()
            to_release = [k for k in self._pressed_at if k not in wanted]
            to_press = [k for k in wanted if k not in self._pressed_at]
            if to_release:
                youngest = max(self._pressed_at[k] for k in to_release)
                wait = youngest + self.min_hold_s - self._clock()
                if wait > 0:
                    self._sleep(wait)
            try:
                for key in to_release:
                    del self._pressed_at[key]
                    self.backend.key_up(key)
                for key in to_press:
                    # Right before each key-down: the wait above, or the previous key, may have
                    # taken long enough for another window to take the focus.
                    if not self._focused():
                        return self._pause()
                    # Recorded before sending: if sending fails half-way, release_all
                    # still tries to release it.
                    self._pressed_at[key] = self._clock()
                    self.backend.key_down(key)
            except BaseException:
                self.release_all()
                raise
            self.last_status = InputStatus.SENT
            return self.last_status

    def _focused(self) -> bool:
        return self.focus_check is None or self.focus_check()

    def _pause(self) -> InputStatus:
        self.release_all()
        self.last_status = InputStatus.PAUSED
        return self.last_status

    def tap(self, keys: Iterable[str]) -> InputStatus:
        """Press ``keys`` together, hold them ``key_hold_ms``, release (e.g. the restart keys)."""
        status = self.hold(keys)
        if status is InputStatus.SENT:
            status = self.hold(())
        return status

    def click(self, x: int, y: int) -> InputStatus:
        """Click at window point (x, y), only while the game window has focus."""
        if self.clicker is None:
            raise RuntimeError("this sink cannot click")
        with self._lock:
            if not self._focused():
                return self._pause()
            self.clicker(x, y)
            return InputStatus.SENT

    def run_steps(
        self, steps: Sequence[Step], wait: Callable[[float], None] | None = None
    ) -> InputStatus:
        """Tap, click and wait through ``steps`` (releasing any action's keys first).

        ``wait(seconds)`` does the steps' waits (default: this sink's sleep); it may raise to
        cut a wait short. Stops at the first step refused for lack of focus (PAUSED); the
        caller runs the whole sequence again once the game has focus.
        """
        wait = wait or self._sleep
        self.release_all()
        for step in steps:
            if step.keys:
                status = self.tap(step.keys)
            elif step.click is not None:
                status = self.click(*step.click)
            else:
                status = InputStatus.SENT
            if status is not InputStatus.SENT:
                return status
            if step.wait_ms:
                wait(step.wait_ms / 1000)
        return InputStatus.SENT

    def restart(self, wait: Callable[[float], None] | None = None) -> InputStatus:
        """Run the profile's restart sequence (see :meth:`run_steps`)."""
        return self.run_steps(self.profile.restart.steps, wait)

    def release_all(self) -> None:
        """Release every held key, each attempted even if another fails; idempotent."""
        with self._lock:
            keys = list(self._pressed_at)
            self._pressed_at.clear()
            error: BaseException | None = None
            for key in keys:
                try:
                    self.backend.key_up(key)
                except Exception as exc:  # keep releasing the others
                    error = error or exc
            if error is not None:
                raise error

    def close(self) -> None:
        """Release everything."""
        self.release_all()

    def __enter__(self) -> KeySink:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class _Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def key_down(self, key: str) -> None:
        self.events.append(("down", key))

    def key_up(self, key: str) -> None:
        self.events.append(("up", key))


class RecordingSink(KeySink):
    """Sends nothing: records actions and the key events a real sink would send.

    For tests and ``check_env``. Set :attr:`focused` to False to simulate a lost focus.
    """

    def __init__(self, profile: GameProfile, min_hold: bool = False) -> None:
        """``min_hold``: honour ``key_hold_ms`` by sleeping, like a real sink (default off)."""
        self._recorder = _Recorder()
        self.focused = True
        self.actions: list[int] = []
        self.clicks: list[tuple[int, int]] = []
        super().__init__(
            profile,
            self._recorder,
            focus_check=lambda: self.focused,
            sleep=time.sleep if min_hold else lambda _s: None,
            clicker=lambda x, y: self.clicks.append((x, y)),
        )

    @property
    def events(self) -> list[tuple[str, str]]:
        """``("down" | "up", key)`` in the order a real sink would send them."""
        return self._recorder.events

    def apply(self, action: int) -> InputStatus:
        status = super().apply(action)
        self.actions.append(action)
        return status
