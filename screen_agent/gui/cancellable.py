"""Key pressing that a background task can cut short: the probe's and the calibration's.

The core's probe and calibration watch press keys through a key sink in loops of their own;
:class:`CancellableSink` wraps that sink so the next press after the task is cancelled raises
:class:`~screen_agent.gui.background.TaskCancelled` (the core then releases every key on its
way out), and counts the presses refused because the game window had no keyboard focus.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from screen_agent.gui.background import TaskControl


class CancellableSink:
    """The sink the app's background work presses keys with (see the module docstring)."""

    def __init__(self, sink: Any, control: TaskControl) -> None:
        self.sink, self.control = sink, control
        self.paused = 0
        """Presses refused for lack of keyboard focus."""

    @property
    def allowed(self) -> frozenset[str]:
        return self.sink.allowed

    def hold(self, keys: Iterable[str]) -> Any:
        self.control.raise_if_cancelled()
        return self._count(self.sink.hold(keys))

    def run_steps(self, steps: Sequence[Any], wait: Callable[[float], None] | None = None) -> Any:
        self.control.raise_if_cancelled()
        return self._count(self.sink.run_steps(steps, wait))

    def restart(self, wait: Callable[[float], None] | None = None) -> Any:
        self.control.raise_if_cancelled()
        return self._count(self.sink.restart(wait))

    def release_all(self) -> None:
        self.sink.release_all()

    def _count(self, status: Any) -> Any:
        from screen_agent.input.sink import InputStatus

        if status is not InputStatus.SENT:
            self.paused += 1
        return status


def wait_for_focus(check: Callable[[], bool], timeout_s: float, control: TaskControl) -> bool:
    """Poll ``check`` until it is True; False after ``timeout_s`` or once cancelled."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline or control.wait(0.05):
            return False
    return True
