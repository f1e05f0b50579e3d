"""The reward editor's typed fields, the napari way: build the model, add the editor, change
the model and look at the widgets; then edit in the widgets and look at the model."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox

from screen_agent.geometry import Region
from screen_agent.gui.model import ProfileModel
from screen_agent.gui.reward_editor import RewardEditor, kind_keys
from screen_agent.gui.reward_fields import (
    MISSING,
    UNSET_TEXT,
    BoolField,
    ChoiceField,
    ColourField,
    FloatField,
    IntField,
    PairField,
    StringField,
    TomlField,
    format_value,
    toml_value,
)
from screen_agent.profile import WindowRef
from screen_agent.profile.reward_schema import KINDS, REQUIRED, TRIGGER, Key, TableSchema

CATCH = Path(__file__).resolve().parents[2] / "calibration" / "arcade-catch.toml"


def banner_model(tmp_path: Path) -> ProfileModel:
    """Catch's regions, saved under tmp_path, with no rules yet."""
    model = ProfileModel()
    model.set_regions(
        {
            "game": Region(0, 80, 400, 480),
            "score": Region(273, 8, 121, 64),
            "banner": Region(56, 279, 289, 86),
        },
        WindowRef("screen-agent arcade: catch", 400, 560),
    )
    model.path = tmp_path / "catch.toml"
    return model


@pytest.fixture
def editor(qtbot, tmp_path) -> RewardEditor:
    widget = RewardEditor(banner_model(tmp_path))
    qtbot.addWidget(widget)
    return widget


def add(editor: RewardEditor, table: dict) -> int:
    """A rule added to the model (model -> widget), selected in the editor."""
    index = editor.model.add_rule(table)
    editor.rules.setCurrentRow(index)
    return index


def shown(editor: RewardEditor) -> str | None:
    """The kind whose fields are on show (all of its fields and none of the others'), or None."""
    visible = {
        kind
        for kind, fields in editor.fields.items()
        for field in fields.values()
        if field.isVisibleTo(editor) and field.label_widget().isVisibleTo(editor)
    }
    assert len(visible) <= 1
    kind = next(iter(visible), None)
    if kind is not None:
        assert all(field.isVisibleTo(editor) for field in editor.fields[kind].values())
    return kind


def test_every_key_has_a_typed_widget(editor):
    kinds = {
        "settle_frames": IntField,
        "tolerance": IntField,
        "threshold": FloatField,
        "seconds": FloatField,
        "colour": ColourField,
        "fraction": PairField,
        "intensity": PairField,
        "trigger": ChoiceField,
        "digits": TomlField,
        "image": StringField,
    }
    for kind, keys in kind_keys().items():
        assert tuple(editor.fields[kind]) == keys
        for key, field in editor.fields[kind].items():
            assert isinstance(field, kinds[key]), (kind, key)
    trigger = editor.fields["range"]["trigger"].combo
    assert [trigger.itemData(i) for i in range(trigger.count())] == list(TRIGGER.choices)
    assert isinstance(editor.fields["score_change"]["settle_frames"].spin, QSpinBox)
    assert isinstance(editor.fields["template"]["threshold"].spin, QDoubleSpinBox)
    assert editor.fields["frozen"]["tolerance"].spin.maximum() == 255


def test_loading_a_profile_fills_the_widgets(editor):
    editor.model.load(CATCH)  # model -> widget
    kinds = [table["kind"] for table in editor.model.rewards]
    editor.rules.setCurrentRow(kinds.index("range"))
    assert shown(editor) == "range"
    fields = editor.params
    assert fields["colour"].button.text() == "255, 90, 90"
    assert fields["tolerance"].spin.value() == 30
    assert fields["fraction"].enabled.isChecked()
    assert (fields["fraction"].low.value(), fields["fraction"].high.value()) == (0.05, 1.0)
    assert not fields["intensity"].enabled.isChecked()
    assert not fields["intensity"].low.isEnabled()
    assert fields["trigger"].current() == "enter"  # absent: the reader's default
    assert fields["settle_frames"].spin.value() == 2
    assert all(field.warning.isHidden() for field in fields.values())
    editor.rules.setCurrentRow(kinds.index("digits"))
    digits = editor.params["digits"]
    assert digits.edit.text().startswith('{style = "seven_segment", ')  # one inline table
    assert toml_value(digits.edit.text()) == editor.model.rewards[kinds.index("digits")]["digits"]
    assert digits.warning.isHidden()
    changes = []
    editor.model.rewards_changed.connect(lambda: changes.append(1))
    digits.edit.editingFinished.emit()  # focus leaving an unchanged field changes nothing
    assert changes == [] and "all valid" in editor.status.text()


