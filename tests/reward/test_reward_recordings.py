"""The rules on recorded sessions of the arcade games (tests/data, see recordings.py):
every score change is found, no reward where the score did not change, digits read right,
the game-over banner and a captured template are seen, frozen fires on time."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from recordings import CATCH_REGIONS, PONG_REGIONS, Session, load_session

from screen_agent.geometry import Region
from screen_agent.reward import DigitReader, RewardReader, build_rules, save_image

CALIBRATION = Path(__file__).resolve().parents[2] / "calibration"
WINDOW = {"catch": (560, 400), "pong": (630, 480)}
"""(height, width) of each game's client area at its default scale."""


def profile(game: str) -> tuple[list[dict], dict[str, Region], str]:
    path = CALIBRATION / f"arcade-{game}.toml"
    doc = tomllib.loads(path.read_text())
    regions = {k: Region(**r) for k, r in doc["regions"].items()}
    return doc["rewards"], regions, str(path)


@pytest.fixture(scope="module")
def catch() -> Session:
    return load_session("catch")


@pytest.fixture(scope="module")
def pong() -> Session:
    return load_session("pong")


def frames(session: Session, game: str) -> Iterator[np.ndarray]:
    """Client-area frames rebuilt from the crops (what is not recorded is black)."""
    regions = CATCH_REGIONS if game == "catch" else PONG_REGIONS
    canvas = np.zeros((*WINDOW[game], 3), dtype=np.uint8)
    for i in range(len(session)):
        for name, (x, y, w, h) in regions.items():
            canvas[y : y + h, x : x + w] = session.crops[name][i]
        yield canvas


def play(reader: RewardReader, session: Session, game: str) -> tuple[np.ndarray, np.ndarray]:
    """Rewards and game-over flags per frame; the reader is reset where a new game starts."""
    rewards, over = np.zeros(len(session)), np.zeros(len(session), dtype=bool)
    for i, frame in enumerate(frames(session, game)):
        if i and session.episode[i] != session.episode[i - 1]:
            reader.reset()
        event = reader.read(frame, float(session.t[i]))
        rewards[i], over[i] = event.reward, event.game_over
    return rewards, over


def expected_rewards(session: Session, channels: dict[str, float], settle: int) -> np.ndarray:
    """The reward each frame should get: each change of a channel's true score, times its
    factor, on the frame where the new score has been shown for ``settle`` frames."""
    out = np.zeros(len(session))
    for name, factor in channels.items():
        truth = session.truth[name]
        for i in np.flatnonzero(np.diff(truth)) + 1:
            if session.episode[i] == session.episode[i - 1]:  # a restart is not a reward
                out[i + settle - 1] += factor * (truth[i] - truth[i - 1])
    return out


def only(tables: list[dict], kind: str) -> list[dict]:
    return [t for t in tables if t["kind"] == kind]


# --- score changes ----------------------------------------------------------------------------
def test_catch_score_changes_are_all_found_by_score_change(catch: Session) -> None:
    _, regions, source = profile("catch")
    rule = {"kind": "score_change", "region": "score", "settle_frames": 2}
    rewards, _ = play(RewardReader.from_tables([rule], regions, source), catch, "catch")
    changes = expected_rewards(catch, {"score": 1.0}, 2)
    assert np.count_nonzero(changes) >= 10
    # +1 for every change (catch or miss): score_change cannot tell the sign.
    np.testing.assert_array_equal(rewards, (changes != 0).astype(float))


def test_catch_digits_reward_every_change_with_its_sign(catch: Session) -> None:
    tables, regions, source = profile("catch")
    reader = RewardReader.from_tables(only(tables, "digits"), regions, source)
    rewards, _ = play(reader, catch, "catch")
    expected = expected_rewards(catch, {"score": 1.0}, 2)
    assert (expected < 0).any() and (expected > 0).any()
    np.testing.assert_array_equal(rewards, expected)


def test_catch_digits_read_the_right_number_on_every_settled_frame(catch: Session) -> None:
    tables, regions, source = profile("catch")
    (rule,) = build_rules(only(tables, "digits"), regions, source)
    truth = catch.truth["score"]
    for i, frame in enumerate(frames(catch, "catch")):
        if i and truth[i] == truth[i - 1]:  # settled: shown for at least two frames
            assert rule.signal(frame) == truth[i], f"frame {i}"


def test_pong_score_changes_are_all_found_by_the_profile(pong: Session) -> None:
    tables, regions, source = profile("pong")
    reader = RewardReader.from_tables(only(tables, "score_change"), regions, source)
    rewards, _ = play(reader, pong, "pong")
    expected = expected_rewards(pong, {"score_player": 1.0, "score_opponent": -1.0}, 2)
    assert np.count_nonzero(expected) >= 15 and (expected > 0).any()
    np.testing.assert_array_equal(rewards, expected)


