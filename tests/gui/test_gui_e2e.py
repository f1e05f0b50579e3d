"""End to end on a private Xvfb: Catch runs, the GUI starts, the test drags the regions in the
region picker and records the actions with real X input, and ``screen-agent train`` trains on
the saved profile; then the
GUI trains on Catch with the shipped profile, its plots and agent's-eye view update, its event
loop stays responsive, and Stop leaves no key down. Started over the game, the app moves out of
its way when Train is pressed, so the agent sees only the game; a game half off the screen is a
plain message in the live view."""

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
from catch_pixels import FIELD, catch_palette, preprocess, unexplained  # tests/gui/

from screen_agent.geometry import Region
from screen_agent.gui.placement import GAP
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
        self.last: dict | None = None
        while time.monotonic() < deadline and failed is None:
            try:
                message = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            if message["event"] == kind:
                return message
            self.last = message
            if message["event"].endswith("_failed"):
                failed = message
        self.process.kill()
        pytest.fail(f"the GUI never said {kind!r} ({failed or self.last}): {self.errors()}")

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
        gui.send("tab Rewards")
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
@pytest.mark.quiet  # the 100 ms stall bound: measured with no other test running
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


# --- keeping out of the game's way (issue 14) ---------------------------------------------------
# Started over the left edge of the game window, the app moves clear of it when Train is
# pressed, and the frames the agent learns from hold only the game's pixels: each one is checked
# against what Catch can draw (catch_pixels.py; a recording of the game alone passes that check,
# the game covered by the app does not). A game window moved half off the screen shows a plain
# one-line message in the live view, never an X protocol error.
APP_OVER_GAME = Region(0, 0, 900, 700)
"""Where the app starts: over the left 30 px of the game window at CATCH_AT."""
AGENT_FRAMES = 60
"""FrameEvents to collect (one every 2 decisions at 15 a second: about 8 s of play)."""
GAME_ALONE_GRABS = 40
"""Grabs of the game alone, 50 ms apart."""


def x_rect(display, window_id: str | int) -> Region:
    """Where the X server has a window now (no window manager: no frame around it)."""
    shell = display.xdotool("getwindowgeometry", "--shell", str(window_id))
    g = {k: int(v) for k, v in (line.split("=", 1) for line in shell.split())}
    return Region(g["X"], g["Y"], g["WIDTH"], g["HEIGHT"])


