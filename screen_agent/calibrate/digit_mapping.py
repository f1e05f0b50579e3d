"""Which glyph shape is which digit, found from how the score changed: no OCR, no typing.

The number's glyphs (from :mod:`.score_region`) are grouped into shapes; a short bar at the
left is a minus sign. Each settled picture is then a string of shape ids. Which digit each
shape stands for follows from facts about scores:

- a score moves by small steps, and mostly one way: so in a change between two numbers of
  the same width, the leftmost glyph that changed went one way in digit order (up for a score
  that rises); over the watch these changes order the shapes (:func:`shape_order`, the order
  that contradicts the fewest changes, exact over subsets for up to 11 shapes);
- digits keep that order, so a mapping is one of the increasing assignments of the ordered
  shapes to 0-9 (a few hundred at most, with the nearly-as-good orders);
- among them the best explains the sequence of numbers most briefly (:func:`reading_cost`,
  bits): a game scores in a few fixed amounts (few distinct steps, small ones), restarts to
  a small number, starts small, and a number of changing width has no leading zero.

The result says how sure it is (the bits by which the best reading beats the next one that
reads differently) and shows the numbers it reads, for the user to confirm.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from screen_agent.calibrate.glyphs import ShapeClusters
from screen_agent.calibrate.score_region import NumberLine, _is_minus

MINUS = -1
"""The shape id of a minus sign."""
MAX_SHAPES = 10
"""Digit shapes a mapping can take (one per digit)."""
MAX_ORDERS = 1000
"""Near-best shape orders tried (each with every increasing assignment to 0-9)."""
ALL_MAPPINGS_UP_TO = 6
"""With at most this many shapes every one-to-one mapping to digits is tried (151,200 for
6); with more, the near-best orders' assignments and a local search from the best of them
and from random starts."""
SEARCH_STARTS = 24
"""Starting mappings of the local search: the best from the orders, then random ones."""
CHUNK = 20000
"""Mappings costed at once (bounds the memory: chunk x states numbers)."""
ORDER_SLACK = 2.0
"""Contradicted changes, beyond the fewest possible, an order may have and still be tried..."""
ORDER_SLACK_SHARE = 0.05
"""...or this share of all the changes, if more (a score that also goes down now and then)."""
CONFIDENT_BITS = 4.0
"""The best reading must beat the next different one by this much to be trusted."""
STEP_DOWN_BITS = 1.0
"""Extra cost of a step down in the dictionary of steps (scores mostly go up)."""
RESTART_BITS = 3.0
"""Cost of a restart (on top of the number it restarts from)."""
LEADING_ZERO_BITS = 12.0
"""Cost of a leading zero in a number whose width changes (such displays do not pad)."""


@dataclass(frozen=True)
class ScoreStrings:
    """The settled numbers of a watch as strings of shape ids."""

    shapes: ShapeClusters
    """Digit shapes (ids index into it)."""
    strings: list[tuple[int, ...]]
    """Per state: shape ids left to right (the minus sign as :data:`MINUS`)."""
    starts: list[int]
    """Per state: its first frame."""
    stops: list[int]
    """Per state: one past its last frame."""
    minus: np.ndarray | None
    """The minus sign's bitmap, if one was seen."""


def score_strings(line: NumberLine) -> ScoreStrings:
    """Group the number glyphs of ``line`` into shapes and spell each state with them (states
    without a number are left out)."""
    shapes = ShapeClusters()
    height = max((g.box.height for n in line.numbers for g in n), default=0)
    strings, starts, stops = [], [], []
    minus: np.ndarray | None = None
    for number, state in zip(line.numbers, line.states, strict=True):
        if not number:
            continue
        ids: list[int] = []
        for k, glyph in enumerate(number):
            if k == 0 and _is_minus(glyph, height):
                ids.append(MINUS)
                minus = glyph.bitmap
            else:
                ids.append(shapes.assign(glyph.bitmap))
        if strings and tuple(ids) == strings[-1]:
            stops[-1] = state.stop
            continue
        strings.append(tuple(ids))
        starts.append(state.start)
        stops.append(state.stop)
    if len(shapes) > MAX_SHAPES:
        # More shapes than digits: leave out the pictures with a shape seen only once (a
        # sprite passing over the score, a half-drawn frame).
        rare = {i for i, count in enumerate(shapes.counts) if count <= 1}
        keep = [k for k, s in enumerate(strings) if not rare & set(s)]
        used = sorted({i for k in keep for i in strings[k] if i != MINUS})
        renumber = {old: new for new, old in enumerate(used)}
        kept = ShapeClusters()
        for old in used:
            kept.shapes.append(shapes.shapes[old])
            kept.members.append(shapes.members[old])
            kept.counts.append(shapes.counts[old])
        strings = [tuple(renumber.get(i, MINUS) for i in strings[k]) for k in keep]
        starts = [starts[k] for k in keep]
        stops = [stops[k] for k in keep]
        shapes = kept
    return ScoreStrings(shapes, strings, starts, stops, minus)