def test_pong_digits_calibrated_on_part_of_a_session_read_all_of_it(
    pong: Session, tmp_path: Path
) -> None:
    # Calibrate on the opponent's (orange) score while it went 0..15, then read both sides
    # (the player's is green) on every frame, held-out values 16..20 included.
    opponent = pong.truth["score_opponent"]
    calib = np.flatnonzero((opponent <= 15) & (pong.episode == 0))[::3]
    reader = DigitReader()
    report = reader.calibrate((pong.crops["score_opponent"][i], int(opponent[i])) for i in calib)
    assert report.missing == "-" and not report.rejected
    reader.save(tmp_path / "arcade-pong.digits.npz")

    _, regions, _ = profile("pong")
    digits = {"style": "templates", "file": "arcade-pong.digits.npz", "chars": 2}
    tables = [
        {"kind": "digits", "region": "score_player", "digits": digits},
        {"kind": "digits", "region": "score_opponent", "digits": digits, "reward": -1},
    ]
    source = str(tmp_path / "arcade-pong.toml")
    for rule in build_rules(tables, regions, source):
        name = rule.common.region_name
        for i, frame in enumerate(frames(pong, "pong")):
            assert rule.signal(frame) == pong.truth[name][i], f"{name} frame {i}"
    rewards, _ = play(RewardReader.from_tables(tables, regions, source), pong, "pong")
    expected = expected_rewards(pong, {"score_player": 1.0, "score_opponent": -1.0}, 2)
    np.testing.assert_array_equal(rewards, expected)


# --- game over --------------------------------------------------------------------------------
def test_catch_range_sees_the_game_over_banner(catch: Session) -> None:
    tables, regions, source = profile("catch")
    (enter,) = only(tables, "range")
    held = {**enter, "trigger": "while"}
    _, over = play(RewardReader.from_tables([held], regions, source), catch, "catch")
    known = catch.game_over >= 0
    shown = catch.game_over == 1
    assert shown.sum() >= 20
    # Every frame known to show the banner, after the settle frame, ends the game; none else.
    first = np.flatnonzero(shown)[0]
    assert over[shown & (np.arange(len(catch)) > first)].all()
    assert not over[known & ~shown].any()
    _, once = play(RewardReader.from_tables([enter], regions, source), catch, "catch")
    assert np.count_nonzero(once) == 1 and first - 3 <= np.flatnonzero(once)[0] <= first + 1


def test_catch_template_captured_from_the_banner_fires_once(catch: Session, tmp_path: Path) -> None:
    # Capture the reference the way calibration would: a part of the banner on one frame.
    shown = np.flatnonzero(catch.game_over == 1)
    save_image(tmp_path / "game-over.png", catch.crops["banner"][shown[5]][10:60, 40:260])
    _, regions, _ = profile("catch")
    table = {"kind": "template", "region": "banner", "image": "game-over.png",
             "threshold": 0.9, "game_over": True}  # fmt: skip
    reader = RewardReader.from_tables([table], regions, str(tmp_path / "catch.toml"))
    _, over = play(reader, catch, "catch")
    assert np.count_nonzero(over) == 1
    assert shown[0] - 3 <= np.flatnonzero(over)[0] <= shown[0] + 1
    assert catch.game_over[np.flatnonzero(over)[0]] != 0


# --- frozen -----------------------------------------------------------------------------------
@pytest.mark.parametrize("seconds", [0.5, 1.2])
def test_frozen_fires_after_the_seconds_of_unchanged_score_and_not_before(
    catch: Session, seconds: float
) -> None:
    # Between changes the score region stands still (recordings.py checks it): each still
    # stretch of at least `seconds` must fire once, on its first frame that old.
    _, regions, source = profile("catch")
    table = {"kind": "frozen", "region": "score", "seconds": seconds}
    _, over = play(RewardReader.from_tables([table], regions, source), catch, "catch")
    t, truth = catch.t, catch.truth["score"]
    starts = [0, *(np.flatnonzero(np.diff(truth)) + 1)]
    ends = [*starts[1:], len(truth)]
    expected = np.zeros(len(catch), dtype=bool)
    for start, end in zip(starts, ends, strict=True):
        old = np.flatnonzero(t[start:end] - t[start] >= seconds)
        if len(old):
            expected[start + old[0]] = True
    assert expected.sum() >= 8
    np.testing.assert_array_equal(over, expected)


@pytest.mark.parametrize("game", ["catch", "pong", "breakout"])
def test_every_arcade_profile_builds_its_rules(game: str) -> None:
    tables, regions, source = profile(game)
    assert len(build_rules(tables, regions, source)) == len(tables)
