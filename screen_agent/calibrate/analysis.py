"""The offline half of a calibration: from a watch (frames with times) to proposals.

Pure numpy and OpenCV on the recorded frames, so it runs the same on a live watch and on a
recording in the tests. The steps, each in its own module:

1. :mod:`.changes`: where and when pixels changed (one pass);
2. :mod:`.score_region`: the score's box and the number on its line;
3. :mod:`.digit_mapping`: which glyph shape is which digit, from how the score changed;
4. :mod:`.episodes`: restarts and play, from the score;
5. :mod:`.game_over`: a banner before restarts (range or template rule), else a still screen;
6. :mod:`.game_region`: where things moved.

Each proposal carries what it rests on (``evidence``) and a confidence (0-1), so a person can
confirm or correct it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from screen_agent.calibrate.changes import ChangeStats, change_stats
from screen_agent.calibrate.digit_mapping import (
    DigitProposal,
    map_digits,
    reading_cost,
    score_strings,
    values_of,
)
from screen_agent.calibrate.episodes import Episodes, find_episodes
from screen_agent.calibrate.game_over import (
    Banner,
    RuleFit,
    before_restarts,
    ending_window,
    find_banner,
    fit_banner_rule,
    fit_frozen_rule,
)
from screen_agent.calibrate.game_region import GameRegionProposal, propose_game_region
from screen_agent.calibrate.score_region import (
    INK_TOLERANCE,
    NumberLine,
    ScoreCandidate,
    read_number_line,
    score_candidates,
)
from screen_agent.calibrate.watch import Watch
from screen_agent.geometry import Region
from screen_agent.reward.digits import DigitReader, Foreground

READ_BACK_NEEDED = 0.9
"""Share of the settled scores the learnt templates must read back as the mapping says for a
``digits`` rule to be proposed."""
MAX_CHARS = 32
"""The digits rule's largest ``chars``."""