def test_model_changes_show_in_the_widgets(editor):
    index = add(editor, {"kind": "template", "region": "banner", "game_over": True})
    field = editor.params["threshold"]
    assert field.spin.value() == pytest.approx(0.8)  # absent: the reader's default
    editor.model.update_rule(index, threshold=0.35, trigger="while", settle_frames=5)
    assert field.spin.value() == pytest.approx(0.35)
    assert editor.params["trigger"].combo.currentData() == "while"
    assert editor.params["settle_frames"].spin.value() == 5
    assert editor.params["threshold"] is field  # built once: an edit keeps the focus


def test_spin_boxes_and_menus_write_typed_values(qtbot, editor):
    index = add(editor, {"kind": "score_change", "region": "score"})
    editor.params["settle_frames"].spin.setValue(4)  # widget -> model
    editor.params["tolerance"].spin.setValue(12)
    table = editor.model.rewards[index]
    assert table["settle_frames"] == 4 and type(table["settle_frames"]) is int
    assert table["tolerance"] == 12 and type(table["tolerance"]) is int
    changes = []
    editor.model.rewards_changed.connect(lambda: changes.append(1))
    spin = editor.params["settle_frames"].spin
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, "15")
    assert changes == []  # no half-typed number reaches the model
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert editor.model.rewards[index]["settle_frames"] == 15 and len(changes) == 1

    index = add(editor, {"kind": "template", "region": "banner", "game_over": True})
    editor.params["threshold"].spin.setValue(0.65)
    combo = editor.params["trigger"].combo
    combo.setCurrentIndex(combo.findData("while"))
    assert editor.model.rewards[index]["threshold"] == 0.65
    assert editor.model.rewards[index]["trigger"] == "while"


def test_frozen_seconds_can_be_unset(editor):
    index = add(editor, {"kind": "frozen", "region": "game", "seconds": 5.0})
    seconds = editor.params["seconds"].spin
    seconds.setValue(2.5)
    assert editor.model.rewards[index]["seconds"] == 2.5
    seconds.setValue(0)  # shows "not set": the key is removed
    assert seconds.text() == "not set"
    assert "seconds" not in editor.model.rewards[index]
    assert "rewards[0].seconds: missing" in editor.status.text()  # the reader's own message
    editor.model.update_rule(index, seconds=7)  # model -> widget
    assert seconds.value() == 7 and "all valid" in editor.status.text()


def test_range_switches_between_colour_and_intensity(editor):
    index = add(editor, {"kind": "range", "region": "banner"} | {"game_over": True})
    editor.model.update_rule(index, colour=[10, 200, 30], fraction=[0.1, 0.9], tolerance=20)
    fields = editor.params
    fields["intensity"].enabled.click()  # widget -> model: intensity replaces the colour keys
    table = editor.model.rewards[index]
    assert table["intensity"] == [200, 255]  # the schema's example
    assert not {"fraction", "colour", "tolerance"} & set(table)
    assert not fields["colour"].isEnabled() and not fields["tolerance"].isEnabled()
    assert not fields["fraction"].enabled.isChecked()
    assert "all valid" in editor.status.text()
    fields["intensity"].low.setValue(200)
    assert editor.model.rewards[index]["intensity"] == [200, 255]

    fields["fraction"].enabled.click()  # and back: the colour shown before comes back
    table = editor.model.rewards[index]
    assert "intensity" not in table
    assert table["fraction"] == [0.1, 0.9] and table["colour"] == [10, 200, 30]
    assert fields["colour"].isEnabled() and fields["tolerance"].spin.value() == 30
    assert "all valid" in editor.status.text()

    fields["fraction"].low.setValue(0.95)  # min above max: the reader says so
    assert "rewards[0].fraction: needs 0 <= min <= max <= 1" in editor.status.text()
    fields["fraction"].low.setValue(0.2)
    fields["fraction"].enabled.click()  # neither: the reader's message again
    assert "fraction" not in editor.model.rewards[index]
    assert "give exactly one of fraction" in editor.status.text()


