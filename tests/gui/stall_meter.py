"""StallMeter: how long the GUI thread's event loop goes without running a timer (a test
instrument, used by test_widgets.py and the e2e driver)."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QObject, QTimer


class StallMeter(QObject):
    """Measures the longest the GUI thread's event loop went without running a timer.

    A timer fires every ``interval_ms``; the stall of a tick is how much later than due it
    ran. ``longest_ms`` is the worst since :meth:`start`. Use it around any work the GUI must
    survive (training, grabs): ``with StallMeter() as meter: ...; assert meter.longest_ms < 100``.
    """

    def __init__(self, interval_ms: int = 5, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._clock = QElapsedTimer()
        self.longest_ms = 0.0
        self.ticks = 0

    def start(self) -> None:
        self.longest_ms = 0.0
        self.ticks = 0
        self._clock.start()
        self._timer.start()

    def stop(self) -> float:
        """Stop measuring; returns the longest stall in milliseconds."""
        self._timer.stop()
        return self.longest_ms

    def _tick(self) -> None:
        elapsed = self._clock.nsecsElapsed() / 1e6
        self._clock.restart()
        self.ticks += 1
        self.longest_ms = max(self.longest_ms, elapsed - self.interval_ms)

    def __enter__(self) -> StallMeter:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