def order_evidence(strings: list[tuple[int, ...]]) -> Counter[tuple[int, int]]:
    """(a, b) -> how many changes between two numbers of the same width and sign had shape
    ``a`` become ``b`` at their leftmost differing glyph, oriented so that (a, b) means "b
    is the larger digit if the value went up" (for negative numbers the magnitude moves the
    other way, so their changes count as (b, a))."""
    edges: Counter[tuple[int, int]] = Counter()
    for old, new in itertools.pairwise(strings):
        negative = old[:1] == (MINUS,)
        if len(old) != len(new) or negative != (new[:1] == (MINUS,)):
            continue
        for a, b in zip(old, new, strict=True):
            if a != b:
                if a != MINUS and b != MINUS:
                    edges[(b, a) if negative else (a, b)] += 1
                break
    return edges


def shape_order(
    n: int, edges: Counter[tuple[int, int]], both: bool = True
) -> list[tuple[int, ...]]:
    """Orders of shapes ``0..n-1`` (smallest digit first) that contradict the fewest changes
    in ``edges``, and those within :data:`ORDER_SLACK` of it, at most :data:`MAX_ORDERS`;
    both directions are considered (a score that mostly falls orders its shapes the other
    way), the better first."""
    weight = np.zeros((n, n))
    for (a, b), count in edges.items():
        weight[a, b] += count
    full = (1 << n) - 1
    # best[S]: fewest contradictions of an order of the shapes in S placed first. Placing v
    # after S contradicts every change v -> u with u in S (v came before a larger u).
    best = np.full(1 << n, np.inf)
    best[0] = 0.0
    members = [[v for v in range(n) if s >> v & 1] for s in range(1 << n)]
    for s in range(1, 1 << n):
        best[s] = min(
            best[s & ~(1 << v)] + weight[v, members[s & ~(1 << v)]].sum() for v in members[s]
        )
    out: list[tuple[int, ...]] = []

    def extend(s: int, suffix: tuple[int, ...], budget: float) -> None:
        if len(out) >= MAX_ORDERS:
            return
        if s == 0:
            out.append(suffix)
            return
        for v in members[s]:
            rest = s & ~(1 << v)
            cost = best[rest] + weight[v, members[rest]].sum()
            spare = budget - (cost - best[s])
            if spare >= -1e-9:
                extend(rest, (v, *suffix), spare)

    extend(full, (), max(ORDER_SLACK, ORDER_SLACK_SHARE * float(weight.sum())))

    def contradicted(order: tuple[int, ...]) -> float:
        place = {v: k for k, v in enumerate(order)}
        return sum(c for (a, b), c in edges.items() if place[a] > place[b])

    forward = sorted(out, key=contradicted)
    if not edges or not both:
        return forward
    reverse = shape_order(n, Counter({(b, a): c for (a, b), c in edges.items()}), both=False)
    return [*forward, *[o for o in reverse if o not in forward]][: 2 * MAX_ORDERS]


def assignments(order: tuple[int, ...]) -> np.ndarray:
    """(count, n) int: each increasing assignment of the ordered shapes to digits 0-9, as the
    digit of each shape id."""
    n = len(order)
    rows = []
    for digits in itertools.combinations(range(10), n):
        row = np.empty(n, np.int64)
        row[list(order)] = digits
        rows.append(row)
    return np.asarray(rows, np.int64).reshape(-1, n)


