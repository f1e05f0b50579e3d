"""The Qt-free models: profile editing, training curves, reward debugging, screen geometry."""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from screen_agent.desktop import Window
from screen_agent.geometry import Region
from screen_agent.gui.geometry import ScreenMapper, match_monitors, window_at
from screen_agent.gui.model import ProfileModel, RewardDebugModel, TrainingModel
from screen_agent.profile import (
    Launch,
    ProfileError,
    Restart,
    Step,
    WindowRef,
    dumps_profile,
    load_profile,
    profile_to_dict,
)
from screen_agent.training.events import EpisodeEvent, FrameEvent, PauseEvent, StatsEvent


def test_models_do_not_import_qt():
    script = (
        "import sys, screen_agent.gui.model, screen_agent.gui.geometry\n"
        "sys.exit(any(m.startswith('PySide6') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", script], timeout=60).returncode == 0


def test_profile_model_edits_save_and_load(tmp_path):
    model = ProfileModel()
    seen = []
    model.regions_changed.connect(lambda: seen.append("regions"))
    model.actions_changed.connect(lambda: seen.append("actions"))
    assert model.problem() is not None  # no game region yet
    with pytest.raises(ProfileError, match=r"regions\.game"):
        model.save(tmp_path / "p.toml")
    model.set_regions(
        {"game": Region(0, 80, 400, 480), "score": Region(273, 8, 121, 64)},
        WindowRef("screen-agent arcade: catch", 400, 560),
    )
    model.add_action("left", ["left"])
    model.add_action("right", ["right"])
    model.add_rule({"kind": "score_change", "region": "score"})
    model.update_rule(0, settle_frames=3)
    assert model.dirty and "regions" in seen and "actions" in seen
    path = model.save(tmp_path / "p.toml")
    assert not model.dirty and model.path == path
    loaded = load_profile(path)
    assert loaded.action_names == ("noop", "left", "right")
    assert loaded.regions["score"] == Region(273, 8, 121, 64)
    assert loaded.window == WindowRef("screen-agent arcade: catch", 400, 560)
    assert loaded.rewards[0]["settle_frames"] == 3
    again = ProfileModel()
    again.load(path)
    assert again.to_profile() == loaded.__class__(**{**loaded.__dict__})


CATCH = load_profile(Path(__file__).resolve().parents[2] / "calibration" / "arcade-catch.toml")


def test_model_keeps_every_field_through_load_and_save(tmp_path):
    """Restart sequences, launch and allow_system_keys come back unchanged, and the document
    is the core's own (profile_to_dict), not a copy of it."""
    profile = replace(
        CATCH,
        restart=Restart(
            (Step(("space",), None, 300), Step((), (200, 300), 0), Step(("enter",), None, 800))
        ),
        launch=Launch(("screen-agent", "arcade", "catch"), {"SPEED": "2"}, 20.0, (10, 20)),
        allow_system_keys=True,
    )
    path = tmp_path / "catch.toml"
    path.write_text(dumps_profile(profile))
    model = ProfileModel()
    model.load(path)
    assert model.to_document() == profile_to_dict(profile)
    assert not model.simple_restart
    with pytest.raises(ValueError, match="sequence"):
        model.set_restart(["space"], 500)  # the simple editor must not drop the other steps
    model.set_name("catch-2")
    model.save()
    again = load_profile(path)
    assert again.restart == profile.restart and again.launch == profile.launch
    assert again.allow_system_keys and again.name == "catch-2"


def test_simple_restart_edits_and_comments_survive_a_save(tmp_path):
    path = tmp_path / "catch.toml"
    text = dumps_profile(CATCH)
    path.write_text(
        "# Catch, calibrated by hand\n" + text.replace("key_hold_ms", "# hold\nkey_hold_ms")
    )
    model = ProfileModel()
    model.load(path)
    assert model.simple_restart
    model.set_restart(["space", "enter"], 700)
    assert model.restart == Restart((Step(("space", "enter"), None, 700),))
    model.save()
    assert load_profile(path).restart == model.restart
    saved = path.read_text()
    assert saved.startswith("# Catch, calibrated by hand") and "# hold" in saved
    model.set_restart([], 0)  # nothing: the game restarts by itself
    assert model.restart == Restart() and "restart" not in model.to_document()


