"""The reward debugger: each reward rule's signal, live.

:class:`RewardDebugger` plots each rule's signal as the frames arrive (a pyqtgraph strip
chart) and marks every reward (green) and game over (red) as it fires; the rules and their
history come from a :class:`RewardDebugModel`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from screen_agent.gui.model import Firing, RewardDebugModel


class RewardDebugger(QWidget):
    """A strip chart of each rule's signal, with its firings marked, fed by a RewardDebugModel."""

    PENS = ("#3ddc84", "#ffc828", "#4fa3ff", "#ff66cc", "#b0b0ff", "#ff9040")

    def __init__(self, debug: RewardDebugModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.debug = debug
        self.plot = pg.PlotWidget(background="#18181c")
        self.plot.setLabel("bottom", "time", units="s")
        self.plot.setLabel("left", "signal")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.legend = self.plot.addLegend(offset=(10, 10))
        self.curves: list[pg.PlotDataItem] = []
        self.reward_marks = pg.ScatterPlotItem(
            symbol="t1", size=14, brush=pg.mkBrush("#3ddc84"), name="reward"
        )
        self.over_marks = pg.ScatterPlotItem(
            symbol="x",
            size=16,
            brush=pg.mkBrush("#ff5050"),
            pen=pg.mkPen("#ff5050"),
            name="game over",
        )
        self.plot.addItem(self.reward_marks)
        self.plot.addItem(self.over_marks)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.reset_button = QPushButton("Reset")
        self.reset_button.clicked.connect(debug.reset)
        self.reset_button.clicked.connect(self.redraw)
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(self.reset_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addLayout(row)
        debug.configured.connect(lambda _error: self.rebuild())
        debug.updated.connect(self.redraw)
        self.rebuild()

    def rebuild(self) -> None:
        for curve in self.curves:
            self.plot.removeItem(curve)
        self.legend.clear()
        self.curves = [
            self.plot.plot([], [], pen=pg.mkPen(self.PENS[i % len(self.PENS)], width=2), name=name)
            for i, name in enumerate(self.debug.names)
        ]
        self.legend.addItem(self.reward_marks, "reward")
        self.legend.addItem(self.over_marks, "game over")
        self.redraw()

    def redraw(self) -> None:
        times = np.fromiter(self.debug.times, dtype=float)
        for curve, values in zip(self.curves, self.debug.signals, strict=False):
            ys = np.fromiter(values, dtype=float)
            n = min(len(times), len(ys))
            curve.setData(times[-n:], ys[-n:], connect="finite")
        self.reward_marks.setData(*self._marks(lambda f: f.reward != 0))
        self.over_marks.setData(*self._marks(lambda f: f.game_over))
        d = self.debug
        if d.error:
            text = f"Rules not usable: {d.error}"
        else:
            rewards = sum(1 for f in d.firings if f.reward)
            overs = sum(1 for f in d.firings if f.game_over)
            text = f"{len(d.rules)} rule(s); {rewards} reward(s) totalling {d.total_reward:g}; {overs} game over(s)"
            if d.skipped:
                text += f"; {d.skipped}"
        self.summary.setText(text)

    def _marks(self, which: Any) -> tuple[list[float], list[float]]:
        xs, ys = [], []
        for f in self.debug.firings:
            if not which(f):
                continue
            xs.append(f.time)
            ys.append(self._y_at(f))
        return xs, ys

    def _y_at(self, firing: Firing) -> float:
        values = self.debug.signals[firing.rule] if firing.rule < len(self.debug.signals) else ()
        finite = [v for v in values if not math.isnan(v)]
        return finite[-1] if finite else 0.0
