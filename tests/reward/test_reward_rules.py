"""Each rule on synthetic frames, the reader combining them, and broken tables refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from screen_agent.errors import UserError
from screen_agent.geometry import Region
from screen_agent.profile import ProfileError
from screen_agent.reward import (
    RewardEvent,
    RewardReader,
    build_rules,
    save_image,
)
from screen_agent.reward.seven_segment import DigitBox

SRC = "calibration/x.toml"
REGIONS = {"score": Region(10, 5, 40, 20), "banner": Region(0, 40, 60, 20)}
"""In a 60x64 frame."""


def blank() -> np.ndarray:
    return np.zeros((64, 60, 3), dtype=np.uint8)


def rule(**table: Any):
    return build_rules([table], REGIONS, SRC)[0]


def run(r, frames, times=None) -> list[RewardEvent]:
    times = times if times is not None else [i / 15 for i in range(len(frames))]
    return [r.update(f, t) for f, t in zip(frames, times, strict=True)]


def with_score(value: int) -> np.ndarray:
    f = blank()
    f[8:20, 12 : 12 + 3 * value] = 255
    return f


# --- score change -----------------------------------------------------------------------------
def test_score_change_fires_once_per_settled_change() -> None:
    r = rule(kind="score_change", region="score", settle_frames=2)
    anim = [with_score(1), with_score(2), with_score(3)]  # a three-frame animation
    frames = [with_score(0)] * 3 + anim + [with_score(3)] * 3
    events = run(r, frames)
    assert [e.reward for e in events] == [0, 0, 0, 0, 0, 0, 1, 0, 0]
    assert r.signal(with_score(4)) > 0 and r.signal(with_score(3)) == 0


def test_score_change_ignores_a_flicker_back_and_other_regions() -> None:
    r = rule(kind="score_change", region="score", settle_frames=2, reward=-1)
    other = with_score(0)
    other[50, 5] = 255  # outside the score region
    frames = [with_score(0)] * 2 + [with_score(5)] + [with_score(0)] * 3 + [other] * 3
    assert all(e.reward == 0 for e in run(r, frames))
    assert run(r, [with_score(1)] * 2)[-1] == RewardEvent(-1.0, False)


def test_score_change_settle_one_and_reset() -> None:
    r = rule(kind="score_change", region="score", settle_frames=1)
    events = run(r, [with_score(0), with_score(1), with_score(1), with_score(2)])
    assert [e.reward for e in events] == [0, 1, 0, 1]
    r.reset()
    assert run(r, [with_score(0), with_score(0)])[-1].reward == 0  # a new baseline


# --- digits -----------------------------------------------------------------------------------
SEVEN = {"style": "seven_segment", "chars": 3, "char_width": 11, "char_height": 19,
         "thickness": 3, "gap": 4, "colour": [255, 255, 255]}  # fmt: skip
DIGIT_REGIONS = {"score": Region(2, 2, 50, 25)}


def seven_segment(text: str) -> np.ndarray:
    f = np.zeros((30, 60, 3), dtype=np.uint8)
    box = DigitBox(11, 19, 3)
    for slot, char in enumerate(text.rjust(3)):
        ox, oy = 5 + slot * 15, 5
        for x, y, w, h in box.rects(char):
            f[oy + y : oy + y + h, ox + x : ox + x + w] = 255
    return f


@pytest.mark.parametrize("value", [*range(-9, 21), 99, 100, 789, -45])
def test_digits_reads_seven_segment_numbers(value: int) -> None:
    r = build_rules([{"kind": "digits", "region": "score", "digits": SEVEN}], DIGIT_REGIONS, SRC)[0]
    assert r.signal(seven_segment(str(value))) == value


def test_digits_rewards_the_difference_after_settling_and_skips_unreadable() -> None:
    table = {"kind": "digits", "region": "score", "settle_frames": 2, "reward": 2, "digits": SEVEN}
    r = build_rules([table], DIGIT_REGIONS, SRC)[0]
    smudge = seven_segment("3")
    smudge[20:23, 20:23] = 255  # a speck: an unknown glyph, the frame is unreadable
    frames = [seven_segment("3")] * 2 + [smudge, seven_segment("5"), smudge, seven_segment("5")]
    frames += [seven_segment("-1")] * 2
    events = run(r, frames)
    assert [e.reward for e in events] == [0, 0, 0, 0, 0, 4, 0, -12]
    assert np.isnan(r.signal(smudge)) and r.value == -1


def test_digit_calibration_learns_templates_and_round_trips(tmp_path: Path) -> None:
    from screen_agent.reward import DigitReader

    reader = DigitReader()
    samples = [(seven_segment(str(v))[2:27, 2:52], v) for v in (-7, 12, 30, 45, 68, 90, 7)]
    report = reader.calibrate(samples)
    assert report.used == len(samples) and report.missing == ""
    reader.save(tmp_path / "x.digits.npz")
    table = {
        "kind": "digits",
        "region": "score",
        "digits": {"style": "templates", "file": "x.digits.npz"},
    }
    r = build_rules([table], DIGIT_REGIONS, str(tmp_path / "x.toml"))[0]
    assert [r.signal(seven_segment(str(v))) for v in (-3, 59, 801)] == [-3, 59, 801]


# --- range ------------------------------------------------------------------------------------
def banner(red_rows: int) -> np.ndarray:
    f = blank()
    f[40 : 40 + red_rows, :] = (250, 95, 85)
    return f


def test_range_colour_fraction_enter_and_while() -> None:
    table = dict(kind="range", region="banner", colour=[255, 90, 90], tolerance=30,
                 fraction=[0.25, 1.0], game_over=True, settle_frames=2)  # fmt: skip
    frames = [banner(0), banner(10), banner(10), banner(10), banner(2), banner(10), banner(10)]
    enter = run(rule(**table), frames)
    assert [e.game_over for e in enter] == [0, 0, 1, 0, 0, 0, 1]
    assert all(e.reward == 0 for e in enter)
    held = run(rule(**table, trigger="while"), frames)
    assert [e.game_over for e in held] == [0, 0, 1, 1, 0, 0, 1]
    assert rule(**table).signal(banner(10)) == pytest.approx(0.5)


def test_range_mean_intensity() -> None:
    r = rule(kind="range", region="banner", intensity=[100, 255], reward=-1, settle_frames=1)
    grey = blank()
    grey[40:] = 200
    assert [e.reward for e in run(r, [blank(), grey])] == [0, -1]
    assert r.signal(grey) == pytest.approx(200)


# --- template ---------------------------------------------------------------------------------
def test_template_matches_a_captured_reference_anywhere_in_the_region(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    patch = rng.integers(0, 256, (10, 16, 3), dtype=np.uint8)
    save_image(tmp_path / "ref.png", patch)
    r = build_rules(
        [{"kind": "template", "region": "banner", "image": "ref.png", "threshold": 0.9,
          "reward": 5, "settle_frames": 1}],
        REGIONS, str(tmp_path / "x.toml"),
    )[0]  # fmt: skip
    shown = blank()
    shown[45:55, 30:46] = patch
    moved = blank()
    moved[48:58, 2:18] = patch
    noise = blank()
    noise[40:60] = rng.integers(0, 256, (20, 60, 3), dtype=np.uint8)
    assert r.signal(shown) == pytest.approx(1.0, abs=1e-4) and r.signal(noise) < 0.5
    events = run(r, [blank(), noise, shown, shown, moved, blank(), moved])
    assert [e.reward for e in events] == [0, 0, 5, 0, 0, 0, 5]


# --- frozen -----------------------------------------------------------------------------------
def test_frozen_fires_after_the_seconds_of_the_time_stamps_and_not_before() -> None:
    r = rule(kind="frozen", region="banner", seconds=1.0)
    times = [0.0, 0.3, 0.6, 0.99, 1.0, 1.5, 1.6, 2.0, 2.7]
    frames = [blank()] * 6 + [banner(1)] + [banner(1)] * 2
    events = run(r, frames, times)
    assert [e.game_over for e in events] == [0, 0, 0, 0, 1, 0, 0, 0, 1]
    assert r.signal(banner(1)) == pytest.approx(1.1)


def test_frozen_counts_frames_at_the_decision_rate_without_time_stamps() -> None:
    reader = RewardReader.from_tables(
        [{"kind": "frozen", "region": "banner", "seconds": 1.0}], REGIONS, SRC, 10.0
    )
    events = [reader.read(blank()) for _ in range(12)]
    assert [i for i, e in enumerate(events) if e.game_over] == [10]


# --- reader -----------------------------------------------------------------------------------
def test_reader_adds_rewards_and_ors_game_over() -> None:
    reader = RewardReader.from_tables(
        [
            {"kind": "score_change", "region": "score", "settle_frames": 1},
            {"kind": "score_change", "region": "score", "settle_frames": 1, "reward": 2},
            {"kind": "range", "region": "banner", "colour": [255, 90, 90],
             "fraction": [0.5, 1], "game_over": True, "settle_frames": 1},
        ],
        REGIONS, SRC,
    )  # fmt: skip
    assert reader.read(blank()) == RewardEvent(0, False)
    both = with_score(2)
    both[40:] = (255, 90, 90)
    assert reader.read(both, 0.1) == RewardEvent(3.0, True)
    assert len(reader.signals(both)) == 3


def test_reader_refuses_regions_outside_the_frame_and_bad_frames() -> None:
    reader = RewardReader.from_tables([{"kind": "score_change", "region": "score"}], REGIONS, SRC)
    with pytest.raises(UserError, match=r"region 'score'.*outside the 30x20 frame"):
        reader.read(np.zeros((20, 30, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match="uint8 RGB"):
        reader.read(np.zeros((64, 60), dtype=np.uint8))


# --- broken tables ----------------------------------------------------------------------------
BAD_TABLES = [
    ({"region": "score"}, "rewards[0].kind: missing"),
    ({"kind": "scores", "region": "score"}, "rewards[0].kind: unknown value"),
    ({"kind": "score_change"}, "rewards[0].region: missing"),
    ({"kind": "score_change", "region": "lives"}, "rewards[0].region: no region named 'lives'"),
    ({"kind": "score_change", "region": "score", "settle_frames": 0}, "rewards[0].settle_frames: must be between 1 and 600"),
    ({"kind": "score_change", "region": "score", "settle_frames": 1.5}, "rewards[0].settle_frames: expected a whole number"),
    ({"kind": "score_change", "region": "score", "setle_frames": 2}, "rewards[0].setle_frames: unknown field"),
    ({"kind": "score_change", "region": "score", "reward": "1"}, "rewards[0].reward: expected a number"),
    ({"kind": "score_change", "region": "score", "game_over": 1}, "rewards[0].game_over: expected true or false"),
    ({"kind": "score_change", "region": "score", "reward": 0}, "rewards[0].reward: the rule neither rewards"),
    ({"kind": "score_change", "region": "score", "tolerance": 300}, "rewards[0].tolerance: must be between 0 and 255"),
    ({"kind": "range", "region": "banner", "game_over": True}, "rewards[0].fraction: give exactly one"),
    ({"kind": "range", "region": "banner", "game_over": True, "fraction": [0.5, 0.2], "colour": [1, 2, 3]}, "rewards[0].fraction: needs 0 <= min <= max <= 1"),
    ({"kind": "range", "region": "banner", "game_over": True, "fraction": [0, 1], "colour": [1, 2]}, "rewards[0].colour: expected [red, green, blue]"),
    ({"kind": "range", "region": "banner", "game_over": True, "fraction": [0, 1]}, "rewards[0].colour: missing"),
    ({"kind": "range", "region": "banner", "game_over": True, "intensity": [0, 300]}, "rewards[0].intensity: needs 0 <= min"),
    ({"kind": "range", "region": "banner", "game_over": True, "intensity": [0, 9], "trigger": "once"}, "rewards[0].trigger: unknown value"),
    ({"kind": "template", "region": "banner", "game_over": True}, "rewards[0].image: missing"),
    ({"kind": "template", "region": "banner", "game_over": True, "image": "nope.png"}, "rewards[0].image: cannot read"),
    ({"kind": "template", "region": "banner", "game_over": True, "image": "big.png"}, "rewards[0].image: 80x30 is larger than region"),
    ({"kind": "template", "region": "banner", "game_over": True, "image": "flat.png"}, "rewards[0].image: the reference is one flat colour"),
    ({"kind": "template", "region": "banner", "game_over": True, "image": "ok.png", "threshold": 1.5}, "rewards[0].threshold: must be between 0 and 1"),
    ({"kind": "frozen", "region": "banner"}, "rewards[0].seconds: missing"),
    ({"kind": "frozen", "region": "banner", "seconds": 0}, "rewards[0].seconds: must be greater than 0"),
    ({"kind": "digits", "region": "score"}, "rewards[0].digits: missing"),
    ({"kind": "digits", "region": "score", "digits": 3}, "rewards[0].digits: expected a table"),
    ({"kind": "digits", "region": "score", "digits": {}}, "rewards[0].digits.style: missing"),
    ({"kind": "digits", "region": "score", "digits": {**SEVEN, "thickness": 9}}, "rewards[0].digits.thickness: too thick"),
    ({"kind": "digits", "region": "score", "digits": {**SEVEN, "colour": "white"}}, "rewards[0].digits.colour: expected [red"),
    ({"kind": "digits", "region": "score", "digits": {**SEVEN, "font": "x"}}, "rewards[0].digits.font: unknown field"),
    ({"kind": "digits", "region": "score", "digits": {"style": "templates", "file": "none.npz"}}, "rewards[0].digits.file: cannot load"),
]  # fmt: skip


@pytest.mark.parametrize(("table", "message"), BAD_TABLES, ids=[m for _, m in BAD_TABLES])
def test_broken_tables_give_one_line_naming_the_field(
    table: dict[str, Any], message: str, tmp_path: Path
) -> None:
    rng = np.random.default_rng(1)
    save_image(tmp_path / "big.png", rng.integers(0, 256, (30, 80, 3), dtype=np.uint8))
    save_image(tmp_path / "ok.png", rng.integers(0, 256, (5, 5, 3), dtype=np.uint8))
    save_image(tmp_path / "flat.png", np.full((5, 5, 3), 7, dtype=np.uint8))
    source = str(tmp_path / "x.toml")
    with pytest.raises(ProfileError) as caught:
        build_rules([table], REGIONS, source)
    text = str(caught.value)
    assert text.startswith(f"{source}: {message}"), text
    assert "\n" not in text and "; " in text  # one line, with a fix after the problem


def test_the_index_names_the_broken_table() -> None:
    good = {"kind": "score_change", "region": "score"}
    with pytest.raises(ProfileError, match=r"rewards\[1\]\.seconds"):
        build_rules([good, {"kind": "frozen", "region": "banner", "seconds": -1}], REGIONS, SRC)