def values_of(strings: list[tuple[int, ...]], mappings: np.ndarray) -> np.ndarray:
    """(count, states) float: the number each mapping (row: digit of each shape) reads in
    each state."""
    out = np.zeros((len(mappings), len(strings)))
    for j, ids in enumerate(strings):
        sign = -1.0 if ids[:1] == (MINUS,) else 1.0
        digits = [i for i in ids if i != MINUS]
        value = np.zeros(len(mappings))
        for i in digits:
            value = value * 10 + mappings[:, i]
        out[:, j] = sign * value
    return out


def _dictionary(items: np.ndarray, entry_bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``items`` (NaN: absent), the bits of its distinct values' ``entry_bits``
    (an array like ``items``) and how many distinct values it has."""
    order = np.argsort(items, axis=1)  # NaN last
    items = np.take_along_axis(items, order, axis=1)
    entry_bits = np.take_along_axis(entry_bits, order, axis=1)
    first = ~np.isnan(items)
    first[:, 1:] &= items[:, 1:] != items[:, :-1]
    return np.where(first, entry_bits, 0).sum(axis=1), first.sum(axis=1)


def reading_cost(
    strings: list[tuple[int, ...]], mappings: np.ndarray, fixed_width: bool
) -> np.ndarray:
    """(count,) bits: how briefly each mapping's reading explains the watch (smaller is
    better), as a two-part code:

    - a change that at least halves the number's magnitude is a restart; the numbers
      restarted from form a dictionary (each costs :data:`RESTART_BITS` plus its bits) and
      each restart costs one bit plus log2 of its size: a game restarts from one number;
    - every other change is a step; the distinct steps form a dictionary (each costs its
      bits, more if it goes down) and each step costs log2 of its size: a game scores in a
      few fixed amounts, mostly upwards;
    - the first number costs its bits (scores start small), and a leading zero in a number
      whose width changes costs :data:`LEADING_ZERO_BITS`.
    """
    values = values_of(strings, mappings)
    bits = np.log2(1 + np.abs(values[:, 0]))
    if values.shape[1] > 1:
        old, new = values[:, :-1], values[:, 1:]
        delta = new - old
        restart = (2 * np.abs(new) <= np.abs(old)) & (delta != 0)
        targets = np.where(restart, new, np.nan)
        entries, distinct = _dictionary(targets, RESTART_BITS + np.log2(1 + np.abs(new)))
        uses = restart.sum(axis=1)
        bits = bits + entries + uses * (1 + np.log2(np.maximum(1, distinct)))
        steps = np.where(restart | (delta == 0), np.nan, delta)
        entry = 2 + np.log2(1 + np.abs(delta)) + STEP_DOWN_BITS * (delta < 0)
        entries, distinct = _dictionary(steps, entry)
        count = (~np.isnan(steps)).sum(axis=1)
        bits = bits + entries + count * np.log2(np.maximum(1, distinct))
    if not fixed_width:
        for ids in strings:
            digits = [i for i in ids if i != MINUS]
            if len(digits) > 1:
                bits = bits + LEADING_ZERO_BITS * (mappings[:, digits[0]] == 0)
    return bits


@dataclass(frozen=True)
class DigitProposal:
    """Which shape is which digit, with what it rests on."""

    strings: ScoreStrings
    digits: dict[int, str]
    """Shape id -> the character it is (``0``-``9``)."""
    values: list[int]
    """The number read in each state of :attr:`strings`, in order."""
    cost_bits: float
    """How briefly the reading explains the watch, bits (see :func:`reading_cost`)."""
    margin_bits: float
    """By how much it beats the best reading that reads differently (inf: no other)."""
    alternative: list[int] | None
    """That next reading's numbers (None when there is none)."""
    notes: list[str] = field(default_factory=list)

    @property
    def confident(self) -> bool:
        return self.margin_bits >= CONFIDENT_BITS

    @property
    def chars(self) -> str:
        """The characters that have a template, in ``0-9-`` order."""
        seen = set(self.digits.values()) | ({"-"} if self.strings.minus is not None else set())
        return "".join(c for c in "0123456789-" if c in seen)

    @property
    def missing(self) -> str:
        """Digits never seen (a number using them cannot be read until learnt)."""
        return "".join(c for c in "0123456789" if c not in self.digits.values())

    def templates(self) -> dict[str, np.ndarray]:
        """The templates for ``DigitReader``: each digit's shape (pixel-wise majority over its
        glyphs of the most common size), and the minus sign's."""
        out = {char: self.strings.shapes.template(i) for i, char in self.digits.items()}
        if self.strings.minus is not None:
            out["-"] = self.strings.minus
        return out

    def evidence(self, most: int = 24) -> str:
        """The reading for the user: the numbers read, in order, and the margin."""
        shown = ", ".join(str(v) for v in self.values[:most])
        more = f", ... ({len(self.values)} in all)" if len(self.values) > most else ""
        margin = (
            "no other reading" if math.isinf(self.margin_bits) else f"{self.margin_bits:.1f} bits"
        )
        return f"reads {shown}{more}; better than the next reading by {margin}"


