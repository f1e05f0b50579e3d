"""The digit mapping on synthetic score sequences: glyph shapes with no meaning of their own,
numbered in a random order, must come out as the right digits from how the number changed."""

from __future__ import annotations

import numpy as np
import pytest

from screen_agent.calibrate.digit_mapping import (
    MINUS,
    ScoreStrings,
    map_digits,
    order_evidence,
    shape_order,
)
from screen_agent.calibrate.glyphs import ShapeClusters


def spell(values: list[int], width: int | None, rng: np.random.Generator) -> ScoreStrings:
    """The strings a display shows for ``values`` (zero-padded to ``width``, or not), with
    each digit drawn as a random 7x5 bitmap whose shape id is arbitrary."""
    shapes = ShapeClusters()
    bitmaps = {d: rng.random((7, 5)) < 0.5 for d in "0123456789"}
    order = list(rng.permutation(10))
    for d in order:  # shape ids in a random order
        shapes.assign(bitmaps[str(d)])
    strings = []
    for v in values:
        text = str(abs(v)).rjust(width, "0") if width else str(abs(v))
        ids = tuple(shapes.assign(bitmaps[c]) for c in text)
        strings.append(((MINUS,) if v < 0 else ()) + ids)
    used = sorted({i for s in strings for i in s if i != MINUS})
    # Keep only the shapes seen, renumbered 0..n-1, as a real watch would have them.
    renumber = {old: new for new, old in enumerate(used)}
    seen = ShapeClusters()
    for old in used:
        seen.assign(shapes.shapes[old])
    strings = [tuple(renumber.get(i, i) if i != MINUS else MINUS for i in s) for s in strings]
    starts = list(range(0, 10 * len(values), 10))
    return ScoreStrings(seen, strings, starts, [s + 10 for s in starts], None)


def game(
    rng: np.random.Generator, steps: list[int], games: int, length: int, start: int = 0
) -> list[int]:
    """Scores of ``games`` games of ``length`` scoring events each, restarting at ``start``."""
    values = []
    for _ in range(games):
        v = start
        values.append(v)
        for _ in range(length):
            v += int(rng.choice(steps))
            values.append(v)
    return values


@pytest.mark.parametrize("seed", range(4))
def test_a_zero_padded_score_in_steps_of_fifty_is_read(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = game(rng, [50, 100, 150], games=3, length=25)
    strings = spell(values, 7, rng)
    proposal = map_digits(strings, fixed_width=True)
    assert proposal is not None
    assert proposal.values == values
    assert proposal.confident, proposal.margin_bits


@pytest.mark.parametrize("seed", range(4))
def test_a_counter_without_padding_is_read(seed: int) -> None:
    rng = np.random.default_rng(10 + seed)
    values = game(rng, [1, 1, 1, 2], games=2, length=40, start=1)
    proposal = map_digits(spell(values, None, rng), fixed_width=False)
    assert proposal is not None and proposal.values == values
    assert proposal.confident


def test_a_score_that_goes_below_zero_is_read() -> None:
    rng = np.random.default_rng(3)
    values = [0]
    for _ in range(2):
        for _ in range(45):
            values.append(values[-1] + int(rng.choice([-1, -1, -1, 4, 6])))
        values.append(0)
    proposal = map_digits(spell(values, None, rng), fixed_width=False)
    assert proposal is not None and proposal.values == values


def test_digits_that_only_ever_come_after_one_restart_are_not_trusted() -> None:
    # Every game ends at 2, 3 or 4 reached straight from 1: nothing tells 2, 3 and 4 apart.
    rng = np.random.default_rng(0)
    values = [1, 2, 1, 3, 1, 4, 1, 2, 1, 4, 1, 3]
    proposal = map_digits(spell(values, 10, rng), fixed_width=True)
    assert proposal is not None
    assert not proposal.confident


def test_changes_order_the_shapes() -> None:
    strings = [(0, 1), (0, 2), (0, 3), (1, 0), (0, 1)]
    edges = order_evidence(strings)
    assert edges[(1, 2)] == 1 and edges[(0, 1)] == 1 and edges[(1, 0)] == 1
    orders = shape_order(4, edges)
    assert (0, 1, 2, 3) in orders[:4]  # tied with the orders the restart (1, 0) allows
