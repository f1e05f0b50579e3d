"""The reward editor and its live debugger.

:class:`RewardEditor` edits the profile's ``[[rewards]]`` tables: a list of rules and a form
for the selected one (kind, region, reward, game over, then the kind's own keys, each written
as a TOML value), a one-click template capture from the live frame, and digit calibration
(type the number shown; the glyphs of the score region are learnt and saved next to the
profile). Every edit rebuilds the rules, so a mistake shows at once with the reader's own
message.

:class:`RewardDebugger` plots each rule's signal as the frames arrive (a pyqtgraph strip
chart) and marks every reward (green) and game over (red) as it fires.
"""

from __future__ import annotations

import math
import tomllib
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from screen_agent.gui.model import Firing, ProfileModel, RewardDebugModel
from screen_agent.profile import dumps_toml

KIND_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "score_change": (("settle_frames", "2"), ("tolerance", "0")),
    "digits": (
        ("settle_frames", "2"),
        ("digits", '{ style = "seven_segment", char_width = 31, char_height = 56, thickness = 7 }'),
    ),
    "range": (
        ("colour", "[255, 90, 90]"),
        ("tolerance", "30"),
        ("fraction", "[0.05, 1.0]"),
        ("intensity", "[200, 255] (instead of colour and fraction)"),
        ("trigger", '"enter"'),
        ("settle_frames", "2"),
    ),
    "template": (
        ("image", '"capture with the button"'),
        ("threshold", "0.8"),
        ("trigger", '"enter"'),
        ("settle_frames", "2"),
    ),
    "frozen": (("seconds", "5"), ("tolerance", "0")),
}
"""Each kind's own keys and a hint of their value (see calibration/README.md)."""

DEFAULT_RULES: dict[str, dict[str, Any]] = {
    "score_change": {"settle_frames": 2},
    "digits": {"digits": {"style": "templates", "file": "digits.npz"}},
    "range": {"colour": [255, 90, 90], "tolerance": 30, "fraction": [0.05, 1.0], "game_over": True},
    "template": {"threshold": 0.8, "game_over": True},
    "frozen": {"seconds": 5.0},
}
"""What a new rule of each kind starts with."""


