"""Putting the accepted "Find for me" proposals into the profile being edited. No Qt.

The core builds the regions and rules exactly as ``screen-agent calibrate`` writes them
(:func:`~screen_agent.calibrate.profile_out.build_profile`); this module merges them into the
:class:`~screen_agent.gui.model.ProfileModel` instead of writing a new file: an accepted score
replaces the rules on the ``score`` region, an accepted game-over rule replaces the rules that
only end the game, accepted keys replace the actions, and everything not accepted stays as it
was. Digit templates and a game-over picture are saved next to the profile, as the reward
editor saves its captures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from screen_agent.calibrate import Choices, GameOverProposal, ScoreProposal
from screen_agent.calibrate.profile_out import GAME_OVER_REGION, build_profile, save_rule_files
from screen_agent.geometry import Region
from screen_agent.gui.calibration_job import Findings
from screen_agent.gui.model import ProfileModel
from screen_agent.profile import Action, WindowRef
from screen_agent.profile.reward_schema import KINDS


@dataclass(frozen=True)
class Accepted:
    """What the person accepted (None: refused, the profile keeps what it has)."""

    game: Region | None = None
    score: ScoreProposal | None = None
    """The score proposal (with a corrected digit reading, if corrected)."""
    score_region: Region | None = None
    """The score region as accepted (edited or the proposal's)."""
    use_digits: bool = False
    """A ``digits`` rule (reward = change of the number read); False: ``score_change``."""
    game_over: GameOverProposal | None = None
    actions: tuple[Action, ...] | None = None


def only_ends_game(table: Mapping[str, Any]) -> bool:
    """True for a rule that ends the game and gives no reward (what a game-over proposal
    replaces)."""
    kind = KINDS.get(str(table.get("kind")))
    if kind is None:
        return False
    ends = bool(table.get("game_over", kind.game_over))
    return ends and float(table.get("reward", kind.reward)) == 0.0


def apply_findings(model: ProfileModel, findings: Findings, accepted: Accepted) -> list[str]:
    """Merge ``accepted`` into ``model`` (see the module docstring); returns what changed,
    in a few words each, for the status line. OSError if a file cannot be written."""
    changes: list[str] = []
    over = accepted.game_over
    whole = Region(0, 0, findings.width, findings.height)
    choices = Choices(
        game=accepted.game or whole,
        score=accepted.score,
        score_region=accepted.score_region,
        use_digits=bool(accepted.use_digits),
        game_over=over,
        actions=accepted.actions or tuple(model.actions),
    )
    window = WindowRef(findings.title, findings.width, findings.height)
    built = build_profile(
        choices, model.name, window, *save_rule_files(choices, model.directory, model.name)
    )
    if model.window is None or model.window.title != findings.title:
        model.set_window(window)
        changes.append(f"window {findings.title!r}")
    elif (model.window.width, model.window.height) != (findings.width, findings.height):
        model.set_window(window)
    if accepted.game is not None:
        model.set_region("game", built.regions["game"])
        changes.append("game region")
    rules = list(model.rewards)
    new_rules = []
    if accepted.score is not None:
        model.set_region("score", built.regions["score"])
        rules = [r for r in rules if r.get("region") != "score"]
        new_rules += [r for r in built.rewards if r.get("region") == "score"]
        changes.append(f"score region ({new_rules[-1]['kind']} rule)")
    if over is not None:
        model.set_region(GAME_OVER_REGION, built.regions[GAME_OVER_REGION])
        rules = [r for r in rules if not only_ends_game(r) and r.get("region") != GAME_OVER_REGION]
        new_rules += [r for r in built.rewards if r.get("region") == GAME_OVER_REGION]
        changes.append(f"game-over rule ({over.fit.table['kind']})")
    if new_rules:
        model.set_rules([*rules, *new_rules])
    if accepted.actions is not None:
        model.set_actions(accepted.actions)
        changes.append(f"{len(accepted.actions)} actions")
    return changes
