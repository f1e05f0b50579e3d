"""The reward editor's typed fields: one widget per key of a ``[[rewards]]`` rule.

The widgets follow the rules' schema (:mod:`screen_agent.profile.reward_schema`), the one
place that says which keys a kind takes, with their types, labels, tips, bounds, defaults,
units and choices: :func:`make_field` reads a key's spec and builds spin boxes for numbers
(:class:`IntField`, :class:`FloatField`), a ``[min, max]`` pair (:class:`PairField`), a
colour button (:class:`ColourField`), a drop-down of the allowed values (:class:`ChoiceField`),
a check box (:class:`BoolField`), a line for a string (:class:`StringField`) and TOML text for
a nested table (:class:`TomlField`). A key added to the schema gets its widget with no change
here. The fields only show and emit values; :mod:`screen_agent.gui.reward_editor` lays them
out and applies their edits to the model.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from typing import Any

import tomlkit
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from screen_agent.gui.colours import FAULT
from screen_agent.profile.reward_schema import KINDS, REQUIRED, Key


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""What :meth:`Field.show_value` gets for a key the rule's table leaves out."""

UNSET_TEXT = "not set"
"""What a number box shows for a key without a default that the table leaves out."""
INT_LIMIT = 2**31 - 1
"""A spin box's bound where the schema gives none (Qt's int range)."""
FLOAT_LIMIT = 1e9
"""A float spin box's bound where the schema gives none."""


