"""Train PongNoFrameskip-v4 with our trainer and print the learning curve as a markdown table.

Runs in the project's environment::

    .venv/bin/python bench/pong_curve.py --steps 1000000 --seed 0 --run-dir runs/pong-curve-seed0
    .venv/bin/python bench/pong_curve.py --report runs/pong-curve-seed0   # finished or running

Training uses the Atari preset (``screen_agent.agent.config.atari_config``) with only
``total_steps`` (and whatever override flags are given) changed. The table is read back from the
run directory's ``episodes.csv``, ``eval.csv`` and ``train.csv``, so ``--report`` works on any run
of ``screen-agent gym train`` too, including one still being written.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

ENV_ID = "PongNoFrameskip-v4"
LAST_EPISODES = 10


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="") as file:
        # A run being written may end in a half-written line; drop rows missing a column.
        return [row for row in csv.DictReader(file) if None not in row.values()]


def curve_rows(run_dir: Path, every: int | None = None) -> list[dict[str, object]]:
    """One row per ``every`` steps (default: about 20 rows) from the run's CSV files."""
    episodes = [(int(r["step"]), float(r["return"])) for r in _read_csv(run_dir / "episodes.csv")]
    evals = [(int(r["step"]), float(r["mean_return"])) for r in _read_csv(run_dir / "eval.csv")]
    train = [
        (int(r["step"]), float(r["steps_per_second"])) for r in _read_csv(run_dir / "train.csv")
    ]
    last_step = max([s for s, _ in episodes + evals + train], default=0)
    if last_step == 0:
        return []
    if every is None:
        every = max(1_000, round(last_step / 20 / 1_000) * 1_000)
    marks = list(range(every, last_step + 1, every))
    if not marks or marks[-1] != last_step:
        marks.append(last_step)

    rows: list[dict[str, object]] = []
    previous = 0
    for mark in marks:
        done = [ret for step, ret in episodes if step <= mark]
        recent = done[-LAST_EPISODES:]
        seen_evals = [(step, mean) for step, mean in evals if step <= mark]
        # steps/s over (previous, mark]: total steps over total time of train.csv's windows.
        windows = [(step, sps) for step, sps in train if previous < step <= mark and sps > 0]
        seconds, steps, before = 0.0, 0, previous
        for step, sps in windows:
            seconds += (step - before) / sps
            steps += step - before
            before = step
        rows.append(
            {
                "steps": mark,
                "episodes": len(done),
                "mean_return_last": sum(recent) / len(recent) if recent else None,
                "eval": seen_evals[-1] if seen_evals else None,
                "steps_per_second": steps / seconds if seconds else None,
            }
        )
        previous = mark
    return rows


def render(run_dir: Path, every: int | None = None) -> str:
    rows = curve_rows(run_dir, every)
    header = []
    config_path = run_dir / "config.json"
    if config_path.exists():
        config = json.loads(config_path.read_text())
        header.append(
            f"run {run_dir}: {config.get('env_id')} seed {config.get('seed')}, "
            f"total_steps {config.get('total_steps'):,}, learning_starts "
            f"{config.get('learning_starts'):,}, n_step {config.get('n_step')}, "
            f"dueling {config.get('dueling')}, buffer {config.get('buffer_size'):,}"
        )
    if not rows:
        return "\n".join([*header, "no steps logged yet"])
    lines = [
        f"| steps | episodes | mean return, last {LAST_EPISODES} episodes | "
        "latest eval mean (at step) | steps/s |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        mean = row["mean_return_last"]
        ev = row["eval"]
        sps = row["steps_per_second"]
        lines.append(
            f"| {row['steps']:,} | {row['episodes']} | "
            f"{'—' if mean is None else f'{mean:.1f}'} | "
            f"{'—' if ev is None else f'{ev[1]:.1f} ({ev[0]:,})'} | "
            f"{'—' if sps is None else f'{sps:.0f}'} |"
        )
    return "\n".join([*header, "", *lines])


def train_pong(args: argparse.Namespace) -> Path:
    import torch

    from screen_agent.agent.config import atari_config
    from screen_agent.training.gym_loop import evaluate_checkpoint, train

    overrides: dict[str, object] = {"total_steps": args.steps}
    for name in ("learning_starts", "eval_interval", "eval_episodes", "torch_threads"):
        value = getattr(args, name)
        if value is not None:
            overrides[name] = value
    if args.no_save_replay:
        overrides["save_replay"] = False
    config = atari_config().replace(**overrides)
    run_dir = Path(args.run_dir or f"runs/pong-curve-seed{args.seed}")
    device = torch.device("cpu")
    result = train(
        ENV_ID,
        config,
        run_dir,
        seed=args.seed,
        device=device,
        resume=args.resume,
        progress=not args.no_progress,
    )
    print(f"trained {result.steps:,} steps, {result.episodes} episodes in {result.seconds:.0f} s")
    if args.final_eval_episodes > 0:
        final = evaluate_checkpoint(
            run_dir / "checkpoint.pt", ENV_ID, args.final_eval_episodes, args.seed + 7, device
        )
        print(
            f"final greedy evaluation: {final.mean:.1f} ± {final.std:.1f} "
            f"over {args.final_eval_episodes} episodes"
        )
    return run_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, help="environment steps to train for")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--run-dir", help="default: runs/pong-curve-seed<SEED>")
    parser.add_argument("--report", metavar="RUN_DIR", help="only print the curve of this run")
    parser.add_argument("--every", type=int, help="steps between table rows (default: ~20 rows)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --run-dir")
    parser.add_argument("--learning-starts", type=int, help="override the preset's 20,000")
    parser.add_argument("--eval-interval", type=int, help="override the preset's 50,000 (0: off)")
    parser.add_argument("--eval-episodes", type=int, help="override the preset's 3")
    parser.add_argument("--torch-threads", type=int, help="torch threads (default: one per core)")
    parser.add_argument(
        "--no-save-replay", action="store_true", help="do not store replay.npz (no exact resume)"
    )
    parser.add_argument(
        "--final-eval-episodes", type=int, default=0, help="greedy episodes after training"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)

    if args.report:
        run_dir = Path(args.report)
        if not run_dir.is_dir():
            parser.error(f"{run_dir} is not a run directory")
    elif args.steps is None:
        parser.error("give --steps N to train, or --report RUN_DIR to print a run's curve")
    else:
        run_dir = train_pong(args)
    print(render(run_dir, args.every))
    return 0


if __name__ == "__main__":
    sys.exit(main())
