"""The reward editor and its live debugger.

:class:`RewardEditor` edits the profile's ``[[rewards]]`` tables: a list of rules and a form
for the selected one (kind, region, reward, game over, then the kind's own keys as typed
widgets: spin boxes for numbers, a colour button, range pairs, a trigger menu; TOML text only
for the structured ``digits`` table and the template's ``image``), a one-click template
capture from the live frame, and digit calibration (type the number shown; the glyphs of the
score region are learnt and saved next to the profile). Every edit goes through the
:class:`ProfileModel` and rebuilds the rules, so a mistake shows at once with the reader's
own message.

:class:`RewardDebugger` plots each rule's signal as the frames arrive (a pyqtgraph strip
chart) and marks every reward (green) and game over (red) as it fires.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
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
from screen_agent.reward.pixels import colour_mask
from screen_agent.reward.rules import TRIGGERS

KIND_KEYS: dict[str, tuple[str, ...]] = {
    "score_change": ("settle_frames", "tolerance"),
    "digits": ("settle_frames", "digits"),
    "range": ("colour", "tolerance", "fraction", "intensity", "trigger", "settle_frames"),
    "template": ("image", "threshold", "trigger", "settle_frames"),
    "frozen": ("seconds", "tolerance"),
}
"""Each kind's own keys, in the order the form shows them (see calibration/README.md)."""

EXCLUDES: dict[str, dict[str, tuple[str, ...]]] = {
    "range": {"intensity": ("fraction", "colour", "tolerance"), "fraction": ("intensity",)},
}
"""Keys that setting a key removes: a range rule either counts a colour (``colour``,
``tolerance``, ``fraction``) or measures ``intensity``, and the reader refuses a table with
both (the colour keys as unknown), so switching must not leave the other behind."""

NEEDS: dict[str, dict[str, tuple[str, ...]]] = {"range": {"fraction": ("colour",)}}
"""Keys without a default that setting a key adds when absent (from their widgets)."""

DEFAULT_RULES: dict[str, dict[str, Any]] = {
    "score_change": {"settle_frames": 2},
    "digits": {"digits": {"style": "templates", "file": "digits.npz"}},
    "range": {"colour": [255, 90, 90], "tolerance": 30, "fraction": [0.05, 1.0], "game_over": True},
    "template": {"threshold": 0.8, "game_over": True},
    "frozen": {"seconds": 5.0},
}
"""What a new rule of each kind starts with."""

TRIGGER_MEANINGS: dict[str, str] = {
    "enter": "once, when it starts holding",
    "while": "on every grab it holds",
}
"""What each of the reader's ``trigger`` values does; the values offered are ``rules.TRIGGERS``."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""What :meth:`Field.show_value` gets for a key the rule's table leaves out."""


