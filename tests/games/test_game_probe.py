"""The input probe on the real test-bed games: every action of the profile works, and a key
the game ignores (added as an action) does not. The games end within seconds of poor play, so
this also shows the probe keeping to running games (game-over rules, restarts between
trials)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from games import GAMES, with_dead_key

from screen_agent.envs.session import open_session
from screen_agent.probe import ProbeSettings, format_chance, format_report, probe

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("keyboard")]

TRIALS = 10
"""Trials per action: 8 (the default) leaves some real actions of these busy games short of
significance now and then."""

HOLD_S = {"xgalaga": 0.5, "moon-buggy": 0.5}
"""Seconds a trial holds the keys (and watches before the press) where the default 0.25 s is
short for the effect to show: a terminal that redraws a few times a second, a ship that must
move further than the enemies' own motion."""

ALL_FOUND = {"moon-buggy", "xjump"}
"""Games on which every action must be found in every run: those whose every action was found
in each of the 16 full clean-clone runs of the suite here (2026-11-30 to 2026-12-01). On the
others a miss is an expected failure (xfail), not a pass. The soundness half is asserted on
every game: the dead key is not credited (by two probes in a row), and at least one real key
is found.

Every game takes all three looks (the trials, more trials for actions close to significance,
random play for the actions still failing, played again: once held more often, then, when
close or when other actions hold their keys, now and then). The hard cases, which may still be
missed now and then: xgalaga's fire (its shots are thin, at most three fly at once, and random
play mostly finds them all in flight) and Pac-Man's arrows (a turn waits for the next
crossing, and the next arrow overrides it).
What each change of the probe did to these runs is in the git log of ``screen_agent/probe``."""

TURNS_ONLY = {"pacman-html"}
"""Games whose keys only change a direction the game applies later (Pac-Man turns at the next
crossing and moves on its own without keys): the trials rarely find its arrows, and random
play may find none of them on a busy machine."""


SLOW = {"xgalaga", "pacman-html"}
"""Their probes take 3-5 minutes."""


@pytest.mark.parametrize(
    "game",
    [pytest.param(g, marks=[pytest.mark.slow] if g in SLOW else []) for g in GAMES],
)
def test_probe_finds_every_action_and_flags_a_dead_key(
    game: str, xvfb_display: Any, tmp_path: Path
) -> None:
    session = open_session(with_dead_key(game, tmp_path), launch=True, need_rewards=False)
    try:
        screen = session.screen
        hold_s = HOLD_S.get(game, 0.25)
        settings = ProbeSettings(trials=TRIALS, hold_s=hold_s, settle_s=hold_s)
        reports = probe(screen.profile, screen.source, screen.sink, settings, reader=screen.reader)
        print(f"\n{game}\n{format_report(reports)}")
        dead = next(r for r in reports if r.name == "dead")
        if dead.works:
            # A key with no effect passes a probe by chance now and then (at most 5.5%: the
            # levels of its looks); passing a second, independent probe too (at most 0.3%)
            # would be the probe seeing an effect where there is none.
            keep = tuple(a for a in screen.profile.actions if not a.keys or a.name == "dead")
            alone = replace(screen.profile, actions=keep)
            again = probe(alone, screen.source, screen.sink, settings, reader=screen.reader)
            print(f"the dead key alone, again:\n{format_report(again)}")
            dead = next(r for r in again if r.name == "dead")
    finally:
        session.close()
    verdicts = {r.name: r.works for r in reports}
    # The soundness half holds on every game: a key the game ignores is not credited.
    verdicts.pop("dead")
    assert not dead.works, format_report(reports)
    missed = [name for name, works in verdicts.items() if not works]
    # The closest each miss came, and by which test, for the summary line of a CI log.
    closest = ", ".join(
        f"{r.name} {format_chance(r.chance)} ({r.basis})" for r in reports if r.name in missed
    )
    if game in TURNS_ONLY and len(missed) == len(verdicts):
        pytest.xfail(f"{game}: the probe found none of its keys: {closest} (see TURNS_ONLY)")
    assert len(missed) < len(verdicts), f"no key reached {game}: {format_report(reports)}"
    if missed and game not in ALL_FOUND:
        pytest.xfail(f"{game}: the probe missed {closest} (see ALL_FOUND)")
    assert not missed, format_report(reports)
