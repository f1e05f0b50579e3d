"""Finding the score: a small area whose pixels change rarely, in steps, between glyph shapes.

1. Candidates (:func:`candidate_boxes`): pixels that changed in isolated steps (still before
   and after, see :mod:`.changes`) at least a few times, grouped into text-line-sized boxes.
2. Each candidate is followed through the watch (:mod:`.text_track`) and described
   (:func:`describe`): the pictures it settled on, how often it stepped from one to another,
   the colour of its ink (the most common colour, unlike the background, among the pixels
   that changed), and whether each picture splits into glyphs like a line of text does (one
   baseline, one height, characters about as wide as tall, a few of them).
3. The best candidate steps often, settles quickly and looks like text in nearly every
   picture (:attr:`ScoreCandidate.merit`).
4. :func:`read_number_line` looks at the whole line the candidate lies on, in each settled
   picture: the number is the glyphs over the columns that changed, widened over neighbours
   of the same height and pitch whose shape the number showed or that repeat one shape (a
   zero-padded score's leading zeros), and over a minus sign. The region covers them, with a
   margin and, when the number's width changed during the watch, room to grow on the side it
   grows to, without reaching other ink.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass, field

import cv2
import numpy as np

from screen_agent.calibrate.changes import ChangeStats, changed
from screen_agent.calibrate.glyphs import ShapeClusters, same_shape
from screen_agent.calibrate.text_track import State, merge_repeats, settled_states, track_boxes
from screen_agent.calibrate.watch import Watch
from screen_agent.geometry import Region
from screen_agent.reward.digits import Glyph, segment
from screen_agent.reward.pixels import background_colour, colour_mask

INK_TOLERANCE = 40
"""Per-channel distance (0-255) from the ink colour within which a pixel is ink (the digits
rule's default)."""
MIN_STEPS = 3
"""Isolated changes a pixel needs to be part of a candidate."""
MAX_CANDIDATES = 24
"""Candidate boxes followed through the watch (the most active ones)."""
FRINGE = 2
"""Columns beside a glyph that its anti-aliasing may tint, pixels."""
MAX_GLYPHS = 16
"""More glyphs than this in one picture is not a score."""


@dataclass(frozen=True)
class ScoreCandidate:
    """A box that may hold the score, with what was measured on it."""

    box: Region
    """The candidate box (window coordinates) the pictures were taken in."""
    ink: tuple[int, int, int]
    """The glyphs' RGB."""
    states: list[State]
    """The pictures it settled on, in order, repeats merged."""
    glyph_lists: list[list[Glyph]]
    """Each state's glyphs (positions relative to :attr:`box`)."""
    textlike: list[bool]
    """Whether each state looks like a line of text."""
    changing: np.ndarray
    """(box width,) bool: columns where some settled picture differs from the one before."""
    steps: int
    """Changes from one settled picture to another."""
    settled_share: float
    """Share (0-1) of the watch's frames on which the box was settled."""
    clusters: int
    """Distinct shapes among the glyphs over changing columns, in text-like states."""
    glyph_count: int
    """Those glyphs, repeats counted."""
    brief_states: list[State] = field(default_factory=list)
    """Every picture it showed, even for one frame (repeats merged): a score that changes
    fast shows some values for one frame only, and the digit mapping needs them."""

    @property
    def text_share(self) -> float:
        """Share (0-1) of settled frames whose picture looks like text."""
        total = sum(s.frames for s in self.states)
        text = sum(s.frames for s, t in zip(self.states, self.textlike, strict=True) if t)
        return text / total if total else 0.0

    @property
    def glyph_height(self) -> int:
        """The tallest glyph of the text-like states, pixels."""
        heights = [
            g.box.height
            for glyphs, t in zip(self.glyph_lists, self.textlike, strict=True)
            if t
            for g in glyphs
        ]
        return max(heights, default=0)

    @property
    def merit(self) -> float:
        """How much this looks like a score: steps (log scale) times the squared share of
        text-like settled pictures, times the settled share. The changing glyphs must take
        several shapes (a number steps from digit to digit; a glyph that only comes and goes,
        like a scrolling ground, is not one), recur (each seen about twice at least) and be
        few (at most 12: ten digits, a sign, a spare)."""
        if self.steps < 1 or self.clusters < 2:
            return 0.0
        varied = min(1.0, (self.clusters - 1) / 2.0)
        recurrence = min(1.0, self.glyph_count / (2.0 * self.clusters))
        too_many = 1.0 if self.clusters <= 12 else 12.0 / self.clusters
        return (
            math.log2(1 + self.steps)
            * self.text_share**2
            * self.settled_share
            * varied
            * recurrence
            * too_many
        )

    def evidence(self) -> str:
        """What the candidate's merit rests on, for the user."""
        return (
            f"{self.steps} steps between {len(self.states)} settled pictures, "
            f"{self.text_share:.0%} of them text-like ({self.clusters} glyph shapes, "
            f"{self.glyph_height} px tall, ink RGB {list(self.ink)}), settled on "
            f"{self.settled_share:.0%} of the frames"
        )


def candidate_boxes(stats: ChangeStats, max_boxes: int = MAX_CANDIDATES) -> list[Region]:
    """Boxes around groups of pixels that changed in isolated steps at least
    :data:`MIN_STEPS` times, most active first; widened by their height on both sides so
    that a glyph the group only touches is whole."""
    height, width = stats.events.shape
    steps = stats.isolated
    mask = (steps >= MIN_STEPS) & (steps * 10 >= stats.events * 6)
    mask &= stats.events <= max(MIN_STEPS, stats.frames // 2)
    # Join the glyphs of one text line (gaps of a few pixels), not lines above each other.
    joined = cv2.dilate(mask.astype(np.uint8), np.ones((3, 9), np.uint8))
    count, labels, boxes, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    found: list[tuple[int, Region]] = []
    for label in range(1, count):
        x, y, w, h, _ = (int(v) for v in boxes[label])
        if h > 120 or w > width // 2 or w * h > 0.05 * width * height:
            continue
        inside = (labels[y : y + h, x : x + w] == label) & mask[y : y + h, x : x + w]
        weight = int(steps[y : y + h, x : x + w][inside].sum())
        if weight <= 0:
            continue
        left, top = max(0, x - h), max(0, y - 2)
        right, bottom = min(width, x + w + h), min(height, y + h + 2)
        found.append((weight, Region(left, top, right - left, bottom - top)))
    found.sort(key=lambda item: -item[0])
    return [box for _, box in found[:max_boxes]]


def ink_colour(states: list[State]) -> tuple[int, int, int] | None:
    """The most common colour, unlike the background, among the pixels that differ between
    consecutive pictures: what the changing glyphs are drawn in."""
    colours: Counter[tuple[int, int, int]] = Counter()
    for a, b in itertools.pairwise(states):
        diff = np.abs(a.crop.astype(np.int16) - b.crop.astype(np.int16)).max(axis=2) > 24
        for state in (a, b):
            bg = background_colour(state.crop).astype(np.int16)
            ink = diff & (np.abs(state.crop.astype(np.int16) - bg).max(axis=2) > INK_TOLERANCE)
            pixels = state.crop[ink]
            if len(pixels):
                values, counts = np.unique(pixels.reshape(-1, 3), axis=0, return_counts=True)
                for value, n in zip(values, counts, strict=True):
                    colours[(int(value[0]), int(value[1]), int(value[2]))] += int(n)
    if not colours:
        return None
    return colours.most_common(1)[0][0]


def is_text(glyphs: list[Glyph]) -> bool:
    """Whether glyphs look like one line of characters: 1 to :data:`MAX_GLYPHS` of them, the
    tall ones (digits) of one height on one baseline, none much wider than tall."""
    if not 1 <= len(glyphs) <= MAX_GLYPHS:
        return False
    tallest = max(g.box.height for g in glyphs)
    if not 4 <= tallest <= 100:
        return False
    # Digits and lower-case letters stand on one baseline (a descender may not).
    tall = [g for g in glyphs if g.box.height * 10 >= tallest * 6]
    slack = max(1, tallest // 6)
    baseline = float(np.median([g.box.bottom for g in tall]))
    on_line = sum(abs(g.box.bottom - baseline) <= slack for g in tall)
    if on_line * 4 < len(tall) * 3:
        return False
    return all(g.box.width <= 1.5 * tallest + 1 for g in glyphs)


def _changing_columns(states: list[State], textlike: list[bool]) -> np.ndarray:
    """Columns where a text-like picture differs from the text-like one before it (a title
    screen giving way to the play screen changes labels too, not only the number)."""
    width = states[0].crop.shape[1]
    columns = np.zeros(width, bool)
    pairs = zip(states, states[1:], textlike, textlike[1:], strict=False)
    for a, b, text_a, text_b in pairs:
        if text_a and text_b:
            columns |= changed(a.crop, b.crop).any(axis=0)
    return columns


def _over(glyph: Glyph, columns: np.ndarray) -> bool:
    return bool(columns[glyph.box.x : glyph.box.right].any())


def describe(
    box: Region, states: list[State], frames: int, brief: list[State] | None = None
) -> ScoreCandidate | None:
    """Measure a followed box (see :class:`ScoreCandidate`) from its settled ``states`` (and
    all its ``brief`` ones); None when it never stepped."""
    states = merge_repeats(states)
    if len(states) < 2:
        return None
    ink = ink_colour(states)
    if ink is None:
        return None
    glyph_lists, textlike = [], []
    for state in states:
        glyphs = segment(colour_mask(state.crop, ink, INK_TOLERANCE))
        # A glyph cut by the box's side is not judged (the box is wider than the changes).
        inner = [g for g in glyphs if g.box.x > 0 and g.box.right < box.width]
        glyph_lists.append(inner)
        textlike.append(is_text(inner))
    changing = _changing_columns(states, textlike)
    clusters = ShapeClusters()
    glyph_count = 0
    for glyphs, text in zip(glyph_lists, textlike, strict=True):
        if text:
            for g in glyphs:
                if _over(g, changing):
                    clusters.assign(g.bitmap)
                    glyph_count += 1
    settled = sum(s.frames for s in states)
    return ScoreCandidate(
        box=box,
        ink=ink,
        states=states,
        glyph_lists=glyph_lists,
        textlike=textlike,
        changing=changing,
        steps=len(states) - 1,
        settled_share=settled / max(1, frames),
        clusters=len(clusters),
        glyph_count=glyph_count,
        brief_states=merge_repeats(brief) if brief is not None else states,
    )


def score_candidates(watch: Watch, stats: ChangeStats) -> list[ScoreCandidate]:
    """Every candidate that stepped between text-like pictures, best first."""
    boxes = candidate_boxes(stats)
    tracks = track_boxes(watch, boxes)
    found = []
    for track in tracks:
        candidate = describe(
            track.box, settled_states(track), len(watch), settled_states(track, settle=1)
        )
        if candidate is not None and candidate.merit > 0:
            found.append(candidate)
    found.sort(key=lambda c: -c.merit)
    return found


@dataclass(frozen=True)
class NumberLine:
    """The number of a score candidate, as shown on each of its settled pictures."""

    candidate: ScoreCandidate
    states: list[State]
    """The pictures read (the candidate's :attr:`~ScoreCandidate.brief_states`)."""
    numbers: list[list[Glyph]]
    """Per state, the number's glyphs (window coordinates), left to right; empty when none
    was found."""
    region: Region
    """The proposed score region (window coordinates)."""
    fixed_width: bool
    """Every number spanned the same columns (a zero-padded or fixed-width display)."""
    align: str
    """``fixed``, ``left``, ``right`` or ``centre``: which edge of the number stays put."""
    max_glyphs: int
    """The most glyphs one number had."""
    notes: list[str] = field(default_factory=list)


def read_number_line(candidate: ScoreCandidate, watch: Watch) -> NumberLine | None:
    """Find the number on the candidate's whole line in each settled picture, and the region
    that holds it (see the module docstring); None if no picture showed one."""
    width = watch.shape[1]
    box = candidate.box
    text_glyphs = [
        g
        for glyphs, t in zip(candidate.glyph_lists, candidate.textlike, strict=True)
        if t
        for g in glyphs
    ]
    if not text_glyphs:
        return None
    top = box.y + min(g.box.y for g in text_glyphs)
    bottom = box.y + max(g.box.bottom for g in text_glyphs)
    glyph_h = max(g.box.height for g in text_glyphs)
    band = Region(0, top, width, bottom - top)
    changing = np.zeros(width, bool)
    changing[box.x : box.right] = candidate.changing
    lines: list[list[Glyph]] = []
    seeds = ShapeClusters()
    for state in candidate.brief_states:
        frame = watch.frames[(state.start + state.stop - 1) // 2]
        strip = frame[band.y : band.bottom]
        line = [
            Glyph(g.box.offset(0, band.y), g.bitmap)
            for g in segment(colour_mask(strip, candidate.ink, INK_TOLERANCE))
        ]
        lines.append(line)
        for g in line:
            if _over(g, changing) and abs(g.box.height - glyph_h) <= max(1, glyph_h // 8):
                seeds.assign(g.bitmap)
    numbers = [_number(line, changing, seeds, glyph_h) for line in lines]
    shown = [n for n in numbers if n]
    if not shown:
        return None
    lefts = [n[0].box.x for n in shown]
    rights = [n[-1].box.right for n in shown]
    pitch = int(np.median([_pitch(n) for n in shown if len(n) > 1] or [glyph_h * 2 // 3 + 1]))
    slack = max(1, pitch // 3)
    fixed = max(lefts) - min(lefts) <= slack and max(rights) - min(rights) <= slack
    if fixed:
        align = "fixed"
    elif max(lefts) - min(lefts) <= slack:
        align = "left"
    elif max(rights) - min(rights) <= slack:
        align = "right"
    else:
        align = "centre"
    max_glyphs = max(len(n) for n in shown)
    notes: list[str] = []
    span_left, span_right = min(lefts), max(rights)
    # Room: a margin of a third of a pitch, or two more characters (at least as many as the
    # widest number had) on the side a number of changing width grows to; never up to other
    # ink of the line (any colour), nor off the window.
    frame = watch.frames[candidate.states[-1].start]
    ink_columns = _any_ink(frame[band.y : band.bottom])
    for number in shown:
        for g in number:
            # The number's own ink (and its anti-aliased fringe) does not limit it.
            ink_columns[max(0, g.box.x - FRINGE) : g.box.right + FRINGE] = False
    margin = max(1, pitch // 3)
    room = max(2, max_glyphs) * pitch
    room_left = room if align in ("right", "centre") else margin
    room_right = room if align in ("left", "centre") else margin
    left = span_left - min(room_left, _free_run(ink_columns, span_left - 1, -1))
    right = span_right + min(room_right, _free_run(ink_columns, span_right, +1))
    if not fixed:
        notes.append(
            f"the number's width changed ({align}-aligned): room for "
            f"{room // max(1, pitch)} more characters"
        )
    vmargin = max(1, glyph_h // 5)
    y0 = top - _free_rows(frame, left, right, top - 1, -1, vmargin)
    y1 = bottom + _free_rows(frame, left, right, bottom, +1, vmargin)
    region = Region(left, y0, right - left, y1 - y0)
    return NumberLine(
        candidate, candidate.brief_states, numbers, region, fixed, align, max_glyphs, notes
    )


def _number(
    line: list[Glyph], changing: np.ndarray, seeds: ShapeClusters, height: int
) -> list[Glyph]:
    """The number in one picture's line: the glyphs over changing columns, widened over
    neighbours that continue it."""

    def tall(g: Glyph) -> bool:
        return abs(g.box.height - height) <= max(1, height // 8)

    core = [k for k, g in enumerate(line) if _over(g, changing) and tall(g)]
    if not core:
        return []
    lo, hi = core[0], core[-1]
    max_gap = max(2, height // 2)
    while lo > 0:
        g, nxt = line[lo - 1], line[lo]
        if nxt.box.x - g.box.right > max_gap:
            break
        known = any(same_shape(g.bitmap, s) for s in seeds.shapes)
        # Or one of a run of one shape (the leading zeros of a padded score whose last
        # digits never showed a 0): the same as the glyph before it or after it.
        repeated = (lo >= 2 and same_shape(g.bitmap, line[lo - 2].bitmap)) or same_shape(
            g.bitmap, nxt.bitmap
        )
        if tall(g) and (known or repeated):
            lo -= 1
        elif _is_minus(g, height):
            lo -= 1
            break
        else:
            break
    while hi < len(line) - 1:
        g, prev = line[hi + 1], line[hi]
        if g.box.x - prev.box.right > max_gap or not tall(g):
            break
        if not any(same_shape(g.bitmap, s) for s in seeds.shapes):
            break
        hi += 1
    return line[lo : hi + 1]


def _is_minus(glyph: Glyph, height: int) -> bool:
    """A short bar at mid height: at most a third as tall as the digits, wider than tall."""
    return (
        glyph.box.height * 3 <= height
        and glyph.box.width >= glyph.box.height
        and glyph.bitmap.mean() > 0.8
    )


def _pitch(glyphs: list[Glyph]) -> int:
    """The median distance between the left edges of neighbouring glyphs, pixels."""
    return int(np.median(np.diff([g.box.x for g in glyphs])))


def _any_ink(band: np.ndarray) -> np.ndarray:
    """(w,) bool: columns of the band with anything unlike its most common colour."""
    values, counts = np.unique(band.reshape(-1, 3), axis=0, return_counts=True)
    bg = values[counts.argmax()].astype(np.int16)
    return (np.abs(band.astype(np.int16) - bg).max(axis=2) > INK_TOLERANCE).any(axis=0)


def _free_run(columns: np.ndarray, start: int, direction: int) -> int:
    """How many columns from ``start`` on, in ``direction``, hold no ink; one fewer when other
    ink follows them, so a region never touches it."""
    x, run = start, 0
    while 0 <= x < len(columns) and not columns[x]:
        run += 1
        x += direction
    if 0 <= x < len(columns):
        run = max(0, run - 1)
    return run


def _free_rows(
    frame: np.ndarray, left: int, right: int, row: int, direction: int, most: int
) -> int:
    """How many rows from ``row`` on, in ``direction`` (at most ``most``), have no ink between
    columns ``left`` and ``right``; one fewer when ink follows them."""
    strip = frame[:, left:right].astype(np.int16)
    if strip.shape[1] == 0:
        return 0
    values, counts = np.unique(strip.reshape(-1, 3), axis=0, return_counts=True)
    bg = values[counts.argmax()]
    y, run = row, 0
    while 0 <= y < frame.shape[0] and run < most:
        if (np.abs(strip[y] - bg).max(axis=1) > INK_TOLERANCE).any():
            return max(0, run - 1)
        run += 1
        y += direction
    return run
