"""``screen-agent arcade GAME``: open a game in a window, run it until the window closes."""

from __future__ import annotations

import argparse
import signal
import sys

import numpy as np

from screen_agent.arcade.atari import normalise_name, rom_names

CATCH = "catch"
DEFAULT_SCALE = {"atari": 3, CATCH: 4}
"""Default ``--scale``: Atari pixels per emulated pixel; Catch tens of pixels per grid cell."""


def parse_position(text: str) -> tuple[int, int]:
    """``"X,Y"`` -> (x, y), screen pixels of the window's top-left corner."""
    try:
        x, y = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected X,Y (two integers), got {text!r}") from None
    return x, y


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the arcade command's arguments to ``parser`` (shared by the CLI and ``-m``)."""
    parser.add_argument(
        "game", help=f"'{CATCH}', or an Atari ROM that ale-py ships (pong, breakout, ...)"
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=None,
        help="window size: pixels per Atari pixel (default 3), or Catch cell side / 10 (default 4)",
    )
    parser.add_argument(
        "--speed", type=float, default=1.0, help="game speed multiplier (1 = real time)"
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: fresh)")
    parser.add_argument(
        "--position",
        type=parse_position,
        default=None,
        metavar="X,Y",
        help="place the window's top-left corner at screen pixel X,Y",
    )
    # For tests and tools: a JSON file rewritten a few times a second (frames, pause state).
    parser.add_argument("--status-file", default=None, help=argparse.SUPPRESS)


def run(
    game: str,
    scale: int | None,
    speed: float,
    seed: int | None,
    position: tuple[int, int] | None,
    status_file: str | None = None,
) -> int:
    """Open ``game`` in a window and run the Qt event loop; returns the process exit code."""
    name = normalise_name(game)
    if name != CATCH and name not in rom_names():
        print(
            f"unknown game {game!r}: use '{CATCH}' or one of: {', '.join(rom_names())}",
            file=sys.stderr,
        )
        return 2
    if speed <= 0 or (scale is not None and scale < 1):
        print("--speed must be > 0 and --scale >= 1", file=sys.stderr)
        return 2
    scale = scale or DEFAULT_SCALE[CATCH if name == CATCH else "atari"]
    rng = np.random.default_rng(seed)

    # Qt is imported here, not at module level, so `--help` and argument errors stay fast.
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from screen_agent.arcade.status import StatusWriter
    from screen_agent.arcade.window import AtariWindow, CatchWindow, GameWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    status = StatusWriter(status_file) if status_file else None
    window: GameWindow
    if name == CATCH:
        from screen_agent.arcade.catch import CatchConfig, CatchGame

        window = CatchWindow(CatchGame(CatchConfig(), rng), 10 * scale, speed, status)
    else:
        from screen_agent.arcade.atari import AtariConfig, AtariGame

        atari = AtariGame(AtariConfig(name, seed=int(rng.integers(2**31 - 1))))
        window = AtariWindow(atari, scale, speed, status)
    if position is not None:
        window.move(*position)
    window.show()
    window.activateWindow()

    # Ctrl+C in the terminal closes the game: Python handles signals only between bytecodes,
    # so a timer wakes the interpreter now and then while Qt's loop runs.
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    wake = QTimer()
    wake.start(200)
    wake.timeout.connect(lambda: None)
    return app.exec()
