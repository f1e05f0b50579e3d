"""One episode of each real game through the screen session: reset (the restart sequence
starts a game), play until the profile's game-over rule ends it, reset again: the next game
runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from games import GAMES, profile_copy

from screen_agent.envs.session import open_session

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("keyboard")]

EPISODE_S = 75
"""Longer than an idle player survives in any of the games (xgalaga's ~17 s is the longest
but Pac-Man's three lives with GET READY in between)."""


@pytest.mark.parametrize("game", GAMES)
def test_an_episode_ends_at_game_over_and_the_next_one_starts(
    game: str, xvfb_display: Any, tmp_path: Path
) -> None:
    path = profile_copy(game, tmp_path, episode_seconds=EPISODE_S)
    session = open_session(path, launch=True)
    try:
        noop = session.profile.noop_action
        obs, _ = session.reset()
        assert obs.shape == (4, 84, 84) and obs.dtype == np.uint8
        terminated = truncated = False
        steps = 0
        while not (terminated or truncated):
            # Mostly idle, so the game ends soon; some keys, so it is played.
            action = (
                noop
                if steps % 5
                else int(np.random.default_rng(steps).integers(session.action_space.n))
            )
            obs, _, terminated, truncated, _ = session.step(action)
            steps += 1
        assert terminated and not truncated, f"{game}: no game over in {EPISODE_S} s"
        first = steps
        session.reset()  # the restart sequence, from the game-over screen
        for _ in range(15):  # a second of the new game: it runs, it is not over
            _, _, terminated, _, _ = session.step(noop)
            assert not terminated, f"{game}: the game is still over after the restart"
    finally:
        session.close()
    print(f"\n{game}: game over after {first} steps; the restart started a new game")
