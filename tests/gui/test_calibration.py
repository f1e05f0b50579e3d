""" "Find for me": a recorded watch of a real game (moon-buggy, from ``tests/data/calibrate``)
goes through the core's ``analyze``; the panel must show every proposal (regions, the digits
with the numbers they read, the game-over rule, the keys), and apply what the person accepts
or corrects to the profile model, which then saves and loads as a working profile."""

from __future__ import annotations

import dataclasses
import sys
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from screen_agent.calibrate import KeysProposal, Watch, analyze
from screen_agent.calibrate.keys import propose_actions
from screen_agent.errors import UserError
from screen_agent.geometry import Region
from screen_agent.gui.background import TaskCancelled
from screen_agent.gui.calibration_job import Findings, FindProgress, FindSettings, parse_corrections
from screen_agent.gui.calibration_panel import FindPanel
from screen_agent.gui.model import ProfileModel, blank_profile
from screen_agent.probe import NOT_CLEAR, ActionReport
from screen_agent.profile import Action, WindowRef, load_profile
from screen_agent.reward import RewardReader

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "calibrate"))
from game_recordings import load_recording, path_of  # tests/calibrate

FRAMES = 420
"""Frames of the recording analysed: a game, its end and the next start (3.5 s to analyse)."""

pytestmark = pytest.mark.skipif(
    not path_of("moon-buggy").exists(), reason="no recording of moon-buggy"
)


@cache
def moon_buggy() -> Findings:
    recording = load_recording("moon-buggy")
    watch = Watch(recording.frames[:FRAMES], recording.times[:FRAMES])
    reports = [
        ActionReport("noop", (), 0, 6, None, 0),
        ActionReport("space", ("space",), 6, 6, 80.0, 900, 0.0),
        ActionReport("j", ("j",), 5, 6, 95.0, 400, 0.01),
        ActionReport("x", ("x",), 0, 6, None, 0, 0.8),
    ]
    keys = KeysProposal(reports, propose_actions(["space", "j"]))
    height, width = watch.shape
    return Findings("moon-buggy", width, height, watch, analyze(watch), keys, ("space", "j", "x"))


def scripted(findings: Findings, seen: list[FindSettings] | None = None):
    """A find function that reports progress like the live job and returns ``findings``."""

    def find(settings: FindSettings, stop_watching):
        if seen is not None:
            seen.append(settings)

        def job(control):
            control.progress(FindProgress("Watching while random keys: 30 of 60 s", 0.5))
            control.progress(FindProgress("Analysing 420 frames…"))
            return findings

        return job

    return find


def found_panel(qtbot, model: ProfileModel, findings: Findings | None = None) -> FindPanel:
    panel = FindPanel(model, scripted(findings or moon_buggy()))
    qtbot.addWidget(panel)
    panel.resize(700, 900)
    panel.show()
    panel.window.setEditText("moon-buggy")
    assert panel.start()
    qtbot.waitUntil(lambda: panel.review.findings is not None, timeout=5000)
    return panel


def test_the_proposals_are_shown_with_what_they_rest_on(qtbot):
    findings = moon_buggy()
    analysis = findings.analysis
    panel = found_panel(qtbot, ProfileModel())
    review = panel.review
    assert review.isVisible()
    assert review.game.fields.region() == analysis.game.region
    score = review.score
    assert score.fields.region() == analysis.score.region
    assert score.use_digits and score.rule.currentIndex() == 0  # a sure reading: digits
    # The numbers read, in order, and pictures of the score with the number under each.
    values = analysis.score.digits.values
    assert score.read.text().startswith(f"Reads, in order: 1:{values[0]}, 2:{values[1]}, ")
    captions = [
        score.samples_layout.itemAtPosition(1, c).widget().text()
        for c in range(score.samples_layout.columnCount())
    ]
    assert len(captions) == 5 and set(captions) <= {str(v) for v in values}
    assert not score.samples_layout.itemAtPosition(0, 0).widget().pixmap().isNull()
    over = review.game_over
    assert over.isChecked() and over.proposal is analysis.game_over
    assert over.title().startswith("Game over: range rule")
    assert over.fields.region() == analysis.game_over.region
    keys = review.keys
    rows = {
        keys.table.item(r, 0).text(): (
            keys.table.item(r, 0).checkState() == Qt.CheckState.Checked,
            keys.table.item(r, 3).text(),
        )
        for r in range(keys.table.rowCount())
    }
    assert rows == {"space": (True, "works"), "j": (True, "works"), "x": (False, rows["x"][1])}
    assert rows["x"][1] != "works"
    assert keys.title().startswith("Keys: 2 of 3 work")
    # The preview draws the proposals on a frame of play.
    assert set(review.preview.regions) == {"game", "score", "game_over"}
    assert review.preview.image is not None and review.preview.image.width() == findings.width


