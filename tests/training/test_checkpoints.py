"""Checkpoints are safe to load and hard to lose: a .pt cannot run code, a damaged file is one
line naming it, a damaged replay can be skipped on resume, Ctrl+C saves the run, and a resumed
run with more steps keeps its exploration schedule."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import torch

from screen_agent.training.checkpoint import CheckpointError, load_checkpoint

QUICK = (
    *("--learning-starts", "100", "--eval-interval", "0", "--final-eval-episodes", "0"),
    *("--quiet", "--torch-threads", "1", "--train-freq", "16"),
)


class RunsCode:
    """Pickles into a call of os.system: what a malicious .pt from the internet would hold."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_checkpoint_that_would_run_code_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"agent": RunsCode(marker), "config": {}}, path)
    with pytest.raises(CheckpointError, match=r"evil\.pt holds objects other than tensors"):
        load_checkpoint(path)
    assert not marker.exists(), "loading the checkpoint ran its code"


def cartpole(cli, run_dir: Path, steps: int, *extra: str):
    return cli(
        *("gym", "train", "CartPole-v1", "--steps", str(steps)),
        *(("--run-dir", str(run_dir)) if "--resume" not in extra else ()),
        *QUICK,
        *extra,
    )


def one_line(result) -> str:
    message = result.stderr.strip()
    assert result.returncode == 2, (result.stdout, message)
    assert "Traceback" not in message and len(message.splitlines()) == 1, message
    return message


def test_damaged_checkpoint_and_replay_are_one_line_and_the_replay_can_be_skipped(
    tmp_path: Path, cli
) -> None:
    run_dir = tmp_path / "run"
    assert cartpole(cli, run_dir, 400).returncode == 0
    replay = run_dir / "replay.npz"
    replay.write_bytes(replay.read_bytes()[: replay.stat().st_size // 2])  # a crash mid-write
    message = one_line(cartpole(cli, run_dir, 600, "--resume", str(run_dir)))
    assert str(replay) in message and "--fresh-replay" in message, message
    resumed = cartpole(cli, run_dir, 600, "--resume", str(run_dir), "--fresh-replay")
    assert resumed.returncode == 0, resumed.stderr
    assert load_checkpoint(run_dir / "checkpoint.pt")["step"] == 600

    checkpoint = run_dir / "checkpoint.pt"
    checkpoint.write_bytes(b"not a checkpoint at all")
    message = one_line(cartpole(cli, run_dir, 800, "--resume", str(run_dir)))
    assert str(checkpoint) in message and "damaged" in message, message
    evaluated = cli("gym", "eval", "CartPole-v1", "--checkpoint", str(checkpoint))
    assert str(checkpoint) in one_line(evaluated)


def epsilons(run_dir: Path) -> list[float]:
    with (run_dir / "train.csv").open() as handle:
        return [float(row["epsilon"]) for row in csv.DictReader(handle)]


def test_resuming_with_more_steps_keeps_the_exploration_schedule(tmp_path: Path, cli) -> None:
    run_dir = tmp_path / "run"
    # Epsilon decays over 0.5 x 2,000 = 1,000 steps: at 2,000 it is at its end value.
    first = cartpole(cli, run_dir, 2000, "--eps-fraction", "0.5", "--eps-end", "0.05")
    assert first.returncode == 0, first.stderr
    resumed = cartpole(cli, run_dir, 6000, "--resume", str(run_dir))
    assert resumed.returncode == 0, resumed.stderr
    values = epsilons(run_dir)
    assert len(values) == 6
    # Sized from the new 6,000 steps, the decay would put epsilon back at ~0.68 at step 3,000.
    assert values[1:] == pytest.approx([0.05] * 5), values


def test_ctrl_c_saves_the_run(tmp_path: Path, screen_agent_command: list[str]) -> None:
    run_dir = tmp_path / "run"
    process = subprocess.Popen(
        [
            *screen_agent_command,
            "gym",
            "train",
            "CartPole-v1",
            "--steps",
            "1000000",
            "--run-dir",
            str(run_dir),
            *QUICK,
            "--checkpoint-interval",
            "1000000",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (run_dir / "train.csv").exists() or len(epsilons(run_dir)) < 2:
            assert time.monotonic() < deadline, "the run did not start"
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=240)  # saving under the suite's load
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    state = load_checkpoint(run_dir / "checkpoint.pt")
    assert state["step"] >= 2000, "the interrupted run's progress was not saved"
    assert (run_dir / "replay.npz").exists()
