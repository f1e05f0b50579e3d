"""``python -m screen_agent.arcade GAME``: the same as ``screen-agent arcade GAME``."""

from __future__ import annotations

import argparse

from screen_agent.arcade.app import add_arguments, run


def main(argv: list[str] | None = None) -> int:
    """Parse the arcade arguments and run the game; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m screen_agent.arcade", description="Play a bundled game in a window."
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    return run(args.game, args.scale, args.speed, args.seed, args.position, args.status_file)


if __name__ == "__main__":
    raise SystemExit(main())
