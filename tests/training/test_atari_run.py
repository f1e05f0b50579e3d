"""A short Pong run through the real CLI: trains, checkpoints, resumes and evaluates."""

import csv
import json

import torch


def read_rows(path):
    with path.open() as handle:
        return list(csv.DictReader(handle))


# Not in the "learning" group: it counts steps and updates, asserts no learning and no wall-clock
# figure, so it may share the machine with the learning tests.
def test_pong_trains_checkpoints_resumes_and_evaluates(tmp_path, cli):
    run_dir = tmp_path / "pong"
    common = ("--torch-threads", "1", "--quiet", "--final-eval-episodes", "0")
    first = cli(
        *("gym", "train", "PongNoFrameskip-v4", "--steps", "1500", "--seed", "3"),
        *("--run-dir", str(run_dir), "--learning-starts", "500", "--buffer-size", "4000"),
        *("--checkpoint-interval", "1000", "--eval-interval", "0", "--train-freq", "4"),
        *common,
    )
    assert first.returncode == 0, first.stderr
    for name in ("checkpoint.pt", "replay.npz", "config.json", "train.csv", "episodes.csv"):
        assert (run_dir / name).exists(), name
    assert list((run_dir / "tb").iterdir()), "no TensorBoard events"
    state = torch.load(run_dir / "checkpoint.pt", weights_only=False)
    assert state["step"] == 1500
    assert state["agent"]["obs_shape"] == (4, 84, 84)
    updates_before = state["agent"]["updates"]
    assert updates_before == (1500 - 500) // 4 + 1

    resumed = cli(
        *("gym", "train", "PongNoFrameskip-v4", "--steps", "2500"),
        "--resume",
        str(run_dir),
        *common,
    )
    assert resumed.returncode == 0, resumed.stderr
    state = torch.load(run_dir / "checkpoint.pt", weights_only=False)
    assert state["step"] == 2500
    assert state["agent"]["updates"] == updates_before + 1000 // 4
    steps_logged = [int(row["step"]) for row in read_rows(run_dir / "train.csv")]
    assert steps_logged == [1000, 2000]  # the resumed run appends where the first stopped

    evaluated = cli(
        *("gym", "eval", "PongNoFrameskip-v4", "--checkpoint", str(run_dir / "checkpoint.pt")),
        *("--episodes", "1", "--json"),
    )
    assert evaluated.returncode == 0, evaluated.stderr
    result = json.loads(evaluated.stdout)
    assert result["episodes"] == 1
    assert -21 <= result["mean_return"] <= 21 and result["std_return"] == 0


def test_checkpoint_for_another_env_is_refused_naming_both_shapes(tmp_path, cli):
    run_dir = tmp_path / "cartpole"
    trained = cli(
        *("gym", "train", "CartPole-v1", "--steps", "300", "--run-dir", str(run_dir)),
        *(
            "--learning-starts",
            "100",
            "--eval-interval",
            "0",
            "--final-eval-episodes",
            "0",
            "--quiet",
        ),
    )
    assert trained.returncode == 0, trained.stderr
    refused = cli(
        "gym", "eval", "PongNoFrameskip-v4", "--checkpoint", str(run_dir / "checkpoint.pt")
    )
    assert refused.returncode == 2
    message = refused.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert "(4,) with 2 actions" in message and "(4, 84, 84) with 6 actions" in message


def test_missing_checkpoint_is_one_line_error(tmp_path, cli):
    result = cli("gym", "eval", "CartPole-v1", "--checkpoint", str(tmp_path / "nope.pt"))
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: no checkpoint at")
