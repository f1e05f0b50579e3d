"""Proposing a game-over rule: a banner that shows when a game ends and never in play, or
the game region going still.

The score cuts the watch into games (:mod:`.episodes`): a game ends before each restart, and
the watch's last game ends in it if the score stood still and the window went quiet at its
end (:func:`ending_window`). The window is seen as coarse cells (:data:`CELL` px squares,
their mean colour in 3 bits per channel). A cell's colour that play (almost) never shows
there, on two frames in a row in the last :data:`BEFORE_RESTART_S` of a game, is part of
something that came with the game's end; the cells where that happened at most game ends,
joined, are the banner (:func:`find_banner`). Frames taken for play on which the banner
showed are game overs the score did not reveal, and leave play. Then a rule is fitted to the
banner's pixels (:func:`fit_banner_rule`): the share of the colour that best tells game ends
from play (a ``range`` rule), or the banner's picture itself (a ``template`` rule with the
captured image) if it separates them clearly better. Without a banner, a ``frozen`` rule is
proposed if the game region stood still at game ends for longer than it ever did in play.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from screen_agent.calibrate.changes import CELL
from screen_agent.calibrate.episodes import Episodes
from screen_agent.calibrate.watch import Watch
from screen_agent.geometry import Region
from screen_agent.reward.pixels import colour_mask

BEFORE_RESTART_S = 1.5
"""How long before a restart a game-over banner is looked for, seconds."""
SETTLE = 2
"""Frames in a row a rule must hold (the rules' ``settle_frames``)."""
ENDED_S = 2.0
"""A watch ends on a game over if its score stood still for at least this long at the end
(seconds) ..."""
ENDED_ACTIVITY = 0.25
"""... while the window changed less than this share of what it usually did in play."""
TOLERANCES = (30, 60)
"""Colour tolerances tried for a range rule (per channel, 0-255)."""
SEEN_SHARE = 0.08
"""A colour counts as seen in a cell in play if play showed it there on at least this share
(0-1) of its frames."""
PLAY_QUANTILE = 0.97
"""A rule is fitted to stay below this quantile of play's frames (the rest may be game overs
that the score did not reveal; they are reported as firings in play)."""
COLOURS_TRIED = 6
"""Most common banner colours tried for a range rule."""
MIN_FRACTION_GAP = 0.004
"""A colour share must be this much higher (0-1) at game ends than in play to be a rule."""
MIN_CORRELATION_GAP = 0.2
"""A template's correlation must be this much higher at game ends than in play."""
SAMPLE_ABOVE = 20000
"""Crops with more pixels than this are fitted on every other pixel each way."""
TEMPLATE_PENALTY = 0.3
"""How much more a template rule must separate (in normalised margin) to be chosen over a
range rule: a range rule costs far less on every grab (a large template's correlation takes
milliseconds) and does not care what the banner says."""


def before_restarts(watch: Watch, episodes: Episodes) -> list[range]:
    """Per restart, the frames of the last :data:`BEFORE_RESTART_S` before it (after the
    game's last score change)."""
    windows = []
    times = watch.times
    for restart, last in zip(episodes.restarts, episodes.last_changes, strict=False):
        first = int(np.searchsorted(times, times[restart] - BEFORE_RESTART_S))
        windows.append(range(max(first, last + 1), restart))
    return [w for w in windows if len(w) >= SETTLE]


def ending_window(
    watch: Watch, activity: np.ndarray, codes: np.ndarray, episodes: Episodes
) -> range | None:
    """The last :data:`BEFORE_RESTART_S` of the watch, if the game seems to have ended there
    without a restart: its score stopped changing at least :data:`ENDED_S` before the end,
    and since then the window changed far less (under :data:`ENDED_ACTIVITY` of play's usual
    change) or showed a screen unlike play (:func:`unlike_play`)."""
    if not episodes.last_changes or not episodes.play.any():
        return None
    times = watch.times
    last = episodes.last_changes[-1]
    end = len(watch)
    if times[-1] - times[last] < ENDED_S:
        return None
    first = max(last + 1, int(np.searchsorted(times, times[-1] - BEFORE_RESTART_S)))
    if end - first < SETTLE:
        return None
    usual = float(np.median(activity[episodes.play]))
    still = usual > 0 and float(np.mean(activity[first:end])) < ENDED_ACTIVITY * usual
    if still or unlike_play(codes, episodes.play, range(first, end)):
        return range(first, end)
    return None


def unlike_play(codes: np.ndarray, play: np.ndarray, frames: range) -> bool:
    """Whether every frame of ``frames`` shows many coarse cells in colours play (almost)
    never showed there: at least 5% of the cells, and three times play's own share."""
    count, h, w = codes.shape
    flat = codes.reshape(count, h * w)
    index = np.arange(h * w)
    shown = np.zeros((h * w, 512), np.int32)
    frames_in_play = np.flatnonzero(play)
    for t in frames_in_play:
        shown[index, flat[t]] += 1
    seen = shown >= max(2, int(0.02 * len(frames_in_play)))

    def share(t: int) -> float:
        return float((~seen[index, flat[t]]).mean())

    sample = frames_in_play[:: max(1, len(frames_in_play) // 100)]
    usual = float(np.median([share(int(t)) for t in sample])) if len(sample) else 0.0
    return min(share(t) for t in frames) >= max(0.05, 3.0 * usual)


@dataclass(frozen=True)
class Banner:
    """What appeared before restarts and never in play."""

    region: Region
    """Its bounding box, window pixels."""
    recurrence: int
    """Restarts before which it appeared."""
    restarts: int
    """Restarts looked at."""
    shown: list[list[int]]
    """Per restart window, the frames on which most of its cells were unlike play."""
    presence: np.ndarray | None = None
    """(N,) share (0-1) of its cells unlike play, on every frame of the watch."""

    def unnoticed_ends(self, play: np.ndarray, margin: int) -> np.ndarray:
        """(N,) bool: ``play`` less the frames, and ``margin`` frames around them, on which
        the banner showed: game overs the score did not reveal (a game lost at the score it
        restarts from)."""
        if self.presence is None:
            return play
        showing = (self.presence >= 0.5).astype(np.uint8)
        around = cv2.dilate(showing[None, :], np.ones((1, 2 * margin + 1), np.uint8))[0] > 0
        return play & ~around


def find_banner(
    codes: np.ndarray, windows: list[range], play: np.ndarray, exclude: Sequence[Region] = ()
) -> Banner | None:
    """The banner (see the module docstring), or None. ``exclude``: regions to leave out (the
    score, which changes at the end of a game too)."""
    if not windows or not play.any():
        return None
    count, h, w = codes.shape
    cells = h * w
    # How often play showed each colour in each cell. A colour shown on only a few play
    # frames does not count as seen: the frames taken for play may hold a game over the
    # score did not reveal (a game lost at the score it restarts from).
    shown = np.zeros((cells, 512), np.int32)
    flat = codes.reshape(count, cells)
    index = np.arange(cells)
    frames = np.flatnonzero(play)
    for t in frames:
        shown[index, flat[t]] += 1
    seen = shown >= max(2, int(SEEN_SHARE * len(frames)))
    votes = np.zeros(cells, np.int32)
    novel_by_frame: dict[int, np.ndarray] = {}
    for window in windows:
        novel = {t: ~seen[index, flat[t]] for t in window}
        novel_by_frame.update(novel)
        lasting = np.zeros(cells, bool)
        for t in window[:-1]:
            lasting |= novel[t] & novel[t + 1]
        votes += lasting
    mask = (votes * 2 >= len(windows)).reshape(h, w)
    for region in exclude:
        mask[
            region.y // CELL : -(-region.bottom // CELL),
            region.x // CELL : -(-region.right // CELL),
        ] = False
    if not mask.any():
        return None
    joined = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8))
    n, labels = cv2.connectedComponents(joined, connectivity=8)
    weights = [int((votes.reshape(h, w) * (labels == k) * mask).sum()) for k in range(n)]
    best = max(range(1, n), key=lambda k: weights[k])
    inside = (labels == best) & mask
    ys, xs = np.nonzero(inside)
    region = Region(
        int(xs.min()) * CELL,
        int(ys.min()) * CELL,
        (int(xs.max()) + 1 - int(xs.min())) * CELL,
        (int(ys.max()) + 1 - int(ys.min())) * CELL,
    )
    cells_in = np.flatnonzero(inside.ravel())
    presence = np.array([(~seen[cells_in, flat[t, cells_in]]).mean() for t in range(count)])
    shown = []
    recurrence = 0
    for window in windows:
        frames = [t for t in window if presence[t] >= 0.5]
        shown.append(frames)
        recurrence += bool(frames)
    return Banner(region, recurrence, len(windows), shown, presence)


@dataclass(frozen=True)
class RuleFit:
    """A fitted game-over rule and how well it separated the watch's frames."""

    table: dict
    """The ``[[rewards]]`` table (without ``region``); a template's image is in :attr:`image`."""
    region: Region
    margin: float
    """Gap between the weakest game end and the strongest play frame, as a share (0-1) of the
    game end's signal; larger is surer."""
    hits: int
    """Game ends (restart windows) on which the rule fired."""
    ends: int
    """Game ends looked at."""
    false_alarms: int
    """Times it fired in play."""
    image: np.ndarray | None = None
    """The template rule's reference picture (RGB), to be saved next to the profile."""
    notes: list[str] = field(default_factory=list)

    def evidence(self) -> str:
        kind = self.table["kind"]
        if kind == "range":
            what = (
                f"{self.table['fraction'][0]:.3f}-1 of the region's pixels within "
                f"{self.table['tolerance']} of RGB {list(self.table['colour'])}"
            )
        elif kind == "template":
            what = f"the captured picture, correlation at least {self.table['threshold']:.2f}"
        else:
            what = f"the region still for {self.table['seconds']:.1f} s"
        return (
            f"{what}: fired at {self.hits} of {self.ends} game ends, {self.false_alarms} "
            f"times in play (margin {self.margin:.2f})"
        )


def _runs_min(signal: np.ndarray, frames: np.ndarray) -> float:
    """The largest value held on :data:`SETTLE` frames in a row among ``frames`` (sorted
    indices), i.e. the highest threshold at which a rule would fire there."""
    best = -math.inf
    frames = np.asarray(frames)
    for k in range(len(frames) - SETTLE + 1):
        if frames[k + SETTLE - 1] - frames[k] == SETTLE - 1:
            best = max(best, float(signal[frames[k : k + SETTLE]].min()))
    return best


def _play_high(signal: np.ndarray, frames: np.ndarray) -> float:
    """The value play's frames held for :data:`SETTLE` frames in a row, at its
    :data:`PLAY_QUANTILE` (the frames taken for play may hold a game over the score did not
    reveal, where a good rule does fire)."""
    if len(frames) == 0:
        return 0.0
    runs = [
        float(signal[frames[k : k + SETTLE]].min())
        for k in range(len(frames) - SETTLE + 1)
        if frames[k + SETTLE - 1] - frames[k] == SETTLE - 1
    ]
    if not runs:
        return float(signal[frames].max())
    if len(runs) < 30:
        return max(runs)
    return float(np.quantile(runs, PLAY_QUANTILE))


def _fit(
    signal: np.ndarray, windows: list[range], play: np.ndarray, min_gap: float
) -> tuple[float, float, int]:
    """(threshold, margin, hits) of a rule that fires when ``signal`` >= threshold; no hits
    when the game ends beat play by less than ``min_gap`` (in the signal's unit)."""
    tops = [_runs_min(signal, np.arange(w.start, w.stop)) for w in windows]
    high_play = _play_high(signal, np.flatnonzero(play))
    reachable = sorted(t for t in tops if t > -math.inf)
    if not reachable:
        return math.inf, -math.inf, 0
    # The threshold serves all ends that beat play; the margin is the weakest of them, as a
    # share of its own signal (a colour share going from 0 in play to 0.1 at the end is as
    # clear a sign as a correlation going from 0 to 1).
    above = [t for t in reachable if t > high_play]
    if not above:
        return math.inf, -math.inf, 0
    low = min(above)
    if low - high_play < min_gap:
        return math.inf, -math.inf, 0
    return (low + high_play) / 2, (low - high_play) / max(abs(low), 1e-9), len(above)


def _false_alarms(signal: np.ndarray, threshold: float, play: np.ndarray) -> int:
    holds = (signal >= threshold) & play
    fired, run = 0, 0
    for h in holds:
        run = run + 1 if h else 0
        fired += run == SETTLE
    return fired


def fit_banner_rule(
    watch: Watch, banner: Banner, windows: list[range], play: np.ndarray
) -> RuleFit | None:
    """The range or template rule that best tells the game ends from play (see the module
    docstring), or None if neither fires before a restart without firing in play."""
    region = banner.region
    examples = [t for frames in banner.shown for t in frames]
    if not examples:
        return None
    # Candidate colours: the most common in the banner where it shows, unless play has them
    # as much there (the background).
    shown_keys = np.concatenate(
        [_keys(_crop(watch.frames[t], region)) for t in examples[:: max(1, len(examples) // 8)]]
    )
    keys, counts = np.unique(shown_keys, return_counts=True)
    order = np.argsort(-counts)[: COLOURS_TRIED * 2]
    play_frames = np.flatnonzero(play)
    sample = play_frames[:: max(1, len(play_frames) // 30)]
    play_pixels = np.concatenate([_crop(watch.frames[t], region).reshape(-1, 3) for t in sample])
    colours = []
    for k in order:
        key = int(keys[k])
        colour = (key >> 16 & 255, key >> 8 & 255, key & 255)
        if colour_mask(play_pixels[None], colour, 30).mean() < counts[k] / len(shown_keys) / 2:
            colours.append(colour)
        if len(colours) == COLOURS_TRIED:
            break
    reference = _crop(watch.frames[examples[len(examples) // 2]], region).copy()
    flat_reference = reference.reshape(-1, 3).std(axis=0).max() == 0
    signals = np.zeros((len(watch), len(colours) * len(TOLERANCES) + 1))
    for i, frame in enumerate(watch.frames):
        if not (play[i] or any(i in w for w in windows)):
            continue
        crop = _sample(_crop(frame, region))
        col = 0
        for colour in colours:
            for tolerance in TOLERANCES:
                signals[i, col] = colour_mask(crop, colour, tolerance).mean()
                col += 1
        if not flat_reference:
            signals[i, col] = correlation(crop, _sample(reference))
    fits: list[RuleFit] = []
    col = 0
    for colour in colours:
        for tolerance in TOLERANCES:
            threshold, margin, hits = _fit(signals[:, col], windows, play, MIN_FRACTION_GAP)
            if hits:
                low = round(max(0.001, min(threshold, 1.0)), 3)
                table = {
                    "kind": "range",
                    "colour": list(colour),
                    "tolerance": tolerance,
                    "fraction": [low, 1.0],
                    "settle_frames": SETTLE,
                    "game_over": True,
                }
                alarms = _false_alarms(signals[:, col], low, play)
                fits.append(RuleFit(table, region, margin, hits, len(windows), alarms))
            col += 1
    if not flat_reference:
        threshold, margin, hits = _fit(signals[:, col], windows, play, MIN_CORRELATION_GAP)
        if hits:
            low = round(max(0.05, min(threshold, 0.99)), 2)
            table = {
                "kind": "template",
                "threshold": low,
                "settle_frames": SETTLE,
                "game_over": True,
            }
            alarms = _false_alarms(signals[:, col], low, play)
            fits.append(RuleFit(table, region, margin, hits, len(windows), alarms, image=reference))
    if not fits:
        return None

    # A range rule is cheap on every grab and indifferent to what the banner says; a template
    # must separate clearly better to be chosen. Among about equal margins, the rule with the
    # higher threshold (a colour that fills more of the banner) is the sturdier.
    def merit(fit: RuleFit) -> tuple[int, float, float]:
        bonus = -TEMPLATE_PENALTY if fit.table["kind"] == "template" else 0.0
        threshold = fit.table["fraction"][0] if fit.table["kind"] == "range" else 0.0
        return (fit.hits, round(fit.margin + bonus, 1), threshold)

    return max(fits, key=merit)


def _crop(frame: np.ndarray, region: Region) -> np.ndarray:
    return frame[region.y : region.bottom, region.x : region.right]


def _sample(image: np.ndarray) -> np.ndarray:
    """Every pixel of a small crop, every other one (each way) of a large one: shares and
    correlations barely change, the fitting pass gets four times faster."""
    return image if image.shape[0] * image.shape[1] <= SAMPLE_ABOVE else image[::2, ::2]


def _keys(image: np.ndarray) -> np.ndarray:
    """Each pixel's RGB as one integer (for counting colours quickly)."""
    flat = image.reshape(-1, 3).astype(np.uint32)
    return (flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2]


def correlation(image: np.ndarray, reference: np.ndarray) -> float:
    """OpenCV's TM_CCOEFF_NORMED of two RGB images of one size (what the template rule
    computes where the reference fills the region): each channel less its mean, summed over
    the channels; 0 when either is flat."""
    a = image.astype(np.float32)
    b = reference.astype(np.float32)
    a -= a.mean(axis=(0, 1))
    b -= b.mean(axis=(0, 1))
    norm = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / norm) if norm > 0 else 0.0


def fit_frozen_rule(
    watch: Watch, region: Region, windows: list[range], play: np.ndarray
) -> RuleFit | None:
    """A ``frozen`` rule on ``region`` if it stood still before restarts for longer than it
    ever did in play; None otherwise."""
    still = np.zeros(len(watch), bool)
    previous = None
    for i, frame in enumerate(watch.frames):
        crop = _crop(frame, region)
        still[i] = previous is not None and np.array_equal(crop, previous)
        previous = crop.copy()
    times = watch.times

    def longest(frames: np.ndarray) -> float:
        best, since = 0.0, None
        for t in frames:
            if still[t] and since is not None:
                best = max(best, float(times[t] - times[since]))
            elif not still[t]:
                since = t
        return best

    in_play = longest(np.flatnonzero(play))
    ends = [longest(np.arange(max(0, w.start - 1), w.stop)) for w in windows]
    above = [e for e in ends if e > in_play * 1.5 + 0.2]
    if not above:
        return None
    seconds = round(max(0.5, (min(above) + in_play) / 2), 2)
    table = {"kind": "frozen", "seconds": seconds, "game_over": True}
    margin = (min(above) - in_play) / max(min(above), 1e-6)
    return RuleFit(table, region, margin, len(above), len(windows), 0)