def toml_value(text: str) -> Any:
    """Parse one TOML value (``2``, ``[1, 2]``, ``"enter"``, ``{ a = 1 }``); ValueError if bad."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"not a TOML value: {text!r} ({error})") from None


def format_value(value: Any) -> str:
    """A value as TOML text (the inverse of :func:`toml_value`)."""
    # One level down: dumps_toml writes a top-level table as a [section], a nested one inline.
    return dumps_toml({"t": {"v": value}}).split("\nv = ", 1)[1].rstrip("\n")


def _text(value: Any) -> str:
    """A value as TOML text for a message, or its repr if TOML cannot hold it."""
    try:
        return format_value(value)
    except (TypeError, ValueError):
        return repr(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _same(a: Any, b: Any) -> bool:
    """Equal as the reader sees it: numbers to within rounding, lists and tuples alike."""
    if _is_number(a) and _is_number(b):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


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


# --- one widget per key -----------------------------------------------------------------------
class Field(QWidget):
    """One key of a rule's table as a widget, in a form row under :attr:`label`.

    :meth:`show_value` puts the model's value in without emitting (model -> widget); a user's
    change emits :attr:`edited` with the new value, None meaning "remove the key" (widget ->
    model). A value in the file the widget cannot show exactly (an unknown trigger, more
    decimals than the box has, a string for a number) is flagged with a red "!" whose tooltip
    says what the file holds; the reader's own message is in the editor's status line.
    """

    edited = Signal(object)

    def __init__(self, key: str, label: str, tip: str) -> None:
        super().__init__()
        self.key = key
        self.tip = f"{key}: {tip}"
        self.label = QLabel(label)
        self.label.setToolTip(self.tip)
        self.setToolTip(self.tip)
        self.inputs: tuple[QWidget, ...] = ()
        self.warning = QLabel("!")
        self.warning.setStyleSheet("color: #d03030; font-weight: bold;")
        self.warning.hide()
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)

    def _lay_out(self, *widgets: QWidget, stretch: bool = True) -> None:
        for widget in widgets:
            self._row.addWidget(widget)
        self._row.addWidget(self.warning)
        if stretch:  # spin boxes keep their natural width instead of spanning the form
            self._row.addStretch(1)

    def label_widget(self) -> QWidget:
        """What the form shows left of the field."""
        return self.label

    def show_value(self, value: Any) -> None:
        """Show the table's value (MISSING: the key is absent) without emitting ``edited``."""
        for widget in self.inputs:
            widget.blockSignals(True)
        try:
            self._show(value)
        finally:
            for widget in self.inputs:
                widget.blockSignals(False)
        shown = self.current()
        problem = None
        if value is not MISSING and not _same(shown, value):
            problem = (
                f"The profile has {self.key} = {_text(value)}, which this field cannot show; "
                f"an edit here writes what it shows ({_text(shown)})."
            )
        self.mark(problem)

    def mark(self, problem: str | None) -> None:
        """Flag (or clear) a problem with the value, explained in the flag's tooltip."""
        self.warning.setVisible(problem is not None)
        self.warning.setToolTip(problem or "")

    def set_excluded(self, excluded: bool, why: str = "") -> None:
        """Grey the field out while another key rules it out (it is then not in the table)."""
        self.setEnabled(not excluded)
        self.label.setEnabled(not excluded)
        self.setToolTip(f"{self.tip} (not used: {why})" if excluded else self.tip)

    def current(self) -> Any:
        """The value the field shows, as it would be written (None: the key left out)."""
        raise NotImplementedError

    def proposal(self) -> Any:
        """The value to add when another key needs this one (see :data:`NEEDS`)."""
        return self.current()

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def _emit(self, *_: Any) -> None:
        self.edited.emit(self.current())


class IntField(Field):
    """An integer key (``settle_frames``, ``tolerance``) in a spin box; absent shows the
    reader's default."""

    def __init__(
        self,
        key: str,
        label: str,
        tip: str,
        minimum: int,
        maximum: int,
        default: int,
        suffix: str = "",
    ) -> None:
        super().__init__(key, label, tip)
        self.default = default
        self.spin = QSpinBox()
        self.spin.setRange(minimum, maximum)
        self.spin.setSuffix(suffix)
        # One edit per finished number, not one per digit typed (each rebuilds the rules).
        self.spin.setKeyboardTracking(False)
        self.spin.valueChanged.connect(self._emit)
        self.inputs = (self.spin,)
        self._lay_out(self.spin)

    def _show(self, value: Any) -> None:
        number = value if _is_number(value) else self.default
        self.spin.setValue(int(min(max(round(number), self.spin.minimum()), self.spin.maximum())))

    def current(self) -> int:
        return self.spin.value()


class FloatField(Field):
    """A number key (``threshold``, ``seconds``) in a spin box. With ``unset_text``, the
    minimum stands for "key absent" (for a required key whose minimum the reader refuses)."""

    def __init__(
        self,
        key: str,
        label: str,
        tip: str,
        minimum: float,
        maximum: float,
        step: float,
        decimals: int,
        default: float,
        suffix: str = "",
        unset_text: str | None = None,
    ) -> None:
        super().__init__(key, label, tip)
        self.default = default
        self.unset_text = unset_text
        self.spin = QDoubleSpinBox()
        self.spin.setRange(minimum, maximum)
        self.spin.setSingleStep(step)
        self.spin.setDecimals(decimals)
        self.spin.setSuffix(suffix)
        if unset_text is not None:
            self.spin.setSpecialValueText(unset_text)
        self.spin.setKeyboardTracking(False)
        self.spin.valueChanged.connect(self._emit)
        self.inputs = (self.spin,)
        self._lay_out(self.spin)

    def _show(self, value: Any) -> None:
        if _is_number(value):
            number = float(value)
        elif self.unset_text is not None:
            number = self.spin.minimum()
        else:
            number = self.default
        self.spin.setValue(min(max(number, self.spin.minimum()), self.spin.maximum()))

    def current(self) -> float | None:
        value = self.spin.value()
        if self.unset_text is not None and value <= self.spin.minimum():
            return None
        return round(value, self.spin.decimals())


