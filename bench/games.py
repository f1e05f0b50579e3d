"""The real test-bed games: train each for a fixed number of minutes from the screen and print
the mean greedy return beside a random policy measured the same way.

    .venv/bin/python bench/games.py                              # all four games, 20 min each
    .venv/bin/python bench/games.py --games xjump moon-buggy     # some of them
    .venv/bin/python bench/games.py --report                     # print the table again

Each game runs on its own Xvfb display, started by this script (keys are never sent to another
display), as a user would run it: ``screen-agent train calibration/GAME.toml --launch --minutes
M`` (the default preset, the learner in its own process), then ``screen-agent play --launch``
with the final checkpoint twice: greedy (epsilon 0) and random (epsilon 1, the same episodes,
game-over rules and time limit). Returns are the profile's reward: the score the game shows,
read from the screen. Each game's figures go to ``RUNS/GAME/games.json`` as soon as they are
measured, so an interrupted benchmark keeps the games it finished (``--report`` prints them).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import time
from pathlib import Path

from common import cpu_model, run_cli, train_cli

from screen_agent.xvfb import start_xvfb

REPO = Path(__file__).resolve().parents[1]
GAMES = ("xgalaga", "xjump", "moon-buggy", "pacman-html")
"""The test bed (calibration/README.md, "Real games")."""


def play(display, profile: Path, checkpoint: Path, epsilon: float, episodes: int, seed: int):
    """Mean and standard deviation of ``episodes`` returns at ``epsilon``."""
    out = run_cli(
        display,
        "play",
        str(profile),
        "--checkpoint",
        str(checkpoint),
        "--episodes",
        str(episodes),
        "--epsilon",
        str(epsilon),
        "--seed",
        str(seed),
        "--json",
        "--launch",
        timeout=episodes * 400,
    )
    result = json.loads(out.strip().splitlines()[-1])
    return result["mean_return"], result["std_return"]


def bench_game(game: str, runs: Path, minutes: float, episodes: int, seed: int) -> dict:
    profile = REPO / "calibration" / f"{game}.toml"
    run_dir = runs / game
    display = start_xvfb()
    try:
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        train_cli(display, profile, minutes, seed, run_dir)
        trained_s = time.monotonic() - started
        checkpoint = run_dir / "checkpoint.pt"
        greedy = play(display, profile, checkpoint, 0.0, episodes, seed + 1)
        random_policy = play(display, profile, checkpoint, 1.0, episodes, seed + 1)
    finally:
        display.close()
    result = {
        "game": game,
        "minutes": minutes,
        "trained_s": round(trained_s),
        "decisions": decisions_of(run_dir),
        "greedy_mean": greedy[0],
        "greedy_std": greedy[1],
        "random_mean": random_policy[0],
        "random_std": random_policy[1],
        "episodes": episodes,
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "date": datetime.date.today().isoformat(),
    }
    (run_dir / "games.json").write_text(json.dumps(result, indent=2))
    return result


def decisions_of(run_dir: Path) -> int | None:
    """The decisions the run made (its checkpoint's step), or None if unreadable."""
    from screen_agent.training.checkpoint import CheckpointError, load_checkpoint

    try:
        return int(load_checkpoint(run_dir / "checkpoint.pt")["step"])
    except (CheckpointError, KeyError):
        return None


def print_table(results: list[dict]) -> None:
    print(f"\n{datetime.date.today()}  {platform.node()}  {cpu_model()}  {os.cpu_count()} cores")
    print(
        f"{'game':<12} {'minutes':>7} {'decisions':>9} {'greedy':>14} {'random':>14} "
        f"{'gain':>6} {'load':>9}"
    )
    for r in results:
        gain = r["greedy_mean"] - r["random_mean"]  # scores may be negative (moon-buggy)
        print(
            f"{r['game']:<12} {r['minutes']:>7g} {r['decisions'] or 0:>9} "
            f"{r['greedy_mean']:>7.1f} ± {r['greedy_std']:<4.1f} "
            f"{r['random_mean']:>7.1f} ± {r['random_std']:<4.1f} {gain:>+6.1f} "
            f"{r['load_before']:>4.1f}/{r['load_after']:<4.1f}"
        )
    print(
        "greedy: epsilon 0; random: epsilon 1; mean ± std over each row's episodes of the "
        "profile's reward (the game's score); gain: greedy - random; load: 1-min load average "
        "before/after"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--games", nargs="+", default=list(GAMES), choices=GAMES)
    parser.add_argument("--minutes", type=float, default=20.0, help="training time per game")
    parser.add_argument("--episodes", type=int, default=8, help="evaluation episodes per policy")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=Path, default=REPO / "runs" / "games")
    parser.add_argument("--report", action="store_true", help="print the saved figures only")
    args = parser.parse_args()
    results = []
    for game in args.games:
        saved = args.runs / game / "games.json"
        if args.report:
            if saved.exists():
                results.append(json.loads(saved.read_text()))
            continue
        print(f"{game}: training {args.minutes:g} min ...", flush=True)
        results.append(bench_game(game, args.runs, args.minutes, args.episodes, args.seed))
        print_table(results[-1:])
    print_table(results)


if __name__ == "__main__":
    main()
