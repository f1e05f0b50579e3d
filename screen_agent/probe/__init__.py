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

Each round tries every action once and the controls in a random order, so what one trial
leaves behind (a shot still flying, a player still sliding) falls on whatever comes next, and
the permutation test can undo exactly that shuffle. Each trial also watches the same time just
before its press, with no keys: what the game was already moving. An action that fails the
test above may pass a second one (:mod:`.change`): more new motion after its presses than
after the controls of the same rounds, somewhere (the whole region, the busiest square, the
busiest narrow column or row, a row or column band) -- a ship that is somewhere else in every
trial, where the enemies shoot too, or the trail of its shot -- or motion the other way (the
flow summed over the trial's grabs): a runner turned up who would have run on sideways.

Real games end, often within seconds, and a trial on a game-over screen sees no key work. So
the probe starts a game with the profile's restart sequence and, given the session's reward
reader, checks the profile's game-over rules after every trial: when the game has ended, the
last trials (which may have met a dying ship or the game-over screen) are dropped, the game
is restarted and a new round begins. Without game-over rules, a round in which nothing moved
at all is taken for an ended game (restarted, at most ``ProbeSettings.restarts`` times).

A busy or slow game (or a loaded machine) can leave a working key just short of significance
after the first trials. Such an undecided action (its chance at most ``UNDECIDED``) gets as
many trials again, in rounds of its own with fresh controls, and is judged once more on all of
them: a second look, so a key with no effect passes with at most twice the single test's
chance, while a key whose effect was only blurred gets twice the evidence.

An action that still fails gets a third look (:mod:`.play`): random play of all the actions at
the decision rate, as the agent will play, comparing what follows its decisions with what
follows the no-op's (a turn that waits for the next crossing, a small shot fired wherever the
player is). An action that random play does not find is played again in random play that
holds it more often, and while it stays close (its chance at most ``UNDECIDED``) up to three
times more in random play that holds it now and then (:func:`.play.play_look`), judged on all
the plays: a turn shows only where the runner meets a crossing, and one play may bring it to
few; a shot shows only when the last ones have left the screen. An action whose keys another
action holds too (fire beside left+fire) gets only the plays that hold it now and then, close or
not. A key with no effect passes the trials with a chance of at most 3% (1.5% per look) and
random play with at most 2.5% (0.5% per look).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from screen_agent.capture.frame import FrameSource, crop
from screen_agent.errors import UserError
from screen_agent.input.sink import KeySink
from screen_agent.probe.change import (
    MotionSum,
    change_features,
    judge_change,
    new_motion_times,
)
from screen_agent.probe.play import PLAY_SIGNIFICANCE, play_look, play_seconds
from screen_agent.profile import GameProfile
from screen_agent.reward.reader import RewardReader

DIFF_LEVEL = 24
"""Grey levels a pixel must change by to count as changed (ignores anti-aliasing noise)."""

SIGNIFICANCE = 0.01
"""An action works only if at most this share of shuffled labellings responds as well."""
CHANGE_SIGNIFICANCE = 0.005
"""The same for the second test (:mod:`.change`), which an action that failed the first may
pass; half the first's, so a key with no effect passes either with a chance of at most 1.5%."""

MAX_POOL = 64
"""Trials of one action and controls judged together (one bit each per pixel)."""

GAME_OVER_LAG_TRIALS = 2
"""Trials dropped before a detected game over: the trial it was seen after, and the one
before (a game-over rule settles a little after the game ended)."""
MAX_FAILED_RESTARTS = 3
"""Restarts in a row after which the game is still over: the restart sequence does not work."""

UNDECIDED = 0.2
"""An action that failed with at most this chance is tried again with as many trials more, and
after random play and its first replay, played again (see the module docstring)."""

NEAR = 0.05
"""A failed action with at most this chance is reported as :data:`NOT_CLEAR`, not as having no
effect: a key that shows only now and then (a turn at the next crossing) can end just above the
level. A key with no effect lands here too: in 5% of each test's outcomes, and the report keeps
the closest of its tests, so "not clear" is a prompt to look again, not a verdict."""

