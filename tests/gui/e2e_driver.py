"""Runs the GUI on the test's Xvfb for test_gui_e2e.py, driven by lines on stdin.

Each command is one line; the driver answers with one JSON line per event. It only opens the
picker, starts key recording and saves: the mouse drags and key presses themselves come from
the test, as real X events (pyautogui).
"""

from __future__ import annotations

import json
import queue
import sys
import threading
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from screen_agent.gui.app import MainWindow


def say(kind: str, **data: object) -> None:
    print(json.dumps({"event": kind, **data}), flush=True)


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

    def run(command: str) -> None:
        name, _, arg = command.partition(" ")
        if name == "pick":
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
        elif name == "tab":
            window.tabs.setCurrentIndex(int(arg))
            QTimer.singleShot(100, lambda: say("tab"))
        elif name == "rule":
            window.model.add_rule(json.loads(arg))
            say("rule", error=window.debug.error)
        elif name == "debug":
            say("debug", samples=len(window.debug.times), names=window.debug.names)
        elif name == "quit":
            window.close()
            app.quit()

    def poll() -> None:
        while not commands.empty():
            run(commands.get())

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(20)
    say("ready", id=int(window.winId()))
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