class PairField(Field):
    """A ``[min, max]`` key (``fraction``, ``intensity``) as two spin boxes; ``optional`` puts
    a check box in the label column that adds or removes the key."""

    def __init__(
        self,
        key: str,
        label: str,
        tip: str,
        bounds: tuple[float, float],
        initial: tuple[float, float],
        step: float,
        decimals: int,
        whole: bool = False,
        optional: bool = False,
    ) -> None:
        super().__init__(key, label, tip)
        self.whole = whole
        self.low = QDoubleSpinBox()
        self.high = QDoubleSpinBox()
        for spin, value, name in ((self.low, initial[0], "min"), (self.high, initial[1], "max")):
            spin.setRange(*bounds)
            spin.setSingleStep(step)
            spin.setDecimals(decimals)
            spin.setValue(value)
            spin.setKeyboardTracking(False)
            spin.setToolTip(f"{key} {name}")
            spin.valueChanged.connect(self._emit)
        self.enabled: QCheckBox | None = None
        self.inputs = (self.low, self.high)
        if optional:
            self.enabled = QCheckBox(label)
            self.enabled.setToolTip(f"{self.tip} (unchecked: the key is left out)")
            self.enabled.toggled.connect(self._toggled)
            self.inputs = (self.low, self.high, self.enabled)
        self._lay_out(self.low, QLabel("to"), self.high)

    def label_widget(self) -> QWidget:
        return self.enabled or self.label

    def _toggled(self, _on: bool) -> None:
        self._sync()
        self._emit()

    def _sync(self) -> None:
        on = self.enabled is None or self.enabled.isChecked()
        self.low.setEnabled(on)
        self.high.setEnabled(on)

    def _show(self, value: Any) -> None:
        if self.enabled is not None:
            self.enabled.setChecked(value is not MISSING)
        if isinstance(value, list | tuple) and len(value) == 2 and all(map(_is_number, value)):
            self.low.setValue(float(value[0]))
            self.high.setValue(float(value[1]))
        self._sync()

    def _number(self, spin: QDoubleSpinBox) -> float | int:
        value = round(spin.value(), spin.decimals())
        return _plain(value) if self.whole else value

    def current(self) -> list[float | int] | None:
        if self.enabled is not None and not self.enabled.isChecked():
            return None
        return [self._number(self.low), self._number(self.high)]

    def proposal(self) -> list[float | int]:
        return [self._number(self.low), self._number(self.high)]

    def set_excluded(self, excluded: bool, why: str = "") -> None:
        if self.enabled is None:
            super().set_excluded(excluded, why)
        # An optional pair's check box is itself the switch: checking it removes the others.


class ColourField(Field):
    """An ``[r, g, b]`` key as a swatch button that opens a colour dialog, and a button asking
    the editor (:attr:`sample_requested`) for the region's colour in the live frame."""

    sample_requested = Signal()

    def __init__(self, key: str, label: str, tip: str, initial: tuple[int, int, int]) -> None:
        super().__init__(key, label, tip)
        self.colour = initial
        self.is_set = False
        self.button = QPushButton()
        self.button.clicked.connect(self._ask)
        self.sample = QPushButton("From region")
        self.sample.setToolTip(
            "Set the colour to the mean colour of the rule's region in the live frame"
        )
        self.sample.clicked.connect(self.sample_requested.emit)
        self.ask: Callable[[QColor, QWidget], QColor] = lambda initial, parent: (
            QColorDialog.getColor(initial, parent, "Colour to count")
        )
        """Asks the user for a colour (an invalid QColor: cancelled); tests replace it."""
        self.inputs = (self.button, self.sample)
        self._lay_out(self.button, self.sample)
        self._paint()

    def _paint(self) -> None:
        if self.is_set:
            swatch = QPixmap(28, 14)
            swatch.fill(QColor(*self.colour))
            self.button.setIcon(QIcon(swatch))
            self.button.setText("{}, {}, {}".format(*self.colour))
        else:
            self.button.setIcon(QIcon())
            self.button.setText("not set: choose…")

    def _show(self, value: Any) -> None:
        self.is_set = value is not MISSING
        if (
            isinstance(value, list | tuple)
            and len(value) == 3
            and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in value)
        ):
            self.colour = (int(value[0]), int(value[1]), int(value[2]))
        self._paint()

    def _ask(self) -> None:
        chosen = self.ask(QColor(*self.colour), self)
        if chosen.isValid():
            self.choose((chosen.red(), chosen.green(), chosen.blue()))

    def choose(self, rgb: tuple[int, int, int]) -> None:
        """Show ``rgb`` (0-255 each) and emit it, as a pick in the dialog does."""
        self.colour = (int(rgb[0]), int(rgb[1]), int(rgb[2]))
        self.is_set = True
        self._paint()
        self._emit()

    def current(self) -> list[int] | None:
        return list(self.colour) if self.is_set else None

    def proposal(self) -> list[int]:
        return list(self.colour)


