"""The reward editor.

:class:`RewardEditor` edits the profile's ``[[rewards]]`` tables: a list of rules and a form
for the selected one (kind, region, reward, game over, then the kind's own keys as the typed
widgets of :mod:`screen_agent.gui.reward_fields`, made from the rules' schema: spin boxes for
numbers, a colour button, range pairs, a trigger menu, a file name; TOML text only for the
structured ``digits`` table), a one-click template capture from the live frame, and digit calibration
(type the number shown; the glyphs of the score region are learnt and saved next to the
profile). Every edit goes through the :class:`ProfileModel` and rebuilds the rules, so a
mistake shows at once with the reader's own message.

The live plot of each rule's signal is :class:`screen_agent.gui.reward_debugger.RewardDebugger`.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from screen_agent.gui.colours import FAULT
from screen_agent.gui.model import ProfileModel, RewardDebugModel
from screen_agent.gui.reward_fields import (
    MISSING,
    ColourField,
    Field,
    TomlField,
    make_field,
    plain_number,
)
from screen_agent.profile.reward_schema import DIGITS, KINDS, MAX_REWARD
from screen_agent.reward.pixels import colour_mask


def kind_keys() -> dict[str, tuple[str, ...]]:
    """Each kind's own keys, in the order the form shows them: the schema's."""
    return {name: tuple(key.name for key in kind.schema.all_keys()) for name, kind in KINDS.items()}


def new_rule(kind: str) -> dict[str, Any]:
    """What a new rule of ``kind`` starts with (the schema's ``new_rule``; a fresh copy)."""
    return copy.deepcopy(dict(KINDS[kind].new_rule))


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
        self._status_error = False

        self.rules = QListWidget()
        self.rules.currentRowChanged.connect(self._show_rule)
        self.new_kind = QComboBox()
        self.new_kind.addItems(list(KINDS))
        self.add_button = QPushButton("Add rule")
        self.add_button.clicked.connect(self.add_rule)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_rule)

        self.kind = QComboBox()
        self.kind.addItems(list(KINDS))
        self.kind.currentTextChanged.connect(self._kind_edited)
        self.region = QComboBox()
        self.region.currentTextChanged.connect(lambda text: self._edit(region=text or None))
        self.reward = QDoubleSpinBox()
        self.reward.setRange(-MAX_REWARD, MAX_REWARD)
        self.reward.setDecimals(2)
        self.reward.valueChanged.connect(lambda v: self._edit(reward=plain_number(v)))
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
        for kind, keys in kind_keys().items():
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
        kind = table.get("kind", next(iter(KINDS)))
        spec = KINDS.get(kind)
        self.kind.setCurrentText(kind)
        self.region.setCurrentText(str(table.get("region", "")))
        reward = table.get("reward", spec.reward if spec is not None else 0.0)
        self.reward.setValue(float(reward) if isinstance(reward, int | float) else 0.0)
        self.game_over.setChecked(bool(table.get("game_over", spec is not None and spec.game_over)))
        for name, fields in self.fields.items():
            for field in fields.values():
                self.form.setRowVisible(field, has and name == kind)
        if has and spec is not None:
            for key, field in self.fields[kind].items():
                field.show_value(table.get(key, MISSING))
                by = [
                    other
                    for other in table
                    if other != key and key in spec.schema.excluded_by(other)
                ]
                field.set_excluded(bool(by), f"the rule uses {' and '.join(by)}")
        self.capture_button.setEnabled(has and kind == "template")
        self.calibrate_button.setEnabled(has and kind == "digits")
        self.digit_value.setEnabled(has and kind == "digits")
        self._updating = False

    def _validate(self) -> None:
        from screen_agent.errors import UserError
        from screen_agent.reward import build_rules

        try:
            build_rules(
                self.model.rewards,
                self.model.regions,
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
        self.status.setStyleSheet(f"color: {FAULT};" if error else "")
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
        } | new_rule(kind)
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
        if value is not None and kind in KINDS:
            schema = KINDS[kind].schema
            for other in schema.excluded_by(key):
                changes[other] = None
            for other in schema.needed_by(key):
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
        index = self.model.add_rule({"kind": kind, "region": region} | new_rule(kind))
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

    def _selected_crop(self) -> tuple[int, dict[str, Any], np.ndarray] | None:
        """The selected rule's row, table and its region of the live frame (None if either
        is missing)."""
        row = self.current()
        if row is None:
            return None
        table = self.model.rewards[row]
        crop = self._crop(str(table.get("region")))
        return None if crop is None else (row, table, crop)

    def capture_template(self) -> str | None:
        """Save the selected template rule's region of the live frame; returns the file name."""
        from screen_agent.reward import save_image

        selected = self._selected_crop()
        if selected is None:
            return None
        row, table, crop = selected
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

        selected = self._selected_crop()
        if selected is None:
            return None
        row, table, crop = selected
        digits = dict(table.get("digits") or {})
        name = digits.get("file") if digits.get("style") == "templates" else None
        name = name or f"{self.model.name}-digits.npz"
        path = self.model.directory / name
        templates = DigitReader.load_templates(path) if path.exists() else None
        colour = digits.get("colour")
        reader = DigitReader(
            templates,
            Foreground(
                tuple(colour) if colour else None,
                int(digits.get("tolerance", DIGITS.key("tolerance").default)),
            ),
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
