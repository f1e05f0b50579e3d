"""The training view: live curves, the agent's-eye view and the current action.

Bound to a :class:`~screen_agent.gui.model.TrainingModel`; it only reads the model, so it is
tested by feeding the model real trainer events.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from screen_agent.gui.model import TrainingModel
from screen_agent.gui.region_picker import numpy_to_qimage

REDRAW_MS = 100
"""Shortest time between two redraws of the curves, milliseconds."""
PLOTS_PER_REDRAW = 1
"""Plots redrawn at once (each takes 10-20 ms on a software-rendered screen)."""
STAGGER_MS = 20
"""Pause before redrawing the next plots, so input and timers run in between."""
EYE_PIXELS = 126
"""Side of each 84x84 frame as shown (1.5 times larger)."""

PLOTS = (
    ("return", "Episode return"),
    ("loss", "Loss"),
    ("q_mean", "Mean Q"),
    ("epsilon", "Epsilon"),
    ("decisions_per_second", "Decisions / s"),
    ("lateness_ms_p99", "Lateness p99 (ms)"),
)
STAT_PLOTS = tuple(key for key, _ in PLOTS[1:])


class TrainingView(QWidget):
    """Curves of a training run and what the agent sees."""

    def __init__(self, model: TrainingModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        grid = QGridLayout()
        self.plots: dict[str, pg.PlotWidget] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        for i, (key, title) in enumerate(PLOTS):
            plot = pg.PlotWidget(background="#18181c", title=title)
            for side in ("left", "bottom"):
                # Axes are most of a plot's redraw: one level of ticks, no SI rescaling and
                # no grid halve it (about 11 -> 6 ms a plot on Xvfb).
                axis = plot.getAxis(side)
                axis.enableAutoSIPrefix(False)
                axis.setStyle(maxTickLevel=1, maxTextLevel=1)
            plot.setMinimumHeight(100)
            # Cheap to draw however long the run: only what is visible, thinned to the pixels.
            plot.setClipToView(True)
            plot.setDownsampling(auto=True, mode="peak")
            self.plots[key] = plot
            self.curves[key] = plot.plot([], [], pen=pg.mkPen("#4fa3ff", width=1.5))
            grid.addWidget(plot, i // 2, i % 2)
        self.plots["return"].setLabel("bottom", "step")
        self.rolling = self.plots["return"].plot([], [], pen=pg.mkPen("#ffc828", width=2.5))

        self.eyes = []
        eyes_row = QHBoxLayout()
        for _ in range(4):
            label = QLabel()
            label.setFixedSize(EYE_PIXELS, EYE_PIXELS)
            label.setStyleSheet("background: #000;")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            eyes_row.addWidget(label)
            self.eyes.append(label)
        eyes_row.addStretch()
        self.action = QLabel("action: –")
        self.action.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.summary = QLabel("Not training.")
        for label in (self.action, self.summary):
            # A label as wide as its text would resize the whole tab (and repaint all six
            # plots) whenever the text grows; these take the width they are given.
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        info = QVBoxLayout()
        info.addWidget(QLabel("Agent's-eye view (oldest → newest)"))
        info.addLayout(eyes_row)
        info.addWidget(self.action)
        info.addWidget(self.summary)

        layout = QVBoxLayout(self)
        layout.addLayout(grid, 1)
        layout.addLayout(info)

        # Events may come faster than it is worth drawing: redraws are coalesced, at most one
        # per REDRAW_MS, so a burst of events never stalls the GUI thread.
        self._dirty: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(lambda: self.flush())
        model.episode_added.connect(lambda _e: self._mark("return", "summary"))
        model.stats_added.connect(lambda _e: self._mark(*STAT_PLOTS, "summary"))
        model.frame_changed.connect(lambda _e: self._mark("frame"))
        model.state_changed.connect(lambda _s: self._mark("summary"))
        model.paused.connect(lambda _m: self._mark("summary"))
        model.cleared.connect(self.redraw_all)
        self.redraw_all()

    def prewarm(self, size: QSize) -> None:
        """Lay the view out at ``size`` and paint it into a throwaway pixmap, while hidden:
        pyqtgraph caches each axis' drawing, so showing the view later costs a replay of
        those caches, not a layout and six plots drawn from scratch."""
        if size.isEmpty():
            return
        self.resize(size)
        self.grab()

    def _mark(self, *parts: str) -> None:
        self._dirty.update(parts)
        if not self._timer.isActive():
            self._timer.start(REDRAW_MS)

    def flush(self, plots: int = PLOTS_PER_REDRAW) -> None:
        """Redraw what changed; at most ``plots`` plots at a time (drawing a plot's axes is
        the slow part), the rest a moment later, so no redraw holds the GUI thread long."""
        if "frame" in self._dirty:
            self._dirty.discard("frame")
            self.redraw_frame()
        if "summary" in self._dirty:
            self._dirty.discard("summary")
            self.redraw_summary()
        for key, _ in PLOTS:
            if plots <= 0:
                break
            if key in self._dirty:
                self._dirty.discard(key)
                self.redraw_plot(key)
                plots -= 1
        if self._dirty and not self._timer.isActive():
            self._timer.start(STAGGER_MS)

    def flush_all(self) -> None:
        """Redraw everything pending now (for tests and screenshots)."""
        self._timer.stop()
        self.flush(plots=len(PLOTS))

    def redraw_all(self) -> None:
        for key, _ in PLOTS:
            self.redraw_plot(key)
        self.redraw_frame()
        self.redraw_summary()

    def redraw_plot(self, key: str) -> None:
        m = self.model
        if key == "return":
            steps = np.fromiter(m.episode_steps, dtype=float)
            self.curves["return"].setData(steps, np.fromiter(m.returns, dtype=float))
            self.rolling.setData(steps, np.fromiter(m.rolling_mean, dtype=float))
        else:
            steps = np.fromiter(m.stat_steps, dtype=float)
            values = np.fromiter(m.stats[key], dtype=float)
            self.curves[key].setData(steps, values, connect="finite")

    def redraw_frame(self) -> None:
        event = self.model.frame
        if event is None:
            for label in self.eyes:
                label.clear()
            self.action.setText("action: –")
            return
        for label, frame in zip(self.eyes, event.frames, strict=False):
            grey = np.ascontiguousarray(np.repeat(frame[:, :, None], 3, axis=2))
            pixmap = QPixmap.fromImage(numpy_to_qimage(grey))
            label.setPixmap(
                pixmap.scaled(
                    EYE_PIXELS,
                    EYE_PIXELS,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.FastTransformation,
                )
            )
        self.action.setText(f"action: {event.action}")

    def redraw_summary(self) -> None:
        m = self.model
        run = [f"state: {m.state}"]
        if m.last_stats is not None:
            run.append(f"step: {m.last_stats.step}")
            run.append(f"epsilon: {m.last_stats.epsilon:.3f}")
        if m.pause_message:
            # The core's messages start with "paused: " already.
            run.append(f"acting paused: {m.pause_message.removeprefix('paused: ')}")
        episodes = [f"episodes: {m.episodes}"]
        if m.returns:
            episodes.append(f"last return: {m.returns[-1]:g}")
            episodes.append(f"mean of last {min(len(m.returns), 20)}: {m.rolling_mean[-1]:.2f}")
        # Two short lines rather than one that the tab's width would cut.
        self.summary.setText("   ".join(run) + "\n" + "   ".join(episodes))
        # The line may be cut at the tab's width (the label never widens the tab): all of it
        # is in the tooltip, and the live view shows the pause message wrapped.
        self.summary.setToolTip(m.pause_message or "")
