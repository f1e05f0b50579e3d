"""The probe's verdict on recorded Pong sessions, where FIRE does nothing (ALE's Pong ignores
its button: 3,000 frames with FIRE held are identical to 3,000 with no key), while the ball and
the opponent's paddle, which move on their own along the same paths rally after rally, were
in the same place in three or four of FIRE's trials.

``tests/data/probe-pong.npz`` holds four sessions of ``screen-agent probe`` on
``screen-agent arcade pong`` under Xvfb: per trial, the seconds from keypress to each pixel's
first change, for the no-key controls (``sN_controls``) and each action's trials (``sN_a1``
FIRE ... ``sN_a5`` LEFTFIRE). Judged by where the actions change pixels alone, FIRE came out
working in ``s1`` (4/5: the opponent's paddle), ``s6`` (3/5), ``s42`` (3/5: the ball crossing
one spot) and ``s54`` (3/5: the ball on its usual diagonal, never that far up in a control).
"""

import functools
from pathlib import Path

import numpy as np
import pytest

from screen_agent.probe import ProbeRecord, judge
from screen_agent.profile import load_profile

ROOT = Path(__file__).parents[1]
PADDLE_ACTIONS = ("RIGHT", "LEFT", "RIGHTFIRE", "LEFTFIRE")


@functools.cache
def judged(session: str) -> dict:
    data = np.load(ROOT / "tests" / "data" / "probe-pong.npz")
    prefix = f"{session}_a"
    trials = {
        int(key[len(prefix) :]): list(data[key]) for key in data.files if key.startswith(prefix)
    }
    seen = ProbeRecord(list(data[f"{session}_controls"]), trials)
    profile = load_profile(ROOT / "calibration" / "arcade-pong.toml")
    return {report.name: report for report in judge(profile, seen)}


@pytest.mark.parametrize("session", ["s1", "s6", "s42", "s54"])
def test_fire_is_not_credited_with_the_ball_or_the_opponent(session):
    fire = judged(session)["FIRE"]
    assert not fire.works, fire


@pytest.mark.parametrize("session", ["s1", "s6", "s42"])
def test_the_paddle_actions_work(session):
    reports = judged(session)
    for name in PADDLE_ACTIONS:
        report = reports[name]
        assert report.works and report.responded == 5, report
        assert report.chance < 0.01 and 0 < report.delay_ms < 200, report


def test_coincidence_needs_the_permutation_test():
    """In s42 the ball crossed one spot in three of FIRE's trials and in no control: the
    location rules alone accept it; only shuffling trials and controls shows it is common."""
    fire = judged("s42")["FIRE"]
    assert fire.responded == 3 and fire.chance > 0.1, fire
