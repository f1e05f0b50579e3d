"""The input probe: does each action's key reach the game, and how fast does the game react?

Input that never reaches the game (wrong window focused, a game that reads raw input, a key the
game ignores) is the most common failure of screen agents, and training cannot reveal it. The
probe presses each action's keys in turn, in a few rounds, with no-key trials (the controls) at
random places in each round, and notes for every pixel of the game region when it first
changed in each trial.

An action's effect is where it changes pixels in most of its trials and that the controls
hardly ever change: a paddle that follows the key, not a ball or an opponent that moves on its
own. A trial responds when its keys changed enough of those pixels, and more of them than any
control did. Because the place is picked from the action's own trials, a ball that crossed
one spot in three of them by chance could pass that test; so the verdict is also a permutation
test: the action's trials and the controls are shuffled, labels and all, hundreds of times,
and the action works only if few shuffles look as responsive as the true labels (if the key
does nothing, its trials are just more controls). The time until enough effect pixels changed
is the delay from keypress to pixels.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from screen_agent.capture.frame import FrameSource, crop
from screen_agent.errors import UserError
from screen_agent.input.sink import KeySink
from screen_agent.profile import GameProfile

DIFF_LEVEL = 24
"""Grey levels a pixel must change by to count as changed (ignores anti-aliasing noise)."""

SIGNIFICANCE = 0.01
"""An action works only if at most this share of shuffled labellings responds as well."""

MAX_POOL = 64
"""Trials of one action and controls judged together (one bit each per pixel)."""

NO_EFFECT = "no visible effect: does this key reach the game?"
COINCIDENCE = "changes seen as often without it: the game moving on its own?"


@dataclass(frozen=True)
class ProbeSettings:
    """How the probe watches; times in seconds."""

    trials: int = 8
    """Trials per action (at least 4: with fewer, no effect can stand out from chance)."""
    controls_per_round: int = 2
    """No-key trials in each round, at random places in it."""
    hold_s: float = 0.25
    """How long each trial holds the keys while watching: long enough for a slow game to
    react, short enough that a paddle does not reach a wall every time (it then stops
    changing pixels)."""
    settle_s: float = 0.25
    """Wait with no keys held before each trial."""
    settle_jitter_s: float = 0.25
    """Up to this much more wait, drawn at random for each trial, so trials do not fall in
    step with a game's own rhythm (a rally, an opponent's sweep) and see the same motion."""
    min_pixels: int = 60
    """Changed pixels where the action has its effect that count as a reaction."""
    effect_share: float = 0.5
    """A pixel belongs to an action's effect only if at least this share of its trials
    changed it."""
    control_share: float = 0.1
    """A pixel belongs to an action's effect only if at most this share of the controls
    changed it (of the 16 controls of 8 rounds: one): an opponent that sweeps the same column
    in every trial is not the key's doing."""
    shuffles: int = 400
    """Random relabellings of the permutation test (all of them when there are fewer)."""
    restarts: int = 2
    """Times a round in which nothing moved at all is taken for a game that has ended: the
    profile's restart keys are pressed and the round is done again."""

    def __post_init__(self) -> None:
        if not 4 <= self.trials <= MAX_POOL // (1 + self.controls_per_round):
            raise UserError(
                f"the probe takes 4 to {MAX_POOL // (1 + self.controls_per_round)} trials per "
                f"action, not {self.trials} (with fewer no key can stand out from chance; more "
                f"do not fit the {MAX_POOL}-trial permutation test)"
            )


@dataclass(frozen=True)
class ActionReport:
    """What pressing one action did."""

    name: str
    keys: tuple[str, ...]
    responded: int
    """Trials in which enough of the action's effect pixels changed (see ``judge``)."""
    trials: int
    delay_ms: float | None
    """Median time from keypress to the first reacting frame, over responding trials."""
    changed_pixels: int
    """Median count of the action's effect pixels that changed in a trial."""
    chance: float = 0.0
    """Share of shuffled labellings of its trials and the controls that responded at least as
    well: near 0 for a key with an effect, large for one whose 'effect' was coincidence."""

    @property
    def works(self) -> bool:
        return self.responded * 2 > self.trials and self.chance <= SIGNIFICANCE

    @property
    def verdict(self) -> str:
        if self.works:
            return "works"
        return COINCIDENCE if self.responded * 2 > self.trials else NO_EFFECT


