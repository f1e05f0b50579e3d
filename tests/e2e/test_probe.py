"""`screen-agent probe` on Pong: which actions move the paddle, and after how long."""

import json
import subprocess
from pathlib import Path

import pytest

PONG_PROFILE = Path(__file__).parents[2] / "calibration" / "arcade-pong.toml"
CATCH_PROFILE = Path(__file__).parents[2] / "calibration" / "arcade-catch.toml"


def probe(profile: Path, command: list[str], display, *options: str) -> dict[str, dict]:
    """``screen-agent probe PROFILE --json`` on ``display``: the reports by action name."""
    result = subprocess.run(
        [*command, "probe", str(profile), "--json", *options],
        env=display.env(),
        capture_output=True,
        text=True,
        timeout=600,  # a loaded machine: trials, a second look, random play
        check=False,
    )
    print(result.stdout)
    return {r["name"]: r for r in json.loads(result.stdout.strip().splitlines()[-1])}


@pytest.mark.e2e
def test_probe_finds_the_paddle_actions_of_pong(arcade_window, xvfb_display, screen_agent_command):
    arcade_window("pong", (20, 20))
    # 16 trials, not the default 8: beside the suite's other workers, RIGHT (up) responded in
    # only 8 or 9 of 16 trials after the second look (chance 1-3%) in two of four clean-clone
    # runs at 8 trials, and at 12 RIGHTFIRE responded in 12 of 24 (chance 0.65%, the level is
    # 0.5%) in one of five (a paddle held against the top wall shows no change); the third
    # look's random play does not rescue it (one 32 s run of random play on Pong put RIGHT at
    # chance 83% and LEFT at 13%).
    reports = probe(PONG_PROFILE, screen_agent_command, xvfb_display, "--trials", "16")
    moving = {name for name, r in reports.items() if r["works"]}
    # Pong's paddle moves with RIGHT (up) and LEFT (down), alone or with FIRE; FIRE alone does
    # nothing in ALE's Pong, however the ball and the opponent happen to move meanwhile.
    assert moving == {"RIGHT", "LEFT", "RIGHTFIRE", "LEFTFIRE"}, reports
    assert reports["FIRE"]["verdict"] != "works" and reports["LEFT"]["verdict"] == "works"
    # The delay is timed by the trials; random play (the third look) times none.
    timed = [name for name in moving if reports[name]["basis"] != "play"]
    for name in timed:
        assert 0 < reports[name]["delay_ms"] < 200, reports[name]


@pytest.mark.e2e
def test_probe_restarts_a_game_that_has_ended(arcade_window, xvfb_display, screen_agent_command):
    """Catch's round is over (GAME OVER, nothing moves): the probe presses the profile's restart
    keys and tests the actions on a new round, instead of on a game that cannot move."""
    game = arcade_window("catch", (20, 20))
    over = game.wait_status(lambda status: status.get("game_over"), timeout=40)
    reports = probe(CATCH_PROFILE, screen_agent_command, xvfb_display)
    # The game ran again (its frame counter only moves while a round is played), and the probe
    # saw the paddle follow both keys there.
    assert game.status()["frames"] > over["frames"] + 50, game.status()
    assert reports["left"]["works"] and reports["right"]["works"], reports
