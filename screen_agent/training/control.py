"""Stop and pause requests for a run on a screen session, shared by the trainer and the player."""

from __future__ import annotations

import threading

from screen_agent.envs.session import ScreenSession


class RunControl:
    """``stop``/``pause``/``resume`` for a run on ``session``, callable from any thread.

    The run reads ``_stop`` and ``_paused``; ``stop()`` also asks the session to end any wait
    (for focus, for the game to start), so Stop works while the game window has no focus.
    """

    def __init__(self, session: ScreenSession) -> None:
        self.session = session
        self._stop = threading.Event()
        self._paused = threading.Event()

    def stop(self) -> None:
        """Ask ``run()`` to finish; keys are released as it returns."""
        self._stop.set()
        self.session.request_stop()

    def pause(self) -> None:
        """Stop acting (keys released) until ``resume()``."""
        self._paused.set()

    def resume(self) -> None:
        """Act again after ``pause()``."""
        self._paused.clear()