NO_EFFECT = "no visible effect: does this key reach the game?"
COINCIDENCE = "changes seen as often without it: the game moving on its own?"
NOT_CLEAR = "not clear: a weak sign of an effect (only now and then?); probe again or watch it"


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
    """Without game-over rules: times a round in which nothing moved at all is taken for a
    game that has ended: the profile's restart sequence runs and the round is done again."""
    play: bool = True
    """Give actions that still fail after the trials a third look: random play of all the
    actions (:mod:`.play`, about 11 s per action of the profile at 15 decisions a second)."""
    max_discarded: int = 40
    """Game overs the probe sits through before it gives up (a game that ends faster than a
    few trials last cannot be probed)."""

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
    basis: str = "place"
    """Which test the numbers come from: ``"place"`` (pixels of its own that it changes in
    most trials) or ``"change"`` (more new motion after the press than the controls of its
    rounds, :mod:`.change`; ``responded`` then counts trials that beat both)."""

    @property
    def works(self) -> bool:
        if self.basis == "change":
            return self.chance <= CHANGE_SIGNIFICANCE
        if self.basis == "play":
            return self.chance <= PLAY_SIGNIFICANCE
        return self.responded * 2 > self.trials and self.chance <= SIGNIFICANCE

    @property
    def verdict(self) -> str:
        """``"works"``, or why not, for the user: no sign of an effect, only a weak one
        (:data:`NEAR`), or changes the controls showed as often (the place test)."""
        if self.works:
            return "works"
        if self.basis == "place" and self.responded * 2 <= self.trials:
            return NO_EFFECT
        if self.chance <= NEAR:
            return NOT_CLEAR
        # Left: the place test's majority of trials, which the controls showed about as often.
        return NO_EFFECT if self.basis in ("change", "play") else COINCIDENCE

    @property
    def undecided(self) -> bool:
        """Failed, but close enough to significance that more trials may tell."""
        return not self.works and self.chance <= UNDECIDED


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
    controls_before: list[np.ndarray] | None = None
    """Per control, the pixels (bool) that changed in the ``hold_s`` just before its press,
    with no key held: what the game was already moving (None in older records)."""
    trials_before: dict[int, list[np.ndarray]] | None = None
    """The same for each action's trials."""
    control_rounds: list[int] | None = None
    """The round of each control (every round tries each action once and the controls, in
    a random order; the permutation test shuffles labels within rounds). None: unknown."""
    trial_rounds: dict[int, list[int]] | None = None
    """The round of each action's trials."""
    controls_motion: list[np.ndarray] | None = None
    """Per control, which way things moved while it lasted (:meth:`~.change.MotionSum.values`;
    None in older records)."""
    trials_motion: dict[int, list[np.ndarray]] | None = None
    """The same for each action's trials."""

    @property
    def rounds(self) -> int:
        """How many rounds were kept (the next round's number)."""
        numbers = [*(self.control_rounds or [])]
        for rounds in (self.trial_rounds or {}).values():
            numbers.extend(rounds)
        return 1 + max(numbers, default=-1)

    def extended(self, more: ProbeRecord) -> ProbeRecord:
        """This record and ``more`` (later rounds, numbered on from :attr:`rounds`) as one."""

        def joined(a: list[Any] | None, b: list[Any] | None) -> list[Any] | None:
            return None if a is None or b is None else [*a, *b]

        def joined_by_action(
            a: dict[int, list[Any]] | None, b: dict[int, list[Any]] | None
        ) -> dict[int, list[Any]] | None:
            if a is None or b is None:
                return None
            return {i: [*a.get(i, []), *b.get(i, [])] for i in {*a, *b}}

        trials = joined_by_action(self.trials, more.trials)
        assert trials is not None
        return ProbeRecord(
            [*self.controls, *more.controls],
            trials,
            joined(self.controls_before, more.controls_before),
            joined_by_action(self.trials_before, more.trials_before),
            joined(self.control_rounds, more.control_rounds),
            joined_by_action(self.trial_rounds, more.trial_rounds),
            joined(self.controls_motion, more.controls_motion),
            joined_by_action(self.trials_motion, more.trials_motion),
        )