def test_a_key_with_a_weak_sign_of_an_effect_is_shown_apart_from_one_with_none(qtbot):
    findings = moon_buggy()
    assert findings.keys is not None
    near = ActionReport("k", ("k",), 150, 300, None, 0, chance=0.006, basis="play")
    keys = dataclasses.replace(findings.keys, reports=[*findings.keys.reports, near])
    panel = found_panel(qtbot, ProfileModel(), dataclasses.replace(findings, keys=keys))
    table = panel.review.keys.table
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    colour = {key: table.item(row, 3).foreground().color().name() for key, row in rows.items()}
    assert table.item(rows["k"], 3).text() == NOT_CLEAR
    assert len({colour["space"], colour["x"], colour["k"]}) == 3, colour


def test_apply_puts_the_accepted_proposals_in_the_profile_and_it_loads(qtbot, tmp_path):
    # A new profile, not saved yet, whose file will be in tmp_path.
    model = ProfileModel(blank_profile("moon-buggy"), tmp_path / "moon-buggy.toml")
    panel = found_panel(qtbot, model)
    findings = moon_buggy()
    review = panel.review
    review.game.fields.set_region(Region(0, 300, 804, 144))  # the person's correction
    review.game.fields.edited.emit()
    assert review.preview.regions["game"] == Region(0, 300, 804, 144)
    review.apply_button.click()
    assert model.window == WindowRef("moon-buggy", findings.width, findings.height)
    assert model.regions["game"] == Region(0, 300, 804, 144)
    assert model.regions["score"] == findings.analysis.score.region
    assert model.regions["game_over"] == findings.analysis.game_over.region
    kinds = [(r["kind"], r["region"]) for r in model.rewards]
    assert kinds == [("digits", "score"), ("range", "game_over")]
    assert [a.name for a in model.actions] == ["noop", "space", "j"]
    assert "Applied: window 'moon-buggy', game region" in review.status.text()
    # The digit templates went next to the profile; saved, it loads and reads the score.
    assert (tmp_path / "moon-buggy-digits.npz").is_file()
    model.save()
    path = tmp_path / "moon-buggy.toml"
    profile = load_profile(path)
    assert profile.rewards[0]["digits"]["file"] == "moon-buggy-digits.npz"
    reader = RewardReader.for_profile(profile, str(path))
    strings = findings.analysis.score.digits.strings
    for k in (0, 5, 20, 40):  # the digits rule reads the number shown at settled moments
        frame = findings.watch.frames[(strings.starts[k] + strings.stops[k] - 1) // 2]
        shown = findings.analysis.score.digits.values[k]
        assert reader.signals(frame)[reader.rules[0].name] == shown


def test_refused_proposals_leave_the_profile_as_it_was(qtbot, tmp_path):
    model = ProfileModel()
    model.set_regions(
        {"game": Region(1, 2, 30, 40), "score": Region(5, 5, 10, 10)},
        WindowRef("moon-buggy", 804, 484),
    )
    model.set_region("banner", Region(0, 0, 20, 20))
    model.add_rule({"kind": "score_change", "region": "score", "settle_frames": 2})
    model.add_rule(
        {
            "kind": "range",
            "region": "banner",
            "colour": [0, 0, 255],
            "tolerance": 30,
            "fraction": [0.5, 1.0],
            "game_over": True,
        }
    )
    model.set_actions([Action("noop", ()), Action("up", ("up",))])
    model.save(tmp_path / "moon-buggy.toml")
    panel = found_panel(qtbot, model)
    review = panel.review
    review.game.setChecked(False)
    review.score.setChecked(False)
    review.keys.setChecked(False)
    assert set(review.preview.regions) == {"game_over"}
    review.apply_button.click()
    assert model.regions["game"] == Region(1, 2, 30, 40)
    assert model.regions["score"] == Region(5, 5, 10, 10)
    # The old game-over rule made way for the accepted one; the score's rule stayed.
    assert [(r["kind"], r["region"]) for r in model.rewards] == [
        ("score_change", "score"),
        ("range", "game_over"),
    ]
    assert [a.name for a in model.actions] == ["noop", "up"]


def test_score_change_when_the_digits_are_not_sure_and_a_chosen_key_set(qtbot, tmp_path):
    findings = moon_buggy()
    unsure = dataclasses.replace(findings.analysis.score, read_back=0.5)
    analysis = dataclasses.replace(findings.analysis, score=unsure)
    model = ProfileModel(blank_profile("game"), tmp_path / "game.toml")
    panel = found_panel(qtbot, model, dataclasses.replace(findings, analysis=analysis))
    score = panel.review.score
    assert not score.use_digits and score.rule.currentIndex() == 1
    assert "not sure enough" in score.rule_note.text()
    keys = panel.review.keys
    keys.table.item(1, 0).setCheckState(Qt.CheckState.Unchecked)  # j
    keys.combos.setChecked(True)
    accepted = panel.review.accepted()
    assert accepted.use_digits is False
    assert [a.keys for a in accepted.actions] == [(), ("space",)]
    panel.review.apply_button.click()
    assert [r["kind"] for r in model.rewards] == ["score_change", "range"]


def test_a_game_over_region_edited_must_be_fitted_again(qtbot):
    panel = found_panel(qtbot, ProfileModel())
    over = panel.review.game_over
    over.fields.set_region(Region(0, 0, 12, 12))
    over.fields.edited.emit()
    assert "Fit again" in over.note.text()
    panel.review.apply_button.click()
    assert "Fit again" in panel.review.status.text()  # one line, nothing applied
    assert panel.model.rewards == []
    # Fitted on that empty corner: nothing tells game ends from play there.
    over.refit.click()
    qtbot.waitUntil(lambda: not panel.review.task.running, timeout=10000)
    assert "Nothing in that region" in panel.review.status.text()
    # Back on the proposed region it fits again and can be applied.
    over.fields.set_region(moon_buggy().analysis.game_over.region)
    over.refit.click()
    qtbot.waitUntil(lambda: not panel.review.task.running, timeout=10000)
    assert over.fitted and over.proposal is not None
    assert over.proposal.fit.table["kind"] in ("range", "template")


def test_correcting_the_reading_finds_the_digits_again(qtbot):
    panel = found_panel(qtbot, ProfileModel())
    score = panel.review.score
    # A wrong correction is one line in the status, the reading unchanged.
    score.correction.setText("1=12345")
    score.correct_button.click()
    qtbot.waitUntil(lambda: not panel.review.task.running, timeout=5000)
    assert "more digits than" in panel.review.status.text()
    assert "\n" not in panel.review.status.text()
    # Say glyphs "1" and "2" are the other way round (every digit pinned: a quick search).
    score.correction.setText("1=0, 2=-2, 3=-1, 4=-3, 5=-4, 6=-5, 7=-6, 8=-7, 9=-8, 10=-9")
    score.correct_button.click()
    qtbot.waitUntil(lambda: not panel.review.task.running, timeout=20000)
    assert score.score.digits.values[:4] == [0, -2, -1, -3]
    assert score.read.text().startswith("Reads, in order: 1:0, 2:-2, 3:-1, 4:-3")


def test_parse_corrections():
    assert parse_corrections("3=120, 5=200") == {2: 120, 4: 200}
    assert parse_corrections("1=-4") == {0: -4}
    for bad in ("", "3", "a=1", "3=x"):
        with pytest.raises(ValueError):
            parse_corrections(bad)


def test_the_panel_passes_its_settings_and_shows_progress_and_errors(qtbot):
    model = ProfileModel()
    model.set_actions([Action("noop", ()), Action("left", ("left",)), Action("fire", ("x",))])
    model.set_restart(["space"], 500)
    seen: list[FindSettings] = []
    panel = FindPanel(model, scripted(moon_buggy(), seen))
    qtbot.addWidget(panel)
    assert panel.keys.text() == "left x"  # the profile's keys
    assert "space" in panel.restart.text()
    panel.start()  # no window named: one line, nothing started
    assert not panel.task.running
    assert panel.error_box is not None and "name the game window" in panel.error_box.text()
    panel.window.setEditText("moon-buggy")
    panel.seconds.setValue(30)
    panel.i_play.setChecked(True)
    panel.keys.setText("left, x space")
    panel.keys.setModified(True)
    assert panel.start()
    qtbot.waitUntil(lambda: panel.review.findings is not None, timeout=5000)
    settings = seen[-1]
    assert settings.title == "moon-buggy" and settings.seconds == 30
    assert not settings.random_keys and settings.keys == ("left", "x", "space")
    assert [s.keys for s in settings.restart] == [("space",)]
    assert panel.find_button.isEnabled() and not panel.cancel_button.isEnabled()
    assert "Proposals for 'moon-buggy'" in panel.status.text()

    def failing(settings, stop_watching):
        def job(control):
            raise UserError("no window titled 'moon-buggy' is open")

        return job

    panel.find = failing
    panel.start()
    qtbot.waitUntil(lambda: not panel.task.running, timeout=5000)
    assert panel.error_box.text() == "no window titled 'moon-buggy' is open"
    assert panel.review.findings is None  # the last findings were discarded


def test_stop_watching_and_cancel(qtbot):
    import threading

    gate = threading.Event()

    def find(settings, stop_watching):
        def job(control):
            while not stop_watching():
                if control.wait(0.01):
                    raise TaskCancelled
            gate.set()
            control.raise_if_cancelled()
            return moon_buggy()

        return job

    panel = FindPanel(ProfileModel(), find)
    qtbot.addWidget(panel)
    panel.window.setEditText("moon-buggy")
    assert panel.start()
    assert panel.stop_button.isEnabled()
    panel.stop_button.click()  # the watch ends; the findings still come
    qtbot.waitUntil(lambda: panel.review.findings is not None, timeout=5000)
    assert gate.is_set()
    gate.clear()
    assert panel.start()
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: not panel.task.running, timeout=5000)
    assert panel.status.text() == "Cancelled." and panel.review.findings is None