def toml_value(text: str) -> Any:
    """Parse one TOML value (``2``, ``[1, 2]``, ``"enter"``, ``{ a = 1 }``); ValueError if bad."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"not a TOML value: {text!r} ({error})") from None


def format_value(value: Any) -> str:
    """A value as TOML text (the inverse of :func:`toml_value`)."""
    return dumps_toml({"v": value}).strip()[len("v = ") :]


def rule_summary(table: dict[str, Any]) -> str:
    kind = table.get("kind", "?")
    what = []
    if table.get("reward") not in (None, 0):
        what.append(
            f"reward {table['reward']:g}" if isinstance(table["reward"], int | float) else "reward"
        )
    if table.get("game_over"):
        what.append("game over")
    return f"{kind} on {table.get('region', '?')}" + (f" → {', '.join(what)}" if what else "")


class RewardEditor(QWidget):
    """Edits ``model.rewards``; :meth:`set_frame` gives it the live frame for captures."""

    def __init__(
        self,
        model: ProfileModel,
        debug: RewardDebugModel | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.debug = debug
        self.frame: np.ndarray | None = None
        self.frame_origin = (0, 0)
        self._updating = False

        self.rules = QListWidget()
        self.rules.currentRowChanged.connect(self._show_rule)
        self.new_kind = QComboBox()
        self.new_kind.addItems(list(KIND_KEYS))
        self.add_button = QPushButton("Add rule")
        self.add_button.clicked.connect(self.add_rule)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_rule)

        self.kind = QComboBox()
        self.kind.addItems(list(KIND_KEYS))
        self.kind.currentTextChanged.connect(self._kind_edited)
        self.region = QComboBox()
        self.region.currentTextChanged.connect(lambda text: self._edit(region=text or None))
        self.reward = QDoubleSpinBox()
        self.reward.setRange(-1000, 1000)
        self.reward.setDecimals(2)
        self.reward.valueChanged.connect(lambda v: self._edit(reward=_plain(v)))
        self.game_over = QCheckBox("ends the game")
        self.game_over.toggled.connect(lambda on: self._edit(game_over=on))
        self.form = QFormLayout()
        self.form.addRow("Kind", self.kind)
        self.form.addRow("Region", self.region)
        self.form.addRow("Reward", self.reward)
        self.form.addRow("Game over", self.game_over)
        self.params: dict[str, QLineEdit] = {}
        self.params_form = QFormLayout()

        self.capture_button = QPushButton("Capture template")
        self.capture_button.setToolTip(
            "Save the rule's region of the live frame as its reference image"
        )
        self.capture_button.clicked.connect(self.capture_template)
        self.digit_value = QSpinBox()
        self.digit_value.setRange(-99999, 999999)
        self.digit_value.setToolTip("The number the score region shows now")
        self.calibrate_button = QPushButton("Calibrate digits")
        self.calibrate_button.setToolTip(
            "Learn the digits' shapes from the live frame and the number entered"
        )
        self.calibrate_button.clicked.connect(
            lambda: self.calibrate_digits(self.digit_value.value())
        )
        self.status = QLabel()
        self.status.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(self.new_kind)
        top.addWidget(self.add_button)
        top.addWidget(self.remove_button)
        tools = QHBoxLayout()
        tools.addWidget(self.capture_button)
        tools.addWidget(QLabel("Shown:"))
        tools.addWidget(self.digit_value)
        tools.addWidget(self.calibrate_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.rules, 1)
        layout.addLayout(self.form)
        layout.addLayout(self.params_form)
        layout.addLayout(tools)
        layout.addWidget(self.status)

        model.rewards_changed.connect(self.refresh)
        model.regions_changed.connect(self.refresh)
        self.refresh()

    # -- model -> widget
    def refresh(self) -> None:
        self._updating = True
        row = self.rules.currentRow()
        self.rules.clear()
        for table in self.model.rewards:
            self.rules.addItem(rule_summary(table))
        self.region.clear()
        self.region.addItems(list(self.model.regions))
        if self.model.rewards:
            self.rules.setCurrentRow(min(max(row, 0), len(self.model.rewards) - 1))
        self._updating = False
        self._show_rule(self.rules.currentRow())
        self._validate()

    def _show_rule(self, row: int) -> None:
        if self._updating:
            return
        self._updating = True
        has = 0 <= row < len(self.model.rewards)
        for w in (self.kind, self.region, self.reward, self.game_over, self.remove_button):
            w.setEnabled(has)
        table = self.model.rewards[row] if has else {}
        kind = table.get("kind", "score_change")
        self.kind.setCurrentText(kind)
        self.region.setCurrentText(str(table.get("region", "")))
        reward = table.get("reward", 1.0 if kind in ("score_change", "digits") else 0.0)
        self.reward.setValue(float(reward) if isinstance(reward, int | float) else 0.0)
        self.game_over.setChecked(bool(table.get("game_over", kind == "frozen")))
        while self.params_form.rowCount():
            self.params_form.removeRow(0)
        self.params = {}
        if has:
            for key, hint in KIND_KEYS.get(kind, ()):
                edit = QLineEdit(format_value(table[key]) if key in table else "")
                edit.setPlaceholderText(hint)
                edit.editingFinished.connect(
                    lambda key=key, edit=edit: self._param_edited(key, edit)
                )
                self.params[key] = edit
                self.params_form.addRow(key, edit)
        self.capture_button.setEnabled(has and kind == "template")
        self.calibrate_button.setEnabled(has and kind == "digits")
        self.digit_value.setEnabled(has and kind == "digits")
        self._updating = False

    def _validate(self) -> None:
        from screen_agent.errors import UserError
        from screen_agent.reward import build_rules

        rects = {n: (r.x, r.y, r.width, r.height) for n, r in self.model.regions.items()}
        try:
            build_rules(
                self.model.rewards,
                rects,
                str(self.model.path or self.model.directory / "profile.toml"),
            )
        except UserError as error:
            self.set_status(str(error), error=True)
            return
        self.set_status(
            f"{len(self.model.rewards)} rule(s), all valid"
            if self.model.rewards
            else "No rules yet: add one."
        )

    def set_status(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #d03030;" if error else "")

    # -- widget -> model
    def current(self) -> int | None:
        row = self.rules.currentRow()
        return row if 0 <= row < len(self.model.rewards) else None

    def _edit(self, **fields: Any) -> None:
        row = self.current()
        if self._updating or row is None:
            return
        self.model.update_rule(row, **fields)

    def _kind_edited(self, kind: str) -> None:
        row = self.current()
        if self._updating or row is None or self.model.rewards[row].get("kind") == kind:
            return
        table = {
            "kind": kind,
            "region": self.model.rewards[row].get("region", "score"),
        } | DEFAULT_RULES[kind]
        self.model.set_rule(row, table)

    def _param_edited(self, key: str, edit: QLineEdit) -> None:
        text = edit.text().strip()
        if self._updating:
            return
        try:
            value = toml_value(text) if text else None
        except ValueError as error:
            self.set_status(f"{key}: {error}", error=True)
            return
        row = self.current()
        if row is not None and self.model.rewards[row].get(key) != value:
            self.model.update_rule(row, **{key: value})

    def add_rule(self, kind: str | None = None) -> int:
        kind = kind or self.new_kind.currentText()
        region = (
            "score" if "score" in self.model.regions else next(iter(self.model.regions), "score")
        )
        if kind in ("range", "template") and "game_over" in self.model.regions:
            region = "game_over"
        if kind == "frozen" and "game" in self.model.regions:
            region = "game"
        index = self.model.add_rule({"kind": kind, "region": region} | DEFAULT_RULES[kind])
        self.rules.setCurrentRow(index)
        return index

    def remove_rule(self) -> None:
        row = self.current()
        if row is not None:
            self.model.remove_rule(row)

    # -- captures from the live frame
    def set_frame(self, pixels: np.ndarray, origin: tuple[int, int] = (0, 0)) -> None:
        """The latest frame of the area the regions are measured in (origin: its top-left)."""
        self.frame = pixels
        self.frame_origin = origin

    def _crop(self, region_name: str) -> np.ndarray | None:
        if self.frame is None:
            self.set_status("No live frame yet: start the game and pick its regions.", error=True)
            return None
        r = self.model.regions.get(region_name)
        if r is None:
            self.set_status(f"No region named {region_name!r}.", error=True)
            return None
        x, y = r.x - self.frame_origin[0], r.y - self.frame_origin[1]
        h, w = self.frame.shape[:2]
        if x < 0 or y < 0 or x + r.width > w or y + r.height > h:
            self.set_status(f"The {region_name} region is not inside the live frame.", error=True)
            return None
        return self.frame[y : y + r.height, x : x + r.width].copy()

    def capture_template(self) -> str | None:
        """Save the selected template rule's region of the live frame; returns the file name."""
        from screen_agent.reward import save_image

        row = self.current()
        if row is None:
            return None
        table = self.model.rewards[row]
        crop = self._crop(str(table.get("region")))
        if crop is None:
            return None
        name = f"{self.model.name}-{table.get('region')}-template{row}.png"
        directory = self.model.directory
        directory.mkdir(parents=True, exist_ok=True)
        save_image(directory / name, crop)
        self.model.update_rule(row, image=name)
        self.set_status(f"Captured {crop.shape[1]}x{crop.shape[0]} template to {directory / name}")
        return name

    def calibrate_digits(self, value: int) -> str | None:
        """Learn digit templates from the live frame showing ``value``; returns the file name."""
        from screen_agent.reward import DigitCalibrationError, DigitReader
        from screen_agent.reward.digits import Foreground

        row = self.current()
        if row is None:
            return None
        table = self.model.rewards[row]
        crop = self._crop(str(table.get("region")))
        if crop is None:
            return None
        digits = dict(table.get("digits") or {})
        name = digits.get("file") if digits.get("style") == "templates" else None
        name = name or f"{self.model.name}-digits.npz"
        path = self.model.directory / name
        templates = DigitReader.load_templates(path) if path.exists() else None
        colour = digits.get("colour")
        reader = DigitReader(
            templates,
            Foreground(tuple(colour) if colour else None, int(digits.get("tolerance", 40))),
        )
        try:
            report = reader.calibrate([(crop, value)])
        except DigitCalibrationError as error:
            self.set_status(str(error), error=True)
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        reader.save(path)
        keep = {k: v for k, v in digits.items() if k in ("chars", "colour", "tolerance")}
        self.model.update_rule(row, digits={"style": "templates", "file": name} | keep)
        missing = f"; still to learn: {report.missing}" if report.missing else ""
        self.set_status(f"Learnt {report.chars} from {value}{missing}")
        return name


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() else float(value)


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
