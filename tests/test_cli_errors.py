"""How the command ends on errors: a user's mistake is one line and exit 2; a run that failed
(the learner crashed) is one line and exit 1, after the run saved itself."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement

from screen_agent import cli
from screen_agent.training import jobs
from screen_agent.training.learner_process import LearnerFailed

ROOT = Path(__file__).resolve().parents[1]


def test_a_failed_learner_is_one_line_and_exit_1(monkeypatch, capsys, tmp_path):
    def run_job(job, on_event, *args, **kwargs):
        try:
            raise RuntimeError("CUDA out of memory")
        except RuntimeError as error:
            raise LearnerFailed(
                "the learner failed (RuntimeError: CUDA out of memory); the run was stopped, "
                "every key released and the run saved"
            ) from error

    monkeypatch.setattr(jobs, "run_job", run_job)
    code = cli.main(
        ["train", str(ROOT / "calibration/arcade-catch.toml"), "--run-dir", str(tmp_path)]
    )
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err.startswith("error: the learner failed (RuntimeError: CUDA out of memory)"), err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "run saved" not in capsys.readouterr().out


def test_torch_requirement_admits_only_versions_with_fused_adam_on_the_cpu():
    # DQNAgent builds Adam with fused=True, which the CPU supports from torch 2.4.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    torch = next(Requirement(r) for r in project["dependencies"] if r.startswith("torch"))
    assert not torch.specifier.contains("2.3.1") and torch.specifier.contains("2.4.0")