def test_play_frame_and_samples_come_from_play():
    from screen_agent.gui.calibration_job import play_frame, score_samples

    findings = moon_buggy()
    frame = play_frame(findings)
    assert frame.shape == (findings.height, findings.width, 3)
    samples = score_samples(findings.analysis.score, findings.watch, limit=3)
    assert len(samples) == 3
    region = findings.analysis.score.region
    assert all(p.shape == (region.height, region.width, 3) for p, _ in samples)
    assert np.any(samples[-1][0])  # the digits are drawn in it


def test_the_game_end_picture_is_where_the_rule_fires():
    from screen_agent.gui.calibration_job import game_end_sample

    findings = moon_buggy()
    proposal = findings.analysis.game_over
    picture = game_end_sample(findings, proposal)
    region = proposal.region
    assert picture is not None and picture.shape == (region.height, region.width, 3)
    # The range rule fires on it: enough of the region in the rule's colour.
    table = proposal.fit.table
    near = np.abs(picture.astype(int) - np.array(table["colour"])).max(axis=2) <= table["tolerance"]
    assert near.mean() >= table["fraction"][0]


def test_untested_keys_become_one_action_each_once_checked(qtbot):
    findings = dataclasses.replace(moon_buggy(), keys=None)
    panel = found_panel(qtbot, ProfileModel(), findings)
    keys = panel.review.keys
    assert keys.title() == "Keys: not tested" and not keys.isChecked()
    assert panel.review.accepted().actions is None  # the profile keeps its actions
    keys.setChecked(True)
    assert [a.keys for a in panel.review.accepted().actions] == [(), ("space",), ("j",), ("x",)]


