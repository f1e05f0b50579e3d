"""Demonstrations against none: how soon Catch is learnt with a few minutes of good play in
the replay, and without, from the screen in real time.

    .venv/bin/python bench/demos.py                    # 2 min of play, 10 min of training each
    .venv/bin/python bench/demos.py --train-minutes 5 --demo-minutes 1

On a private Xvfb display started here (keys are never sent to another display), a scripted
good player (it reads the field's pixels and holds the arrow keys through xdotool, and presses
space at a game over, as a person would) plays Catch while ``screen-agent record --demo``
records it; then ``screen-agent train --launch`` runs twice with the same seed, once with
``--demos`` and once without. Printed: the catch rate per minute of training for both runs
(each ball caught +1, missed -1, ten balls a round), and the minute each first reached 90%.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from common import SCREEN_AGENT, cpu_model, run_cli, train_cli

from screen_agent.arcade.catch import expert_key
from screen_agent.xvfb import start_xvfb

REPO = Path(__file__).resolve().parents[1]
PROFILE = REPO / "calibration" / "arcade-catch.toml"
CELL = 40
"""Catch's cell size (its field: 400x480 px at y = 80 of the window's client area)."""
BALLS_PER_ROUND = 10
TARGET = 0.9


def xdotool(display, *args: str) -> str:
    return subprocess.run(
        ["xdotool", *args], env=display.env(), capture_output=True, text=True, check=True
    ).stdout


def play_catch_well(display, window: str, stop: threading.Event) -> None:
    """Plays Catch well from its pixels with real key events (xdotool) on ``display`` in the
    game's ``window`` (an X window id) until ``stop`` is set; every key it held is released at
    the end."""
    g = dict(
        line.split("=", 1)
        for line in xdotool(display, "getwindowgeometry", "--shell", window).split()
    )
    field = {"left": int(g["X"]), "top": int(g["Y"]) + 80, "width": 400, "height": 480}
    xdotool(display, "windowfocus", "--sync", window)
    held: list[str] = []
    import mss

    os.environ["XAUTHORITY"] = str(display.xauthority)  # mss opens the display by name
    try:
        with mss.MSS(display=display.name) as sct:
            while not stop.wait(0.03):
                key = expert_key(np.asarray(sct.grab(field))[:, :, 2::-1], CELL)
                wanted = {"left": ["Left"], "right": ["Right"]}.get(key or "", [])
                if held != wanted:
                    for name in held:
                        xdotool(display, "keyup", name)
                    for name in wanted:
                        xdotool(display, "keydown", name)
                    held = wanted
                if key == "space":
                    time.sleep(1.0)  # a person reads the banner first
                    xdotool(display, "key", "space")
                    time.sleep(0.5)
    finally:
        for name in held:
            xdotool(display, "keyup", name)


def record_demo(out: Path, minutes: float) -> str:
    display = start_xvfb()
    game = subprocess.Popen(
        [SCREEN_AGENT, "arcade", "catch"],
        env=display.env(QT_QPA_PLATFORM="xcb"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    window = xdotool(display, "search", "--sync", "--name", "^screen-agent arcade: catch$")
    stop = threading.Event()
    player = threading.Thread(
        target=play_catch_well, args=(display, window.split()[0], stop), daemon=True
    )
    player.start()
    try:
        printed = run_cli(
            display,
            "record",
            str(PROFILE),
            "--demo",
            "--minutes",
            str(minutes),
            "--out",
            str(out),
            timeout=minutes * 60 + 300,
        )
    finally:
        stop.set()
        player.join(5)
        game.terminate()
        game.wait(10)
        display.close()
    return printed


def train(run_dir: Path, minutes: float, seed: int, demos: Path | None) -> None:
    display = start_xvfb()
    try:
        extra = ["--demos", str(demos)] if demos is not None else []
        train_cli(display, PROFILE, minutes, seed, run_dir, *extra)
    finally:
        display.close()


def catch_rate_per_minute(run_dir: Path, minutes: float) -> list[float | None]:
    """The share of balls caught in the rounds that ended in each minute of the run's
    decisions (15 a second), None where no round ended."""
    rates: list[list[float]] = [[] for _ in range(int(np.ceil(minutes)))]
    decisions_per_minute = 15 * 60
    with (run_dir / "episodes.csv").open() as handle:
        for row in csv.DictReader(handle):
            minute = min(int(int(row["step"]) // decisions_per_minute), len(rates) - 1)
            caught = (float(row["return"]) + BALLS_PER_ROUND) / 2
            rates[minute].append(caught / BALLS_PER_ROUND)
    return [float(np.mean(r)) if r else None for r in rates]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-minutes", type=float, default=2.0)
    parser.add_argument("--train-minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=Path, default=REPO / "runs" / "demos-bench")
    args = parser.parse_args()
    args.runs.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    demo = args.runs / "catch-demo.npz"
    print(record_demo(demo, args.demo_minutes).strip())
    curves = {}
    for name, demos in (("with demonstrations", demo), ("without", None)):
        run_dir = args.runs / ("with-demos" if demos else "without-demos")
        train(run_dir, args.train_minutes, args.seed, demos)
        curves[name] = catch_rate_per_minute(run_dir, args.train_minutes)
    print(f"\n{datetime.date.today()}  {platform.node()}  {cpu_model()}  {os.cpu_count()} cores")
    print(f"load average before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f}")
    print(
        f"Catch from the screen, seed {args.seed}, {args.demo_minutes:g} min of scripted play "
        "recorded; catch rate of the rounds ending in each minute of training"
    )
    print(f"{'minute':>6} " + " ".join(f"{name:>20}" for name in curves))
    for minute in range(int(np.ceil(args.train_minutes))):
        cells = [curves[name][minute] for name in curves]
        print(
            f"{minute + 1:>6} " + " ".join(f"{'-' if c is None else f'{c:.2f}':>20}" for c in cells)
        )
    for name, curve in curves.items():
        reached = next((m + 1 for m, c in enumerate(curve) if c is not None and c >= TARGET), None)
        when = f"in minute {reached}" if reached else f"not within {args.train_minutes:g} min"
        print(f"{name}: {TARGET:.0%} caught first {when}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
