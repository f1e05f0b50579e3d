"""The probe's second test: does the key start more change than the game starts on its own?

The first test (:mod:`screen_agent.probe`) looks for pixels that an action changes in most of
its trials and the controls hardly ever change: a paddle in its column. In a busy game the
player's ship is somewhere else in every trial and the enemies shoot exactly where it is, so
no pixel is both. This test compares amounts instead: in each trial, the pixels that changed
after the press but were not changing (nor any pixel near them) in the same time just before
it, i.e. motion that started with the press; counted over the region, in the busiest square,
in the busiest narrow column and row (a shot's trail), and in each row and column band (the
ship keeps its row wherever it is along it). An action works if, in some of these counts, its
trials rank above the controls of their own rounds more than chance allows: a permutation
test that shuffles the labels within each round, as the rounds' random order did, and takes
the largest rank statistic over the counts each time, so looking at several counts costs no
false verdicts.

Counts have no direction. A key that turns a player who was moving anyway (a maze runner that
turns at the next crossing), a shot that flies up through stars that fall, a slide among
floors that scroll: these change *which way* things move more than *how much*. So each trial
also sums the motion between its successive grabs (:class:`MotionSum`: the brightness-
constancy flow, over the region and per row and column band, signed) while the keys are
held; a key may move these either way, so they count by the size of their rank statistic,
in the same maximum. (Their change from the same sum just before the press was tried too: on
recorded trials of the test-bed games it found no action more and cost some.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

ALREADY_MOVING_PX = 3
"""A pixel that changed after the press is new motion only if no pixel within this distance
changed just before the press (what was moving already moves on), pixels."""
LOCAL_PX = 48
"""Side of the square in which a trial's most new motion is counted (a sprite and its way),
pixels."""
BANDS = 16
"""Row bands and column bands the game region is cut into."""
STREAK_PX = 6
"""Width of the narrowest column and height of the narrowest row whose new motion is counted:
the trail of a shot, which crosses the region in a line wherever it was fired, pixels."""
SHUFFLES = 2000
"""Relabellings of the permutation test."""
MOTION_SCALE = 2
"""The motion sums are taken on frames shrunk by this factor (cheap enough for every grab)."""
MOTION_BANDS = 8
"""Row bands (for motion along x) and column bands (along y) of the motion sums."""
DISPLACEMENT_LEVEL = 24
"""Grey levels a pixel must brighten or darken by to count in the displacement."""


class MotionSum:
    """Which way things moved in a stretch of grabs: the brightness-constancy flow between
    each grab and the next (difference times gradient; small steps, so it holds), summed.

    Its :meth:`values` (pixels x grey levels squared, signed; x to the right, y down): the
    whole region's x and y, x per row band, y per column band, and the displacement from the
    first grab to the last (where pixels brightened minus where they darkened, pixels)."""

    def __init__(self) -> None:
        self.first: np.ndarray | None = None
        self.last: np.ndarray | None = None
        self.total: np.ndarray | None = None

    def add(self, grey: np.ndarray) -> None:
        """The next grab of the region, in grey at full size."""
        h, w = (max(1, n // MOTION_SCALE) for n in grey.shape)
        small = cv2.resize(grey, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
        if self.last is None:
            self.first = small
        else:
            rows = np.linspace(0, h, MOTION_BANDS + 1).astype(int)[:-1]
            cols = np.linspace(0, w, MOTION_BANDS + 1).astype(int)[:-1]
            sums = flow(self.last, small, rows, cols)
            # x along each row band, y along each column band: a sprite keeps its band.
            n = MOTION_BANDS
            step = np.concatenate([sums[: 2 + n], sums[2 + 3 * n :]]).astype(np.float64)
            self.total = step if self.total is None else self.total + step
        self.last = small

    def values(self) -> np.ndarray:
        if self.first is None or self.last is None or self.total is None:
            size = 2 + 2 * MOTION_BANDS + 2
            return np.zeros(size)
        moved = displacement(self.last - self.first, DISPLACEMENT_LEVEL)
        return np.concatenate([self.total, moved])


def flow(a: np.ndarray, b: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Motion from ``a`` to ``b`` by the brightness-constancy constraint (difference times
    gradient, summed): along x and y over the region, then x per row band (starting at
    ``rows``) and per column band (``cols``), then y per row band and per column band."""
    fa, fb = a.astype(np.float32), b.astype(np.float32)
    mean = (fa + fb) / 2
    gx = cv2.Sobel(mean, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(mean, cv2.CV_32F, 0, 1, ksize=3)
    d = fb - fa
    px, py = -d * gx, -d * gy
    return np.concatenate(
        [
            [px.sum(), py.sum()],
            np.add.reduceat(px.sum(axis=1), rows),
            np.add.reduceat(px.sum(axis=0), cols),
            np.add.reduceat(py.sum(axis=1), rows),
            np.add.reduceat(py.sum(axis=0), cols),
        ]
    )


def displacement(diff: np.ndarray, level: float) -> tuple[float, float]:
    """Where pixels brightened by more than ``level`` minus where they darkened (x, y): a
    moving sprite's displacement, pixels (0, 0 when either side is empty)."""
    up, down = diff > level, diff < -level
    if not up.any() or not down.any():
        return 0.0, 0.0
    uy, ux = np.nonzero(up)
    dy, dx = np.nonzero(down)
    return float(ux.mean() - dx.mean()), float(uy.mean() - dy.mean())


def change_features(first: np.ndarray, before: np.ndarray) -> np.ndarray:
    """The counts one trial is judged by: its new motion (see the module docstring) in the
    whole region, in the busiest ``LOCAL_PX`` square, in the busiest ``STREAK_PX`` column
    and row, and in each row and column band."""
    changed = np.isfinite(first).astype(np.uint8)
    size = 2 * ALREADY_MOVING_PX + 1
    already = cv2.dilate(before.astype(np.uint8), np.ones((size, size), np.uint8))
    new = (changed & (1 - already)).astype(np.float32)
    local = cv2.boxFilter(
        new, -1, (LOCAL_PX, LOCAL_PX), normalize=False, borderType=cv2.BORDER_CONSTANT
    )
    h, w = new.shape
    per_row, per_column = new.sum(axis=1), new.sum(axis=0)
    rows = np.add.reduceat(per_row, np.linspace(0, h, BANDS + 1).astype(int)[:-1])
    cols = np.add.reduceat(per_column, np.linspace(0, w, BANDS + 1).astype(int)[:-1])
    streaks = [
        float(np.convolve(line, np.ones(STREAK_PX), mode="same").max())
        for line in (per_column, per_row)
    ]
    return np.concatenate([[new.sum(), local.max(), *streaks], rows, cols])


def new_motion_times(first: np.ndarray, before: np.ndarray) -> np.ndarray:
    """Seconds from the press to each new-motion pixel's first change, sorted."""
    size = 2 * ALREADY_MOVING_PX + 1
    already = cv2.dilate(before.astype(np.uint8), np.ones((size, size), np.uint8)) > 0
    return np.sort(first[np.isfinite(first) & ~already])


def rank_columns(values: np.ndarray) -> np.ndarray:
    """Ranks (1-based, ties averaged) of each column of a (trials, features) array."""
    out = np.empty(values.shape, dtype=np.float64)
    for j in range(values.shape[1]):
        column = values[:, j]
        order = np.argsort(column, kind="mergesort")
        ordered = column[order]
        starts = np.r_[0, np.flatnonzero(np.diff(ordered)) + 1]
        ends = np.r_[starts[1:], len(column)]
        out[order, j] = np.repeat((starts + ends + 1) / 2, ends - starts)
    return out


def centred_ranks(values: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """Ranks of each column of a (samples, features) array among the samples of the same group
    (all one group by default), centred and scaled to unit spread there (0 where a group's
    values are all equal), so that every group's samples weigh alike in :func:`rank_sum_z`."""
    groups = np.zeros(len(values), dtype=int) if groups is None else np.asarray(groups)
    out = np.zeros(values.shape)
    for group in np.unique(groups):
        mine = groups == group
        ranks = rank_columns(values[mine])
        ranks -= ranks.mean(axis=0)
        spread = ranks.std(axis=0)
        out[mine] = np.divide(ranks, spread, out=np.zeros_like(ranks), where=spread > 0)
    return out


def rank_sum_z(
    labels: np.ndarray, ranks: np.ndarray, groups: np.ndarray | None = None
) -> np.ndarray:
    """Standardised rank sums: for each labelling (a row of 0/1 ``labels``) and each column of
    ``ranks`` (:func:`centred_ranks` with the same ``groups``), how far the labelled samples'
    rank sum lies from its mean under labels drawn within each group with the row's count of 1s
    there, in standard deviations (ties counted; 0 where nothing varies); shape (labellings,
    columns). Summed over groups, each weighing alike."""
    groups = np.zeros(ranks.shape[0], dtype=int) if groups is None else np.asarray(groups)
    total = labels @ ranks
    variance = np.zeros(total.shape)
    for group in np.unique(groups):
        mine = groups == group
        n = int(mine.sum())
        if n < 2:
            continue
        k = labels[:, mine].sum(axis=1, keepdims=True)
        variance += k * (n - k) / (n * (n - 1)) * (ranks[mine] ** 2).sum(axis=0)
    return np.divide(total, np.sqrt(variance), out=np.zeros_like(total), where=variance > 0)


@dataclass(frozen=True)
class ChangeVerdict:
    """The outcome of the test for one action."""

    chance: float
    """Share of within-round relabellings whose largest rank statistic was at least the true
    labelling's (the true one included, so never 0)."""
    responded: int
    """Trials whose count (in the test's best feature) beat every control of their round."""
    changed_pixels: int
    """Median new-motion pixels of the action's trials."""
    best: int
    """Index of the feature with the largest statistic (see :func:`change_features`)."""


def judge_change(
    trials: Sequence[np.ndarray],
    controls: Sequence[np.ndarray],
    trial_rounds: Sequence[int],
    control_rounds: Sequence[int],
    rng: np.random.Generator,
    shuffles: int = SHUFFLES,
    signed: int = 0,
) -> ChangeVerdict:
    """Test one action: ``trials`` and ``controls`` are :func:`change_features` rows, each
    with its round, followed by ``signed`` numbers that a key may move either way
    (:meth:`MotionSum.values`); rounds without a control (or without a trial) tell nothing and
    are left out."""
    both = set(trial_rounds) & set(control_rounds)
    keep_t = [i for i, r in enumerate(trial_rounds) if r in both]
    keep_c = [i for i, r in enumerate(control_rounds) if r in both]
    if not keep_t:
        return ChangeVerdict(1.0, 0, 0, 0)
    values = np.vstack([np.asarray(trials)[keep_t], np.asarray(controls)[keep_c]])
    rounds = np.array([trial_rounds[i] for i in keep_t] + [control_rounds[i] for i in keep_c])
    n, k = len(values), len(keep_t)
    spread = values.std(axis=0) > 0
    if not spread.any():
        return ChangeVerdict(1.0, 0, int(np.median(values[:k, 0])), 0)
    ranks = centred_ranks(values[:, spread])
    two_sided = (np.arange(values.shape[1]) >= values.shape[1] - signed)[spread]

    def statistic(labels: np.ndarray) -> np.ndarray:
        # Counts one-sided (a key that works starts motion), directions either way; the
        # largest standardised rank sum over the features, so the test pays for looking at
        # several.
        z = rank_sum_z(labels, ranks)
        return np.where(two_sided, np.abs(z), z).max(axis=1)

    truth = np.zeros((1, n))
    truth[0, :k] = 1
    observed = statistic(truth)
    # Within each round the action's trials trade places with that round's controls.
    labels = np.zeros((shuffles, n))
    for r in np.unique(rounds):
        members = np.flatnonzero(rounds == r)
        count = int(truth[0, members].sum())
        # A random ``count`` of the round's members per shuffle: the first of a random order.
        chosen = members[rng.random((shuffles, len(members))).argsort(axis=1)[:, :count]]
        np.put_along_axis(labels, chosen, 1, axis=1)
    at_least = 1 + int((statistic(labels) >= observed[0] - 1e-9).sum())
    z = rank_sum_z(truth, ranks)[0]
    best_spread = int(np.argmax(np.where(two_sided, np.abs(z), z)))
    best = int(np.flatnonzero(spread)[best_spread])
    # Oriented so that the key's side is up: a trial responded if it beat its round's controls.
    column = values[:, best] * (-1 if z[best_spread] < 0 else 1)
    responded = sum(
        1 for i in range(k) if column[i] > column[k:][rounds[k:] == rounds[i]].max(initial=-np.inf)
    )
    return ChangeVerdict(at_least / (shuffles + 1), responded, int(np.median(values[:k, 0])), best)
