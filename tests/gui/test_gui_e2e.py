"""End to end on a private Xvfb: Catch runs, the GUI starts, the test drags the regions in the
region picker and records the actions with real X input, and ``screen-agent train`` trains on
the saved profile; then the
GUI trains on Catch with the shipped profile, its plots and agent's-eye view update, its event
loop stays responsive, and Stop leaves no key down."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from screen_agent.geometry import Region
from screen_agent.profile import WindowRef, load_profile

DRIVER = Path(__file__).with_name("e2e_driver.py")
DOCS = Path(__file__).parents[2] / "docs" / "images"
"""Where the screenshots go when SCREEN_AGENT_SCREENSHOTS=1 (else into the test's tmp dir)."""
CATCH_AT = (870, 40)
"""Where the game window goes: beside the GUI's 860x700 window at (0, 0)."""
CATCH_PROFILE = Path(__file__).parents[2] / "calibration" / "arcade-catch.toml"
TRAIN_SECONDS = 45.0
"""How long the GUI trains on Catch (a round, one episode, takes about 13 s)."""
STALL_LIMIT_MS = 100.0
"""The longest the GUI's event loop may stall while training, from pressing Train on (the
issue's bound). Measured 17-37 ms over 45 s on this 2-CPU machine (six runs): training runs
in a child process, the training tab is laid out before it is shown, and plot axes are
cheap to redraw."""
CLI_TRAIN_MINUTES = 0.25
"""How long the command-line trainer runs on the profile the GUI saved."""


class Gui:
    """The GUI process and its answers."""

    def __init__(self, display, cwd: Path | None = None) -> None:
        # A file, not a pipe: a full pipe nobody reads would block the GUI's writes.
        self.stderr = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed in close())
        self.process = subprocess.Popen(
            [sys.executable, str(DRIVER)],
            cwd=cwd,  # training writes runs/ here
            env=display.env(QT_QPA_PLATFORM="xcb"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
        )
        self.lines: queue.Queue[dict] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("{"):
                self.lines.put(json.loads(line))

    def send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def expect(self, kind: str, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        failed = None
        while time.monotonic() < deadline and failed is None:
            try:
                message = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            if message["event"] == kind:
                return message
            if message["event"].endswith("_failed"):
                failed = message
        self.process.kill()
        pytest.fail(f"the GUI never said {kind!r} ({failed}): {self.errors()}")

    def errors(self) -> str:
        """What the GUI printed on stderr so far."""
        self.stderr.seek(0)
        return self.stderr.read()

    def close(self) -> None:
        if self.process.poll() is None:
            self.send("quit")
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.stderr.close()


def drag(pyautogui, start: tuple[int, int], end: tuple[int, int]) -> None:
    pyautogui.moveTo(*start)
    pyautogui.mouseDown()
    for t in (0.3, 0.7, 1.0):
        pyautogui.moveTo(
            round(start[0] + (end[0] - start[0]) * t), round(start[1] + (end[1] - start[1]) * t)
        )
        time.sleep(0.03)
    pyautogui.mouseUp()
    time.sleep(0.1)


def save_screenshot(screen, region: dict[str, int], name: str, tmp_path: Path) -> None:
    import cv2

    folder = DOCS if os.environ.get("SCREEN_AGENT_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    pixels = screen(region)
    cv2.imwrite(str(folder / name), cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2BGR))


@pytest.mark.e2e
def test_pick_regions_record_actions_save_and_train_from_the_cli(
    xvfb_display, arcade_window, keyboard, screen, tmp_path, screen_agent_command
):
    game = arcade_window("catch", CATCH_AT)
    x0, y0 = game.geometry["X"], game.geometry["Y"]
    gui = Gui(xvfb_display)
    try:
        gui.expect("ready", timeout=30)
        gui.send("pick")
        gui.expect("picker")
        keyboard.press("w")  # then click the game: regions follow its window
        keyboard.click(x0 + 200, y0 + 300)
        drag(keyboard, (x0, y0 + 80), (x0 + 400, y0 + 560))
        keyboard.moveTo(x0 + 300, y0 + 200)  # the lens shows the pixels here
        time.sleep(0.4)
        save_screenshot(
            screen,
            {"left": 0, "top": 0, "width": 1280, "height": 1024},
            "gui-region-picker.png",
            tmp_path,
        )
        keyboard.press("enter")
        drag(keyboard, (x0 + 273, y0 + 8), (x0 + 394, y0 + 72))
        keyboard.press("enter")
        keyboard.press("enter")  # no game-over region
        picked = gui.expect("picked")
        assert picked["window"] == "screen-agent arcade: catch"
        assert picked["regions"] == {"game": [0, 80, 400, 480], "score": [273, 8, 121, 64]}

        for key in ("left", "right"):
            gui.send("record")
            gui.expect("recording")
            keyboard.keyDown(key)
            time.sleep(0.05)
            keyboard.keyUp(key)
            recorded = gui.expect("recorded")
        assert recorded["actions"] == [["noop", []], ["left", ["left"]], ["right", ["right"]]]

        path = tmp_path / "catch.toml"
        gui.send(f"save {path}")
        assert gui.expect("saved")["ok"]
        profile = load_profile(path)
        assert profile.window == WindowRef("screen-agent arcade: catch", 400, 560)
        assert profile.regions == {
            "game": Region(0, 80, 400, 480),
            "score": Region(273, 8, 121, 64),
        }
        assert profile.action_names == ("noop", "left", "right")
        assert profile.action_keys == {"left", "right"}

        game.focus()  # the game pauses without focus; let it play for the pictures
        gui.send("tab 0")
        gui.expect("tab")
        time.sleep(0.5)  # a few live frames
        save_screenshot(
            screen, {"left": 0, "top": 0, "width": 860, "height": 700}, "gui-main.png", tmp_path
        )

        # The reward debugger runs the rules on the live game.
        gui.send(
            json.dumps({"kind": "score_change", "region": "score", "settle_frames": 2}).join(
                ("rule ", "")
            )
        )
        assert gui.expect("rule")["error"] is None
        gui.send("tab 2")
        gui.expect("tab")
        time.sleep(2.5)
        gui.send("debug")
        debug = gui.expect("debug")
        assert debug["samples"] > 10 and len(debug["names"]) == 1
        save_screenshot(
            screen,
            {"left": 0, "top": 0, "width": 860, "height": 700},
            "gui-reward-debugger.png",
            tmp_path,
        )
        # Training needs a reward rule: the profile is saved again with the one added above.
        gui.send(f"save {path}")
        assert gui.expect("saved")["ok"]
        assert [rule["kind"] for rule in load_profile(path).rewards] == ["score_change"]
    finally:
        gui.close()
    assert gui.process.returncode == 0

    # The profile the GUI saved trains from the command line as it is.
    game.focus()
    run_dir = tmp_path / "cli-run"
    trained = subprocess.run(
        [
            *screen_agent_command,
            "train",
            str(path),
            "--minutes",
            str(CLI_TRAIN_MINUTES),
            "--run-dir",
            str(run_dir),
        ],
        env=xvfb_display.env(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert trained.returncode == 0, trained.stdout + trained.stderr
    assert (run_dir / "checkpoint.pt").is_file()
    decisions = [row.split(",") for row in (run_dir / "realtime.csv").read_text().splitlines()]
    assert int(decisions[-1][0]) >= 100, decisions[-1]  # ~15 decisions/s for 15 s


def held_keys(display) -> list[int]:
    """Keycodes down on ``display`` right now (X's keymap, whoever pressed them)."""
    from Xlib import display as xdisplay

    connection = xdisplay.Display(display.name)
    try:
        keymap = connection.query_keymap()
    finally:
        connection.close()
    return [8 * i + bit for i, byte in enumerate(keymap) for bit in range(8) if byte >> bit & 1]


@pytest.mark.e2e
def test_train_catch_from_the_gui_stays_responsive(xvfb_display, arcade_window, screen, tmp_path):
    gui = Gui(xvfb_display, cwd=tmp_path)
    try:
        gui.expect("ready", timeout=30)
        gui.send(f"open {CATCH_PROFILE}")
        assert gui.expect("opened")["ok"]

        # The actions editor's Test…: the input probe on the live game, in a worker thread. The
        # probe (about 25 s) outlasts Catch's round (about 13 s): it restarts the round when
        # nothing moves any more.
        game = arcade_window("catch", CATCH_AT)  # and focuses it: the probe waits for that
        gui.send("probe")
        probed = gui.expect("probed", timeout=90)
        # Both move the paddle, and the GUI shows what the probe found.
        assert probed["works"] == {"left": True, "right": True}, probed["text"]
        assert probed["verdicts"] == ["works", "works"]
        assert held_keys(xvfb_display) == []

        gui.send("train")
        assert gui.expect("training")["running"]
        # Pressing Train focused the GUI; the env waits (paused) until the game has focus.
        time.sleep(1.0)
        game.focus()
        started = time.monotonic()
        while time.monotonic() - started < TRAIN_SECONDS:
            time.sleep(5)
            gui.send("status")
            status = gui.expect("status")
            assert status["state"] == "running", status
        save_screenshot(
            screen,
            {"left": 0, "top": 0, "width": 860, "height": 700},
            "gui-training.png",
            tmp_path,
        )
        gui.send("stop")
        status = gui.expect("status")
        assert gui.expect("finished", timeout=60)["state"] == "finished"
        print("training from the GUI:", json.dumps(status))
        if os.environ.get("SCREEN_AGENT_STALL_TRACE") == "1":
            print(gui.errors())
        assert held_keys(xvfb_display) == []
    finally:
        gui.close()
    assert gui.process.returncode == 0
    assert status["error"] is None
    assert status["episodes"] >= 2 and status["return_points"] == status["episodes"], status
    assert status["frames"] > 100 and status["eyes_drawn"] == 4, status
    assert status["action"] in ("action: stay", "action: left", "action: right")
    whole = status["stall"]
    assert whole["ticks"] > 1000, whole
    assert whole["longest_ms"] < STALL_LIMIT_MS, status
    assert list((tmp_path / "runs").glob("arcade-catch-*/checkpoint.pt"))
