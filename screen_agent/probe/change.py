"""The probe's second test: does the key start more change than the game starts on its own?

The first test (:mod:`screen_agent.probe`) looks for pixels that an action changes in most of
its trials and the controls hardly ever change: a paddle in its column. In a busy game the
player's ship is somewhere else in every trial and the enemies shoot exactly where it is, so
no pixel is both. This test compares amounts instead: in each trial, the pixels that changed
after the press but were not changing (nor any pixel near them) in the same time just before
it, i.e. motion that started with the press; counted over the region, in the busiest square,
and in each row and column band (the ship keeps its row wherever it is along it). An action
works if, in some of these counts, its trials rank above the controls of their own rounds more
than chance allows: a permutation test that shuffles the labels within each round, as the
rounds' random order did, and takes the largest rank statistic over the counts each time, so
looking at several counts costs no false verdicts.
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
SHUFFLES = 2000
"""Relabellings of the permutation test."""


def change_features(first: np.ndarray, before: np.ndarray) -> np.ndarray:
    """The counts one trial is judged by: its new motion (see the module docstring) in the
    whole region, in the busiest ``LOCAL_PX`` square, and in each row and column band."""
    changed = np.isfinite(first).astype(np.uint8)
    size = 2 * ALREADY_MOVING_PX + 1
    already = cv2.dilate(before.astype(np.uint8), np.ones((size, size), np.uint8))
    new = (changed & (1 - already)).astype(np.float32)
    local = cv2.boxFilter(
        new, -1, (LOCAL_PX, LOCAL_PX), normalize=False, borderType=cv2.BORDER_CONSTANT
    )
    h, w = new.shape
    rows = np.add.reduceat(new.sum(axis=1), np.linspace(0, h, BANDS + 1).astype(int)[:-1])
    cols = np.add.reduceat(new.sum(axis=0), np.linspace(0, w, BANDS + 1).astype(int)[:-1])
    return np.concatenate([[new.sum(), local.max()], rows, cols])


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


def rank_sum_z(labels: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Standardised rank sums: for each labelling (a row of 0/1 ``labels``, all with the same
    count of 1s) and each column of ``ranks`` (:func:`rank_columns` of ``n`` values), how far
    the labelled values' rank sum lies from its mean under random labels, in standard
    deviations (ties counted); shape (labellings, columns)."""
    n, k = ranks.shape[0], int(labels[0].sum())
    mean = k * (n + 1) / 2
    sd = np.sqrt(k * (n - k) / (n * (n - 1)) * ((ranks - (n + 1) / 2) ** 2).sum(axis=0))
    return (labels @ ranks - mean) / sd


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
) -> ChangeVerdict:
    """Test one action: ``trials`` and ``controls`` are :func:`change_features` rows, each
    with its round; rounds without a control (or without a trial) tell nothing and are left
    out."""
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
    ranks = rank_columns(values[:, spread])

    def statistic(labels: np.ndarray) -> np.ndarray:
        # One-sided: a key that works starts motion; the largest standardised rank sum over
        # the features, so the test pays for looking at several.
        return rank_sum_z(labels, ranks).max(axis=1)

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
    best_spread = int(np.argmax(rank_sum_z(truth, ranks)[0]))
    best = int(np.flatnonzero(spread)[best_spread])
    column = values[:, best]
    responded = sum(
        1 for i in range(k) if column[i] > column[k:][rounds[k:] == rounds[i]].max(initial=-np.inf)
    )
    return ChangeVerdict(at_least / (shuffles + 1), responded, int(np.median(values[:k, 0])), best)