def map_digits(strings: ScoreStrings, fixed_width: bool) -> DigitProposal | None:
    """The most likely digit of each shape (see the module docstring); None when there are
    no numbers or more shapes than digits."""
    n = len(strings.shapes)
    if not strings.strings or n == 0:
        return None
    if n > MAX_SHAPES:
        return None
    edges = order_evidence(strings.strings)
    if n <= ALL_MAPPINGS_UP_TO:
        mappings = np.asarray(list(itertools.permutations(range(10), n)), np.int64)
    else:
        mappings = np.concatenate([assignments(order) for order in shape_order(n, edges)])
        mappings = np.unique(mappings, axis=0)
    cost = _costs(strings.strings, mappings, fixed_width)
    if n > ALL_MAPPINGS_UP_TO:
        rng = np.random.default_rng(0)
        starts = [mappings[k] for k in np.argsort(cost)[: SEARCH_STARTS // 2]]
        starts += [rng.permutation(10)[:n] for _ in range(SEARCH_STARTS - len(starts))]
        found = [_descend(strings.strings, start, fixed_width) for start in starts]
        mappings = np.unique(np.concatenate([mappings, np.stack(found)]), axis=0)
        cost = _costs(strings.strings, mappings, fixed_width)
    ranked = np.argsort(cost, kind="stable")
    best = int(ranked[0])
    values = values_of(strings.strings, mappings[[best]])[0]
    margin, alternative = math.inf, None
    for k in ranked[1:]:
        other = values_of(strings.strings, mappings[[int(k)]])[0]
        if not np.array_equal(other, values):
            margin = float(cost[int(k)] - cost[best])
            alternative = [int(v) for v in other]
            break
    digits = {i: str(int(mappings[best, i])) for i in range(n)}
    notes = []
    contradicted = sum(
        c for (a, b), c in edges.items() if int(mappings[best, a]) > int(mappings[best, b])
    )
    if edges:
        notes.append(
            f"{sum(edges.values()) - contradicted} of {sum(edges.values())} same-width changes "
            "go up in digit order"
        )
    return DigitProposal(
        strings,
        digits,
        [int(v) for v in values],
        float(cost[best]),
        margin,
        alternative,
        notes,
    )


def _costs(strings: list[tuple[int, ...]], mappings: np.ndarray, fixed_width: bool) -> np.ndarray:
    """:func:`reading_cost` of many mappings, :data:`CHUNK` at a time."""
    return np.concatenate(
        [
            reading_cost(strings, mappings[k : k + CHUNK], fixed_width)
            for k in range(0, len(mappings), CHUNK)
        ]
    )


def _neighbours(mapping: np.ndarray) -> np.ndarray:
    """Every mapping one change away: two shapes' digits swapped, or one shape moved to a
    digit no shape has."""
    n = len(mapping)
    out = []
    for a, b in itertools.combinations(range(n), 2):
        m = mapping.copy()
        m[a], m[b] = m[b], m[a]
        out.append(m)
    free = [d for d in range(10) if d not in set(mapping.tolist())]
    for a in range(n):
        for d in free:
            m = mapping.copy()
            m[a] = d
            out.append(m)
    return np.asarray(out, np.int64)


def _descend(strings: list[tuple[int, ...]], start: np.ndarray, fixed_width: bool) -> np.ndarray:
    """Steepest descent on :func:`reading_cost` from ``start`` to a mapping no single change
    improves."""
    best = np.asarray(start, np.int64)
    best_cost = float(reading_cost(strings, best[None], fixed_width)[0])
    while True:
        around = _neighbours(best)
        costs = reading_cost(strings, around, fixed_width)
        k = int(np.argmin(costs))
        if costs[k] >= best_cost - 1e-9:
            return best
        best, best_cost = around[k], float(costs[k])
