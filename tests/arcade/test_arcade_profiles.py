"""The arcade profiles in calibration/ agree with the windows the arcade draws."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from screen_agent.arcade.catch import CatchConfig
from screen_agent.arcade.layout import CatchLayout

CALIBRATION = Path(__file__).resolve().parents[2] / "calibration"
PROFILES = ("arcade-catch", "arcade-pong", "arcade-breakout")


def load(name: str) -> dict:
    with open(CALIBRATION / f"{name}.toml", "rb") as f:
        return tomllib.load(f)


@pytest.mark.parametrize("name", PROFILES)
def test_regions_fit_the_window_and_rules_name_regions(name: str) -> None:
    profile = load(name)
    assert profile["name"] == name
    window = profile["window"]
    assert window["title"] == f"screen-agent arcade: {name.removeprefix('arcade-')}"
    for region in profile["regions"].values():
        assert region["x"] >= 0 and region["y"] >= 0
        assert region["x"] + region["width"] <= window["width"]
        assert region["y"] + region["height"] <= window["height"]
    for rule in profile["rewards"]:
        assert rule["region"] in profile["regions"]
    assert profile["actions"][0]["keys"] == []
    assert profile["restart"]["keys"] == ["space"]


def test_catch_profile_matches_the_layout() -> None:
    profile = load("arcade-catch")
    lay = CatchLayout(CatchConfig(), cell=40)
    regions = profile["regions"]
    as_rect = {k: (r["x"], r["y"], r["width"], r["height"]) for k, r in regions.items()}
    assert as_rect["game"] == lay.field
    assert as_rect["score"] == lay.score_region
    assert (profile["window"]["width"], profile["window"]["height"]) == (lay.width, lay.height)
    digits = profile["rewards"][0]["digits"]
    assert (digits["char_width"], digits["char_height"], digits["thickness"]) == (
        lay.digit.width,
        lay.digit.height,
        lay.digit.thickness,
    )
    assert digits["gap"] == lay.digit_gap


def test_atari_actions_match_ale_order_and_the_window_keys() -> None:
    from screen_agent.arcade.atari import AtariConfig, AtariGame

    for name in ("pong", "breakout"):
        game = AtariGame(AtariConfig(name, seed=0))
        actions = load(f"arcade-{name}")["actions"]
        assert [a["name"] for a in actions] == game.action_names
        for action in actions:
            keys = frozenset("fire" if k == "space" else k for k in action["keys"])
            assert game.action_for(keys) == action["name"]
