"""Stop and pause requests for a run on a live screen env, shared by the trainer and the player."""

from __future__ import annotations

import threading

import gymnasium as gym


class RunControl:
    """``stop``/``pause``/``resume`` for a run on ``env``, callable from any thread.

    The run reads ``_stop`` and ``_paused``; ``stop()`` also asks the screen env under ``env``
    to end any wait (for focus, for the game to start), so Stop works while the game window
    has no focus.
    """

    def __init__(self, env: gym.Env) -> None:
        self.env = env
        self._stop = threading.Event()
        self._paused = threading.Event()

    def stop(self) -> None:
        """Ask ``run()`` to finish; keys are released as it returns."""
        self._stop.set()
        request_stop = getattr(self.env.unwrapped, "request_stop", None)
        if request_stop is not None:
            request_stop()

    def pause(self) -> None:
        """Stop acting (keys released) until ``resume()``."""
        self._paused.set()

    def resume(self) -> None:
        """Act again after ``pause()``."""
        self._paused.clear()