def wait_for(check, timeout: float, what: str, interval: float = 0.1):
    """Poll ``check()`` until it returns something true; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout} s (last: {result!r})")
        time.sleep(interval)


def live(gui: Gui) -> dict:
    gui.send("live")
    return gui.expect("live")


@pytest.mark.e2e
def test_the_app_moves_off_the_game_and_the_agent_sees_only_the_game(
    qapp, xvfb_display, arcade_window, screen, tmp_path
):
    game = arcade_window("catch", CATCH_AT)
    client = Region(game.geometry["X"], game.geometry["Y"], 400, 560)
    fx, fy, fw, fh = FIELD
    field = {"left": client.x + fx, "top": client.y + fy, "width": fw, "height": fh}
    allowed = catch_palette()
    # The game alone, as the agent would see it: every pixel is one Catch can draw there.
    for _ in range(GAME_ALONE_GRABS):
        alone = preprocess(screen(field))
        assert unexplained(allowed, alone).sum() == 0, "the palette misses a state of Catch"
        time.sleep(0.05)

    gui = Gui(xvfb_display, cwd=tmp_path)  # training writes runs/ there
    try:
        app_id = gui.expect("ready", timeout=60)["id"]
        gui.send(f"open {CATCH_PROFILE}")
        assert gui.expect("opened")["ok"]
        gui.send("place {} {} {} {}".format(*APP_OVER_GAME.as_tuple()))
        gui.expect("placed")
        wait_for(lambda: x_rect(xvfb_display, app_id) == APP_OVER_GAME, 10, "the app over the game")

        # The check sees the app: the covered game is not all Catch's pixels (once the app
        # has painted itself there).
        def app_seen() -> tuple[np.ndarray] | None:
            found = unexplained(allowed, preprocess(screen(field)))
            return (found,) if found.sum() > 100 else None

        (covered,) = wait_for(app_seen, 10, "the app's pixels over the game")
        assert covered[:, 7:].sum() == 0  # only in the left 30 of 400 px (6.3 of 84)
        # The live view marks the covered part and names the app.
        view = wait_for(lambda: (v := live(gui))["covered"] and v, 10, "the covered part shown")
        assert view["covered"] == [[0, 0, 30, 560]], view
        named = "'screen-agent — arcade-catch' covers 30x560 px of the game window at (0, 0)"
        assert named in view["note"], view

        gui.send("train")
        started = gui.expect("training")
        assert started["running"], started
        assert started["placement"].startswith("moved the app beside the game"), started
        app = wait_for(
            lambda: (r := x_rect(xvfb_display, app_id)).intersection(client) is None and r,
            10,
            "the app clear of the game",
        )
        # Beside the game, as tall as it was, only narrower (no window manager: no frame).
        assert app == Region(0, 0, client.x - GAP, APP_OVER_GAME.height), app
        game.focus()  # the agent acts only while the game has the keyboard focus
        wait_for(lambda: not live(gui)["covered"], 10, "the live view clear")
        assert live(gui)["note"] == ""

        def frames_so_far() -> bool:
            gui.send("status")
            status = gui.expect("status")
            assert status["state"] == "running" and status["error"] is None, status
            return status["frames"] >= AGENT_FRAMES

        wait_for(frames_so_far, 90, f"{AGENT_FRAMES} agent's-eye frames", interval=1.0)
        path = tmp_path / "eyes.npy"
        gui.send(f"frames {path}")
        assert gui.expect("frames", timeout=30)["count"] >= AGENT_FRAMES
        gui.send("stop")
        gui.expect("status")
        assert gui.expect("finished", timeout=60)["state"] == "finished"
        assert held_keys(xvfb_display) == []
    finally:
        gui.close()
    assert gui.process.returncode == 0

    stacks = np.load(path)
    assert stacks.shape[1:] == (4, 84, 84)
    frames = stacks.reshape(-1, 84, 84)
    bad = [(i, int(n)) for i, f in enumerate(frames) if (n := unexplained(allowed, f).sum())]
    assert not bad, f"agent's-eye frames with pixels Catch does not draw (index, count): {bad}"
    # The frames show the game being played, not a blank field.
    assert max(int((f > 128).sum()) for f in frames) > 20


OFF_SCREEN = (
    "the window 'screen-agent arcade: catch' lies partly off the screen: "
    "move it wholly onto one monitor"
)


@pytest.mark.e2e
def test_a_game_half_off_the_screen_shows_a_plain_message_in_the_live_view(
    xvfb_display, arcade_window, tmp_path
):
    game = arcade_window("catch", CATCH_AT)
    gui = Gui(xvfb_display, cwd=tmp_path)
    try:
        gui.expect("ready", timeout=60)
        gui.send(f"open {CATCH_PROFILE}")
        assert gui.expect("opened")["ok"]
        wait_for(lambda: live(gui)["has_frame"], 10, "the live view showing the game")
        # Half of its 400 px past the right edge of the 1280-px screen.
        xvfb_display.xdotool("windowmove", "--sync", game.window_id, "1080", "40")
        view = wait_for(lambda: (v := live(gui))["note"] == OFF_SCREEN and v, 5, "the message")
        assert not view["has_frame"] and view["covered"] == []
        time.sleep(1.0)  # several grabs are tried meanwhile: each must stay a plain line
        assert live(gui)["note"] == OFF_SCREEN
        xvfb_display.xdotool("windowmove", "--sync", game.window_id, *map(str, CATCH_AT))
        wait_for(lambda: (v := live(gui))["has_frame"] and not v["note"], 5, "the game again")
        errors = gui.errors()
    finally:
        gui.close()
    assert gui.process.returncode == 0
    for text in ("X11 Protocol Error", "BadMatch", "MIT-SHM", "Traceback"):
        assert text not in errors, errors


XJUMP_PROFILE = Path(__file__).parents[2] / "calibration" / "xjump.toml"
XJUMP_SCORE = Region(246, 87, 152, 24)
"""xjump's "Floor 0000000001" digits in its window, measured by hand."""
FIND_SECONDS = 30
"""How long Find for me watches xjump (a random player falls within 3-10 s)."""


@pytest.mark.e2e
@pytest.mark.skipif(not Path("/usr/games/xjump").exists(), reason="xjump is not installed")
def test_start_xjump_find_its_score_for_me_apply_and_stop_it(xvfb_display, tmp_path):
    """Start game launches a real third-party game from its profile; Find for me watches it
    while the core presses random keys and proposes a score region over the real one; Apply
    puts it in the profile; Stop game ends the game's process; no key is left down."""
    gui = Gui(xvfb_display, cwd=tmp_path)
    try:
        gui.expect("ready", timeout=60)
        gui.send(f"open {XJUMP_PROFILE}")
        assert gui.expect("opened")["ok"]
        # xjump goes to (0, 0), and the 1280-px screen has no room for the app beside it:
        # asked, the user minimises the app while it watches (else it would watch the app).
        gui.send("answer Minimise the app")
        gui.expect("answer")
        gui.send("launch")
        launched = gui.expect("launched", timeout=30)
        assert launched["client"][2:] == [546, 591]
        gui.send(f"find {FIND_SECONDS} left right up")
        found = gui.expect("found", timeout=FIND_SECONDS + 60)
        assert found["cards"] and found["frames"] >= 5 * FIND_SECONDS
        score = Region(*found["score"])
        overlap = score.intersection(XJUMP_SCORE)
        assert overlap is not None and overlap.area >= 0.8 * min(score.area, XJUMP_SCORE.area)
        gui.send("apply")
        applied = gui.expect("applied")
        assert applied["regions"]["score"] == found["score"]
        assert ["score_change", "score"] in applied["rules"] or ["digits", "score"] in applied[
            "rules"
        ]
        assert held_keys(xvfb_display) == []
        gui.send("stopgame")
        gui.expect("game_stopped", timeout=20)
        with pytest.raises(ProcessLookupError):
            os.kill(launched["pid"], 0)
    finally:
        gui.close()
    assert gui.process.returncode == 0