@dataclass
class ProbeRecord:
    """What the probe saw: per trial and per pixel of the game region, seconds from the
    keypress to the pixel's first change (``inf``: it did not change while the keys were held).

    Kept apart from the verdict so that a recorded session can be judged again offline.
    """

    controls: list[np.ndarray]
    """The no-key trials: where and when the game moves on its own."""
    trials: dict[int, list[np.ndarray]]
    """Each tested action's trials, by action index."""


def record(
    profile: GameProfile,
    source: FrameSource,
    sink: KeySink,
    settings: ProbeSettings = ProbeSettings(),
    on_trial: Callable[[str], None] | None = None,
    rng: np.random.Generator | None = None,
) -> ProbeRecord:
    """Press every action's keys ``settings.trials`` times and note what changed, and when.

    ``source`` grabs the window's client area (the frame the profile's regions are in);
    ``rng`` draws the settle jitter and the order of each round.
    """
    rng = np.random.default_rng() if rng is None else rng
    game = profile.game

    def gray() -> tuple[np.ndarray, float]:
        frame = source.grab()
        return cv2.cvtColor(
            np.ascontiguousarray(crop(frame.pixels, game)), cv2.COLOR_RGB2GRAY
        ), frame.time

    def trial(keys: tuple[str, ...]) -> np.ndarray:
        """Hold ``keys``; per pixel, seconds from the press to its first change (inf: none)."""
        sink.release_all()
        time.sleep(settings.settle_s + rng.uniform(0, settings.settle_jitter_s))
        baseline, _ = gray()
        first = np.full(baseline.shape, np.inf, dtype=np.float32)
        pressed = time.monotonic()
        sink.hold(keys)
        while time.monotonic() - pressed < settings.hold_s:
            image, stamp = gray()
            new = (cv2.absdiff(image, baseline) > DIFF_LEVEL) & np.isinf(first)
            first[new] = stamp - pressed
            time.sleep(0.003)
        sink.release_all()
        return first

    noop = profile.noop_action
    # Round robin over the actions, so opposite moves alternate and a paddle is not left
    # against a wall (where its own key would change nothing) for the next trial. Each round
    # starts at a random place in the cycle and has its controls at random places, so no
    # action always follows the same one: the game's state when an action is tried (where
    # the ball is after the paddle went down, say) must not come with the action.
    tested = [i for i in range(len(profile.actions)) if i != noop]
    controls: list[np.ndarray] = []
    firsts: dict[int, list[np.ndarray]] = {i: [] for i in tested}
    restarts = settings.restarts if profile.restart.steps else 0
    while tested and len(firsts[tested[0]]) < settings.trials:
        start = int(rng.integers(len(tested)))
        order: list[int] = [*tested[start:], *tested[:start]]
        for _ in range(settings.controls_per_round):
            order.insert(int(rng.integers(len(order) + 1)), noop)
        results: list[tuple[int, np.ndarray]] = []
        for index in order:
            if index != noop and on_trial is not None:
                on_trial(profile.actions[index].name)
            results.append((index, trial(profile.actions[index].keys)))
        still = all(np.count_nonzero(np.isfinite(f)) < settings.min_pixels for _, f in results)
        if still and restarts:
            # Nothing moved at all, keys or not: most likely the game is over (a round
            # ended, a menu waits); restart it and do the round again.
            restarts -= 1
            if on_trial is not None:
                on_trial("the restart keys (nothing moved: has the game ended?)")
            sink.restart()
            time.sleep(settings.settle_s)
            continue
        for index, first in results:
            (controls if index == noop else firsts[index]).append(first)
    return ProbeRecord(controls, firsts)


