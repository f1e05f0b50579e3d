"""``gym train --no-eval-frames``: evaluations do not render the screen, so nothing is recorded
for the report's animation (CartPole's rendering is most of an evaluation's time)."""

from __future__ import annotations

from pathlib import Path


def test_evaluations_record_the_screen_unless_told_not_to(tmp_path: Path, cli) -> None:
    common = ("gym", "train", "CartPole-v1", "--steps", "600", "--learning-starts", "200")
    common += ("--eval-interval", "300", "--final-eval-episodes", "0", "--quiet")
    common += ("--baseline-episodes", "0")
    cases = [((), True), (("--no-eval-frames",), False)]
    cases.append((("--no-eval-frames", "--learner-process"), False))
    for i, (flags, recorded) in enumerate(cases):
        run_dir = tmp_path / f"run{i}"
        result = cli(*common, "--run-dir", str(run_dir), *flags)
        assert result.returncode == 0, result.stderr
        assert (run_dir / "eval.csv").read_text().count("\n") == 3  # header + 2 evaluations
        assert (run_dir / "best_episode.npz").exists() == recorded, flags
        assert (run_dir / "report.html").exists()