@dataclass
class ScoreProposal:
    """Where the score is, and how to read it."""

    region: Region
    confidence: float
    """0-1: how sure the region is the score (its merit, and its lead over the runner-up)."""
    candidate: ScoreCandidate
    line: NumberLine
    digits: DigitProposal | None
    """The digit mapping, when one was found (confident or not)."""
    read_back: float | None = None
    """Share (0-1) of the settled scores the learnt templates read as the mapping says."""
    runner_up: str | None = None
    """The next candidate's evidence, for the user."""

    @property
    def ink(self) -> tuple[int, int, int]:
        return self.candidate.ink

    @property
    def chars(self) -> int:
        """The most characters the number may show: its width for a fixed-width display, else
        the widest seen plus the room left to grow (a minus sign counted)."""
        if self.line.fixed_width:
            return min(MAX_CHARS, self.line.max_glyphs)
        pitch = max(1, self.candidate.glyph_height * 2 // 3)
        return min(MAX_CHARS, max(self.line.max_glyphs + 2, self.region.width // pitch))

    @property
    def use_digits(self) -> bool:
        """Propose a ``digits`` rule: the mapping is confident, reads back, and knows all ten
        digits (a number with an unseen digit could not be read, and its points would be
        lost); else ``score_change``."""
        return (
            self.digits is not None
            and self.digits.confident
            and not self.digits.missing
            and (self.read_back or 0.0) >= READ_BACK_NEEDED
        )

    @property
    def digits_refused(self) -> str | None:
        """Why a ``digits`` rule is not proposed (see :attr:`use_digits`), for the person;
        None when it is."""
        if self.use_digits:
            return None
        if self.digits is None:
            return "no digit mapping was found"
        if self.digits.missing:
            return f"digits never seen: {self.digits.missing} (watch longer to learn them)"
        return "the reading is not sure enough"

    @property
    def digits_confidence(self) -> float:
        """0-1: how sure the digit mapping is (its margin in bits, and the read-back)."""
        if self.digits is None:
            return 0.0
        margin = 1.0 if math.isinf(self.digits.margin_bits) else self.digits.margin_bits / 8.0
        return float(min(1.0, margin) * (self.read_back or 0.0))

    def reader(self) -> DigitReader:
        """A digit reader with the learnt templates (empty without a mapping)."""
        templates = self.digits.templates() if self.digits is not None else {}
        return DigitReader(templates, Foreground(self.ink, INK_TOLERANCE), self.chars)

    def rule(self, templates_file: str | None) -> dict:
        """The ``[[rewards]]`` table: ``digits`` with the templates in ``templates_file``
        (whoever decided the score is read by its digits wrote them), else ``score_change``."""
        if templates_file is not None:
            return {
                "kind": "digits",
                "region": "score",
                "settle_frames": 2,
                "digits": {
                    "style": "templates",
                    "file": templates_file,
                    "colour": list(self.ink),
                    "tolerance": INK_TOLERANCE,
                    "chars": self.chars,
                },
            }
        return {"kind": "score_change", "region": "score", "settle_frames": 2}

    def evidence(self) -> list[str]:
        lines = [self.candidate.evidence()]
        lines += self.line.notes
        if self.runner_up:
            lines.append(f"runner-up: {self.runner_up}")
        if self.digits is not None:
            lines.append(f"digits: {self.digits.evidence()}")
            lines += self.digits.notes
            if self.digits.missing:
                lines.append(
                    f"digits never seen: {self.digits.missing} (play longer to learn them)"
                )
            if self.read_back is not None:
                lines.append(f"the learnt templates read back {self.read_back:.0%} of the scores")
        else:
            lines.append("no digit mapping: the glyphs could not be told apart as digits")
        return lines


@dataclass
class GameOverProposal:
    """A game-over rule."""

    fit: RuleFit
    confidence: float
    notes: list[str] = field(default_factory=list)

    @property
    def region(self) -> Region:
        return self.fit.region

    def rule(self, region_name: str, image_file: str | None) -> dict:
        """The ``[[rewards]]`` table on ``region_name`` (a template rule's image in
        ``image_file``)."""
        table = {"kind": self.fit.table["kind"], "region": region_name}
        table |= {k: v for k, v in self.fit.table.items() if k != "kind"}
        if table["kind"] == "template":
            table["image"] = image_file
        return table

    def evidence(self) -> list[str]:
        return [self.fit.evidence(), *self.fit.notes, *self.notes]


@dataclass
class Analysis:
    """Everything proposed from one watch."""

    width: int
    height: int
    game: GameRegionProposal
    score: ScoreProposal | None
    game_over: GameOverProposal | None
    episodes: Episodes | None
    stats: ChangeStats
    notes: list[str] = field(default_factory=list)


def propose_score(watch: Watch, stats: ChangeStats) -> ScoreProposal | None:
    """The score region and its digits (see :mod:`.score_region`, :mod:`.digit_mapping`)."""
    candidates = score_candidates(watch, stats)
    for k, candidate in enumerate(candidates[:3]):
        line = read_number_line(candidate, watch)
        if line is None:
            continue
        strings = score_strings(line)
        digits = map_digits(strings, line.fixed_width)
        others = [c for c in candidates if c is not candidate]
        merit = candidate.merit
        lead = 1.0 if not others else (merit - others[0].merit) / merit
        confidence = float(min(1.0, merit / 4.0) * min(1.0, 0.5 + max(0.0, lead)))
        if k > 0:
            confidence *= 0.7
        proposal = ScoreProposal(
            line.region,
            confidence,
            candidate,
            line,
            digits,
            runner_up=others[0].evidence() if others else None,
        )
        proposal.read_back = read_back(proposal, watch)
        return proposal
    return None


def read_back(proposal: ScoreProposal, watch: Watch) -> float | None:
    """Share of the settled scores that a ``DigitReader`` with the learnt templates, on the
    proposed region, reads as the mapping says."""
    digits = proposal.digits
    if digits is None:
        return None
    reader = proposal.reader()
    r = proposal.region
    agree = 0
    for value, start, stop in zip(
        digits.values, digits.strings.starts, digits.strings.stops, strict=True
    ):
        frame = watch.frames[(start + stop - 1) // 2]
        agree += reader.read(np.ascontiguousarray(frame[r.y : r.bottom, r.x : r.right])) == value
    return agree / max(1, len(digits.values))


def correct_digits(proposal: ScoreProposal, known: dict[int, int], watch: Watch) -> ScoreProposal:
    """The digit mapping again, with the score's ``k``-th settled value (``known``: k ->
    value, as numbered in the evidence) read as given: what a person who corrects the reading
    types. Each given value pins the digits of its glyphs (zero-padded to the glyph count);
    the other shapes get the best of the remaining digits."""
    digits = proposal.digits
    if digits is None:
        raise ValueError("there is no digit reading to correct")
    strings = digits.strings
    n = len(strings.shapes)
    pinned: dict[int, int] = {}
    for k, value in known.items():
        ids = [i for i in strings.strings[k] if i >= 0]
        text = str(abs(int(value))).rjust(len(ids), "0")
        if len(text) != len(ids):
            raise ValueError(f"{value} has more digits than the {len(ids)} glyphs shown")
        for i, char in zip(ids, text, strict=True):
            if pinned.setdefault(i, int(char)) != int(char):
                raise ValueError(f"one glyph cannot be both {pinned[i]} and {char}")
    if len(set(pinned.values())) != len(pinned):
        raise ValueError("two different glyphs cannot be the same digit")
    free = [i for i in range(n) if i not in pinned]
    spare = [d for d in range(10) if d not in pinned.values()]
    import itertools

    rows = []
    for choice in itertools.permutations(spare, len(free)):
        row = np.empty(n, np.int64)
        for i, d in pinned.items():
            row[i] = d
        row[free] = choice
        rows.append(row)
    mappings = np.asarray(rows, np.int64).reshape(-1, n)
    cost = reading_cost(strings.strings, mappings, proposal.line.fixed_width)
    best = int(np.argmin(cost))
    values = values_of(strings.strings, mappings[[best]])[0]
    new = DigitProposal(
        strings,
        {i: str(int(mappings[best, i])) for i in range(n)},
        [int(v) for v in values],
        float(cost[best]),
        math.inf,
        None,
        [*digits.notes, f"corrected by hand: {known}"],
    )
    corrected = replace(proposal, digits=new)
    corrected.read_back = read_back(corrected, watch)
    return corrected


def refit_game_over(analysis: Analysis, watch: Watch, region: Region) -> GameOverProposal | None:
    """A game-over rule for a banner in ``region`` (a person's correction of the proposal),
    fitted on the watch's game ends and play; None if nothing there tells them apart (or no
    game ended)."""
    episodes = analysis.episodes
    windows = before_restarts(watch, episodes) if episodes is not None else []
    if episodes is None or not windows:
        return None
    banner = Banner(region, len(windows), len(windows), [list(w) for w in windows])
    fit = fit_banner_rule(watch, banner, windows, episodes.play)
    if fit is None:
        return None
    return GameOverProposal(fit, fit.hits / max(1, fit.ends))


def propose_game_over(
    watch: Watch, stats: ChangeStats, episodes: Episodes, game: Region, exclude: list[Region]
) -> GameOverProposal | None:
    """A banner rule, else a frozen rule (see :mod:`.game_over`); None if neither."""
    windows = before_restarts(watch, episodes)
    ending = ending_window(watch, stats.activity, stats.codes, episodes)
    if ending is not None:
        windows.append(ending)
    if not windows:
        return None
    banner = find_banner(stats.codes, windows, episodes.play, exclude)
    play = episodes.play
    notes = []
    if banner is not None:
        # Frames taken for play on which the banner showed are game overs the score did not
        # reveal: leave them (and a second around them) out of play before fitting.
        cleaned = banner.unnoticed_ends(play, margin=max(1, round(watch.fps)))
        if cleaned.sum() < play.sum():
            notes.append(
                f"{int(play.sum() - cleaned.sum())} frames taken for play showed the banner "
                "(a game lost without a change of score): not counted as play"
            )
            play = cleaned
    fit = fit_banner_rule(watch, banner, windows, play) if banner is not None else None
    if fit is None:
        fit = fit_frozen_rule(watch, game, windows, play)
    if fit is None:
        return None
    confidence = fit.hits / max(1, fit.ends) * min(1.0, max(0.0, fit.margin))
    if fit.false_alarms:
        confidence *= 0.5
    if fit.ends < 2:
        confidence *= 0.7
    return GameOverProposal(fit, float(confidence), notes)


def analyze(watch: Watch, progress: Callable[[str], None] | None = None) -> Analysis:
    """Every proposal for ``watch`` (see the module docstring)."""
    say = progress or (lambda _message: None)
    height, width = watch.shape
    say("counting changes")
    stats = change_stats(watch)
    say("looking for the score")
    score = propose_score(watch, stats)
    notes: list[str] = []
    episodes = None
    game_over = None
    exclude = [score.region] if score is not None else []
    if score is not None:
        digits = score.digits
        strings = score.line
        if digits is not None:
            episodes = find_episodes(
                digits.strings.starts, digits.values, digits.strings.strings, watch.times
            )
        else:
            starts = [s.start for s in strings.candidate.states]
            keys = [tuple([hash(s.crop.tobytes())]) for s in strings.candidate.states]
            episodes = find_episodes(starts, None, keys, watch.times)
        game = propose_game_region(stats, exclude, episodes.play)
        say("looking for game over")
        game_over = propose_game_over(watch, stats, episodes, game.region, exclude)
        if not episodes.restarts and game_over is None:
            notes.append(
                "the score never restarted and the watch did not end on a still screen: no game ended"
            )
    else:
        game = propose_game_region(stats, exclude)
        notes.append("no score found: nothing changed in steps like a number does")
    return Analysis(width, height, game, score, game_over, episodes, stats, notes)