def toml_value(text: str) -> Any:
    """Parse one TOML value (``2``, ``[1, 2]``, ``"enter"``, ``{ a = 1 }``); ValueError if bad."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"not a TOML value: {text!r} ({error})") from None


def _toml_item(value: Any) -> Any:
    """``value`` as a tomlkit item, tables inline (one line, as a field shows them)."""
    if isinstance(value, Mapping):
        table = tomlkit.inline_table()
        for key, item in value.items():
            table[key] = _toml_item(item)
        return table
    if isinstance(value, list | tuple):
        array = tomlkit.array()
        for item in value:
            array.append(_toml_item(item))
        return array
    return tomlkit.item(value)


def format_value(value: Any) -> str:
    """A value as one line of TOML (the inverse of :func:`toml_value`)."""
    return _toml_item(value).as_string()


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


def plain_number(value: float) -> float | int:
    """A whole number as an int (written ``2``, not ``2.0``), any other as a float."""
    return int(value) if float(value).is_integer() else float(value)


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
        self.warning.setStyleSheet(f"color: {FAULT}; font-weight: bold;")
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
        """The value to add when another key needs this one (the schema's ``needed_by``)."""
        return self.current()

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def _emit(self, *_: Any) -> None:
        self.edited.emit(self.current())


class _SpinField(Field):
    """A number key in a spin box of the valid range: what :class:`IntField` and
    :class:`FloatField` share. An absent key shows ``default``; with ``default`` None the key
    has none, and the box's minimum (below the valid values) shows "not set"."""

    def __init__(
        self,
        key: str,
        label: str,
        tip: str,
        spin: QSpinBox | QDoubleSpinBox,
        minimum: float,
        maximum: float,
        default: float | None,
        suffix: str,
        suggestion: float | None,
        unset_at: float | None,
    ) -> None:
        super().__init__(key, label, tip)
        self.default = default
        self.bounds = (minimum, maximum)
        """The valid values (inclusive)."""
        self.suggestion = suggestion if suggestion is not None else minimum
        """What :meth:`proposal` offers when the key has no default."""
        self.spin = spin
        self.spin.setRange(minimum if unset_at is None else unset_at, maximum)
        self.spin.setSuffix(suffix)
        if unset_at is not None:
            self.spin.setSpecialValueText(UNSET_TEXT)
        # One edit per finished number, not one per digit typed (each rebuilds the rules).
        self.spin.setKeyboardTracking(False)
        self.spin.valueChanged.connect(self._emit)
        self.inputs = (self.spin,)
        self._lay_out(self.spin)

    def _typed(self, number: float) -> Any:
        """``number`` as the box takes it."""
        raise NotImplementedError

    def _show(self, value: Any) -> None:
        if _is_number(value):
            number = value
        elif self.default is None:
            number = self.spin.minimum()
        else:
            number = self.default
        self.spin.setValue(self._typed(min(max(number, self.spin.minimum()), self.spin.maximum())))

    def proposal(self) -> Any:
        value = self.current()
        return self.suggestion if value is None else value


class IntField(_SpinField):
    """An integer key (``settle_frames``, ``tolerance``) in a spin box of the valid range
    ``minimum``-``maximum``. An absent key shows ``default``; with ``default`` None the key
    has none, and one step below the range shows "not set" and stands for "key absent"."""

    def __init__(
        self,
        key: str,
        label: str,
        tip: str,
        minimum: int,
        maximum: int,
        default: int | None,
        suffix: str = "",
        suggestion: int | None = None,
    ) -> None:
        unset_at = minimum - 1 if default is None else None
        super().__init__(
            key, label, tip, QSpinBox(), minimum, maximum, default, suffix, suggestion, unset_at
        )

    def _typed(self, number: float) -> int:
        return round(float(number))

    def current(self) -> int | None:
        value = self.spin.value()
        if self.default is None and value < self.bounds[0]:
            return None
        return value


class FloatField(_SpinField):
    """A number key (``threshold``, ``seconds``) in a spin box of the valid range. An absent
    key shows ``default``; with ``default`` None the key has none, and the box's minimum
    (``unset_at``, below the valid values) shows "not set" and stands for "key absent"."""

    def __init__(
        self,
        key: str,
        label: str,
        tip: str,
        minimum: float,
        maximum: float,
        step: float,
        decimals: int,
        default: float | None,
        suffix: str = "",
        unset_at: float | None = None,
        suggestion: float | None = None,
    ) -> None:
        spin = QDoubleSpinBox()
        spin.setDecimals(decimals)
        spin.setSingleStep(step)
        if default is not None:
            unset_at = None
        elif unset_at is None:
            unset_at = minimum - step
        super().__init__(
            key, label, tip, spin, minimum, maximum, default, suffix, suggestion, unset_at
        )
        self.unset_at = unset_at
        """The box's "not set" value (None: the key has a default)."""

    def _typed(self, number: float) -> float:
        return float(number)

    def current(self) -> float | None:
        value = self.spin.value()
        if self.unset_at is not None and value <= self.spin.minimum():
            return None
        return round(value, self.spin.decimals())


class BoolField(Field):
    """A true/false key as a check box; an absent key shows ``default``."""

    def __init__(self, key: str, label: str, tip: str, default: bool) -> None:
        super().__init__(key, label, tip)
        self.default = default
        self.box = QCheckBox()
        self.box.toggled.connect(self._emit)
        self.inputs = (self.box,)
        self._lay_out(self.box)

    def _show(self, value: Any) -> None:
        self.box.setChecked(value if isinstance(value, bool) else self.default)

    def current(self) -> bool:
        return self.box.isChecked()


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
        self.bounds = (float(bounds[0]), float(bounds[1]))
        """The range both ends must lie in."""
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
        return plain_number(value) if self.whole else value

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


class _LineField(Field):
    """A key as one line of text (``hint`` shown while it is empty), applied when editing
    finishes (:meth:`_finished`): what :class:`TomlField` and :class:`StringField` share."""

    def __init__(self, key: str, label: str, tip: str, hint: str = "") -> None:
        super().__init__(key, label, tip)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(hint)
        self.edit.editingFinished.connect(self._finished)
        self.inputs = (self.edit,)
        self._lay_out(self.edit, stretch=False)

    def _finished(self) -> None:
        self._emit()


class TomlField(_LineField):
    """A structured key (the ``digits`` table, the template's ``image``) as TOML text,
    applied when editing finishes; a parse error emits :attr:`invalid` instead."""

    invalid = Signal(str)

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


class StringField(_LineField):
    """A string key (a template's ``image``) as plain text, applied when editing finishes;
    empty text removes the key."""

    def _show(self, value: Any) -> None:
        self.edit.setText(value if isinstance(value, str) else "")

    def current(self) -> str | None:
        return self.edit.text().strip() or None


def suggestion(kind: str, spec: Key) -> Any:
    """A value to start a key from when the table leaves it out and it has no default: the
    kind's new rule's, else the key's example (TOML), else None."""
    new_rule = KINDS[kind].new_rule
    if spec.name in new_rule:
        return new_rule[spec.name]
    if spec.example:
        try:
            return toml_value(spec.example)
        except ValueError:
            return None
    return None


def _has_default(spec: Key) -> bool:
    return spec.default is not REQUIRED and spec.default is not None


def _optional_pair(kind: str, spec: Key) -> bool:
    """A pair the rule may leave out: it has no value by default, or it starts one of the
    alternatives a table chooses between (a range rule's ``fraction`` or ``intensity``)."""
    groups = KINDS[kind].schema.alternatives
    return spec.default is None or any(group[0] == spec.name for group in groups)


def _number_range(spec: Key, decimals: int) -> tuple[float, float]:
    """The valid values' range of a number key (``above`` made inclusive at the decimals)."""
    if spec.minimum is not None:
        low = spec.minimum
    elif spec.above is not None:
        low = spec.above + 10.0**-decimals
    else:
        low = -(INT_LIMIT if spec.type == "int" else FLOAT_LIMIT)
    high = (
        spec.maximum
        if spec.maximum is not None
        else (INT_LIMIT if spec.type == "int" else FLOAT_LIMIT)
    )
    return low, high


def make_field(kind: str, key: str) -> Field:
    """The widget for ``key`` of a ``kind`` rule, from the key's spec in the schema: its
    type, label, tip, bounds, default, unit, step, decimals and choices. KeyError for a key
    the kind does not take."""
    spec = KINDS[kind].schema.key(key)
    start = suggestion(kind, spec)
    suffix = f" {spec.unit}" if spec.unit else ""
    default = spec.default if _has_default(spec) else None
    if spec.type == "int":
        low, high = _number_range(spec, 0)
        return IntField(key, spec.label, spec.tip, int(low), int(high), default, suffix, start)
    if spec.type == "float":
        low, high = _number_range(spec, spec.decimals)
        # "Not set" sits just below the valid values: at ``above`` itself when there is one.
        unset_at = spec.above if spec.minimum is None else None
        return FloatField(
            key,
            spec.label,
            spec.tip,
            low,
            high,
            spec.step,
            spec.decimals,
            default,
            suffix,
            unset_at,
            start,
        )
    if spec.type == "bool":
        return BoolField(key, spec.label, spec.tip, bool(default))
    if spec.type == "choice":
        first = next(iter(spec.choices), "")
        return ChoiceField(key, spec.label, spec.tip, spec.choices, default or first)
    if spec.type == "colour":
        initial = start if start is not None else (255, 255, 255)
        return ColourField(key, spec.label, spec.tip, tuple(initial))  # type: ignore[arg-type]
    if spec.type == "interval":
        initial = start if start is not None else (default if default is not None else spec.span)
        return PairField(
            key,
            spec.label,
            spec.tip,
            spec.span,
            (float(initial[0]), float(initial[1])),
            spec.step,
            spec.decimals,
            whole=spec.decimals == 0,
            optional=_optional_pair(kind, spec),
        )
    if spec.type == "string":
        hint = start if isinstance(start, str) else spec.example
        return StringField(key, spec.label, spec.tip, hint)
    # A nested table (the digits' look), or a type this editor does not know: TOML text.
    return TomlField(key, spec.label, f"{spec.tip} (TOML)", spec.example)
