"""Gym training with the learner in its own process: the same run directory and contract as the
synchronous loop, the replay ratio kept from both sides, and a resume that continues."""

from __future__ import annotations

from pathlib import Path

from screen_agent.training.checkpoint import load_checkpoint

QUICK = (
    *("--learning-starts", "500", "--eval-interval", "1000", "--eval-episodes", "2"),
    *("--final-eval-episodes", "0", "--quiet", "--learner-process", "--train-freq", "2"),
)


# Not in the "learning" group: it counts steps and updates, asserts no learning and no wall-clock
# figure, so it may share the machine with the learning tests.
def test_cartpole_with_the_learner_in_a_process_trains_and_resumes(tmp_path: Path, cli) -> None:
    run_dir = tmp_path / "run"
    first = cli("gym", "train", "CartPole-v1", "--steps", "2500", "--run-dir", str(run_dir), *QUICK)
    assert first.returncode == 0, first.stderr
    state = load_checkpoint(run_dir / "checkpoint.pt")
    assert state["step"] == 2500
    # One update per two steps past the warm-up, give or take the few the actor may lead by.
    assert abs(state["agent"]["updates"] - (2500 - 500) / 2) <= 4, state["agent"]["updates"]
    for name in ("best.pt", "replay.npz", "eval.csv", "episodes.csv", "report.html"):
        assert (run_dir / name).exists(), name
    resumed = cli(
        "gym", "train", "CartPole-v1", "--steps", "3000", "--resume", str(run_dir), *QUICK
    )
    assert resumed.returncode == 0, resumed.stderr
    state = load_checkpoint(run_dir / "checkpoint.pt")
    assert state["step"] == 3000
    assert abs(state["agent"]["updates"] - (3000 - 500) / 2) <= 4, state["agent"]["updates"]