class ChoiceField(Field):
    """A key with a few allowed strings (``trigger``) in a drop-down; absent shows the
    reader's default."""

    def __init__(
        self, key: str, label: str, tip: str, choices: Mapping[str, str], default: str
    ) -> None:
        super().__init__(key, label, tip)
        self.default = default
        self.combo = QComboBox()
        for i, (value, meaning) in enumerate(choices.items()):
            self.combo.addItem(f"{value}: {meaning}", value)
            self.combo.setItemData(i, meaning, Qt.ItemDataRole.ToolTipRole)
        self.combo.currentIndexChanged.connect(self._emit)
        self.inputs = (self.combo,)
        self._lay_out(self.combo)

    def _show(self, value: Any) -> None:
        index = self.combo.findData(value) if isinstance(value, str) else -1
        self.combo.setCurrentIndex(index if index >= 0 else self.combo.findData(self.default))

    def current(self) -> str:
        return str(self.combo.currentData())


class TomlField(Field):
    """A structured key (the ``digits`` table, the template's ``image``) as TOML text,
    applied when editing finishes; a parse error emits :attr:`invalid` instead."""

    invalid = Signal(str)

    def __init__(self, key: str, label: str, tip: str, hint: str) -> None:
        super().__init__(key, label, tip)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(hint)
        self.edit.editingFinished.connect(self._finished)
        self.inputs = (self.edit,)
        self._lay_out(self.edit, stretch=False)

    def _show(self, value: Any) -> None:
        self.edit.setText("" if value is MISSING else _text(value))
        self.edit.setCursorPosition(0)  # a long table shows its start (the style)

    def current(self) -> Any:
        text = self.edit.text().strip()
        try:
            return toml_value(text) if text else None
        except ValueError:
            return text

    def _finished(self) -> None:
        text = self.edit.text().strip()
        try:
            value = toml_value(text) if text else None
        except ValueError as error:
            self.mark(str(error))
            self.invalid.emit(str(error))
            return
        self.mark(None)
        self.edited.emit(value)


SETTLE_TIP = "grabs in a row the condition must hold before it counts (1 = at once)"
TOLERANCE_TIPS = {
    "score_change": "per-channel difference (0-255) up to which a pixel counts as unchanged",
    "range": "per-channel distance (0-255) within which a pixel counts as the colour",
    "frozen": "per-channel difference (0-255) up to which a pixel counts as unchanged",
}


def make_field(kind: str, key: str) -> Field:
    """The widget for ``key`` of a ``kind`` rule, with the reader's type, bounds and default
    (``screen_agent/reward/rules.py``, ``digits_rule.py``)."""
    if key == "settle_frames":
        return IntField(key, "Settle", SETTLE_TIP, 1, 600, 2, " grabs")
    if key == "tolerance":
        default = 30 if kind == "range" else 0
        return IntField(key, "Tolerance", TOLERANCE_TIPS[kind], 0, 255, default)
    if key == "colour":
        return ColourField(key, "Colour", "the RGB to count (0-255 each)", (255, 90, 90))
    if key == "fraction":
        tip = "fires while this share (0-1) of the region's pixels is near the colour"
        return PairField(key, "Fraction", tip, (0, 1), (0.05, 1.0), 0.01, 3, optional=True)
    if key == "intensity":
        tip = "fires while the region's mean grey (0-255) is in range; instead of colour"
        return PairField(
            key, "Intensity", tip, (0, 255), (200, 255), 1, 1, whole=True, optional=True
        )
    if key == "trigger":
        choices = {
            value: TRIGGER_MEANINGS.get(value, "") for value in TRIGGERS
        }  # the reader's list
        return ChoiceField(key, "Trigger", "when the rule fires", choices, "enter")
    if key == "threshold":
        tip = "normalised correlation (0-1) at which the reference counts as found"
        return FloatField(key, "Threshold", tip, 0, 1, 0.05, 2, 0.8)
    if key == "seconds":
        tip = "how long the region must stay unchanged, in seconds"
        return FloatField(key, "Seconds", tip, 0, 3600, 0.5, 2, 5.0, " s", "not set")
    if key == "digits":
        tip = 'how the characters look, a TOML table; style = "templates" or "seven_segment"'
        hint = '{ style = "seven_segment", char_width = 31, char_height = 56, thickness = 7 }'
        return TomlField(key, "Digits", tip, hint)
    if key == "image":
        tip = "the reference PNG, relative to the profile, as a TOML string"
        return TomlField(key, "Image", tip, '"capture it with the Capture template button"')
    raise KeyError(f"no widget for {kind}.{key}")


