"""The probe's third look: random play at the profile's decision rate.

The trials of :mod:`screen_agent.probe` hold one action for a while between pauses and compare
it with no-key trials. Some effects are too small or too scattered for that: a laser or a shot
that starts wherever the player is, a turn that a game applies at the next crossing. Here the
probe plays the way the agent will: at every decision it holds one of the profile's actions
drawn at random, and notes what the next frames did. All actions are played, not only the ones
in doubt: a turn to the right shows only when the player was going some other way. Every
decision is a sample (about 15 a second instead of one trial every second or so), so small
effects add up.

What follows each decision is summarised in location-free numbers (:func:`play_features`):
how much changed, where (row and column bands, the busiest square, the busiest narrow column
and row: a shot's trail), which way things moved (the gradient-weighted difference, a global
optical flow, per band), and how that motion differs from the motion just before the decision
(a key that turns or pushes the player changes its motion).

Two statistics are taken of these numbers. First, what follows the action against what
follows the no-op: the largest standardised rank sum (either sign). Second, for a player with
momentum (xjump's), whose speed is the sum of many decisions' pushes: over every decision,
the largest correlation of a number with how many of the last :data:`RECENT_DECISIONS`
decisions held the action. On a recording of xjump's random play the first alone found none
of its five actions; the two together found three, and left at 0.6%.

The decisions' labels (action or no-op) were drawn at random, so under "the key does nothing"
any relabelling of them is as likely as the true one: a permutation test gives an exact
chance, whatever the game does on its own and however many numbers are looked at. Each
statistic becomes the share of relabellings at least as extreme, and the test takes the
smaller of the two shares, so looking twice costs at most a factor of two.

An action that the first play does not find (:func:`play_look`) is played again in random
play that favours it, however far the first play left it, and all the plays are judged as one.
This play holds it as often as the no-op, the actions not in doubt a small share, so it is
shorter than the first play. On recordings of Pac-Man's random play (its up and down turn only
at the next crossing, and random play keeps it near its start), the first play alone missed up
on each of three (8-13%) and down on two (15-17%); joined to one favoured play, up was found on
6 of 9 pairs and down on 7 of 9. On four more, recorded on a loaded machine (load 5-10), the
first play left up at 55%, 0.05%, 1.2% and 18% and down at 2.3%, 0.1%, 0.1% and 58%: a turn
may show in few of one play's decisions, so a first play far from close says little. Joined
to a favoured play, both were found on all four (at most 0.3%).

An action still not found but close is played again, three times at most, *spaced*: the action
at a quarter of the no-op's share, and the actions that hold one of its keys not at all. Many
effects need time to recover: a shooter allows a few shots on screen at once (xgalaga three,
Space Invaders one), a jump must land first. Pressed as often as in the plays before, such a
key mostly finds its effect used up; pressed now and then, it shows nearly every time. On
recordings of xgalaga, a spaced play alone found its fire at 2.6% and 0.15% where a play
favouring it the first way left it at 87% and 36%; after one favoured play of the first way, a
spaced one brought it to 0.3% and 0.6% where a second of the first way left it at 22%; joined
also to a first play that had left it close, to 0.1% on both (0.15% and 0.4% with a second of
the first way). Pac-Man's turns, which need no recovery, were found on all 3 such triples, as
with two favoured plays of the first way.

An action whose keys another action holds too (fire beside left+fire and right+fire) is played
again only spaced, every time, however far the plays before left it (:func:`shares_keys`):
random play holds its keys in several actions, so such an effect is used up most of the time,
and on loaded machines the first play left xgalaga's fire at 20-90%; a play holding it as often
as the no-op uses it up again, and only dilutes what the others show. On each of the 4 pairs
of xgalaga's two recorded first plays and two spaced plays, the pair found fire at 0.1%. Live
on a loaded machine, fire went from 2.6% (first play) to 11% (joined to a play of the first
way) and 48% (and a spaced one); from 26% (first play) straight to 0.1% (joined to a spaced
one). On ten first plays of xgalaga recorded on a machine at load 1-11, each joined to a
spaced play, fire was found on four (2.8-62% on the others); with a second spaced play, on
seven (1.5-3.3% on the others); with a third, on all ten (at most 0.1%). The dead key stayed at
1.3% or more at each of these looks.

Within one play every decision is drawn the same way, so an action's and the no-op's labels
are exchangeable there, but not across plays that draw them in other shares: labels are
relabelled within each play, and each feature is ranked within each play (a play that came
later, with the game elsewhere, is not compared with an earlier one). On the 9 Pac-Man pairs of
a first play and a favoured one, this found up on 6 and down on 6, one pooled ranking up on 6
and down on 7.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from screen_agent.capture.frame import FrameSource, crop
from screen_agent.input.sink import KeySink
from screen_agent.probe.change import centred_ranks, displacement, flow, rank_sum_z
from screen_agent.profile import GameProfile
from screen_agent.reward.reader import RewardReader

PLAY_SIGNIFICANCE = 0.005
"""An action works if at most this share of relabellings looks as different from the no-op."""
DECISIONS_PER_ACTION = 160
"""Decisions of random play per action of the profile (the no-op included). On a 64-s
recording of Pac-Man's random play, the first 80 per action found its left and right; all 160
found left, right and up (chance 0.05% each; down 1.2%)."""
REPLAYS = (False, True, True, True)
"""The plays after the first (:func:`play_look`), each favouring the actions not yet found:
spaced or not. Measured on recordings of Pac-Man, whose up and down turn only at the next
crossing: with one play of the first way, up was found on 6 of 9 pairs of recordings and down
on 7 of 9; with a spaced one after it, both on all 4 triples. On ten recordings of xgalaga's
random play (machine load 1-11), its fire was found with one spaced play on 4, with two on 7,
with three on all 10."""
FAVOURED_OTHERS = 0.25
"""In play that favours some actions (:func:`record_play`'s ``favoured``): the share of
decisions left to the other actions, which keep the game going its usual ways; the favoured
actions and the no-op share the rest, equally or (spaced) as :data:`SPACED_SHARE` says."""
SPACED_SHARE = 0.25
"""In spaced play: each favoured action's share of the decisions over the no-op's. On recordings
of xgalaga, whose fire allows three shots on screen at once, fire at 0.15 of the decisions
(0.6 for the no-op) found it where fire at 0.375 (as often as the no-op) did not."""
DIFF_LEVEL = 20
"""Grey levels a pixel of the half-size frame must change by to count as changed."""
BANDS = 12
"""Row bands and column bands of the game region."""
LOCAL_PX = 24
"""Side of the busiest square, pixels of the half-size frame."""
STREAK_PX = 3
"""Width of the busiest narrow column and height of the busiest narrow row (a shot's trail),
pixels of the half-size frame."""
LAGS = (1, 2)
"""Decisions after the press at which the frame is compared with the one at the press."""
SHUFFLES = 2000
"""Relabellings of the permutation test."""
RECENT_DECISIONS = 3
"""Decisions (the one judged and those just before it) over which a key's pushes may add up:
a player with momentum (xjump's) moves with how often its key was held lately more than with
any one decision's key. At 15 decisions a second, 0.2 s."""
TIMING_TOLERANCE = 0.2
"""Share of the pace (the time between grabs the loop kept) by which a grab may miss its time
before the decisions just before it are left out of the comparison (see
:func:`decision_features`)."""


@dataclass(frozen=True)
class PlayRecord:
    """What random play saw: one entry per decision."""

    frames: list[np.ndarray]
    """The game region in grey at half size, grabbed at the decision before its keys."""
    actions: list[int]
    """The action held from each decision to the next."""
    games: list[int]
    """Which game each decision fell in (a restart starts the next)."""
    times: list[float]
    """When each decision's frame was grabbed (``time.monotonic()`` seconds)."""
    period_s: float
    """The decision period the grabs were meant to keep, seconds."""
    plays: list[int]
    """Which play each decision came from (0, 1, ...: plays may draw actions in other shares,
    so :func:`judge_play` relabels and ranks within each)."""

    def extended(self, more: PlayRecord) -> PlayRecord:
        """This record and ``more`` (recorded after it) as one; ``more``'s games and plays are
        numbered on, so no decision is compared across the two."""
        offset = 1 + max(self.games, default=-1)
        plays = 1 + max(self.plays, default=-1)
        return PlayRecord(
            [*self.frames, *more.frames],
            [*self.actions, *more.actions],
            [*self.games, *(g + offset if g >= 0 else g for g in more.games)],
            [*self.times, *more.times],
            self.period_s,
            [*self.plays, *(p + plays for p in more.plays)],
        )


@dataclass(frozen=True)
class PlayVerdict:
    """The outcome of the test for one action."""

    chance: float
    """Share of relabellings at least as far from "the key does nothing" as the true labels,
    by the closer of the two statistics (the module docstring; never 0)."""
    decisions: int
    """Decisions that held the action."""
    beyond: int
    """Those whose value in the number that most tells them from the no-op's lies beyond the
    no-op decisions' median, on the side the action moves it."""


def record_play(
    profile: GameProfile,
    source: FrameSource,
    sink: KeySink,
    rng: np.random.Generator,
    reader: RewardReader | None = None,
    restart: Callable[[str], None] | None = None,
    decisions_per_action: int = DECISIONS_PER_ACTION,
    favoured: list[int] | None = None,
    spaced: bool = False,
) -> PlayRecord:
    """Hold a random action of the profile at each decision of the profile's rate, until the
    no-op has had about ``decisions_per_action`` decisions.

    Every action is equally likely, or with ``favoured`` (indices of actions) the shares of
    :func:`play_shares`; each decision is drawn on its own, as the test of :func:`judge_play`
    needs. ``reader``'s game-over rules end a game, and ``restart`` (given a reason) starts the
    next; decisions close to a game over are not compared across it (see :func:`judge_play`).
    """
    count = len(profile.actions)
    weights = play_shares(profile, favoured, spaced) if favoured else None
    total = play_decisions(profile, favoured, decisions_per_action, spaced)
    period = 1.0 / profile.decisions_per_second
    frames: list[np.ndarray] = []
    held: list[int] = []
    games: list[int] = []
    times: list[float] = []
    game = 0
    start, slot = time.monotonic(), 0
    while len(held) < total:
        frame = source.grab()
        if reader is not None and reader.read(frame.pixels, frame.time).game_over:
            sink.release_all()
            # The last decisions may have met a dying player: they belong to no comparison.
            for i in range(max(0, len(games) - 2), len(games)):
                games[i] = -1
            if restart is not None:
                restart("the game ended during random play")
            reader.reset()
            game += 1
            start, slot = time.monotonic(), 0
            continue
        grey = cv2.cvtColor(
            np.ascontiguousarray(crop(frame.pixels, profile.game)), cv2.COLOR_RGB2GRAY
        )
        height, width = grey.shape
        frames.append(cv2.resize(grey, (width // 2, height // 2), interpolation=cv2.INTER_AREA))
        times.append(frame.time)
        action = int(rng.integers(count) if weights is None else rng.choice(count, p=weights))
        sink.hold(profile.actions[action].keys)
        held.append(action)
        games.append(game)
        # Grabs keep to a fixed grid of times: only actions with keys pay for a key-down, so
        # if a grab waited for the keys, a game that moves on its own would show more motion
        # after every key than after the no-op. Behind (a slow grab or key): the next free
        # slot, and the decisions around the late grab are left out (decision_features).
        slot = max(slot + 1, math.ceil((time.monotonic() - start) / period))
        wait = start + slot * period - time.monotonic()
        if wait > 0:
            time.sleep(wait)
    sink.release_all()
    return PlayRecord(frames, held, games, times, period, [0] * len(held))


def play_features(before: np.ndarray, at: np.ndarray, after: np.ndarray) -> np.ndarray:
    """The numbers one decision is judged by, from the frames one lag before it, at it and one
    lag after it (see the module docstring)."""
    diff = after.astype(np.int16) - at.astype(np.int16)
    changed = (np.abs(diff) > DIFF_LEVEL).astype(np.uint8)
    moving = (np.abs(at.astype(np.int16) - before.astype(np.int16)) > DIFF_LEVEL).astype(np.uint8)
    new = changed & (1 - cv2.dilate(moving, np.ones((3, 3), np.uint8)))
    height, width = diff.shape
    rows = np.linspace(0, height, BANDS + 1).astype(int)[:-1]
    cols = np.linspace(0, width, BANDS + 1).astype(int)[:-1]
    values: list[float] = []
    for mask in (changed, new):
        m = mask.astype(np.float32)
        square = cv2.boxFilter(
            m, -1, (LOCAL_PX, LOCAL_PX), normalize=False, borderType=cv2.BORDER_CONSTANT
        )
        streaks = [
            float(np.convolve(line, np.ones(STREAK_PX), mode="same").max())
            for line in (m.sum(axis=0), m.sum(axis=1))
        ]
        values += [float(m.sum()), float(square.max()), *streaks]
        values += [*np.add.reduceat(m.sum(axis=1), rows), *np.add.reduceat(m.sum(axis=0), cols)]
    # Where pixels brightened against where they darkened: a moving sprite's displacement.
    values += list(displacement(diff, DIFF_LEVEL))
    flow_now = flow(at, after, rows, cols)
    values += [*flow_now, *(flow_now - flow(before, at, rows, cols))]
    return np.asarray(values, dtype=np.float64)


def decision_features(seen: PlayRecord) -> dict[int, np.ndarray]:
    """Per decision index with all its frames in one game and the ones after it on time: its
    features at every lag.

    On time: each grab up to ``max(LAGS)`` decisions after it came one pace after the one
    before it, within :data:`TIMING_TOLERANCE` (the pace: the median time between grabs, the
    profile's decision period unless the machine cannot keep it). A late grab shows more of
    what the game does on its own, and what the decision's own keys cost can make the next
    grab late (the grid of :func:`record_play` then moves it to the next slot): left in, that
    would pass for an effect of the keys. Grabs before the decision are not checked: their
    timing is not the decision's doing.
    """
    out: dict[int, np.ndarray] = {}
    longest = max(LAGS)
    on_time = grabs_on_time(seen)
    for t in range(longest, len(seen.actions) - longest):
        game = seen.games[t]
        if game < 0 or any(seen.games[t + s] != game for s in range(-longest, longest + 1)):
            continue
        if not on_time[t : t + longest].all():
            continue
        out[t] = np.concatenate(
            [
                play_features(seen.frames[t - lag], seen.frames[t], seen.frames[t + lag])
                for lag in LAGS
            ]
        )
    return out


def grabs_on_time(seen: PlayRecord) -> np.ndarray:
    """Per grab but the last: did the next one come one pace after it, within
    :data:`TIMING_TOLERANCE`? (see :func:`decision_features`)"""
    steps = np.diff(np.asarray(seen.times))
    same_game = np.diff(np.asarray(seen.games)) == 0
    # The pace the loop kept: the profile's period, or a multiple of it where every grab
    # takes longer (a slow machine, a large region).
    pace = float(np.median(steps[same_game])) if same_game.any() else seen.period_s
    pace = max(seen.period_s, pace)
    return np.abs(steps - pace) <= TIMING_TOLERANCE * pace


def judge_play(
    seen: PlayRecord,
    action: int,
    noop: int,
    rng: np.random.Generator,
    features: dict[int, np.ndarray] | None = None,
    shuffles: int = SHUFFLES,
) -> PlayVerdict:
    """Does what follows ``action`` differ from what follows ``noop``, or move with how often
    the action was held lately? (the module docstring)"""
    features = decision_features(seen) if features is None else features
    held = np.asarray(seen.actions)
    # Relabelled: every decision that held the action or the no-op (the draws the null hypothesis
    # "the action does what the no-op does" leaves exchangeable), featured or not.
    either = np.flatnonzero((held == action) | (held == noop))
    truth = (held[either] == action).astype(np.float64)
    k = int(truth.sum())
    judged = np.array(sorted(features))
    position = {int(t): i for i, t in enumerate(either)}
    picked = [int(t) for t in judged if int(t) in position]
    if k == 0 or k == len(either) or not picked:
        return PlayVerdict(1.0, k, 0)
    plays = np.asarray(seen.plays)
    # Each play's labels trade places only among that play's decisions (the module docstring).
    drawn = np.zeros((shuffles, len(either)))
    for play in np.unique(plays[either]):
        members = np.flatnonzero(plays[either] == play)
        count = int(truth[members].sum())
        chosen = members[rng.random((shuffles, len(members))).argsort(axis=1)[:, :count]]
        np.put_along_axis(drawn, chosen, 1, axis=1)
    labellings = np.vstack([truth[None, :], drawn])  # row 0: the true labels
    values = np.vstack([features[t] for t in picked])
    spread = values.std(axis=0) > 0
    if not spread.any():
        return PlayVerdict(1.0, k, 0)
    in_play = plays[picked]
    ranks = centred_ranks(values[:, spread], in_play)
    own = rank_sum_z(labellings[:, [position[t] for t in picked]], ranks, in_play)
    # Each family's statistic as a share of labellings at least as extreme (its own scale),
    # and the smaller of the two: the test pays for looking twice, and for nothing more.
    shares = [_share_at_least(np.abs(own).max(axis=1))]
    pushes = _recent_count_statistic(seen, either, labellings, judged, features)
    if pushes is not None:
        shares.append(_share_at_least(pushes))
    smallest = np.min(shares, axis=0)
    chance = float((smallest[1:] <= smallest[0] + 1e-12).sum() + 1) / (shuffles + 1)
    observed = own[0]
    best = int(np.argmax(np.abs(observed)))
    column = ranks[:, best]
    labels = labellings[0, [position[t] for t in picked]]
    median = np.median(column[labels == 0])
    side = np.sign(observed[best])
    beyond = int(((column[labels == 1] - median) * side > 0).sum())
    return PlayVerdict(chance, int(labels.sum()), beyond)


def play_look(
    profile: GameProfile,
    source: FrameSource,
    sink: KeySink,
    actions: list[int],
    rng: np.random.Generator,
    reader: RewardReader | None = None,
    restart: Callable[[str], None] | None = None,
    again_below: float = 0.0,
    on_again: Callable[[list[int], bool], None] | None = None,
    decisions_per_action: int = DECISIONS_PER_ACTION,
) -> dict[int, PlayVerdict]:
    """Random play of all the profile's actions, and a verdict for each of ``actions``.

    Actions not found are played again (:data:`REPLAYS`): random play that favours them, then
    spaced, three times at most (the module docstring; ``on_again`` is told which actions and
    whether spaced, first), judged together with the plays before. Every action the first play
    did not find gets the first replay, however far the first play left it: one play of every
    action alike left Pac-Man's up, which the favoured play then found at 0.05%, at 55%. After
    that only those left close (chance at most ``again_below``) are played again. An action not
    found whose keys another action holds (:func:`shares_keys`) gets only the spaced plays,
    close or not. An effect that shows only now and then (a turn only where the runner meets a
    crossing, a shot only when the last ones are gone) gets more decisions to show in, in less
    time than playing every action again would take. A key with no effect passes each look with
    a chance of at most :data:`PLAY_SIGNIFICANCE`.
    ``decisions_per_action``: as :func:`record_play`'s, in each play.
    """
    seen = record_play(profile, source, sink, rng, reader, restart, decisions_per_action)
    features = decision_features(seen)
    noop = profile.noop_action
    verdicts = {i: judge_play(seen, i, noop, rng, features) for i in actions}

    def wanted(action: int, verdict: PlayVerdict, again: int) -> bool:
        if verdict.chance <= PLAY_SIGNIFICANCE:
            return False
        # Held more often, an action whose keys others hold too would find its effect used
        # up as in the first play, and that play would only dilute the others: it is played
        # spaced, close or not.
        if shares_keys(profile, action):
            return REPLAYS[again]
        return again == 0 or verdict.chance <= again_below

    for again, spaced in enumerate(REPLAYS):
        close = [i for i, v in verdicts.items() if wanted(i, v, again)]
        if not close:
            continue
        if on_again is not None:
            on_again(close, spaced)
        more = record_play(
            profile, source, sink, rng, reader, restart, decisions_per_action, close, spaced
        )
        seen = seen.extended(more)
        features = decision_features(seen)
        verdicts.update({i: judge_play(seen, i, noop, rng, features) for i in close})
    return verdicts


def shares_keys(profile: GameProfile, action: int) -> bool:
    """Does another of the profile's actions hold one of ``action``'s keys? Random play then
    holds its keys more often than its own share, and an effect that must recover first (a
    shot that must leave the screen) is mostly used up when the action is drawn."""
    keys = set(profile.actions[action].keys)
    return any(keys & set(a.keys) for i, a in enumerate(profile.actions) if i != action)


def play_shares(
    profile: GameProfile, favoured: list[int] | None = None, spaced: bool = False
) -> np.ndarray:
    """Each action's share of the decisions of :func:`record_play`: all alike, or with
    ``favoured`` (indices of actions, not the no-op) the other actions share
    :data:`FAVOURED_OTHERS` and the favoured ones and the no-op the rest, equally or, spaced,
    each favoured one :data:`SPACED_SHARE` of the no-op's. Spaced play leaves out the other
    actions that hold one of a favoured action's keys (their presses would use up its effect
    too)."""
    count = len(profile.actions)
    if not favoured:
        return np.full(count, 1 / count)
    noop = profile.noop_action
    chosen = sorted(set(favoured) - {noop})
    keys = {key for i in chosen for key in profile.actions[i].keys}
    others = [
        i
        for i in range(count)
        if i not in chosen and i != noop and not (spaced and keys & set(profile.actions[i].keys))
    ]
    shares = np.zeros(count)
    shares[others] = FAVOURED_OTHERS / max(1, len(others))
    rest = 1 - shares.sum()
    weight = SPACED_SHARE if spaced else 1.0
    shares[noop] = rest / (1 + weight * len(chosen))
    shares[chosen] = weight * shares[noop]
    return shares


def play_decisions(
    profile: GameProfile,
    favoured: list[int] | None = None,
    decisions_per_action: int = DECISIONS_PER_ACTION,
    spaced: bool = False,
) -> int:
    """How many decisions :func:`record_play` takes: enough for ``decisions_per_action`` of
    the no-op's."""
    share = play_shares(profile, favoured, spaced)[profile.noop_action]
    return math.ceil(decisions_per_action / share - 1e-6)


def play_seconds(
    profile: GameProfile, favoured: list[int] | None = None, spaced: bool = False
) -> float:
    """How long :func:`record_play` plays at the profile's decision rate, restarts aside,
    seconds."""
    return play_decisions(profile, favoured, spaced=spaced) / profile.decisions_per_second


def _share_at_least(statistic: np.ndarray) -> np.ndarray:
    """For each entry, the share of entries at least as large (itself included)."""
    ordered = np.sort(statistic)
    return 1 - np.searchsorted(ordered, statistic - 1e-9, side="left") / len(statistic)


def _recent_count_statistic(
    seen: PlayRecord,
    either: np.ndarray,
    labellings: np.ndarray,
    judged: np.ndarray,
    features: dict[int, np.ndarray],
) -> np.ndarray | None:
    """Per labelling (rows of 0/1 over the decisions ``either``), the largest correlation (times
    the square root of the count, either sign) between how many of the last
    :data:`RECENT_DECISIONS` decisions of the same game held the action and the rank of each
    feature, over every judged decision; None when there is nothing to correlate."""
    # The keys of the decisions counted may have made the grabs after them late (the judged
    # decision's own are checked by decision_features): those decisions are left out here.
    on_time = grabs_on_time(seen)
    back = max(RECENT_DECISIONS - 1, max(LAGS))
    judged = np.array([t for t in judged if t >= back and on_time[t - back : t].all()], dtype=int)
    if len(judged) < 2:
        return None
    values = np.vstack([features[int(t)] for t in judged])
    spread = values.std(axis=0) > 0
    if not spread.any():
        return None
    in_play = np.asarray(seen.plays)[judged]
    ranks = centred_ranks(values[:, spread], in_play)
    games = np.asarray(seen.games)
    held_action = np.zeros((len(labellings), len(games) + 1))
    held_action[:, either + 1] = labellings
    so_far = np.cumsum(held_action, axis=1)  # so_far[:, t + 1]: decisions 0..t
    starts_game = np.r_[True, games[1:] != games[:-1]]
    game_start = np.maximum.accumulate(np.where(starts_game, np.arange(len(games)), 0))
    first = np.maximum(judged - RECENT_DECISIONS + 1, game_start[judged])
    counts = so_far[:, judged + 1] - so_far[:, first]
    for play in np.unique(in_play):
        mine = counts[:, in_play == play]
        mine -= mine.mean(axis=1, keepdims=True)
        scale = mine.std(axis=1, keepdims=True)
        counts[:, in_play == play] = np.divide(
            mine, scale, out=np.zeros_like(mine), where=scale > 0
        )
    return np.abs(counts @ ranks / math.sqrt(len(judged))).max(axis=1)
