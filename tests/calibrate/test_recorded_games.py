"""Calibration on recorded sessions of real third-party games (``tests/data/calibrate``).

Each recording is a minute or more of the game's whole window under random key presses, with
game overs and restarts, and the truth per frame (the score shown, game over or not; see
``game_recordings.py``). The calibration must propose a score region that overlaps the true
one, digits that read the true score on the frames, a game-over rule that fires on every
game over and never in play, and a game region over the field; the written profile loads.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
from game_recordings import GameRecording, load_recording, path_of

from screen_agent.calibrate import Watch, analyze
from screen_agent.calibrate.analysis import Analysis
from screen_agent.calibrate.keys import propose_actions
from screen_agent.calibrate.profile_out import write_profile
from screen_agent.calibrate.prompts import Asker
from screen_agent.calibrate.review import review
from screen_agent.geometry import Region
from screen_agent.profile import load_profile
from screen_agent.reward import RewardReader

GAMES = [g for g in ("xgalaga", "xjump", "moon-buggy", "pacman") if path_of(g).exists()]

FIELDS = {
    # Where the play happens, measured by hand (the research report's profiles).
    "xgalaga": Region(0, 11, 468, 585),
    "xjump": Region(19, 148, 507, 381),
    "moon-buggy": Region(0, 300, 804, 144),
    "pacman": Region(400, 23, 482, 597),
}
"""The play field of each game: the proposed game region must cover most of it... or lie in
it (moon-buggy's sky is empty in play, so its region is the ground and the buggy)."""

READ_SHARE = 0.95
"""Share of the frames showing the score in full that the learnt digits must read right."""


@cache
def recorded(game: str) -> tuple[GameRecording, Watch, Analysis]:
    recording = load_recording(game)
    watch = Watch(recording.frames, recording.times)
    return recording, watch, analyze(watch)


def overlap(a: Region, b: Region) -> float:
    """Intersection over the smaller area (1: one holds the other)."""
    inter = a.intersection(b)
    return 0.0 if inter is None else inter.area / min(a.area, b.area)


def iou(a: Region, b: Region) -> float:
    inter = a.intersection(b)
    return 0.0 if inter is None else inter.area / (a.area + b.area - inter.area)


@pytest.mark.parametrize("game", GAMES)
def test_the_score_region_overlaps_the_true_one(game: str) -> None:
    recording, _, analysis = recorded(game)
    assert analysis.score is not None, analysis.notes
    proposed, true = analysis.score.region, recording.score_region
    print(f"{game}: proposed {proposed}, true {true}, IoU {iou(proposed, true):.2f}")
    assert overlap(proposed, true) >= 0.8, (proposed, true)
    assert iou(proposed, true) >= 0.3, (proposed, true)
    assert analysis.score.confidence >= 0.5, analysis.score.evidence()


@pytest.mark.parametrize("game", GAMES)
def test_the_learnt_digits_read_the_score(game: str) -> None:
    recording, _, analysis = recorded(game)
    assert analysis.score is not None and analysis.score.digits is not None
    reader = analysis.score.reader()
    r = analysis.score.region
    shown = np.flatnonzero(recording.score_shown)
    wrong = []
    for i in shown:
        crop = np.ascontiguousarray(recording.frames[int(i)][r.y : r.bottom, r.x : r.right])
        value = reader.read(crop)
        if value != recording.score[i]:
            wrong.append((int(i), value, int(recording.score[i])))
    share = 1 - len(wrong) / len(shown)
    print(
        f"{game}: {share:.1%} of {len(shown)} frames read right; digits {analysis.score.digits.chars}"
    )
    assert share >= READ_SHARE, wrong[:10]


@pytest.mark.parametrize("game", GAMES)
def test_the_game_over_rule_fires_on_game_overs_only(game: str, tmp_path: Path) -> None:
    recording, watch, analysis = recorded(game)
    assert analysis.game_over is not None, analysis.notes
    choices = review(Asker(interactive=False, output=lambda _line: None), analysis, watch)
    choices.actions = propose_actions(["left", "right"])
    out = write_profile(
        choices, tmp_path / f"{game}.toml", title=game, width=watch.shape[1], height=watch.shape[0]
    )
    profile = load_profile(out)
    rule = [t for t in profile.rewards if t.get("game_over")]
    assert len(rule) == 1, profile.rewards
    reader = RewardReader.from_tables(rule, profile.regions, str(out))
    fired = []
    for i in range(len(recording)):
        frame = np.ascontiguousarray(recording.frames[i])
        if reader.read(frame, float(recording.times[i])).game_over:
            fired.append(i)
    spans = recording.over_spans()
    # A game over is caught if the rule fires on it (its settle frames may take it one frame
    # past the screen's last frame, when the restart's first frame is grabbed).
    caught = [any(a <= f <= b for f in fired) for a, b in spans]
    over = recording.game_over
    in_play = [f for f in fired if not over[f] and not (f > 0 and over[f - 1])]
    # The watch's first frames may show the title screen before anything was seen to play.
    games = [s for s in spans if s[0] > 0]
    print(
        f"{game}: {profile.rewards[-1]}; caught {sum(caught)} of {len(spans)} game-over "
        f"screens, {len(in_play)} firings in play"
    )
    assert all(c for c, s in zip(caught, spans, strict=True) if s in games), (fired, spans)
    assert not in_play, (in_play, spans)


@pytest.mark.parametrize("game", GAMES)
def test_the_game_region_covers_the_field(game: str) -> None:
    _, _, analysis = recorded(game)
    proposed, field = analysis.game.region, FIELDS[game]
    print(f"{game}: game region {proposed}, field {field}, IoU {iou(proposed, field):.2f}")
    assert overlap(proposed, field) >= 0.9, (proposed, field)
    if game != "moon-buggy":
        assert iou(proposed, field) >= 0.7, (proposed, field)