# --- the editor -------------------------------------------------------------------------------
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
        self._status_error = False

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

        # Every kind's fields, built once as rows of the same form (so the labels line up) and
        # shown for the selected rule's kind: a refresh only sets their values, so a spin box
        # being edited keeps its focus while every step rebuilds the rules.
        self.fields: dict[str, dict[str, Field]] = {}
        for kind, keys in KIND_KEYS.items():
            self.fields[kind] = {}
            for key in keys:
                field = make_field(kind, key)
                field.edited.connect(lambda value, key=key: self._field_edited(key, value))
                if isinstance(field, TomlField):
                    field.invalid.connect(
                        lambda message, key=key: self.set_status(f"{key}: {message}", error=True)
                    )
                if isinstance(field, ColourField):
                    field.sample_requested.connect(self.sample_colour)
                self.form.addRow(field.label_widget(), field)
                self.form.setRowVisible(field, False)
                self.fields[kind][key] = field

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
        layout.addLayout(tools)
        layout.addWidget(self.status)

        model.rewards_changed.connect(self.refresh)
        model.regions_changed.connect(self.refresh)
        self.refresh()

    @property
    def params(self) -> dict[str, Field]:
        """The selected rule's own fields by key (empty when no rule is selected)."""
        row = self.current()
        if row is None:
            return {}
        return self.fields.get(str(self.model.rewards[row].get("kind")), {})

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
        for name, fields in self.fields.items():
            for field in fields.values():
                self.form.setRowVisible(field, has and name == kind)
        if has and kind in self.fields:
            excludes = EXCLUDES.get(kind, {})
            for key, field in self.fields[kind].items():
                field.show_value(table.get(key, MISSING))
                by = [other for other, keys in excludes.items() if key in keys and other in table]
                field.set_excluded(bool(by), f"the rule uses {' and '.join(by)}")
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
        self._status_error = error

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

    def _field_edited(self, key: str, value: Any) -> None:
        """A field's new value (None: remove the key), with the keys it rules out removed and
        the keys it needs added, as one model update."""
        row = self.current()
        if self._updating or row is None:
            return
        table = self.model.rewards[row]
        kind = str(table.get("kind"))
        changes = {key: value}
        if value is not None:
            for other in EXCLUDES.get(kind, {}).get(key, ()):
                changes[other] = None
            for other in NEEDS.get(kind, {}).get(key, ()):
                if other not in table and other in self.fields.get(kind, {}):
                    changes[other] = self.fields[kind][other].proposal()
        # A table never holds None (TOML has no null), so get() == None means "absent".
        if all(table.get(k) == v for k, v in changes.items()):
            return  # nothing new (a line edit losing focus, a value set back)
        self.model.update_rule(row, **changes)

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

    def sample_colour(self) -> tuple[int, int, int] | None:
        """Set the selected range rule's colour to the mean colour (RGB 0-255) of its region
        in the live frame, and say what share of the region lies within tolerance of it."""
        row = self.current()
        if row is None or self.model.rewards[row].get("kind") != "range":
            return None
        region = str(self.model.rewards[row].get("region"))
        crop = self._crop(region)
        if crop is None:
            return None
        r, g, b = (int(v) for v in np.rint(crop.reshape(-1, 3).mean(axis=0)))
        rgb = (r, g, b)
        colour = self.fields["range"]["colour"]
        assert isinstance(colour, ColourField)
        colour.choose(rgb)  # emits: the edit goes through the model like a pick in the dialog
        if not self._status_error:
            tolerance = int(self.fields["range"]["tolerance"].current())
            share = float(colour_mask(crop, rgb, tolerance).mean())
            self.set_status(
                f"Colour set to the mean of {region}, {rgb[0]}, {rgb[1]}, {rgb[2]}: {share:.0%} "
                f"of its pixels are within tolerance {tolerance} of it now."
            )
        return rgb

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
