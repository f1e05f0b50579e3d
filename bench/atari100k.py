"""Atari 100k: train one game for 100,000 agent steps with the data-efficient preset, evaluate
greedily, and print the score beside the published DER, DrQ(epsilon) and SPR scores.

    .venv/bin/python bench/atari100k.py Pong --run-dir runs/a100k-pong-seed0      # ~1-2 h a game
    .venv/bin/python bench/atari100k.py Pong --resume runs/a100k-pong-seed0       # continue a run
    .venv/bin/python bench/atari100k.py Pong --report runs/a100k-pong-seed0       # print it again
    .venv/bin/python bench/atari100k.py Pong --run-dir /tmp/a100k-smoke --steps 3000 --eval-episodes 2
    .venv/bin/python bench/atari100k.py --table                                   # published scores

The protocol is that of the published agents (Dopamine's ``labs/atari_100k``: ``DrQ_eps.gin``,
``atari_100k_runner.py`` and ``atari_lib.create_atari_environment``), mapped to our environment:

- ``{Game}NoFrameskip-v4`` from ale-py: no sticky actions (``repeat_action_probability`` 0;
  Dopamine's configs: "Atari 100K benchmark doesn't use sticky actions"), the minimal action set,
  at most 108,000 frames (27,000 agent steps) per game (Dopamine's ``max_steps_per_episode``).
  ``ALE/{Game}-v5`` would differ: it repeats the previous action with probability 0.25.
- our Atari wrappers, as Dopamine's ``AtariPreprocessing``: frame skip 4 with a max over the
  last two frames, 84x84 grayscale, a stack of 4, up to 30 no-op actions at the start; in
  training a lost life ends the episode for the agent (``terminal_on_life_loss``) and rewards are
  clipped to their sign. One difference: ours presses FIRE after a reset in games that need it.
- 100,000 agent steps of training (400,000 frames), one update per step, the ``atari100k_config``
  preset (DrQ(epsilon): see its docstring for every value and its source).
- evaluation of the final network: ``--eval-episodes`` whole games (the papers use 100) with
  epsilon 0.001 (DrQ(epsilon)'s ``epsilon_eval``), the real unclipped score, each game ended at
  game over or the 108,000-frame cap.

The run directory is an ordinary ``screen-agent gym train`` run (``--resume`` continues it, also
in another session; Ctrl+C saves it first), plus ``atari100k.json`` with the final evaluation.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

# Published scores on the 26 games of the Atari 100k benchmark (Kaiser et al. 2019).
# - random, human: the reference scores of the benchmark as used by Agarwal et al. 2021 (rliable's
#   Atari 100k data, RANDOM.json and HUMAN.json; the same as in Table 4 of the SPR paper).
# - der: Data-Efficient Rainbow, van Hasselt, Hessel and Aslanides 2019 ("When to use parametric
#   models in reinforcement learning?"), as tabulated in Table 4 of the SPR paper (Schwarzer et
#   al. 2021) and in the SPR authors' analysis notebook (mila-iqia/spr, 100k_comparison.ipynb).
# - drq_eps, spr: the mean over the 100 runs per game published by Agarwal et al. 2021 ("Deep RL
#   at the Edge of the Statistical Precipice"; gs://rl-benchmark-data/atari_100k/DrQ(eps).json and
#   SPR.json, mirrored in eloialonso/iris results/data/), each run's score the mean of 100
#   evaluation episodes after 100k steps.
PUBLISHED: dict[str, dict[str, float]] = {
    # game: random, human, der, drq_eps, spr
    "Alien": dict(random=227.8, human=7127.7, der=739.9, drq_eps=865.2, spr=841.9),
    "Amidar": dict(random=5.8, human=1719.5, der=188.6, drq_eps=137.8, spr=179.7),
    "Assault": dict(random=222.4, human=742.0, der=431.2, drq_eps=579.6, spr=565.6),
    "Asterix": dict(random=210.0, human=8503.3, der=470.8, drq_eps=763.6, spr=962.5),
    "BankHeist": dict(random=14.2, human=753.1, der=51.0, drq_eps=232.9, spr=345.4),
    "BattleZone": dict(random=2360.0, human=37187.5, der=10124.6, drq_eps=10165.3, spr=14834.1),
    "Boxing": dict(random=0.1, human=12.1, der=0.2, drq_eps=9.0, spr=35.7),
    "Breakout": dict(random=1.7, human=30.5, der=1.9, drq_eps=19.8, spr=19.6),
    "ChopperCommand": dict(random=811.0, human=7387.8, der=861.8, drq_eps=844.6, spr=946.3),
    "CrazyClimber": dict(random=10780.5, human=35829.4, der=16185.3, drq_eps=21539.0, spr=36700.5),
    "DemonAttack": dict(random=152.1, human=1971.0, der=508.0, drq_eps=1321.5, spr=517.6),
    "Freeway": dict(random=0.0, human=29.6, der=27.9, drq_eps=20.3, spr=19.3),
    "Frostbite": dict(random=65.2, human=4334.7, der=866.8, drq_eps=1014.2, spr=1170.7),
    "Gopher": dict(random=257.6, human=2412.5, der=349.5, drq_eps=621.6, spr=660.6),
    "Hero": dict(random=1027.0, human=30826.4, der=6857.0, drq_eps=4167.9, spr=5858.6),
    "Jamesbond": dict(random=29.0, human=302.8, der=301.6, drq_eps=349.1, spr=366.5),
    "Kangaroo": dict(random=52.0, human=3035.0, der=779.3, drq_eps=1088.4, spr=3617.4),
    "Krull": dict(random=1598.0, human=2665.5, der=2851.5, drq_eps=4402.1, spr=3681.6),
    "KungFuMaster": dict(random=258.5, human=22736.3, der=14346.1, drq_eps=11467.4, spr=14783.2),
    "MsPacman": dict(random=307.3, human=6951.6, der=1204.1, drq_eps=1218.1, spr=1318.4),
    "Pong": dict(random=-20.7, human=14.6, der=-19.3, drq_eps=-9.1, spr=-5.4),
    "PrivateEye": dict(random=24.9, human=69571.3, der=97.8, drq_eps=3.5, spr=86.0),
    "Qbert": dict(random=163.9, human=13455.0, der=1152.9, drq_eps=1810.7, spr=866.3),
    "RoadRunner": dict(random=11.5, human=7845.0, der=9600.0, drq_eps=11211.4, spr=12213.1),
    "Seaquest": dict(random=68.4, human=42054.7, der=354.1, drq_eps=352.3, spr=558.1),
    "UpNDown": dict(random=533.4, human=11693.2, der=2877.4, drq_eps=4324.5, spr=10859.2),
}
COLUMNS = (("der", "DER"), ("drq_eps", "DrQ(ε)"), ("spr", "SPR"))
AGENT_STEPS = 100_000
EVAL_EPSILON = 0.001
"""DrQ(epsilon)'s epsilon_eval (DrQ_eps.gin)."""
EVAL_SEED = 10_000_000
RESULT = "atari100k.json"


