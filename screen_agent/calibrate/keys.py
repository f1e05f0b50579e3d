"""Which keys work: the input probe over candidate keys, and the actions they make.

Each candidate key becomes a one-key action beside a no-key action, and
:func:`screen_agent.probe.probe` presses them in turn on the live game (restarting it with
the profile's restart steps when the proposed game-over rule fires, or when it stopped
moving). The proposal is one no-key action plus one
action per key that works, and, only if asked, every pair of working keys held together.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from screen_agent.calibrate.analysis import GameOverProposal
from screen_agent.calibrate.profile_out import GAME_OVER_REGION, save_game_over_picture
from screen_agent.capture.frame import FrameSource
from screen_agent.geometry import Region
from screen_agent.input.sink import KeySink
from screen_agent.probe import ActionReport, ProbeSettings, format_report, probe
from screen_agent.profile import Action, GameProfile
from screen_agent.reward import RewardReader

DEFAULT_KEYS = ("left", "right", "up", "down", "space", "z", "x", "a", "s", "d", "w")
"""Candidates when the user names none and nobody played: arrows, space, and the letters
games often use for moving and firing (never keys that commonly quit or pause: q, p, escape,
nor enter, which restarts or reloads some games)."""


def action_name(keys: Sequence[str]) -> str:
    """A profile action name for ``keys`` (``left``, ``left_space``; ``noop`` for none)."""
    return "_".join(keys) if keys else "noop"


def probe_profile(profile: GameProfile, keys: Sequence[str]) -> GameProfile:
    """``profile`` with one no-key action and one action per key."""
    return dataclasses.replace(profile, actions=propose_actions(keys))


@dataclass(frozen=True)
class KeysProposal:
    """The probe's verdicts and the actions proposed from them."""

    reports: list[ActionReport]
    actions: tuple[Action, ...]
    notes: tuple[str, ...] = ()

    @property
    def working(self) -> list[str]:
        """The keys that work, in the order tried."""
        return [r.keys[0] for r in self.reports if r.works and r.keys]

    @property
    def confidence(self) -> float:
        """0-1: the share of trials that agreed with each verdict, averaged."""
        if not self.reports:
            return 0.0
        agree = [
            (r.responded if r.works else r.trials - r.responded) / max(1, r.trials)
            for r in self.reports
        ]
        return float(np.mean(agree))

    def evidence(self) -> list[str]:
        return [*format_report(self.reports).splitlines(), *self.notes]


def propose_actions(working: Sequence[str], combos: bool = False) -> tuple[Action, ...]:
    """One no-key action, one per working key and, with ``combos``, one per pair of them."""
    actions = [Action("noop", ()), *(Action(action_name((k,)), (k,)) for k in working)]
    if combos:
        actions += [Action(action_name(pair), pair) for pair in itertools.combinations(working, 2)]
    return tuple(actions)


def probe_keys(
    profile: GameProfile,
    source: FrameSource,
    sink: KeySink,
    keys: Sequence[str],
    *,
    settings: ProbeSettings | None = None,
    combos: bool = False,
    on_trial: Callable[[str], None] | None = None,
    rng: np.random.Generator | None = None,
    reader: RewardReader | None = None,
) -> KeysProposal:
    """Probe ``keys`` on the live game and propose the actions.

    ``profile`` gives the game region and the restart steps; its actions are replaced by one
    per key. ``reader`` reads its game-over rules, so the probe restarts a game that ended
    rather than press keys on its game-over screen. ``sink`` must allow every key (and the
    restart keys); ``source`` grabs the window's whole client area.
    """
    tested = probe_profile(profile, keys)
    reports = probe(
        tested,
        source,
        sink,
        settings or ProbeSettings(trials=6),
        on_trial=on_trial,
        rng=rng,
        reader=reader,
    )
    working = [r.keys[0] for r in reports if r.works and r.keys]
    if not working:
        # A profile with no action but "no keys" cannot learn anything: keep every candidate
        # and say why.
        note = (
            "no key showed an effect (does the game window have keyboard focus? had the game "
            "ended?): every candidate is kept as an action; probe again with screen-agent probe"
        )
        return KeysProposal(reports, propose_actions(list(keys), combos), (note,))
    return KeysProposal(reports, propose_actions(working, combos))


def probe_in_game(
    profile: GameProfile,
    game: Region,
    game_over: GameOverProposal | None,
    source: FrameSource,
    sink: KeySink,
    keys: Sequence[str],
    profile_path: Path,
    *,
    trials: int = 6,
    combos: bool = False,
    on_trial: Callable[[str], None] | None = None,
    rng: np.random.Generator | None = None,
) -> KeysProposal:
    """:func:`probe_keys` in a calibration's ``game`` region with its ``game_over`` rule
    (None: none), so the probe restarts a game that ended: what ``screen-agent calibrate``
    and the app's "Find for me" do once the watch is analysed.

    ``profile`` is the one the watch was taken with (the window and its restart steps).
    ``profile_path`` is where the profile is written: a template rule's picture is saved
    next to it, as :func:`~screen_agent.calibrate.profile_out.write_profile` names it.
    """
    regions = {"game": game}
    rewards: tuple[dict, ...] = ()
    if game_over is not None:
        folder = Path(profile_path).resolve().parent
        picture = save_game_over_picture(game_over, folder, Path(profile_path).stem)
        # Named by its full path: the probe's rules are not read from a file.
        image = str(folder / picture) if picture is not None else None
        regions[GAME_OVER_REGION] = game_over.region
        rewards = (game_over.rule(GAME_OVER_REGION, image),)
    probing = dataclasses.replace(profile, regions=regions, rewards=rewards)
    reader = RewardReader.for_profile(probing, str(profile_path)) if rewards else None
    return probe_keys(
        probing,
        source,
        sink,
        keys,
        settings=ProbeSettings(trials=trials),
        combos=combos,
        on_trial=on_trial,
        rng=rng,
        reader=reader,
    )
