"""Calibration of a small made-up game end to end, offline: the analysis, the person's review
(scripted answers: accept, refuse, edit, correct a reading) and the written profile."""

from __future__ import annotations

import argparse
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from synthetic_game import BANNER, FIELD, HEIGHT, SCORE_REGION, WIDTH, SyntheticGame

from screen_agent.calibrate import Watch, analyze, correct_digits
from screen_agent.calibrate.analysis import Analysis
from screen_agent.calibrate.keys import propose_actions
from screen_agent.calibrate.profile_out import write_profile
from screen_agent.calibrate.prompts import Asker, parse_region
from screen_agent.calibrate.review import review
from screen_agent.calibrate.run import add_arguments, check_keys, restart_steps
from screen_agent.errors import UserError
from screen_agent.geometry import Region
from screen_agent.profile import load_profile
from screen_agent.reward import RewardReader


@cache
def played() -> tuple[SyntheticGame, Watch, Analysis]:
    game = SyntheticGame(np.random.default_rng(0))
    frames = game.frames(600)
    watch = Watch(frames, np.arange(len(frames)) / 10.0)
    return game, watch, analyze(watch)


def scripted(*answers: str) -> tuple[Asker, list[str]]:
    said: list[str] = []
    queue = list(answers)
    return Asker(True, lambda _prompt: queue.pop(0), said.append), said


def test_every_proposal_is_found_on_the_made_up_game() -> None:
    game, watch, analysis = played()
    score = analysis.score
    assert score is not None
    assert SCORE_REGION.intersection(score.region) is not None
    assert score.use_digits, score.evidence()
    reader = score.reader()
    r = score.region
    read = [
        reader.read(np.ascontiguousarray(f[r.y : r.bottom, r.x : r.right])) for f in watch.frames
    ]
    assert read == game.truth_score
    assert analysis.game_over is not None
    assert analysis.game_over.region.intersection(BANNER) is not None
    g = analysis.game.region
    assert FIELD.holds(Region(g.x, g.y + 4, g.width, g.height - 4)), g
    assert g.area >= 0.9 * FIELD.area


def test_the_profile_reads_the_score_and_ends_on_the_banner(tmp_path: Path) -> None:
    game, watch, analysis = played()
    choices = review(Asker(interactive=False, output=lambda _line: None), analysis, watch)
    choices.actions = propose_actions(["left", "right"])
    out = write_profile(
        choices, tmp_path / "made-up.toml", title="made up", width=WIDTH, height=HEIGHT
    )
    profile = load_profile(out)
    assert profile.rewards[0]["kind"] == "digits"
    assert (tmp_path / "made-up-digits.npz").exists()
    reader = RewardReader.for_profile(profile, str(out))
    total, ends = 0.0, []
    waiting = False  # for the restart, as the env does after a game over
    for i, frame in enumerate(watch.frames):
        if waiting:
            if game.truth_over[i]:
                continue
            waiting = False
            reader.reset()
        event = reader.read(frame, float(watch.times[i]))
        total += event.reward
        if event.game_over:
            ends.append(i)
            waiting = True
    over = game.truth_over
    # Banners that show at least the two frames a rule settles on.
    starts = [i for i in range(1, len(over) - 1) if over[i] and not over[i - 1]]
    assert len(ends) == len(starts)
    assert all(0 <= e - s <= 2 for e, s in zip(ends, starts, strict=True))
    # Every point of every finished game was counted (the last game's too, up to the watch's end).
    finals = [game.truth_score[s] for s in starts] + [game.truth_score[-2]]
    assert total == pytest.approx(sum(finals))


def test_a_person_can_refuse_edit_and_correct(tmp_path: Path) -> None:
    _, watch, analysis = played()
    asker, said = scripted(
        "e",  # game region: edit
        "0, 30, 320, 210",
        "y",  # score region
        "y",  # the digits reading
        "n",  # no game-over rule
    )
    choices = review(asker, analysis, watch)
    assert choices.game == Region(0, 30, 320, 210)
    assert choices.game_over is None and choices.use_digits is True
    assert any("reads, in order" in line for line in said)
    choices.actions = propose_actions(["left"])
    out = write_profile(
        choices, tmp_path / "edited.toml", title="made up", width=WIDTH, height=HEIGHT
    )
    profile = load_profile(out)
    assert profile.game == Region(0, 30, 320, 210)
    assert [r["kind"] for r in profile.rewards] == ["digits"]


def test_a_wrong_reading_is_corrected_by_typing_one_value() -> None:
    _, watch, analysis = played()
    score = analysis.score
    assert score is not None and score.digits is not None
    k = next(i for i, v in enumerate(score.digits.values) if v >= 100)
    # Pretend the person says the k-th number was something else: the mapping obeys.
    fake = int(str(score.digits.values[k]).replace("1", "7", 1))
    corrected = correct_digits(score, {k: fake}, watch)
    assert corrected.digits is not None and corrected.digits.values[k] == fake
    assert "corrected by hand" in corrected.digits.notes[-1]


def test_a_watch_that_ends_on_the_game_over_screen_finds_its_banner() -> None:
    # One game, then its banner until the watch ends: nobody restarted it.
    game = SyntheticGame(np.random.default_rng(5), game_frames=200, restart_by_key=True)
    frames = game.frames(300)
    analysis = analyze(Watch(frames, np.arange(300) / 10.0))
    assert analysis.game_over is not None, analysis.notes
    assert analysis.game_over.region.intersection(BANNER) is not None
    assert analysis.game_over.fit.hits == 1


def test_bad_answers_are_asked_again() -> None:
    asker, said = scripted("maybe", "e", "1,2,3", "10,10,50,20")
    assert asker.choose() == "e"
    assert asker.ask_parsed("region", parse_region) == Region(10, 10, 50, 20)
    assert any("please answer" in line for line in said)
    assert any("four whole numbers" in line for line in said)


def test_the_command_line_options() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(
        [
            "--window",
            "XGalaga",
            "--keys",
            "left,right,space",
            "--restart",
            "return,k",
            "--yes",
            "--random",
        ]
    )
    assert args.keys == ["left", "right", "space"] and args.restart == ["return", "k"]
    assert args.yes and args.random and args.seconds == 60.0
    assert [s.keys for s in restart_steps(args.restart)] == [("return",), ("k",)]
    with pytest.raises(UserError, match="not a key name"):
        check_keys(["left", "lefty"], "--keys")