def env_id_for(game: str) -> str:
    """The ale-py id with the Atari 100k settings: no sticky actions, minimal action set."""
    return f"{game}NoFrameskip-v4"


def canonical_game(name: str) -> str:
    for game in PUBLISHED:
        if game.lower() == name.replace("_", "").replace("-", "").lower():
            return game
    raise SystemExit(
        f"{name!r} is not one of the 26 Atari 100k games; choose from {', '.join(PUBLISHED)}"
    )


def env_settings(env_id: str) -> dict[str, Any]:
    """The emulator settings the id registers, checked against the protocol."""
    import ale_py
    import gymnasium as gym

    gym.register_envs(ale_py)
    spec = gym.registry[env_id]
    kwargs = dict(spec.kwargs)
    expected = {"repeat_action_probability": 0.0, "frameskip": 1, "full_action_space": False}
    wrong = {k: kwargs.get(k) for k, v in expected.items() if kwargs.get(k) != v}
    if wrong:
        raise SystemExit(f"{env_id} registers {wrong}, not the Atari 100k settings {expected}")
    return {
        "repeat_action_probability": kwargs["repeat_action_probability"],
        "full_action_space": kwargs["full_action_space"],
        "max_num_frames_per_episode": kwargs.get("max_num_frames_per_episode"),
        "max_episode_steps (TimeLimit)": spec.max_episode_steps,
    }


