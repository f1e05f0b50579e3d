"""``run_calibrate`` on a real game in a real window, driven by random key presses, on the
tests' own Xvfb display: xjump (Debian's package; skipped where it is not installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from screen_agent.calibrate import run_calibrate
from screen_agent.geometry import Region
from screen_agent.profile import load_profile
from screen_agent.reward import RewardReader

XJUMP = "/usr/games/xjump"
XJUMP_SCORE = Region(246, 87, 152, 24)
"""xjump's "Floor 0000000001" digits, measured by hand."""


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which(XJUMP) is None, reason="xjump is not installed")
def test_calibrating_xjump_with_random_keys(xvfb_display, tmp_path: Path) -> None:
    game = subprocess.Popen(
        [XJUMP],
        env=xvfb_display.env(HOME=str(tmp_path)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        window = xvfb_display.xdotool(
            "search", "--sync", "--onlyvisible", "--name", "^xjump$", timeout=20
        )
        xvfb_display.focus(window.split()[0])
        said: list[str] = []
        out = run_calibrate(
            "xjump",
            tmp_path / "xjump.toml",
            seconds=60,  # 40 s once saw no game end (random keys can keep xjump alive that long)
            keys=["left", "right", "up"],
            interactive=False,
            random_keys=True,
            restart=["space", "space"],
            probe_trials=4,
            seed=0,
            display=xvfb_display.name,
            output=said.append,
            save_watch=tmp_path / "watch",
        )
    finally:
        game.terminate()
        game.wait(10)
    print("\n".join(said))
    profile = load_profile(out)
    RewardReader.for_profile(profile, str(out))  # every rule builds, its files are there
    assert profile.window is not None and (profile.window.width, profile.window.height) == (
        546,
        591,
    )
    score = profile.regions["score"]
    overlap = score.intersection(XJUMP_SCORE)
    assert overlap is not None and overlap.area >= 0.8 * min(score.area, XJUMP_SCORE.area)
    assert any(rule.get("game_over") for rule in profile.rewards), profile.rewards
    assert [s.keys for s in profile.restart.steps] == [("space",), ("space",)]
    assert profile.actions[0].keys == () and len(profile.actions) >= 2
