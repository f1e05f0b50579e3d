"""Real-time figures of the screen agent while its learner runs: decision-tick lateness and
capture-to-keypress latency at 15 decisions per second on a 640x480 game region.

Starts its own Xvfb and the bundled Pong at scale 4 (a 640x840 window), describes it with
arcade-pong.toml scaled by 4/3 and a 640x480 game region, measures each part of a decision
alone, then trains for ``--seconds`` with the learner running and prints one table.

    .venv/bin/python bench/latency.py [--seconds 90]
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import numpy as np
import torch

from screen_agent.xvfb import start_xvfb

REPO = Path(__file__).resolve().parents[1]
SCALE = 4


def scaled_profile(folder: Path) -> Path:
    """arcade-pong.toml for --scale 4, with a 640x480 game region (the field and its walls)."""
    from screen_agent.profile import profile_from_dict, save_profile

    raw = tomllib.loads((REPO / "calibration" / "arcade-pong.toml").read_text())
    factor = SCALE / 3
    raw["window"].update(width=160 * SCALE, height=210 * SCALE)
    for name, region in raw["regions"].items():
        raw["regions"][name] = {k: round(v * factor) for k, v in region.items()}
    raw["regions"]["game"] = {"x": 0, "y": 130, "width": 640, "height": 480}
    path = folder / "pong-640x480.toml"
    save_profile(profile_from_dict(raw, str(path)), path)
    return path


def timed(fn, repeats: int = 200) -> tuple[float, float]:
    for _ in range(5):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    ms = 1000 * np.asarray(times)
    return float(np.median(ms)), float(np.percentile(ms, 99))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=90.0, help="training time measured")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="screen-agent-latency-"))
    display = start_xvfb()
    os.environ.update(DISPLAY=display.name, XAUTHORITY=str(display.xauthority))
    game = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "screen_agent.arcade",
            "pong",
            "--scale",
            str(SCALE),
            "--position",
            "0,0",
        ],
        env=display.env(QT_QPA_PLATFORM="xcb"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        window = subprocess.run(
            ["xdotool", "search", "--sync", "--name", "^screen-agent arcade: pong$"],
            env=display.env(),
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.split()[0]
        subprocess.run(["xdotool", "windowfocus", "--sync", window], env=display.env(), check=True)
        rows = measure(scaled_profile(folder), folder, args.seconds)
    finally:
        game.terminate()
        game.wait(10)
        display.close()
    print(
        f"## Screen agent real-time figures ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})"
    )
    print()
    print(
        f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"torch {torch.__version__}; load average before/after: {rows.pop('load')}"
    )
    print(
        "- Pong at scale 4 on a private Xvfb, 640x480 game region, 15 decisions/s, learner "
        "running (replay ratio 0.5, 1 torch thread; actor 1 thread)"
    )
    print()
    print("| measure | median | p99 | goal |")
    print("| --- | --- | --- | --- |")
    for name, (median, p99, goal) in rows.items():
        print(f"| {name} | {median:.2f} ms | {p99:.2f} ms | {goal} |")
    return 0


def measure(profile_path: Path, folder: Path, seconds: float) -> dict:
    from screen_agent.agent.networks import QNetwork
    from screen_agent.capture.frame import crop
    from screen_agent.envs.session import open_session
    from screen_agent.preprocess import FramePreprocessor
    from screen_agent.training.learner import LearnerSettings
    from screen_agent.training.screen_loop import RealtimeSettings, ScreenTrainer

    load_before = os.getloadavg()[0]
    session = open_session(profile_path)
    profile = session.profile
    rows: dict = {}
    source, sink = session.screen.source, session.screen.sink
    rows["grab of the window's client area (alone)"] = (*timed(source.grab), "")
    frame = np.ascontiguousarray(crop(source.grab().pixels, profile.game))
    pre = FramePreprocessor()
    pre.reset(frame)
    rows["preprocess 640x480 -> 84x84 (alone)"] = (*timed(lambda: pre.step(frame)), "")
    torch.set_num_threads(1)
    net = QNetwork((4, 84, 84), np.uint8, len(profile.actions), dueling=True).eval()
    obs = torch.zeros((1, 4, 84, 84), dtype=torch.uint8)

    def forward():
        with torch.inference_mode():
            net(obs).argmax(1)

    rows["batch-1 forward (alone)"] = (*timed(forward), "")
    presses = []
    for _ in range(60):
        sink.apply(profile.noop_action)
        time.sleep(profile.key_hold_ms / 1000 + 0.01)  # past the minimum hold: no wait
        start = time.perf_counter()
        sink.apply(2)  # focus check + one key down
        presses.append(time.perf_counter() - start)
        time.sleep(profile.key_hold_ms / 1000 + 0.01)
    sink.release_all()
    ms = 1000 * np.asarray(presses)
    rows["keypress: focus check + key down (alone)"] = (
        float(np.median(ms)),
        float(np.percentile(ms, 99)),
        "",
    )

    run_dir = folder / "run"
    trainer = ScreenTrainer(
        run_dir,
        torch.device("cpu"),
        0,
        session,
        minutes=seconds / 60,
        settings=RealtimeSettings(learner=LearnerSettings(replay_ratio=0.5)),
    )
    trainer.config = trainer.config.replace(learning_starts=150)
    try:
        trainer.run()
    finally:
        session.close()
    with (run_dir / "realtime.csv").open() as handle:
        last = list(csv.DictReader(handle))[-1]
    rows["decision-tick lateness, learner running"] = (
        float(last["lateness_ms_p50"]),
        float(last["lateness_ms_p99"]),
        "p99 ≤ 5 ms",
    )
    rows["capture-to-keypress latency, learner running"] = (
        float(last["latency_ms_p50"]),
        float(last["latency_ms_p99"]),
        "p99 ≤ 8 ms",
    )
    rows["load"] = (
        f"{load_before:.2f} / {os.getloadavg()[0]:.2f}; learner updates {last['updates']}"
    )
    return rows


if __name__ == "__main__":
    sys.exit(main())