def normalized(score: float, game: str) -> float:
    ref = PUBLISHED[game]
    return (score - ref["random"]) / (ref["human"] - ref["random"])


def training_speed(run_dir: Path, learning_starts: int) -> dict[str, float]:
    """Steps/s from train.csv's windows: over the whole run and after the warm-up (updating)."""
    rows = []
    path = run_dir / "train.csv"
    if path.exists():
        with path.open(newline="") as handle:
            rows = [(int(r["step"]), float(r["steps_per_second"])) for r in csv.DictReader(handle)]
    seconds = seconds_learning = 0.0
    steps_learning, previous = 0, 0
    for step, sps in rows:
        window = step - previous
        seconds += window / sps
        if previous >= learning_starts:
            seconds_learning += window / sps
            steps_learning += window
        previous = step
    return {
        "steps": float(previous),
        "seconds": seconds,
        "learning_steps_per_second": steps_learning / seconds_learning if seconds_learning else 0.0,
    }


def random_policy_score(env_id: str, episodes: int, seed: int) -> list[float]:
    """Uniformly random actions in our evaluation environment (checks it against the table)."""
    from screen_agent.envs.factory import make_env
    from screen_agent.training.evaluate import evaluate

    env = make_env(env_id, training=False)
    rng = np.random.default_rng(seed)
    n = int(env.action_space.n)
    try:
        return evaluate(env, lambda _obs: int(rng.integers(n)), episodes, seed).returns
    finally:
        env.close()


def run(args: argparse.Namespace) -> dict[str, Any]:
    from screen_agent.agent.config import atari100k_config, config_from_json
    from screen_agent.training.checkpoint import CHECKPOINT, load_checkpoint
    from screen_agent.training.gym_loop import evaluate_checkpoint, train

    game = canonical_game(args.game)
    env_id = env_id_for(game)
    settings = env_settings(env_id)
    device = torch.device(args.device)
    if args.resume:
        run_dir = Path(args.resume)
        state = load_checkpoint(run_dir / CHECKPOINT)
        if state["env_id"] != env_id:
            raise SystemExit(f"{run_dir} is a run on {state['env_id']}, not {env_id}")
        config = config_from_json(state["config"])
        if args.steps is not None:
            config = config.replace(total_steps=args.steps)
        seed = int(json.loads((run_dir / "config.json").read_text())["seed"])
    else:
        run_dir = Path(args.run_dir or f"runs/atari100k-{game.lower()}-seed{args.seed}")
        if (run_dir / CHECKPOINT).exists():
            raise SystemExit(f"{run_dir} already holds a run: continue it with --resume {run_dir}")
        config = atari100k_config().replace(
            total_steps=args.steps or AGENT_STEPS,
            # The benchmark scores only the final network; periodic evaluations would cost
            # time and change nothing (--eval-interval turns them back on).
            eval_interval=args.eval_interval,
            torch_threads=args.threads,
        )
        seed = args.seed
    print(f"training {env_id} ({settings}) for {config.total_steps:,} steps into {run_dir}")
    started = time.perf_counter()
    result = train(env_id, config, run_dir, seed, device, resume=bool(args.resume))
    train_seconds = time.perf_counter() - started

    started = time.perf_counter()
    evaluation = evaluate_checkpoint(
        run_dir / CHECKPOINT, env_id, args.eval_episodes, EVAL_SEED + seed, device, EVAL_EPSILON
    )
    eval_seconds = time.perf_counter() - started
    random_returns = (
        random_policy_score(env_id, args.random_episodes, EVAL_SEED + seed)
        if args.random_episodes
        else []
    )
    record = {
        "game": game,
        "env_id": env_id,
        "env_settings": settings,
        "seed": seed,
        "steps": result.steps,
        "episodes": result.episodes,
        "eval_returns": evaluation.returns,
        "eval_epsilon": EVAL_EPSILON,
        "random_returns": random_returns,
        "train_seconds_this_session": train_seconds,
        "eval_seconds": eval_seconds,
        "speed": training_speed(run_dir, config.learning_starts),
        "date": f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        "load_average": os.getloadavg()[0],
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
    }
    (run_dir / RESULT).write_text(json.dumps(record, indent=2))
    return record


