"""Turning accepted proposals into a normal TOML profile (and the files its rules need).

:class:`Choices` holds what the person accepted or corrected; :func:`write_profile` writes
the digit templates (``<name>-digits.npz``, :meth:`DigitReader.save`) and a template rule's
reference picture (``<name>-game-over.png``) next to the profile (:func:`save_rule_files`),
saves the profile with :func:`screen_agent.profile.save_profile` (tomlkit) and loads it back,
building its reward rules, so a profile that would not load is never left behind silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from screen_agent.calibrate.analysis import GameOverProposal, ScoreProposal
from screen_agent.errors import UserError
from screen_agent.geometry import Region
from screen_agent.profile import (
    Action,
    GameProfile,
    Restart,
    Step,
    WindowRef,
    load_profile,
    save_profile,
)
from screen_agent.reward import RewardReader, save_image

GAME_OVER_REGION = "game_over"
"""The region name of the proposed game-over rule."""


def profile_name(text: str | Path) -> str:
    """A valid profile name (letters, digits, ``-``, ``_``, ``.``) from a file's name (its
    stem) or a window title."""
    stem = text.stem if isinstance(text, Path) else text
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-.")
    return name[:64] or "game"


@dataclass
class Choices:
    """What goes into the profile: the proposals as accepted or corrected."""

    game: Region
    score: ScoreProposal | None = None
    """The score proposal (its region and rule), or None to leave the score out."""
    score_region: Region | None = None
    """The score region, when corrected by hand (else the proposal's)."""
    use_digits: bool | None = None
    """Force a ``digits`` (True) or ``score_change`` (False) rule; None: as proposed."""
    game_over: GameOverProposal | None = None
    actions: tuple[Action, ...] = (Action("noop", ()),)
    restart: tuple[Step, ...] = ()
    notes: list[str] = field(default_factory=list)

    @property
    def reads_digits(self) -> bool:
        """The score is read by its digits: as :attr:`use_digits` forces, else as proposed
        (never without a digit mapping to learn templates from)."""
        score = self.score
        if score is None or score.digits is None:
            return False
        return score.use_digits if self.use_digits is None else self.use_digits


def save_game_over_picture(over: GameOverProposal | None, directory: Path, stem: str) -> str | None:
    """Save a template rule's reference picture as ``<stem>-game-over.png`` in
    ``directory``; its file name, or None when the rule has no picture."""
    if over is None or over.fit.image is None or over.fit.table["kind"] != "template":
        return None
    name = f"{stem}-game-over.png"
    directory.mkdir(parents=True, exist_ok=True)
    save_image(directory / name, over.fit.image)
    return name


def save_rule_files(choices: Choices, directory: Path, stem: str) -> tuple[str | None, str | None]:
    """Write the files the rules of ``choices`` need into ``directory``: the digit
    templates (``<stem>-digits.npz``) when the score is read by its digits, and a template
    rule's picture; their file names (None: not needed), for :func:`build_profile`."""
    digits_file = None
    if choices.reads_digits:
        assert choices.score is not None
        digits_file = f"{stem}-digits.npz"
        directory.mkdir(parents=True, exist_ok=True)
        choices.score.reader().save(directory / digits_file)
    return digits_file, save_game_over_picture(choices.game_over, directory, stem)


def build_profile(
    choices: Choices,
    name: str,
    window: WindowRef,
    digits_file: str | None,
    image_file: str | None,
) -> GameProfile:
    """The profile of ``choices`` for ``window``, its rules naming the files
    :func:`save_rule_files` wrote."""
    regions: dict[str, Region] = {"game": choices.game}
    rewards: list[dict] = []
    if choices.score is not None:
        regions["score"] = choices.score_region or choices.score.region
        rewards.append(choices.score.rule(digits_file if choices.reads_digits else None))
    if choices.game_over is not None:
        regions[GAME_OVER_REGION] = choices.game_over.region
        rewards.append(choices.game_over.rule(GAME_OVER_REGION, image_file))
    return GameProfile(
        name=name,
        regions=regions,
        actions=choices.actions,
        window=window,
        restart=Restart(tuple(choices.restart)),
        rewards=tuple(rewards),
    )


def write_profile(choices: Choices, out: Path, *, title: str, width: int, height: int) -> Path:
    """Write the profile of ``choices`` to ``out`` with the files its rules need; returns
    ``out``. Raises UserError (the file names the problem) if it does not load back."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    digits_file, image_file = save_rule_files(choices, out.parent, out.stem)
    profile = build_profile(
        choices, profile_name(out), WindowRef(title, width, height), digits_file, image_file
    )
    save_profile(profile, out)
    try:
        loaded = load_profile(out)
        RewardReader.for_profile(loaded, str(out))
    except UserError as error:
        raise UserError(f"the calibrated profile {out} does not load: {error}") from None
    return out
