"""Turning accepted proposals into a normal TOML profile (and the files its rules need).

:class:`Choices` holds what the person accepted or corrected; :func:`write_profile` writes
the digit templates (``<name>-digits.npz``, :meth:`DigitReader.save`) and a template rule's
reference picture (``<name>-game-over.png``) next to the profile, saves the profile with
:func:`screen_agent.profile.save_profile` (tomlkit) and loads it back, building its reward
rules, so a profile that would not load is never left behind silently.
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


def build_profile(
    choices: Choices,
    *,
    name: str,
    title: str,
    width: int,
    height: int,
    digits_file: str | None,
    image_file: str | None,
) -> GameProfile:
    """The profile of ``choices`` for the window ``title`` (client area ``width`` x
    ``height``)."""
    regions: dict[str, Region] = {"game": choices.game}
    rewards: list[dict] = []
    if choices.score is not None:
        regions["score"] = choices.score_region or choices.score.region
        rule = choices.score.rule(digits_file)
        if choices.use_digits is False or (choices.use_digits and digits_file is None):
            rule = {"kind": "score_change", "region": "score", "settle_frames": 2}
        rewards.append(rule)
    if choices.game_over is not None:
        regions[GAME_OVER_REGION] = choices.game_over.region
        rewards.append(choices.game_over.rule(GAME_OVER_REGION, image_file))
    return GameProfile(
        name=name,
        regions=regions,
        actions=choices.actions,
        window=WindowRef(title, width, height),
        restart=Restart(tuple(choices.restart)),
        rewards=tuple(rewards),
    )


def write_profile(choices: Choices, out: Path, *, title: str, width: int, height: int) -> Path:
    """Write the profile of ``choices`` to ``out`` with the files its rules need; returns
    ``out``. Raises UserError (the file names the problem) if it does not load back."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    name = profile_name(out)
    digits_file = None
    score = choices.score
    wants_digits = (
        choices.use_digits
        if choices.use_digits is not None
        else (score is not None and score.use_digits)
    )
    if score is not None and wants_digits and score.digits is not None:
        digits_file = f"{out.stem}-digits.npz"
        score.reader().save(out.parent / digits_file)
    image_file = None
    over = choices.game_over
    if over is not None and over.fit.image is not None and over.fit.table["kind"] == "template":
        image_file = f"{out.stem}-game-over.png"
        save_image(out.parent / image_file, over.fit.image)
    profile = build_profile(
        choices,
        name=name,
        title=title,
        width=width,
        height=height,
        digits_file=digits_file,
        image_file=image_file,
    )
    save_profile(profile, out)
    try:
        loaded = load_profile(out)
        RewardReader.for_profile(loaded, str(out))
    except UserError as error:
        raise UserError(f"the calibrated profile {out} does not load: {error}") from None
    return out
