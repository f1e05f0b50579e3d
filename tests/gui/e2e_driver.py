"""Runs the GUI on the test's Xvfb for test_gui_e2e.py, driven by lines on stdin.

Each command is one line; the driver answers with one JSON line per event. It only opens the
picker, starts key recording, opens and saves profiles, places its window, presses Train and
Stop, Start game and Stop game, and runs Find for me (random keys, pressed by the core) and
applies its proposals: the mouse drags, key presses and window focus come from the test, as
real X events (pyautogui, xdotool). While training, a :class:`StallMeter` measures how long the GUI thread's
event loop stalls; ``status`` reports it with what the training view received, ``frames PATH``
saves every agent's-eye frame it received, and ``live`` says what the live view shows.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from stall_meter import StallMeter  # tests/gui/, this script's folder

from screen_agent.gui.app import MainWindow


class RecordingStallMeter(StallMeter):
    """A StallMeter that also keeps every tick's stall (for percentiles and the worst few)."""

    def __init__(self) -> None:
        super().__init__()
        self.stalls: list[float] = []
        self.big: list[tuple[float, float]] = []
        self.began = 0.0

    def start(self) -> None:
        self.stalls = []
        self.big = []  # (seconds since start, stall ms) of the stalls over 40 ms
        self.began = time.monotonic()
        super().start()

    def _tick(self) -> None:  # as StallMeter's, keeping each tick's stall
        elapsed = self._clock.nsecsElapsed() / 1e6
        self._clock.restart()
        stall = elapsed - self.interval_ms
        self.ticks += 1
        self.longest_ms = max(self.longest_ms, stall)
        self.stalls.append(stall)
        if stall > 40:
            self.big.append((round(time.monotonic() - self.began, 2), round(stall, 1)))

    def summary(self) -> dict[str, object]:
        stalls = sorted(self.stalls)
        if not stalls:
            return {"longest_ms": 0.0, "ticks": 0}
        return {
            "longest_ms": round(self.longest_ms, 1),
            "ticks": self.ticks,
            "p99_ms": round(stalls[int(0.99 * (len(stalls) - 1))], 1),
            "over_50ms": sum(s > 50 for s in stalls),
            "over_100ms": sum(s > 100 for s in stalls),
            "worst_ms": [round(s, 1) for s in stalls[-5:]],
            "over_40ms_at": self.big[:20],
        }


def say(kind: str, **data: object) -> None:
    print(json.dumps({"event": kind, **data}), flush=True)


def _trace_stalls(limit_s: float = 0.05) -> None:
    """Diagnostics: when the GUI thread's last tick is over ``limit_s`` old, print (stderr) what
    the other threads are doing, to find what holds the GIL or the CPU."""
    import traceback

    gui = threading.get_ident()
    last = [time.monotonic()]
    ticker = QTimer()
    ticker.timeout.connect(lambda: last.__setitem__(0, time.monotonic()))
    ticker.start(5)
    _trace_stalls.ticker = ticker  # type: ignore[attr-defined]

    def watch() -> None:
        while True:
            time.sleep(0.01)
            late = time.monotonic() - last[0]
            if late > limit_s:
                frames = sys._current_frames()
                lines = [f"--- GUI stalled {1000 * late:.0f} ms"]
                for ident, frame in frames.items():
                    if ident == threading.get_ident():
                        continue
                    name = "GUI" if ident == gui else "thread"
                    lines += [f"  {name}", *traceback.format_stack(frame, limit=8)]
                print("\n".join(lines), file=sys.stderr, flush=True)
                last[0] = time.monotonic() + 1  # one report per stall

    threading.Thread(target=watch, daemon=True).start()


