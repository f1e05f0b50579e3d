"""Learning is tested by learning: the default CartPole settings must solve it in 30,000 steps."""

import json
import subprocess

import pytest

SEEDS = (0, 1, 2)
STEP_BUDGET = 30_000


@pytest.mark.xdist_group("learning")  # learning tests run one at a time (scripts/test.sh)
@pytest.mark.slow
def test_cartpole_greedy_return_reaches_475_within_30000_steps(tmp_path, screen_agent_command):
    # The three seeds train side by side, one torch thread each, as three real CLI processes.
    runs = {
        seed: subprocess.Popen(
            [
                *screen_agent_command,
                *("gym", "train", "CartPole-v1", "--steps", str(STEP_BUDGET)),
                *("--seed", str(seed), "--run-dir", str(tmp_path / f"seed{seed}")),
                *(
                    "--torch-threads",
                    "1",
                    "--final-eval-episodes",
                    "0",
                    "--quiet",
                    "--no-eval-frames",
                ),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for seed in SEEDS
    }
    for process in runs.values():
        output, _ = process.communicate(timeout=1200)
        assert process.returncode == 0, output
        assert f"trained {STEP_BUDGET} steps" in output

    # The greedy evaluations side by side too (each is mostly a process starting up).
    evaluations = {
        seed: subprocess.Popen(
            [
                *screen_agent_command,
                *(
                    "gym",
                    "eval",
                    "CartPole-v1",
                    "--checkpoint",
                    str(tmp_path / f"seed{seed}" / "best.pt"),
                ),
                *("--episodes", "20", "--seed", str(100 + seed), "--json"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in SEEDS
    }
    scores = {}
    for seed, process in evaluations.items():
        output, errors = process.communicate(timeout=600)
        assert process.returncode == 0, errors
        scores[seed] = json.loads(output)
        assert scores[seed]["episodes"] == 20
    print("greedy 20-episode mean returns:", {s: r["mean_return"] for s, r in scores.items()})
    assert all(r["mean_return"] >= 475 for r in scores.values()), scores
