"""Where the app goes so it does not cover the game: the pure geometry, no display."""

from __future__ import annotations

import numpy as np
import pytest

from screen_agent.geometry import Region
from screen_agent.gui.placement import (
    GAP,
    free_areas,
    least_cover,
    overlaps,
    place_clear_of,
)

SCREEN = Region(0, 0, 1600, 1000)
APP_MINIMUM = (807, 645)
"""The main window's minimum size with a 2-pixel frame."""


def test_the_issue_case_shrinks_the_app_beside_the_game():
    # The app at the left, 1280 wide, over the left 90 px of a 400x560 game at the right.
    game = Region(1190, 40, 400, 560)
    placement = place_clear_of(SCREEN, game, Region(0, 0, 1280, 800), APP_MINIMUM)
    assert placement is not None and placement.moved
    assert placement.frame == Region(0, 0, 1190 - GAP, 800)  # only narrower, not moved
    assert not overlaps(placement.frame, game, GAP - 1)


def test_a_clear_app_stays_where_it_is():
    frame = Region(0, 0, 860, 700)
    placement = place_clear_of(SCREEN, Region(870, 40, 400, 560), frame, APP_MINIMUM)
    assert placement is not None and not placement.moved and placement.frame == frame


def test_keeping_the_size_beats_moving_less():
    # Left of the game the app fits only narrower; below it, it fits whole but moves farther.
    game = Region(700, 0, 400, 400)
    frame = Region(100, 50, 800, 500)
    placement = place_clear_of(SCREEN, game, frame, (300, 300))
    assert placement is not None
    assert placement.size == (800, 500)
    assert placement.frame == Region(100, 400 + GAP, 800, 500)


def test_of_equal_sizes_the_nearest_band_wins():
    game = Region(600, 100, 400, 560)
    placement = place_clear_of(SCREEN, game, Region(300, 100, 500, 400), (200, 200))
    # Left: x from 300 to 92 (208 px); right: to 1008 (708 px).
    assert placement is not None and placement.frame == Region(600 - GAP - 500, 100, 500, 400)


def test_no_room_gives_none_and_least_cover_hides_the_least():
    game = Region(300, 200, 1000, 600)  # the bands around it are all under 300 px
    frame = Region(400, 300, 900, 700)
    assert place_clear_of(SCREEN, game, frame, (600, 400)) is None
    spot = least_cover(SCREEN, game, frame, (600, 400))
    assert (spot.width, spot.height) == (600, 400)
    assert SCREEN.holds(spot)
    # Every corner hides 300x200 of the game at most; the chosen one hides no more.
    hidden = spot.intersection(game)
    assert hidden is not None and hidden.area == 300 * 200


def test_bands_leave_the_gap_and_skip_empty_sides():
    game = Region(0, 100, 400, 300)  # at the left edge: no band on its left
    bands = free_areas(SCREEN, game, gap=10)
    assert Region(410, 0, 1190, 1000) in bands
    assert Region(0, 0, 1600, 90) in bands and Region(0, 410, 1600, 590) in bands
    assert len(bands) == 3


def test_a_game_partly_off_the_screen_still_gets_room_beside_it():
    game = Region(1400, 500, 400, 560)  # hangs off the right and the bottom
    placement = place_clear_of(SCREEN, game, Region(1000, 300, 900, 700), APP_MINIMUM)
    assert placement is not None and SCREEN.holds(placement.frame)
    assert not overlaps(placement.frame, game)


@pytest.mark.parametrize("seed", range(5))
def test_any_answer_is_on_screen_clear_of_the_game_and_no_bigger(seed):
    rng = np.random.default_rng(seed)
    for _ in range(400):
        gx, gy = rng.integers(-200, 1500), rng.integers(-200, 900)
        game = Region(int(gx), int(gy), int(rng.integers(50, 900)), int(rng.integers(50, 800)))
        fw, fh = int(rng.integers(200, 1600)), int(rng.integers(150, 1000))
        frame = Region(
            int(rng.integers(0, 1600 - fw + 1)), int(rng.integers(0, 1000 - fh + 1)), fw, fh
        )
        minimum = (int(rng.integers(50, fw + 1)), int(rng.integers(50, fh + 1)))
        placement = place_clear_of(SCREEN, game, frame, minimum)
        if placement is None:
            assert overlaps(frame, game)
            continue
        new = placement.frame
        assert not overlaps(new, game), (game, frame, new)
        if placement.moved:
            assert SCREEN.holds(new) and not overlaps(new, game, GAP - 1)
            assert minimum[0] <= new.width <= frame.width
            assert minimum[1] <= new.height <= frame.height
