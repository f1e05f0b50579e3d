"""Keys -> Atari actions, and the emulator wrapper (no window)."""

from __future__ import annotations

import numpy as np
import pytest

from screen_agent.arcade.atari import (
    AtariConfig,
    AtariGame,
    action_name,
    choose_action,
    normalise_name,
)

PONG = {"NOOP", "FIRE", "RIGHT", "LEFT", "RIGHTFIRE", "LEFTFIRE"}


@pytest.mark.parametrize(
    ("keys", "name"),
    [
        (set(), "NOOP"),
        ({"fire"}, "FIRE"),
        ({"up", "fire"}, "UPFIRE"),
        ({"right", "fire"}, "RIGHTFIRE"),
        ({"up", "left"}, "UPLEFT"),
        ({"down", "right", "fire"}, "DOWNRIGHTFIRE"),
        ({"left", "right"}, "NOOP"),
    ],
)
def test_action_name(keys: set[str], name: str) -> None:
    assert action_name(frozenset(keys)) == name


def test_choose_action_falls_back_to_what_the_game_has() -> None:
    assert choose_action(frozenset({"right", "fire"}), PONG) == "RIGHTFIRE"
    assert choose_action(frozenset({"up", "right"}), PONG) == "RIGHT"
    assert choose_action(frozenset({"up"}), PONG) == "NOOP"
    assert choose_action(frozenset(), PONG) == "NOOP"


def test_pong_arrows_match_the_screen() -> None:
    game = AtariGame(AtariConfig("pong", seed=0))
    assert game.action_for(frozenset({"up"})) == "RIGHT"
    assert game.action_for(frozenset({"down", "fire"})) == "LEFTFIRE"


def test_breakout_steps_and_draws() -> None:
    game = AtariGame(AtariConfig("Breakout", seed=0))
    assert game.action_names == ["NOOP", "FIRE", "RIGHT", "LEFT"]
    for _ in range(30):
        game.step(frozenset({"fire"}))
    screen = game.screen()
    assert screen.shape == (210, 160, 3) and screen.dtype == np.uint8 and screen.any()
    assert game.frames == 30 and not game.game_over


def test_unknown_rom_is_refused_with_the_list() -> None:
    with pytest.raises(ValueError, match="pong"):
        AtariGame(AtariConfig("no_such_game", seed=0))


def test_normalise_name() -> None:
    assert normalise_name(" Space-Invaders ") == "space_invaders"
