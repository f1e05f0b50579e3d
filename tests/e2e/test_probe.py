"""`screen-agent probe` on Pong: which actions move the paddle, and after how long."""

import json
import subprocess
from pathlib import Path

import pytest

PONG_PROFILE = Path(__file__).parents[2] / "calibration" / "arcade-pong.toml"


@pytest.mark.e2e
def test_probe_finds_the_paddle_actions_of_pong(arcade_window, xvfb_display, screen_agent_command):
    arcade_window("pong", (20, 20))
    result = subprocess.run(
        [*screen_agent_command, "probe", str(PONG_PROFILE), "--json"],
        env=xvfb_display.env(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    print(result.stdout)
    reports = {r["name"]: r for r in json.loads(result.stdout.strip().splitlines()[-1])}
    moving = {name for name, r in reports.items() if r["works"]}
    # Pong's paddle moves with RIGHT (up) and LEFT (down), alone or with FIRE.
    assert {"RIGHT", "LEFT", "RIGHTFIRE", "LEFTFIRE"} <= moving, reports
    for name in moving:
        assert 0 < reports[name]["delay_ms"] < 200, reports[name]
