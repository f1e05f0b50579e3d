"""Record a demonstration, train from the chosen ones, and open a run's report.

The recording job is scripted here (the live one is the core's ``record_screen_demo``, tested
on Xvfb in ``tests/training``); what is checked is the panel: ticks and actions as they come,
the report of unmatched keys at the end, the file joining the list Train uses, and the
training job getting the checked files. Reports open through a stand-in for the browser.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

from PySide6.QtCore import Qt

from screen_agent.errors import UserError
from screen_agent.geometry import Region
from screen_agent.gui.app import MainWindow, screen_trainer_factory
from screen_agent.gui.demos_panel import DemosPanel
from screen_agent.gui.model import DemoListModel, ProfileModel
from screen_agent.gui.report_opener import ReportOpener, write_report_in_child
from screen_agent.profile import WindowRef
from screen_agent.training.demos import DemoStats


def catch_model(tmp_path: Path) -> ProfileModel:
    model = ProfileModel()
    model.set_regions(
        {"game": Region(0, 80, 400, 480), "score": Region(273, 8, 121, 64)},
        WindowRef("screen-agent arcade: catch", 400, 560),
    )
    model.add_action("left", ["left"])
    model.add_rule({"kind": "score_change", "region": "score", "settle_frames": 2})
    model.save(tmp_path / "catch.toml")
    return model


class ScriptedRecord:
    """Reports a few ticks, then returns what a recording with an unmatched key set got."""

    def __init__(self, fail: str | None = None) -> None:
        self.calls: list[tuple[str, Path, float]] = []
        self.fail = fail
        self.go = threading.Event()

    def __call__(self, model: ProfileModel, out: Path, seconds: float):
        self.calls.append((model.name, out, seconds))

        def job(control):
            control.progress((1, "left"))
            control.progress((2, None))
            self.go.wait(5)
            if self.fail:
                raise UserError(self.fail)
            out.write_bytes(b"demo")
            return DemoStats(
                ticks=2,
                matched=1,
                unmatched=Counter({frozenset({"shift"}): 1}),
                actions=Counter({"left": 1}),
            )

        return job


def test_record_shows_ticks_and_the_unmatched_keys_and_lists_the_file(qtbot, tmp_path):
    model, demos, record = catch_model(tmp_path), DemoListModel(), ScriptedRecord()
    panel = DemosPanel(model, demos, record)
    qtbot.addWidget(panel)
    panel.minutes.setValue(0.5)
    panel.file.setText(str(tmp_path / "mine"))
    assert panel.start()
    assert record.calls == [(model.name, tmp_path / "mine.npz", 30.0)]
    assert not panel.record_button.isEnabled() and panel.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: panel.ticks.text() == "2 of ~450", timeout=5000)  # 30 s at 15/s
    assert panel.action.text() == "(keys match no action)"
    record.go.set()
    qtbot.waitUntil(lambda: panel.stats is not None, timeout=5000)
    report = panel.report.toPlainText()
    assert report.startswith("recorded 2 decisions")
    assert "1 ticks held shift, which is no action of the profile" in report
    assert demos.chosen() == (tmp_path / "mine.npz",)
    item = panel.list.item(0)
    assert item.text() == str(tmp_path / "mine.npz")
    assert item.checkState() == Qt.CheckState.Checked
    item.setCheckState(Qt.CheckState.Unchecked)  # widget -> model
    assert demos.chosen() == ()
    demos.set_use(0, True)  # model -> widget
    assert panel.list.item(0).checkState() == Qt.CheckState.Checked


def test_a_failed_recording_is_one_line_in_a_dialog_and_cancel_saves_nothing(qtbot, tmp_path):
    model, demos = catch_model(tmp_path), DemoListModel()
    record = ScriptedRecord(fail="no window titled 'screen-agent arcade: catch' is open")
    panel = DemosPanel(model, demos, record)
    qtbot.addWidget(panel)
    panel.file.setText(str(tmp_path / "a.npz"))
    record.go.set()
    panel.start()
    qtbot.waitUntil(lambda: panel.error_box is not None, timeout=5000)
    assert panel.error_box.text() == "no window titled 'screen-agent arcade: catch' is open"
    assert demos.items == [] and panel.record_button.isEnabled()

    def endless(model, out, seconds):
        def job(control):
            while not control.wait(0.01):
                control.progress((1, "left"))
            control.raise_if_cancelled()

        return job

    panel.record = endless
    panel.start()
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: panel.record_button.isEnabled(), timeout=5000)
    assert "nothing was saved" in panel.status.text() and demos.items == []
    # The app's check before recording can stop it from starting.
    panel.before_record = lambda: False
    assert not panel.start()


def test_training_learns_from_the_checked_demonstrations(tmp_path):
    model = catch_model(tmp_path)
    demos = DemoListModel()
    demos.add(tmp_path / "a.npz")
    demos.add(tmp_path / "b.npz", use=False)
    factory = screen_trainer_factory(
        model, run_dir=lambda: tmp_path / "runs" / "r1", demos=demos.chosen
    )
    worker = factory(lambda _event: None)  # builds the job; the child starts on run()
    assert worker.job.demos == ((tmp_path / "a.npz").resolve(),)
    assert worker.job.run_dir == (tmp_path / "runs" / "r1").resolve()


class QuickTrainer:
    def __init__(self, on_event) -> None:
        self.on_event = on_event

    def run(self) -> None: ...
    def stop(self) -> None: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...


def test_after_a_run_open_report_opens_the_runs_report(qtbot, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # runs/ goes here
    opened: list[Path] = []
    window = MainWindow(
        catch_model(tmp_path),
        live=False,
        trainer_factory=QuickTrainer,
        open_url=lambda path: opened.append(path) or True,
    )
    qtbot.addWidget(window)
    window.demos.add(tmp_path / "a.npz")
    bar = window.run_bar
    assert not bar.report_button.isVisibleTo(window)
    window.start_training()
    assert bar.label.text().startswith(f"Training into runs/{window.model.name}-")
    assert bar.demos.text() == "learning from 1 demonstration(s)"
    qtbot.waitUntil(lambda: not window.controller.running, timeout=5000)
    assert bar.report_button.isVisibleTo(window)
    run_dir = window.run_dir
    run_dir.mkdir(parents=True)
    (run_dir / "report.html").write_text("<!doctype html><title>r</title>")
    bar.report_button.click()
    assert opened == [run_dir / "report.html"]


def test_the_report_opener_writes_a_missing_report_first(qtbot, tmp_path):
    opened: list[Path] = []
    written: list[Path] = []

    def write(run_dir: Path) -> Path:
        written.append(run_dir)
        (run_dir / "report.html").write_text("<!doctype html><title>r</title>")
        return run_dir / "report.html"

    opener = ReportOpener(lambda p: opened.append(p) or True, write)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    with qtbot.waitSignal(opener.opened, timeout=5000):
        opener.open(run_dir)
    assert written == [run_dir] and opened == [run_dir / "report.html"]
    opener.open(run_dir)  # now it exists: opened at once, not written again
    assert written == [run_dir] and len(opened) == 2
    with qtbot.waitSignal(opener.failed) as failed:
        opener.open(tmp_path / "nowhere")
    assert failed.args == [f"{tmp_path / 'nowhere'}: no such run directory"]
    refusing = ReportOpener(lambda p: False, write)
    with qtbot.waitSignal(refusing.failed) as failed:
        refusing.open(run_dir)
    assert "open it in a web browser yourself" in failed.args[0]


def test_the_report_is_written_by_the_cli_in_a_child_process(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "config.json").write_text(json.dumps({"env_id": "CartPole-v1", "lr": 0.001}))
    report = write_report_in_child(run_dir)
    assert report == run_dir / "report.html"
    assert report.read_text().lstrip().lower().startswith("<!doctype html>")
    empty = tmp_path / "empty"
    empty.mkdir()
    try:
        write_report_in_child(empty)
    except UserError as error:
        assert "\n" not in str(error) and str(empty) in str(error)
    else:
        raise AssertionError("an empty folder is no run")