def test_a_profile_with_both_range_keys_shows_the_readers_message(editor):
    add(
        editor,
        {
            "kind": "range",
            "region": "banner",
            "game_over": True,
            "colour": [255, 90, 90],
            "fraction": [0.05, 1.0],
            "intensity": [200, 255],
        },
    )
    fields = editor.params
    assert fields["fraction"].enabled.isChecked() and fields["intensity"].enabled.isChecked()
    assert "give exactly one of fraction" in editor.status.text()
    fields["intensity"].enabled.click()  # unchecking one leaves a usable rule
    assert "all valid" in editor.status.text()


def test_colour_button_opens_a_dialog(editor):
    index = editor.add_rule("range")
    field = editor.params["colour"]
    asked = []
    field.ask = lambda initial, parent: (asked.append(initial.getRgb()[:3]), QColor(1, 2, 3))[1]
    field.button.click()
    assert asked == [(255, 90, 90)]
    assert editor.model.rewards[index]["colour"] == [1, 2, 3]
    assert field.button.text() == "1, 2, 3"
    field.ask = lambda initial, parent: QColor()  # cancelled
    field.button.click()
    assert editor.model.rewards[index]["colour"] == [1, 2, 3]


def test_colour_from_the_live_frame(editor):
    index = editor.add_rule("range")
    assert editor.model.rewards[index]["region"] == "score"  # no game_over region here
    editor.region.setCurrentText("banner")
    field = editor.params["colour"]
    field.sample.click()
    assert "No live frame" in editor.status.text()
    frame = np.zeros((560, 400, 3), np.uint8)
    frame[279:365, 56:345] = (200, 40, 40)
    frame[300:310, 100:300] = (204, 44, 44)  # a little texture; the mean stays close
    editor.set_frame(frame)
    field.sample.click()
    r, g, b = editor.model.rewards[index]["colour"]
    assert abs(r - 200) <= 1 and abs(g - 40) <= 1 and abs(b - 40) <= 1
    assert field.button.text() == f"{r}, {g}, {b}"
    assert "100% of its pixels are within tolerance 30" in editor.status.text()


def test_values_the_widgets_cannot_show_are_flagged(editor):
    index = editor.add_rule("range")
    editor.model.update_rule(index, trigger="sometimes", fraction=[0.0125, 1])
    assert not editor.params["trigger"].warning.isHidden()
    assert "sometimes" in editor.params["trigger"].warning.toolTip()
    assert not editor.params["fraction"].warning.isHidden()  # three decimals
    assert "rewards[0].trigger: unknown value" in editor.status.text()  # the reader's message
    combo = editor.params["trigger"].combo
    combo.setCurrentIndex(combo.findData("while"))
    assert editor.model.rewards[index]["trigger"] == "while"
    assert editor.params["trigger"].warning.isHidden()


def test_toml_fields_for_digits_and_image(qtbot, editor, tmp_path):
    index = add(editor, {"kind": "digits", "region": "score", "digits": {"style": "templates"}})
    edit = editor.params["digits"].edit
    edit.setText("{ style = ")
    edit.editingFinished.emit()
    assert "digits: not a TOML value" in editor.status.text()
    assert editor.model.rewards[index]["digits"] == {"style": "templates"}
    edit.setText('{ style = "seven_segment", char_width = 31, char_height = 56, thickness = 8 }')
    edit.editingFinished.emit()
    assert editor.model.rewards[index]["digits"]["char_width"] == 31
    assert "all valid" in editor.status.text()

    index = add(editor, {"kind": "template", "region": "banner", "game_over": True})
    assert "rewards[1].image: missing" in editor.status.text()
    frame = np.zeros((560, 400, 3), np.uint8)
    frame[279:365, 56:345] = np.random.default_rng(1).integers(0, 255, (86, 289, 3))
    editor.set_frame(frame)
    name = editor.capture_template()
    assert editor.params["image"].edit.text() == name  # model -> widget
    assert (tmp_path / name).exists() and "Captured 289x86" in editor.status.text()
    editor.params["threshold"].spin.setValue(0.9)
    assert "2 rule(s), all valid" in editor.status.text()


def test_kind_change_shows_that_kinds_fields(editor):
    index = add(editor, {"kind": "score_change", "region": "score"})
    editor.kind.setCurrentText("frozen")  # widget -> model, with the kind's defaults
    assert editor.model.rewards[index] == {"kind": "frozen", "region": "score", "seconds": 5.0}
    assert shown(editor) == "frozen"
    assert editor.params["seconds"].spin.value() == 5.0
    editor.model.remove_rule(index)
    assert shown(editor) is None


def _schema_keys():
    return [(kind, spec) for kind, k in KINDS.items() for spec in k.schema.all_keys()]