Trial = tuple[np.ndarray, np.ndarray, np.ndarray]
"""One trial as :func:`record` keeps it: first-change times, pixels changing before the
press, and the signed motion numbers (see :class:`ProbeRecord`)."""


class _GameOverWatch:
    """Reads the profile's game-over rules on a few fresh grabs: has the game ended?"""

    def __init__(self, reader: RewardReader, source: FrameSource) -> None:
        self.reader = reader
        self.source = source
        rules = [r for r in reader.rules if r.common.game_over]
        # Enough grabs in a row for the slowest rule to settle on a banner that is up.
        self.frames = 1 + max(
            (int(getattr(getattr(r, "config", None), "settle_frames", 2)) for r in rules),
            default=2,
        )
        self.useful = bool(rules)
        self.ended = False

    def over(self) -> bool:
        """True once a game-over rule fired since the last :meth:`reset`."""
        if not self.ended:
            for _ in range(self.frames):
                frame = self.source.grab()
                if self.reader.read(frame.pixels, frame.time).game_over:
                    self.ended = True
                    break
        return self.ended

    def reset(self) -> None:
        """A new game started: the rules take the next grabs as their baseline."""
        self.reader.reset()
        self.ended = False


def record(
    profile: GameProfile,
    source: FrameSource,
    sink: KeySink,
    settings: ProbeSettings = ProbeSettings(),
    on_trial: Callable[[str], None] | None = None,
    rng: np.random.Generator | None = None,
    reader: RewardReader | None = None,
    actions: list[int] | None = None,
    first_round: int = 0,
) -> ProbeRecord:
    """Press every action's keys ``settings.trials`` times and note what changed, and when.

    ``source`` grabs the window's client area (the frame the profile's regions are in);
    ``rng`` draws the settle jitter and the order of each round; ``reader`` (the session's
    reward reader) says when the game ended, so rounds that crossed a game over are
    discarded and the game restarted (see the module docstring). ``actions`` (indices; all
    but the no-op by default) are the ones tried; ``first_round`` numbers the rounds on from
    an earlier record (which leaves a game running: none is started first).
    """
    rng = np.random.default_rng() if rng is None else rng
    game = profile.game
    ended_game = _GameOverWatch(reader, source) if reader is not None else None
    if ended_game is not None and not ended_game.useful:
        ended_game = None

    def say(text: str) -> None:
        if on_trial is not None:
            on_trial(text)

    def restart(reason: str) -> None:
        say(f"the restart sequence ({reason})")
        sink.restart()
        time.sleep(settings.settle_s)
        if ended_game is not None:
            ended_game.reset()

    def gray() -> tuple[np.ndarray, float]:
        frame = source.grab()
        return cv2.cvtColor(
            np.ascontiguousarray(crop(frame.pixels, game)), cv2.COLOR_RGB2GRAY
        ), frame.time

    def watch(seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """Per pixel, seconds from now to its first change within ``seconds`` (inf: none);
        and which way things moved meanwhile (:class:`~.change.MotionSum`)."""
        baseline, _ = gray()
        motion = MotionSum()
        motion.add(baseline)
        first = np.full(baseline.shape, np.inf, dtype=np.float32)
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            image, stamp = gray()
            new = (cv2.absdiff(image, baseline) > DIFF_LEVEL) & np.isinf(first)
            first[new] = stamp - started
            motion.add(image)
            time.sleep(0.003)
        return first, motion.values()

    def trial(keys: tuple[str, ...]) -> Trial:
        """Hold ``keys``: per pixel, seconds from the press to its first change (inf: none);
        which pixels changed in the same time just before the press, with no keys; and which
        way things moved while the keys were held."""
        sink.release_all()
        settle = settings.settle_s + rng.uniform(0, settings.settle_jitter_s)
        before_s = min(settings.hold_s, settle)
        time.sleep(settle - before_s)
        before, _ = watch(before_s)
        sink.hold(keys)  # the press starts the watch below within a grab (~ms)
        first, motion = watch(settings.hold_s)
        sink.release_all()
        return first, np.isfinite(before), motion

    noop = profile.noop_action
    # Each round tries every action once and the controls, in an order drawn afresh (every
    # order equally likely): what one trial leaves behind (a shot still flying, a player
    # still sliding) falls on the next trial whatever it is, so no action inherits it more
    # than the controls do, and the rounds' shuffles are what the permutation test undoes.
    tested = [i for i in range(len(profile.actions)) if i != noop]
    if actions is not None:
        tested = [i for i in tested if i in actions]
    controls: list[np.ndarray] = []
    firsts: dict[int, list[np.ndarray]] = {i: [] for i in tested}
    controls_before: list[np.ndarray] = []
    befores: dict[int, list[np.ndarray]] = {i: [] for i in tested}
    controls_motion: list[np.ndarray] = []
    motions: dict[int, list[np.ndarray]] = {i: [] for i in tested}
    control_rounds: list[int] = []
    rounds: dict[int, list[int]] = {i: [] for i in tested}
    has_restart = bool(profile.restart.steps)
    restarts = settings.restarts if has_restart and ended_game is None else 0
    discarded = failed_restarts = 0
    if tested and has_restart and ended_game is not None and first_round == 0:
        # Like a session's first reset: whatever screen the game shows (a title, a score
        # table, a game in progress), the sequence starts a new game.
        restart("a new game to probe")
    round_number = first_round

    def keep(results: list[tuple[int, Trial]]) -> None:
        nonlocal round_number
        for index, (first, before, motion) in results:
            (controls if index == noop else firsts[index]).append(first)
            (controls_before if index == noop else befores[index]).append(before)
            (controls_motion if index == noop else motions[index]).append(motion)
            (control_rounds if index == noop else rounds[index]).append(round_number)
        round_number += 1

    while tested and min(len(firsts[i]) for i in tested) < settings.trials:
        if ended_game is not None and ended_game.over():
            failed_restarts += 1
            _check_restarts(failed_restarts)
            restart("the game is over")
            continue
        order = [int(i) for i in rng.permutation([*tested, *[noop] * settings.controls_per_round])]
        results: list[tuple[int, Trial]] = []
        ended = False
        for index in order:
            if index != noop:
                say(profile.actions[index].name)
            results.append((index, trial(profile.actions[index].keys)))
            if ended_game is not None and ended_game.over():
                ended = True
                break
        if ended:
            # The game ended during the round. The last trials may have met a dying ship or
            # the game-over screen (the rules see it a little late), where no key works:
            # they are dropped; the earlier ones stand (their round's order was random, so
            # which actions they were says nothing about their effects).
            discarded += 1
            failed_restarts = failed_restarts + 1 if len(results) == 1 else 0
            _check_restarts(failed_restarts)
            if discarded > settings.max_discarded:
                raise UserError(
                    f"the game ended {discarded} times during the probe: it ends too fast to "
                    "probe, or a game-over rule fires during play; check the rules in the "
                    "Rewards tab"
                )
            keep(results[: max(0, len(results) - GAME_OVER_LAG_TRIALS)])
            restart("the game ended: its last trials are dropped")
            continue
        failed_restarts = 0
        still = all(
            np.count_nonzero(np.isfinite(f)) < settings.min_pixels for _, (f, _, _) in results
        )
        if still and restarts:
            # Nothing moved at all, keys or not: most likely the game is over (a round
            # ended, a menu waits); restart it and do the round again.
            restarts -= 1
            restart("nothing moved: has the game ended?")
            continue
        keep(results)
    return ProbeRecord(
        controls,
        firsts,
        controls_before,
        befores,
        control_rounds,
        rounds,
        controls_motion,
        motions,
    )


def _check_restarts(failed: int) -> None:
    if failed >= MAX_FAILED_RESTARTS:
        raise UserError(
            f"the game was still over after {failed} restarts in a row: the profile's restart "
            "sequence does not start a new game (or a game-over rule fires during play); check "
            "[restart] and the game-over rules"
        )


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
        trials = seen.trials[index][: MAX_POOL // 2]
        pool = _Pool(trials, seen.controls[: MAX_POOL - len(trials)])
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
        place = ActionReport(
            name=profile.actions[index].name,
            keys=profile.actions[index].keys,
            responded=responded,
            trials=len(trials),
            delay_ms=1000 * float(np.median(delays)) if delays else None,
            changed_pixels=changed,
            chance=at_least / (len(shuffles) + (0 if exact else 1)),
        )
        if place.works or features is None:
            return place
        change = report_change(index)
        return change if change.works or change.chance < place.chance else place

    features = _change_features(seen)

    def report_change(index: int) -> ActionReport:
        assert features is not None and seen.trial_rounds is not None
        assert seen.control_rounds is not None and seen.trials_before is not None
        controls, trials, signed = features
        verdict = judge_change(
            trials[index],
            controls,
            seen.trial_rounds[index],
            seen.control_rounds,
            np.random.default_rng(rng.integers(2**32)),
            signed=signed,
        )
        # Delay: when the first min_pixels pixels of new motion had changed, in trials
        # with that much.
        times = [
            new_motion_times(first, before)
            for first, before in zip(seen.trials[index], seen.trials_before[index], strict=True)
        ]
        delays = [float(t[settings.min_pixels - 1]) for t in times if len(t) >= settings.min_pixels]
        return ActionReport(
            name=profile.actions[index].name,
            keys=profile.actions[index].keys,
            responded=verdict.responded,
            trials=len(seen.trials[index]),
            delay_ms=1000 * float(np.median(delays)) if delays else None,
            changed_pixels=verdict.changed_pixels,
            chance=verdict.chance,
            basis="change",
        )

    return [report(i) for i in seen.trials]


def _change_features(
    seen: ProbeRecord,
) -> tuple[list[np.ndarray], dict[int, list[np.ndarray]], int] | None:
    """Each trial's :func:`change_features`, followed by its signed motion numbers where the
    record has them (how many: the last item); or None for a record without the pre-press
    maps and rounds (older records: only the first test applies)."""
    if (
        seen.controls_before is None
        or seen.trials_before is None
        or seen.control_rounds is None
        or seen.trial_rounds is None
    ):
        return None
    controls = [
        change_features(f, b) for f, b in zip(seen.controls, seen.controls_before, strict=True)
    ]
    trials = {
        i: [
            change_features(f, b)
            for f, b in zip(seen.trials[i], seen.trials_before[i], strict=True)
        ]
        for i in seen.trials
    }
    if seen.controls_motion is None or seen.trials_motion is None:
        return controls, trials, 0
    controls = [np.concatenate(x) for x in zip(controls, seen.controls_motion, strict=True)]
    trials = {
        i: [np.concatenate(x) for x in zip(rows, seen.trials_motion[i], strict=True)]
        for i, rows in trials.items()
    }
    return controls, trials, len(seen.controls_motion[0]) if seen.controls_motion else 0


def probe(
    profile: GameProfile,
    source: FrameSource,
    sink: KeySink,
    settings: ProbeSettings = ProbeSettings(),
    **options: Any,
) -> list[ActionReport]:
    """Press every action's keys ``settings.trials`` times; report which ones the game shows.
    ``options`` are :func:`record`'s ``on_trial``, ``rng`` and ``reader`` (the session's reward
    reader, whose game-over rules keep the probe on a running game).

    Actions the trials leave in doubt get a second look (more trials), and those that still
    fail a third: random play at the decision rate (:mod:`.play`)."""
    options.setdefault("rng", np.random.default_rng())
    seen = record(profile, source, sink, settings, **options)
    reports = dict(zip(sorted(seen.trials), judge(profile, seen, settings), strict=True))
    say = options.get("on_trial")
    again = [i for i, report in reports.items() if report.undecided]
    if again:
        if say is not None:
            names = ", ".join(profile.actions[i].name for i in again)
            say(f"{names} again (close, not yet clear)")
        more = record(
            profile, source, sink, settings, actions=again, first_round=seen.rounds, **options
        )
        seen = seen.extended(more)
        reports.update(zip(again, judge(profile, _only(seen, again), settings), strict=True))
    failed = [i for i, report in reports.items() if not report.works]
    if failed and settings.play:
        for index, play in _play_look(profile, source, sink, failed, settings, **options).items():
            # As between the trials' two tests: the one that found it, else the closer one.
            if play.works or play.chance < reports[index].chance:
                reports[index] = play
    return list(reports.values())


def _play_look(
    profile: GameProfile,
    source: FrameSource,
    sink: KeySink,
    actions: list[int],
    settings: ProbeSettings,
    rng: np.random.Generator,
    on_trial: Callable[[str], None] | None = None,
    reader: RewardReader | None = None,
) -> dict[int, ActionReport]:
    """The third look (:mod:`.play`) for ``actions``: a report for each."""

    def named(indices: list[int]) -> str:
        return ", ".join(profile.actions[i].name for i in indices)

    def say(text: str) -> None:
        if on_trial is not None:
            on_trial(text)

    say(f"{named(actions)}: random play for about {play_seconds(profile):.0f} s (still not clear)")

    def again(close: list[int], spaced: bool) -> None:
        them = "it" if len(close) == 1 else "them"
        how = (
            f"holding {them} now and then, among more no-op (an effect that needs time "
            "to recover, such as a shot that must leave the screen first)"
            if spaced
            else f"holding {them} more often (not found yet)"
        )
        say(
            f"{named(close)}: random play again for about "
            f"{play_seconds(profile, close, spaced):.0f} s, {how}"
        )

    def restart(reason: str) -> None:
        say(f"the restart sequence ({reason})")
        sink.restart()
        time.sleep(settings.settle_s)

    ended = reader if reader is not None and any(r.common.game_over for r in reader.rules) else None
    verdicts = play_look(
        profile, source, sink, actions, rng, ended, restart, again_below=UNDECIDED, on_again=again
    )
    return {
        index: ActionReport(
            name=profile.actions[index].name,
            keys=profile.actions[index].keys,
            responded=verdict.beyond,
            trials=verdict.decisions,
            delay_ms=None,
            changed_pixels=0,
            chance=verdict.chance,
            basis="play",
        )
        for index, verdict in verdicts.items()
    }


def _only(seen: ProbeRecord, actions: list[int]) -> ProbeRecord:
    """``seen`` with only the trials of ``actions`` (all the controls)."""

    def pick(by_action: dict[int, list[Any]] | None) -> dict[int, list[Any]] | None:
        return None if by_action is None else {i: by_action[i] for i in actions}

    trials = pick(seen.trials)
    assert trials is not None
    return ProbeRecord(
        seen.controls,
        trials,
        seen.controls_before,
        pick(seen.trials_before),
        seen.control_rounds,
        pick(seen.trial_rounds),
        seen.controls_motion,
        pick(seen.trials_motion),
    )


def format_chance(chance: float) -> str:
    """A chance as a percentage fine enough to compare with the levels (0.5%, 1%) and never
    shown as 0 (the permutation tests count the true labelling, so it never is)."""
    if chance >= 0.1:
        return f"{chance:.0%}"
    shown = f"{chance:.1%}"
    return f"{chance:.2%}" if shown == "0.0%" else shown


def format_report(reports: list[ActionReport]) -> str:
    """A table for the terminal: one line per action, failures flagged."""
    header = f"{'action':<14} {'keys':<18} {'reacts':<8} {'delay':>9} {'pixels':>8} {'chance':>7}"
    lines = [header]
    for r in reports:
        delay = "-" if r.delay_ms is None else f"{r.delay_ms:.0f} ms"
        verdict = f"{r.responded}/{r.trials}"
        flag = "" if r.works else f"   <- {r.verdict}"
        keys = "+".join(r.keys) or "(none)"
        pixels = "-" if r.basis == "play" else str(r.changed_pixels)
        chance = format_chance(r.chance)
        lines.append(
            f"{r.name:<14} {keys:<18} {verdict:<8} {delay:>9} {pixels:>8} {chance:>7}{flag}"
        )
    return "\n".join(lines)