class _Pool:
    """One action's trials followed by the controls, as one bit per trial for every pixel that
    changed in any of them, so that a labelling of the pool is judged with a few bit counts."""

    def __init__(self, trials: list[np.ndarray], controls: list[np.ndarray]) -> None:
        maps = [*trials, *controls]
        if len(maps) > MAX_POOL:
            raise ValueError(f"the probe judges at most {MAX_POOL} trials at once, not {len(maps)}")
        changed = np.zeros(maps[0].shape, np.uint64)
        near = np.zeros(maps[0].shape, np.uint64)
        # Widened a little for the controls' side: a ball seen at one spot in a control may
        # be a few pixels further in an action's trial.
        kernel = np.ones((5, 5), np.uint8)
        for bit, first in enumerate(maps):
            moved = np.isfinite(first).astype(np.uint8)
            changed |= moved.astype(np.uint64) << np.uint64(bit)
            near |= cv2.dilate(moved, kernel).astype(np.uint64) << np.uint64(bit)
        where = changed != 0
        self.size = len(maps)
        self.changed = changed[where]
        self.near = near[where]
        self.times = [first[where] for first in maps]

    def judge(
        self, action: tuple[int, ...], settings: ProbeSettings
    ) -> tuple[int, int, list[np.ndarray]]:
        """Label the trials in ``action`` as the key's and the rest as controls: the count of
        responding trials, the median count of effect pixels changed in a trial, and the
        responding trials' effect times."""
        key_bits = np.uint64(sum(1 << i for i in action))
        control_bits = np.uint64(((1 << self.size) - 1) & ~int(key_bits))
        controls = self.size - len(action)
        in_key = np.bitwise_count(self.changed & key_bits)
        near_controls = np.bitwise_count(self.near & control_bits)
        effect = (in_key >= settings.effect_share * len(action) - 1e-9) & (
            near_controls <= settings.control_share * controls
        )
        hits = [
            effect & ((self.changed >> np.uint64(i)) & np.uint64(1) != 0) for i in range(self.size)
        ]
        counts = {i: int(np.count_nonzero(hits[i])) for i in range(self.size)}
        # The most the game changed of these pixels with no key held: a response must beat it.
        floor = max(settings.min_pixels, 1 + max(c for i, c in counts.items() if i not in action))
        responding = [self.times[i][hits[i]] for i in action if counts[i] >= floor]
        return len(responding), int(np.median([counts[i] for i in action])), responding


def judge(
    profile: GameProfile,
    seen: ProbeRecord,
    settings: ProbeSettings = ProbeSettings(),
    rng: np.random.Generator | None = None,
) -> list[ActionReport]:
    """Which actions had a visible effect of their own in ``seen``, and how fast.

    ``rng`` draws the shuffles (seeded by default: the same record gets the same verdict).
    """
    rng = np.random.default_rng(0) if rng is None else rng

    def report(index: int) -> ActionReport:
        trials = seen.trials[index]
        pool = _Pool(trials, seen.controls)
        labelled = tuple(range(len(trials)))
        responded, changed, responding = pool.judge(labelled, settings)
        # Every labelling when there are few (the true one among them); else a random sample,
        # to which the true labelling is added, so that the chance is never 0.
        exact = math.comb(pool.size, len(trials)) <= settings.shuffles
        if exact:
            shuffles = list(itertools.combinations(range(pool.size), len(trials)))
        else:
            shuffles = [
                tuple(rng.choice(pool.size, len(trials), replace=False))
                for _ in range(settings.shuffles)
            ]
        at_least = 0 if exact else 1
        for shuffle in shuffles:
            r, c, _ = pool.judge(shuffle, settings)
            at_least += (r, c) >= (responded, changed)
        delays = [float(np.sort(t)[settings.min_pixels - 1]) for t in responding]
        return ActionReport(
            name=profile.actions[index].name,
            keys=profile.actions[index].keys,
            responded=responded,
            trials=len(trials),
            delay_ms=1000 * float(np.median(delays)) if delays else None,
            changed_pixels=changed,
            chance=at_least / (len(shuffles) + (0 if exact else 1)),
        )

    return [report(i) for i in seen.trials]


def probe(
    profile: GameProfile,
    source: FrameSource,
    sink: KeySink,
    settings: ProbeSettings = ProbeSettings(),
    on_trial: Callable[[str], None] | None = None,
    rng: np.random.Generator | None = None,
) -> list[ActionReport]:
    """Press every action's keys ``settings.trials`` times; report which ones the game shows."""
    return judge(profile, record(profile, source, sink, settings, on_trial, rng), settings)


def format_report(reports: list[ActionReport]) -> str:
    """A table for the terminal: one line per action, failures flagged."""
    header = f"{'action':<14} {'keys':<18} {'reacts':<8} {'delay':>9} {'pixels':>8} {'chance':>7}"
    lines = [header]
    for r in reports:
        delay = "-" if r.delay_ms is None else f"{r.delay_ms:.0f} ms"
        verdict = f"{r.responded}/{r.trials}"
        flag = "" if r.works else f"   <- {r.verdict}"
        keys = "+".join(r.keys) or "(none)"
        lines.append(
            f"{r.name:<14} {keys:<18} {verdict:<8} {delay:>9} {r.changed_pixels:>8} "
            f"{r.chance:>7.0%}{flag}"
        )
    return "\n".join(lines)