@pytest.mark.parametrize(
    ("kind", "spec"), _schema_keys(), ids=[f"{k}.{s.name}" for k, s in _schema_keys()]
)
def test_every_schema_key_gets_a_widget_with_its_bounds_and_default(editor, kind, spec):
    """The schema is the only place a key is described: each key of each kind has a field
    with the schema's label, tip, bounds, unit and default, so a key added there appears in
    the editor with no change to the app."""
    field = editor.fields[kind][spec.name]
    assert field.key == spec.name
    assert spec.tip in field.tip
    label = field.label_widget().text()
    assert label == spec.label
    has_default = spec.default is not REQUIRED and spec.default is not None
    field.show_value(MISSING)  # what a table without the key shows
    if spec.type in ("int", "float"):
        spin = field.spin
        low = spec.minimum if spec.minimum is not None else spec.above + 10.0**-spec.decimals
        assert field.bounds == pytest.approx((low, spec.maximum))
        assert spin.maximum() == pytest.approx(spec.maximum)
        assert spin.singleStep() == pytest.approx(spec.step)
        if spec.type == "float":
            assert spin.decimals() == spec.decimals
        assert spin.suffix() == (f" {spec.unit}" if spec.unit else "")
        if has_default:
            assert spin.minimum() == pytest.approx(low)
            assert field.current() == pytest.approx(spec.default)
        else:
            assert spin.minimum() < low and spin.text() == UNSET_TEXT
            assert field.current() is None
    elif spec.type == "choice":
        combo = field.combo
        assert [combo.itemData(i) for i in range(combo.count())] == list(spec.choices)
        assert [
            combo.itemData(i, Qt.ItemDataRole.ToolTipRole) for i in range(combo.count())
        ] == list(spec.choices.values())
        assert field.current() == (spec.default if has_default else next(iter(spec.choices)))
    elif spec.type == "interval":
        for spin in (field.low, field.high):
            assert (spin.minimum(), spin.maximum()) == spec.span
            assert spin.decimals() == spec.decimals
            assert spin.singleStep() == pytest.approx(spec.step)
    elif spec.type == "colour":
        assert isinstance(field, ColourField) and field.current() is None  # not set
    elif spec.type == "bool":
        assert isinstance(field, BoolField) and field.current() is bool(spec.default)
    elif spec.type == "string":
        assert isinstance(field, StringField) and field.current() is None
    else:
        assert isinstance(field, TomlField) and field.current() is None
        assert field.edit.placeholderText() == spec.example


def test_new_rules_are_the_schemas(editor):
    for kind in KINDS:
        index = editor.add_rule(kind)
        table = editor.model.rewards[index]
        assert {k: v for k, v in table.items() if k not in ("kind", "region")} == dict(
            KINDS[kind].new_rule
        )
        # Usable at once, except those that need a file captured first.
        assert "all valid" in editor.status.text() or kind in ("digits", "template"), kind
        editor.model.remove_rule(index)


def test_values_are_written_as_toml_by_tomlkit():
    for value in (2, 0.05, 'a "quoted" name', [1, 2, 3], {"style": "templates", "file": "d.npz"}):
        assert toml_value(format_value(value)) == value
    assert format_value({"a": {"b": [1, 2]}}) == "{a = {b = [1, 2]}}"


def test_a_key_added_to_the_schema_appears_with_no_change_to_the_app(qtbot, tmp_path, monkeypatch):
    frozen = KINDS["frozen"]
    extra = Key(
        "min_change",
        "float",
        "Least change",
        "share (0-1) of the region's pixels that must change to count as motion",
        0.01,
        minimum=0,
        maximum=1,
        step=0.005,
        decimals=3,
    )
    schema = TableSchema((*frozen.schema.keys, extra))
    monkeypatch.setitem(KINDS, "frozen", dataclasses.replace(frozen, schema=schema))
    editor = RewardEditor(banner_model(tmp_path))
    qtbot.addWidget(editor)
    index = add(editor, {"kind": "frozen", "region": "game", "seconds": 5.0})
    field = editor.params["min_change"]
    assert isinstance(field, FloatField) and field.label.text() == "Least change"
    assert (field.spin.minimum(), field.spin.maximum(), field.spin.decimals()) == (0, 1, 3)
    assert field.current() == 0.01  # absent: the schema's default
    field.spin.setValue(0.25)
    assert editor.model.rewards[index]["min_change"] == 0.25