def main() -> int:
    app = QApplication([sys.argv[0]])
    window = MainWindow()
    window.move(0, 0)
    window.resize(860, 700)
    window.show()
    commands: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in sys.stdin:
            commands.put(line.strip())
        commands.put("quit")

    threading.Thread(target=read, daemon=True).start()
    window.actions_editor.recorder.recorded.connect(
        lambda keys: say("recorded", actions=[[a.name, list(a.keys)] for a in window.model.actions])
    )

    def picked(result) -> None:
        say(
            "picked",
            regions={n: [r.x, r.y, r.width, r.height] for n, r in result.regions.items()},
            window=None if result.window is None else result.window.title,
        )

    training = window.training
    counts = {"frames": 0, "episodes": 0}
    eyes: list[np.ndarray] = []  # every FrameEvent's (4, 84, 84) stack, as received
    training.frame_changed.connect(lambda e: eyes.append(np.asarray(e.frames)))
    training.frame_changed.connect(lambda _e: counts.__setitem__("frames", counts["frames"] + 1))
    training.episode_added.connect(
        lambda _e: counts.__setitem__("episodes", counts["episodes"] + 1)
    )
    whole = RecordingStallMeter()  # from pressing Train
    steady = RecordingStallMeter()  # from the first agent's-eye view on

    def first_frame(_event: object) -> None:
        if counts["frames"] == 1:
            steady.start()

    training.frame_changed.connect(first_frame)
    window.controller.ended.connect(lambda: say("finished", state=training.state))

    editor = window.actions_editor
    editor.runner.progress.connect(lambda message: say("probe_progress", message=message))
    editor.runner.errored.connect(lambda message: say("probe_failed", message=message))
    editor.runner.finished.connect(
        lambda reports: say(
            "probed",
            works={r.name: r.works for r in reports},
            verdicts=[editor.results.item(row, 5).text() for row in range(len(reports))],
            text=editor.report_text,
        )
    )

    def status() -> None:
        view = window.training_view
        xs, _ys = view.curves["return"].getData()
        say(
            "status",
            state=training.state,
            error=training.error,
            episodes=counts["episodes"],
            returns=list(training.returns),
            return_points=0 if xs is None else len(xs),
            frames=counts["frames"],
            eyes_drawn=sum(not label.pixmap().isNull() for label in view.eyes),
            action=view.action.text(),
            pause=training.pause_message,
            stall=whole.summary(),
            steady_stall=steady.summary(),
            status_rate=window.status_rate.text(),
            first_frame_s=round(steady.began - whole.began, 2) if steady.began else None,
        )

    def frame_geometry() -> list[int]:
        g = window.frameGeometry()
        return [g.x(), g.y(), g.width(), g.height()]

    def live() -> None:
        view = window.live_view
        frame = view.frame
        say(
            "live",
            note=view.note,
            has_frame=frame is not None,
            covered=[] if frame is None else [list(r.as_tuple()) for r in frame.covered],
        )

    launcher = window.launcher
    launcher.launched.connect(
        lambda game: say("launched", pid=game.game.pid, client=list(game.window.client.as_tuple()))
    )
    launcher.failed.connect(lambda message: say("launch_failed", message=message))
    launcher.state_changed.connect(lambda state: say("game_stopped") if state == "idle" else None)
    finder = window.find_panel

    def found(findings) -> None:
        a = findings.analysis
        say(
            "found",
            game=list(a.game.region.as_tuple()),
            score=None if a.score is None else list(a.score.region.as_tuple()),
            over=None if a.game_over is None else a.game_over.fit.table["kind"],
            frames=len(findings.watch),
            cards=finder.review.isVisible(),
        )

    finder.task.finished.connect(found)
    finder.task.progress.connect(lambda p: say("find_progress", text=p.text))
    finder.task.errored.connect(lambda message: say("find_failed", message=message))

    def run(command: str) -> None:
        name, _, arg = command.partition(" ")
        if name == "open":
            say("opened", ok=window.open_profile(arg), name=window.model.name)
        elif name == "probe":
            window.tabs.setCurrentWidget(editor)
            editor.test_button.click()
        elif name == "train":
            whole.start()
            window.start_training()
            say(
                "training",
                running=window.controller.running,
                placement=window.statusBar().currentMessage(),
                frame=frame_geometry(),
            )
        elif name == "status":
            status()
        elif name == "place":  # x y width height of the window (logical pixels)
            x, y, width, height = (int(v) for v in arg.split())
            window.resize(width, height)
            window.move(x, y)
            QTimer.singleShot(300, lambda: say("placed", frame=frame_geometry()))
        elif name == "live":
            live()
        elif name == "frames":
            stacks = np.stack(eyes) if eyes else np.zeros((0, 4, 84, 84), np.uint8)
            np.save(arg, stacks)
            say("frames", count=len(eyes))
        elif name == "stop":
            whole.stop()
            steady.stop()
            status()
            window.stop_action.trigger()
        elif name == "pick":
            picker = window.pick_regions()
            assert picker is not None
            picker.picked.connect(picked)
            QTimer.singleShot(300, lambda: say("picker", id=int(picker.winId())))
        elif name == "record":
            window.tabs.setCurrentWidget(window.actions_editor)
            window.actions_editor.table.clearSelection()
            window.actions_editor.record()
            QTimer.singleShot(200, lambda: say("recording"))
        elif name == "save":
            say("saved", ok=window.save_to(Path(arg)))
        elif name == "tab":  # an index, or the tab's text ("Rewards")
            titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
            window.tabs.setCurrentIndex(int(arg) if arg.isdigit() else titles.index(arg))
            QTimer.singleShot(100, lambda: say("tab"))
        elif name == "rule":
            window.model.add_rule(json.loads(arg))
            say("rule", error=window.debug.error)
        elif name == "debug":
            say("debug", samples=len(window.debug.times), names=window.debug.names)
        elif name == "answer":  # the answer to "the app covers the game": a Choice's text
            from screen_agent.gui.keep_clear import Choice

            window.ask_placement = lambda _window, _minimum: Choice(arg)
            say("answer")
        elif name in ("launch", "stopgame"):  # Start game / Stop game
            window.launch_action.trigger()
        elif name == "find":  # SECONDS KEYS...: random keys, no probe
            seconds, *keys = arg.split()
            window.show_find()
            finder.seconds.setValue(int(seconds))
            finder.random.setChecked(True)
            finder.keys.setText(" ".join(keys))
            finder.keys.setModified(True)
            finder.probe.setChecked(False)
            finder.seed = 0  # the same random presses every run
            if not finder.start():
                say("find_failed", message=finder.status.text())
        elif name == "apply":
            finder.review.apply_button.click()
            model = window.model
            say(
                "applied",
                regions={n: list(r.as_tuple()) for n, r in model.regions.items()},
                rules=[[r["kind"], r["region"]] for r in model.rewards],
                status=finder.status.text(),
            )
        elif name == "quit":
            window.close()
            app.quit()

    def poll() -> None:
        while not commands.empty():
            run(commands.get())

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(20)
    if os.environ.get("SCREEN_AGENT_STALL_TRACE") == "1":
        _trace_stalls()
    say("ready", id=int(window.winId()))
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
