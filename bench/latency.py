"""Real-time figures of the screen agent while its learner runs: decision-tick lateness and
capture-to-keypress latency at 15 decisions per second on a 640x480 game region.

Starts its own Xvfb and the bundled Pong at scale 4 (a 640x840 window), describes it with
arcade-pong.toml scaled by 4/3 and a 640x480 game region, measures each part of a decision
alone (the per-tick occlusion check among them: ``GameWindow.obstruction()``, with nothing over
the game, with a window over it, and right after a window moved), then trains for
``--seconds`` with the learner running and prints one table. The capture-to-keypress latency
includes the two occlusion checks the env makes between a grab and the key press it leads to
(one after the grab, one before acting).

    .venv/bin/python bench/latency.py [--seconds 90]
"""

from __future__ import annotations

import argparse
import csv
import json
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
from common import percentiles_ms, time_call

from screen_agent.training.metrics import WALL_TIME
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
    """Median and p99 of ``fn()``'s time, ms, over ``repeats`` calls after 5 untimed ones."""
    return percentiles_ms(time_call(fn, 5, repeats), upper=99)


def timed_at_rate(fn, calls: int, rate_hz: float, before=None) -> tuple[float, float]:
    """Median and p99 of ``fn()``'s time, ms, over ``calls`` calls at ``rate_hz``: paced like
    decision ticks, so work done every so often (re-reading the window's place every 0.5 s)
    weighs in as it does in a run. ``before()``, if given, runs before each call, untimed."""
    times = []
    interval = 1.0 / rate_hz
    next_call = time.perf_counter()
    for _ in range(calls):
        next_call += interval
        if before is not None:
            before()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        time.sleep(max(0.0, next_call - time.perf_counter()))
    return percentiles_ms(times, upper=99)


class CoveringWindow:
    """A plain window mapped over part of the game (as another program's would be), on the
    bench's own Xvfb; ``nudge()`` moves it by a pixel, a change the desktop must re-read."""

    def __init__(self, display: str, area: tuple[int, int, int, int]) -> None:
        from Xlib import X
        from Xlib.display import Display

        self.x = Display(display)
        screen = self.x.screen()
        x, y, width, height = area
        self.window = screen.root.create_window(
            x, y, width, height, 0, screen.root_depth, X.InputOutput, X.CopyFromParent,
            background_pixel=0x808080, override_redirect=True,
        )  # fmt: skip
        self.window.set_wm_name("bench: a covering window")
        self.window.map()
        self.x.sync()
        self._origin = (x, y)
        self._step = 0

    def nudge(self) -> None:
        self._step ^= 1
        self.window.configure(x=self._origin[0] + self._step, y=self._origin[1])
        self.x.sync()

    def close(self) -> None:
        self.window.destroy()
        self.x.sync()
        self.x.close()


def occlusion_rows(session, display: str) -> dict:
    """The per-tick occlusion check's cost, ms: clear, covered, and right after a change."""
    check = session.screen.obstruction  # what the env asks after each grab and before acting
    rate = session.profile.decisions_per_second
    calls = int(15 * rate)  # 15 s of ticks each
    rows: dict = {}
    if check() is not None:
        raise RuntimeError(f"the game must be clear for the bench: {check()}")
    rows["occlusion check, nothing over the game (per tick)"] = (
        *timed_at_rate(check, calls, rate),
        "",
    )
    cover = CoveringWindow(display, (100, 300, 200, 150))
    try:
        if check() is None:
            raise RuntimeError("the covering window was not seen by the occlusion check")
        rows["occlusion check, a window over the game (per tick)"] = (
            *timed_at_rate(check, calls, rate),
            "",
        )
        rows["occlusion check right after a window moved (stack re-read)"] = (
            *timed_at_rate(check, 100, 50.0, before=cover.nudge),
            "",
        )
    finally:
        cover.close()
    deadline = time.monotonic() + 5
    while check() is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=90.0, help="training time measured")
    parser.add_argument(
        "--without-occlusion-check",
        action="store_true",
        help="train with the env's occlusion check replaced by a no-op (an A/B of its cost)",
    )
    parser.add_argument(
        "--json", action="store_true", help="also print the rows as one JSON line, last"
    )
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
        rows = measure(
            scaled_profile(folder), folder, args.seconds, not args.without_occlusion_check
        )
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
        f"running ({rows.pop('setup')})"
    )
    print()
    print("| measure | median | p99 | goal |")
    print("| --- | --- | --- | --- |")
    for name, (median, p99, goal) in rows.items():
        if p99 == "":  # a rate, not a time
            print(f"| {name} | {median:.1f} | | {goal} |")
        else:
            print(f"| {name} | {median:.2f} ms | {p99:.2f} ms | {goal} |")
    if args.json:
        print(
            json.dumps(
                {name: {"median": m, "p99": p, "goal": g} for name, (m, p, g) in rows.items()}
            )
        )
    return 0


def measure(profile_path: Path, folder: Path, seconds: float, occlusion_check: bool) -> dict:
    from screen_agent.agent.config import replay_ratio
    from screen_agent.agent.networks import QNetwork
    from screen_agent.capture.frame import crop
    from screen_agent.envs.session import open_session
    from screen_agent.preprocess import FramePreprocessor
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
    rows.update(occlusion_rows(session, os.environ["DISPLAY"]))
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

    if not occlusion_check:
        session.screen.obstruction = lambda: None  # the A/B: what the check adds
    run_dir = folder / "run"
    trainer = ScreenTrainer(
        run_dir,
        torch.device("cpu"),
        0,
        session,
        minutes=seconds / 60,
        settings=RealtimeSettings(),
    )
    trainer.config = trainer.config.replace(learning_starts=150)
    rows["setup"] = (
        f"default preset, replay ratio {replay_ratio(trainer.config):g} "
        "updates per decision, the learner in its own process"
    )
    try:
        trainer.run()
    finally:
        session.close()
    with (run_dir / "realtime.csv").open() as handle:
        realtime = list(csv.DictReader(handle))
    last = realtime[-1]
    half = realtime[len(realtime) // 2]  # the learner is past its warm-up by then
    rows["learner updates per second while acting (second half of the run)"] = (
        (int(last["updates"]) - int(half["updates"]))
        / (float(last[WALL_TIME]) - float(half[WALL_TIME])),
        "",
        "≥ 15 per second",
    )
    rows["decision-tick lateness, learner running"] = (
        float(last["lateness_ms_p50"]),
        float(last["lateness_ms_p99"]),
        "p99 ≤ 5 ms",
    )
    checks = "2 occlusion checks included" if occlusion_check else "occlusion check OFF"
    rows[f"capture-to-keypress latency ({checks}), learner running"] = (
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