def test_training_model_curves_and_state():
    model = TrainingModel()
    episodes, states = [], []
    model.episode_added.connect(episodes.append)
    model.state_changed.connect(states.append)
    for i, ret in enumerate([1.0, 3.0, 2.0]):
        model.apply(EpisodeEvent(step=100 * (i + 1), episode=i + 1, ret=ret, length=100))
    assert list(model.returns) == [1.0, 3.0, 2.0]
    assert list(model.rolling_mean) == [1.0, 2.0, 2.0]
    assert model.episodes == 3 and len(episodes) == 3
    model.apply(
        StatsEvent(
            step=300,
            updates=0,
            loss=None,
            q_mean=None,
            epsilon=1.0,
            decisions_per_second=14.9,
            lateness_ms_p99=2.5,
            latency_ms_p99=30.0,
        )
    )
    assert math.isnan(model.stats["loss"][-1]) and model.stats["epsilon"][-1] == 1.0
    frames = np.zeros((4, 84, 84), np.uint8)
    model.apply(FrameEvent(301, frames, "left"))
    assert model.frame is not None and model.frame.action == "left"
    model.apply(PauseEvent("the game window lost focus"))
    assert model.pause_message == "the game window lost focus"
    model.apply(PauseEvent(None))
    assert model.pause_message is None
    model.set_state("running")
    model.fail("boom")
    assert states == ["running", "failed"] and model.error == "boom"


def _frame(value: int) -> np.ndarray:
    frame = np.zeros((100, 100, 3), np.uint8)
    frame[10:30, 10:30] = value
    return frame


def test_reward_debugger_model_signals_and_firings(tmp_path):
    debug = RewardDebugModel()
    regions = {"game": Region(0, 0, 100, 100), "banner": Region(10, 10, 20, 20)}
    tables = [
        {
            "kind": "range",
            "region": "banner",
            "intensity": [200, 255],
            "reward": -1,
            "settle_frames": 1,
        },
    ]
    debug.configure(tables, regions, str(tmp_path / "p.toml"))
    assert debug.error is None and len(debug.names) == 1
    fired = []
    debug.fired.connect(fired.append)
    for i, value in enumerate([0, 0, 255, 255, 0]):
        debug.feed(_frame(value), 10.0 + i / 15)
    assert [round(v) for v in debug.signals[0]] == [0, 0, 255, 255, 0]
    assert len(fired) == 1 and fired[0].reward == -1 and fired[0].rule == 0
    assert debug.total_reward == -1
    debug.configure([{"kind": "range", "region": "nowhere"}], regions, "p.toml")
    assert debug.error is not None and "nowhere" in debug.error and debug.rules == []


def test_screen_mapper_mixed_device_pixel_ratios():
    # A 1920x1080 monitor at DPR 1, and right of it a 3840x2160 one at DPR 2 (1920x1080 logical).
    monitors = [Region(0, 0, 1920, 1080), Region(1920, 0, 3840, 2160)]
    screens = [(Region(0, 0, 1920, 1080), 1.0), (Region(1920, 0, 1920, 1080), 2.0)]
    mapper = ScreenMapper(match_monitors(screens, monitors))
    assert mapper.to_physical(100, 50) == (100, 50)
    assert mapper.to_physical(1920 + 100, 50) == (1920 + 200, 100)
    assert mapper.to_logical(1920 + 200, 100) == (2020, 50)
    assert mapper.physical_bounds == Region(0, 0, 5760, 2160)
    assert mapper.logical_bounds == Region(0, 0, 3840, 1080)


class StackedDesktop:
    """Just the window list of a desktop (bottom-most first), as ``window_at`` reads it."""

    def __init__(self, windows: list[Window]) -> None:
        self._windows = windows

    def windows(self) -> list[Window]:
        return list(self._windows)


def test_window_at_takes_the_topmost_window_under_the_point_but_not_our_own():
    game = Window(1, "game", Region(100, 100, 400, 300))
    dialog = Window(2, "dialog", Region(300, 200, 100, 100))
    overlay = Window(3, "screen-agent: pick regions", Region(0, 0, 1600, 1000))
    desktop = StackedDesktop([game, dialog, overlay])
    assert window_at(desktop, 150, 150, exclude={3}) == game
    assert window_at(desktop, 350, 250, exclude={3}) == dialog  # on top of the game
    assert window_at(desktop, 350, 250) == overlay
    assert window_at(desktop, 50, 50, exclude={3}) is None  # the desktop itself
