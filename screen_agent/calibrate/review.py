"""The person's review of each proposal: shown with its evidence, then accepted, refused or
corrected (a region typed in, the true value of a score read wrongly, other keys).

Works on an :class:`~screen_agent.calibrate.analysis.Analysis` and its watch, offline; the
answers come through an :class:`~screen_agent.calibrate.prompts.Asker`.
"""

from __future__ import annotations

from screen_agent.calibrate.analysis import (
    Analysis,
    GameOverProposal,
    ScoreProposal,
    correct_digits,
    refit_game_over,
)
from screen_agent.calibrate.keys import KeysProposal, propose_actions
from screen_agent.calibrate.profile_out import Choices
from screen_agent.calibrate.prompts import Asker, describe_region, parse_keys, parse_region
from screen_agent.calibrate.watch import Watch
from screen_agent.geometry import Region
from screen_agent.keys import KEY_NAMES
from screen_agent.profile import Action


def _inside(region: Region, analysis: Analysis) -> Region:
    if not Region(0, 0, analysis.width, analysis.height).holds(region):
        raise ValueError(
            f"the region must lie inside the {analysis.width}x{analysis.height} window"
        )
    return region


def review_game(asker: Asker, analysis: Analysis) -> Region:
    game = analysis.game
    asker.show("Game region", describe_region(game.region), None, [game.evidence()])
    answer = asker.choose()
    if answer == "n":
        whole = Region(0, 0, analysis.width, analysis.height)
        asker.output(f"  using the whole window: {describe_region(whole)}")
        return whole
    if answer == "e":
        return asker.ask_parsed(  # type: ignore[return-value]
            "game region as x,y,width,height",
            lambda text: _inside(parse_region(text), analysis),
        )
    return game.region


def review_score(
    asker: Asker, analysis: Analysis, watch: Watch
) -> tuple[ScoreProposal | None, Region | None, bool | None]:
    """(the score proposal or None, a corrected region or None, digits forced on/off or
    None for as proposed)."""
    score = analysis.score
    if score is None:
        asker.show("Score", "not found", None, analysis.notes)
        return None, None, None
    asker.show("Score region", describe_region(score.region), score.confidence, score.evidence())
    answer = asker.choose()
    if answer == "n":
        asker.output("  no score rule (add one in the app or by hand)")
        return None, None, None
    region = None
    if answer == "e":
        region = asker.ask_parsed(  # type: ignore[assignment]
            "score region as x,y,width,height",
            lambda text: _inside(parse_region(text), analysis),
        )
        asker.output(
            "  the digits learnt stay (they are glyph shapes, wherever the region is); the "
            "region must hold the number and no other ink of its colour"
        )
    if score.digits is None:
        asker.output("  rule: score_change (+1 per change of the score's picture)")
        return score, region, False
    while True:
        digits = score.digits
        assert digits is not None
        numbered = ", ".join(f"{k + 1}:{v}" for k, v in enumerate(digits.values[:40]))
        refused = score.digits_refused
        rule = (
            "score_change (+1 per change)" if refused else "digits (reward = change of the number)"
        )
        asker.show(
            "Digits",
            f"templates for {digits.chars}; proposed rule: {rule}",
            score.digits_confidence,
            [f"reads, in order: {numbered}", *score.evidence()[-3:]],
        )
        if refused is not None:
            # Not offered on a reading that is not sure: a digits rule would misread scores.
            asker.output(f"  the digits rule is not available: {refused}")
            if (
                digits.missing
                or not asker.interactive
                or asker.choose("correct the reading?", edit=False) == "n"
            ):
                asker.output("  rule: score_change (+1 per change of the score's picture)")
                return score, region, False
        else:
            answer = asker.choose("accept the reading?")
            if answer == "y":
                # Answered for the person (--yes): the rule as proposed.
                return score, region, True if asker.interactive else None
            if answer == "n":
                return score, region, False
        text = asker.ask_text("correct values as N=VALUE (N from the list above), e.g. 3=120")
        try:
            known = {}
            for part in text.replace(" ", ",").split(","):
                if part:
                    k, v = part.split("=")
                    known[int(k) - 1] = int(v)
            score = correct_digits(score, known, watch)
        except ValueError as error:
            asker.output(f"  {error}")


def review_game_over(asker: Asker, analysis: Analysis, watch: Watch) -> GameOverProposal | None:
    proposal = analysis.game_over
    if proposal is None:
        asker.show(
            "Game over", "not found", None, analysis.notes or ["no game ended during the watch"]
        )
        return None
    table = proposal.fit.table
    asker.show(
        "Game-over rule",
        f"{table['kind']} on {describe_region(proposal.region)}",
        proposal.confidence,
        proposal.evidence(),
    )
    answer = asker.choose()
    if answer == "y":
        return proposal
    if answer == "n" or analysis.episodes is None:
        return None
    while True:
        region = asker.ask_parsed(
            "game-over banner region as x,y,width,height",
            lambda text: _inside(parse_region(text), analysis),
        )
        assert isinstance(region, Region)
        fitted = refit_game_over(analysis, watch, region)
        if fitted is None:
            asker.output("  nothing in that region tells the game ends from play; try another")
            continue
        kind = fitted.fit.table["kind"]
        asker.show("Game-over rule", kind, fitted.confidence, fitted.evidence())
        if asker.choose(edit=False) == "y":
            return fitted


def review_keys(asker: Asker, keys: KeysProposal, combos: bool) -> tuple[Action, ...]:
    names = ", ".join(a.name for a in keys.actions)
    asker.show("Actions", names, keys.confidence, keys.evidence())
    answer = asker.choose()
    if answer == "y":
        return keys.actions
    tried = [r.keys[0] for r in keys.reports if r.keys]
    if answer == "n":
        asker.output("  every key tried becomes an action")
        return propose_actions(tried, combos)

    def parse(text: str) -> list[str]:
        found = parse_keys(text)
        bad = [k for k in found if k not in KEY_NAMES]
        if bad:
            raise ValueError(f"unknown key names: {', '.join(bad)}")
        return found

    chosen = asker.ask_parsed("keys, comma-separated (e.g. left,right,space)", parse)
    return propose_actions(chosen, combos)  # type: ignore[arg-type]


def review(asker: Asker, analysis: Analysis, watch: Watch) -> Choices:
    """Review the game region, the score and the game-over rule (the keys come later, from
    the live probe)."""
    game = review_game(asker, analysis)
    score, score_region, use_digits = review_score(asker, analysis, watch)
    game_over = review_game_over(asker, analysis, watch)
    return Choices(
        game=game,
        score=score,
        score_region=score_region,
        use_digits=use_digits,
        game_over=game_over,
    )
