"""The headless demo: a bundled game on a private virtual display, learned by the screen agent.

Everything is real: Xvfb draws the game's window, mss grabs it, pyautogui presses the keys, and
the agent learns from those pixels alone. Nothing touches the user's own display.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from screen_agent.errors import UserError
from screen_agent.xvfb import start_xvfb

CALIBRATION = Path(__file__).resolve().parents[1] / "calibration"
WINDOW_TIMEOUT_S = 30.0


def run_demo(game: str, minutes: float, run_dir: Path, seed: int, device: str) -> int:
    """Start Xvfb and ``game``, train on it for ``minutes``, print how well it plays."""
    profile_path = CALIBRATION / f"arcade-{game}.toml"
    if not profile_path.exists():
        raise UserError(f"no profile {profile_path} for the game {game!r}; try catch or pong")
    display = start_xvfb()
    game_process = None
    try:
        # Before anything imports mss or pyautogui: they read DISPLAY once.
        os.environ.update(DISPLAY=display.name, XAUTHORITY=str(display.xauthority))
        print(f"virtual display {display.name}: starting the {game} window", flush=True)
        game_process = subprocess.Popen(
            [sys.executable, "-m", "screen_agent.arcade", game, "--position", "40,40"],
            env=display.env(QT_QPA_PLATFORM="xcb"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        window = _wait_for_window(display.env(), f"screen-agent arcade: {game}")
        subprocess.run(["xdotool", "windowfocus", "--sync", window], env=display.env(), check=True)
        from screen_agent.console import screen_printer
        from screen_agent.training.jobs import ScreenJob, run_job

        print(f"training for {minutes:g} minutes; run directory {run_dir}", flush=True)
        job = ScreenJob(profile_path, run_dir=run_dir, seed=seed, device=device, minutes=minutes)
        run_job(job, screen_printer(verbose=False))
        _summary(run_dir)
        return 0
    finally:
        if game_process is not None:
            game_process.terminate()
            game_process.wait(10)
        display.close()


def _wait_for_window(env: dict[str, str], title: str) -> str:
    deadline = time.monotonic() + WINDOW_TIMEOUT_S
    while time.monotonic() < deadline:
        found = subprocess.run(
            ["xdotool", "search", "--name", f"^{title}$"], env=env, capture_output=True, text=True
        )
        if found.stdout.strip():
            return found.stdout.split()[0]
        time.sleep(0.2)
    raise UserError(f"the window {title!r} did not appear within {WINDOW_TIMEOUT_S:.0f} s")


def _summary(run_dir: Path) -> None:
    rewards_file = run_dir / "rewards.csv"
    if not rewards_file.exists():
        print("no reward was seen: check the profile's reward rules")
        return
    with rewards_file.open() as handle:
        # Game-over rules log events too, with no reward: a ball is a reward of +1 or -1.
        rewards = np.array(
            [float(r["reward"]) for r in csv.DictReader(handle) if float(r["reward"]) != 0]
        )
    for window in sorted({min(50, len(rewards)), len(rewards)}):
        last = rewards[-window:]
        print(
            f"last {len(last)} scoring events: {int((last > 0).sum())} won, "
            f"{int((last < 0).sum())} lost ({100 * float(np.mean(last > 0)):.0f}% won)"
        )