def test_opening_another_profile_takes_its_window_and_keys(qtbot, tmp_path):
    model = ProfileModel()
    panel = FindPanel(model, scripted(moon_buggy()))
    qtbot.addWidget(panel)
    panel.window.setEditText("some other window")
    panel.keys.setText("q")
    panel.keys.setModified(True)
    model.load(Path(__file__).parents[2] / "calibration" / "xjump.toml")
    assert panel.window.currentText() == "xjump"
    assert panel.keys.text() == "left right up"


def test_the_app_runs_one_thing_on_the_game_at_a_time(qtbot, tmp_path):
    from screen_agent.gui.app import MainWindow

    def waiting(settings, stop_watching):
        def job(control):
            while not control.wait(0.01):
                pass
            raise TaskCancelled

        return job

    model = ProfileModel()
    model.set_regions({"game": Region(0, 0, 10, 10)}, WindowRef("moon-buggy", 804, 484))
    model.add_rule({"kind": "frozen", "region": "game", "seconds": 3.0})
    model.save(tmp_path / "m.toml")
    window = MainWindow(model, live=False, trainer_factory=lambda on_event: None, find=waiting)
    qtbot.addWidget(window)
    window.find_panel.window.setEditText("moon-buggy")
    assert window.find_panel.start()
    window.start_training()
    assert not window.controller.running
    assert window.error_box.text() == "Find for me is using the game now; stop it first"
    assert not window.demos_panel.start()  # no recording either
    window.find_panel.cancel()
    qtbot.waitUntil(lambda: not window.find_panel.task.running, timeout=5000)