def report(record: dict[str, Any]) -> str:
    game = record["game"]
    ref = PUBLISHED[game]
    returns = np.asarray(record["eval_returns"], dtype=float)
    ours = float(returns.mean())
    lines = [
        f"## Atari 100k: {game} ({record['env_id']}, seed {record['seed']})\n",
        f"- date: {record['date']}, {record['machine']}, torch {record['torch']} "
        f"({record['torch_threads']} threads), load average at the end {record['load_average']:.2f}",
        f"- trained {record['steps']:,} agent steps ({record['episodes']} training episodes"
        f"{'' if record['steps'] >= AGENT_STEPS else '; NOT the full 100,000'}); "
        f"{record['speed']['learning_steps_per_second']:.1f} steps/s while learning; "
        f"evaluation took {record['eval_seconds']:.0f} s",
        f"- evaluation: {returns.size} game{'s' if returns.size != 1 else ''}, epsilon "
        f"{record['eval_epsilon']}, real score "
        f"(the papers: 100 games)\n",
        "| agent | score | human-normalized |",
        "| --- | ---: | ---: |",
        f"| **ours** (mean ± std of {returns.size}) | **{ours:.1f}** ± {returns.std():.1f} | "
        f"**{normalized(ours, game):.3f}** |",
    ]
    for key, name in COLUMNS:
        lines.append(f"| {name} | {ref[key]:.1f} | {normalized(ref[key], game):.3f} |")
    lines.append(f"| random (published) | {ref['random']:.1f} | 0.000 |")
    if record["random_returns"]:
        rand = float(np.mean(record["random_returns"]))
        lines.append(
            f"| random (ours, {len(record['random_returns'])} games) | {rand:.1f} | "
            f"{normalized(rand, game):.3f} |"
        )
    lines.append(f"| human | {ref['human']:.1f} | 1.000 |")
    verdict = "at or above" if ours >= ref["drq_eps"] else "below"
    lines.append(f"\nGoal, at or above DrQ(ε) ({ref['drq_eps']:.1f}): {verdict}.")
    return "\n".join(lines)


def table() -> str:
    lines = [
        "| game | random | human | DER | DrQ(ε) | SPR |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for game, ref in PUBLISHED.items():
        lines.append(
            f"| {game} | {ref['random']:.1f} | {ref['human']:.1f} | {ref['der']:.1f} | "
            f"{ref['drq_eps']:.1f} | {ref['spr']:.1f} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("game", nargs="?", help="one of the 26 games, e.g. Pong, Boxing, Freeway")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--run-dir", help="new run directory (default runs/atari100k-GAME-seedN)")
    where.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR")
    where.add_argument("--report", metavar="RUN_DIR", help="print the result of a finished run")
    parser.add_argument("--table", action="store_true", help="print the published scores")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--steps", type=int, help="agent steps (default 100,000; less: a smoke run)"
    )
    parser.add_argument(
        "--eval-episodes", type=int, default=100, help="final greedy games (default 100)"
    )
    parser.add_argument(
        "--random-episodes", type=int, default=10, help="games of a random policy (0: none)"
    )
    parser.add_argument(
        "--eval-interval", type=int, default=0, help="steps between periodic evaluations (0: off)"
    )
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: one per core)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    if not args.table and not args.game:
        parser.error("give a game (e.g. Pong) or --table")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.table:
        print(table())
        return 0
    record = json.loads((Path(args.report) / RESULT).read_text()) if args.report else run(args)
    print(report(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
