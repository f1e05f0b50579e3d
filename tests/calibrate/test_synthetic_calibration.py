"""Calibration of a small made-up game end to end, offline: the analysis, the person's review
(scripted answers: accept, refuse, edit, correct a reading) and the written profile."""

from __future__ import annotations

import argparse
import dataclasses
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from synthetic_game import BANNER, FIELD, HEIGHT, SCORE_REGION, WIDTH, SyntheticGame

from screen_agent.calibrate import Watch, analyze, correct_digits
from screen_agent.calibrate.analysis import Analysis
from screen_agent.calibrate.keys import propose_actions
from screen_agent.calibrate.profile_out import Choices, write_profile
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


def unsure(analysis: Analysis) -> Analysis:
    """``analysis`` with a digit reading that is not sure: its templates read back too few
    of the scores."""
    assert analysis.score is not None
    score = dataclasses.replace(analysis.score, read_back=0.5)
    assert not score.use_digits and score.digits_refused == "the reading is not sure enough"
    return dataclasses.replace(analysis, score=score)


def test_a_reading_that_is_not_sure_is_not_offered_as_a_digits_rule(tmp_path: Path) -> None:
    _, watch, analysis = played()
    prompts: list[str] = []
    answers = ["y", "y", "n", "n"]  # game, score, "correct the reading?", game over

    def answer(prompt: str) -> str:
        prompts.append(prompt)
        return answers.pop(0)

    said: list[str] = []
    choices = review(Asker(True, answer, said.append), unsure(analysis), watch)
    assert not any("use the digits rule" in p for p in prompts)
    assert "correct the reading?" in prompts[2]
    assert "  the digits rule is not available: the reading is not sure enough" in said
    assert choices.use_digits is False and not choices.reads_digits
    # Without questions (--yes) too: the rule is score_change, and the person is told why.
    said.clear()
    choices = review(Asker(False, output=said.append), unsure(analysis), watch)
    assert choices.use_digits is False
    assert "  the digits rule is not available: the reading is not sure enough" in said
    choices.actions = propose_actions(["left"])
    out = write_profile(choices, tmp_path / "unsure.toml", title="u", width=WIDTH, height=HEIGHT)
    assert load_profile(out).rewards[0]["kind"] == "score_change"
    assert not (tmp_path / "unsure-digits.npz").exists()


def test_a_reading_made_sure_by_a_correction_is_offered_again() -> None:
    _, watch, analysis = played()
    score = analysis.score
    assert score is not None and score.digits is not None
    # The person corrects the reading with a true value: it reads back, the rule is offered.
    true_value = score.digits.values[2]
    asker, _said = scripted("y", "y", "y", f"3={true_value}", "y", "n")
    choices = review(asker, unsure(analysis), watch)
    assert choices.use_digits is True and choices.reads_digits


def test_a_digits_rule_chosen_for_a_reading_that_is_not_sure_is_written(tmp_path: Path) -> None:
    # Choices.use_digits forces the rule: the profile reads the digits even though the
    # proposal alone would not have (it used to write score_change all the same).
    _, _watch, analysis = played()
    score = unsure(analysis).score
    choices = Choices(game=analysis.game.region, score=score, use_digits=True)
    out = write_profile(choices, tmp_path / "forced.toml", title="f", width=WIDTH, height=HEIGHT)
    rules = load_profile(out).rewards
    assert [r["kind"] for r in rules] == ["digits"]
    assert rules[0]["digits"]["file"] == "forced-digits.npz"
    assert (tmp_path / "forced-digits.npz").exists()


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
