"""``screen-agent calibrate``: watch a game window, propose a profile, let the person confirm.

:func:`run_calibrate` finds the window by its title, watches it for ``seconds`` while a
person plays (their keys are recorded) or while random candidate keys are pressed
(``random_keys``), analyses the watch (:mod:`.analysis`), shows every proposal with its
evidence for a yes / no / edit (all yes with ``interactive=False``), probes the candidate
keys on the live game (:mod:`.keys`), and writes the profile (:mod:`.profile_out`).

:func:`add_arguments` declares the command's options and :func:`command` runs it from
parsed arguments, so the CLI wires it in two lines.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path

import numpy as np

from screen_agent.calibrate.analysis import analyze
from screen_agent.calibrate.driver import RandomKeys, WatchProgress, watch_window
from screen_agent.calibrate.keys import DEFAULT_KEYS, probe_in_game, propose_actions
from screen_agent.calibrate.profile_out import profile_name, write_profile
from screen_agent.calibrate.prompts import Asker, parse_keys
from screen_agent.calibrate.review import review, review_keys
from screen_agent.calibrate.watch import Watch
from screen_agent.desktop import Desktop, open_desktop
from screen_agent.desktop.tracking import GameWindow
from screen_agent.errors import UserError
from screen_agent.geometry import Region
from screen_agent.input.sink import KeySink
from screen_agent.keys import KEY_NAMES
from screen_agent.profile import GameProfile, Restart, Step, WindowRef

RESTART_WAIT_MS = 500
"""Wait after each restart key given with ``--restart``, milliseconds."""


def restart_steps(keys: Sequence[str], wait_ms: int = RESTART_WAIT_MS) -> tuple[Step, ...]:
    """One step per key: tap it, wait ``wait_ms``."""
    return tuple(Step((k,), None, wait_ms) for k in keys)


def check_keys(keys: Sequence[str], what: str) -> list[str]:
    """``keys`` if every one is a key name; UserError naming the first that is not."""
    for key in keys:
        if key not in KEY_NAMES:
            raise UserError(
                f"{what}: {key!r} is not a key name; use names such as left, right, up, down, "
                "space, enter, a-z, 0-9, f1"
            )
    return list(keys)


def watch_profile(
    name: str, title: str, width: int, height: int, keys: Sequence[str], restart: Sequence[Step]
) -> GameProfile:
    """The provisional profile a calibration watches and probes with: the whole window as
    the game, one action per candidate key, the restart steps."""
    return GameProfile(
        name=name,
        regions={"game": Region(0, 0, width, height)},
        actions=propose_actions(keys),
        window=WindowRef(title, width, height),
        restart=Restart(tuple(restart)),
    )


def _say(output: Callable[[str], None]) -> Callable[[WatchProgress], None]:
    def report(progress: WatchProgress) -> None:
        note = "  (no keyboard focus: click the game window)" if progress.paused else ""
        restarts = f", {progress.restarts} restart(s)" if progress.restarts else ""
        output(f"  watched {progress.seconds:4.0f} s, {progress.frames} frames{restarts}{note}")

    return report


def run_calibrate(
    title: str,
    out: Path,
    seconds: float = 60.0,
    keys: list[str] | None = None,
    interactive: bool = True,
    *,
    random_keys: bool = False,
    restart: Sequence[str] = (),
    restart_wait_ms: int = RESTART_WAIT_MS,
    combos: bool = False,
    fps: float = 10.0,
    probe_trials: int = 6,
    probe: bool = True,
    seed: int | None = None,
    display: str | None = None,
    desktop: Desktop | None = None,
    sink: KeySink | None = None,
    save_watch: Path | None = None,
    input: Callable[[str], str] = input,
    output: Callable[[str], None] = print,
) -> Path:
    """Calibrate the game in the window titled ``title``; write the profile to ``out``.

    Args:
        title: the window's exact title.
        out: the profile to write (``calibration/NAME.toml``); digit templates and a
            game-over picture go next to it.
        seconds: how long to watch, seconds.
        keys: candidate keys to probe (and to press with ``random_keys``); None: the keys the
            person held while playing, else :data:`~screen_agent.calibrate.keys.DEFAULT_KEYS`.
        interactive: show each proposal and ask yes / no / edit on ``input``; False accepts
            every proposal.
        random_keys: press random candidate keys during the watch instead of a person playing.
        restart: keys that start a new game (tapped in turn, ``restart_wait_ms`` apart), run
            before the watch, when the game stops moving during it, and by the probe when the
            game has ended; they go into the profile.
        restart_wait_ms: the wait after each restart key, milliseconds (a game that shows
            "get ready" for 5 s after its restart key wants 5000).
        combos: also propose actions of two working keys held together.
        fps: frames watched per second.
        probe_trials: trials per key in the probe (at least 4).
        probe: probe the keys (False: every candidate key becomes an action).
        seed: seeds the random presses and the probe's order.
        display: the X display (default ``$DISPLAY``).
        desktop: a desktop backend to use (default: one opened on ``display``).
        sink: a key sink to press with (default: the keyboard, into the game window); it
            must allow the candidate and restart keys.
        save_watch: a new folder to save the watched frames in (a capture recording,
            which ``Watch.load`` reads back: to look into a calibration, or calibrate again).
        input, output: the conversation (the terminal by default).

    Returns ``out``. Raises UserError for what the user can fix (no such window, bad keys).
    """
    out = Path(out)
    restart_keys = check_keys(restart, "--restart")
    if not 0 <= restart_wait_ms <= 60000:
        raise UserError(f"--restart-wait-ms: {restart_wait_ms} is not between 0 and 60000")
    steps = restart_steps(restart_keys, restart_wait_ms)
    if keys is not None:
        keys = check_keys(keys, "--keys")
        if not keys:
            raise UserError("--keys: give at least one key")
    rng = np.random.default_rng(seed)
    asker = Asker(interactive, input, output)
    with ExitStack() as stack:
        if desktop is None:
            desktop = open_desktop(display)
            stack.callback(desktop.close)
        desktop.check_access()
        window = GameWindow(desktop, title)
        client = window.client
        width, height = client.width, client.height
        candidates = list(keys) if keys is not None else list(DEFAULT_KEYS)
        if keys is None and not random_keys:
            candidates = []  # the person's keys, once they have played
        name = profile_name(out)
        provisional = watch_profile(name, title, width, height, candidates, steps)
        from screen_agent.capture.mss_source import MssSource

        source = MssSource(
            provisional, desktop, window, region=None, display=display, source=str(out)
        )
        stack.callback(source.close)
        if sink is None and (random_keys or steps):
            sink = _keyboard(provisional, desktop, window, stack)
        player = RandomKeys(candidates, rng, combos=combos) if random_keys else None
        who = "random key presses" if random_keys else "you play"
        output(f"watching {title!r} ({width}x{height}) for {seconds:g} s while {who}...")
        watch = watch_window(
            source,
            seconds,
            fps=fps,
            sink=sink,
            player=player,
            held_keys=None if random_keys else desktop.held_keys,
            restart=steps,
            on_tick=_say(output),
        )
        if save_watch is not None:
            watch.save(save_watch, provisional)
            output(f"saved the watch in {save_watch}")
        output(f"analysing {len(watch)} frames...")
        analysis = analyze(watch, progress=lambda m: output(f"  {m}"))
        choices = review(asker, analysis, watch)
        choices.restart = steps
        if not candidates:
            candidates = _keys_played(watch) or list(DEFAULT_KEYS)
            output(f"\nkeys to probe: {', '.join(candidates)}")
        if probe:
            probe_with = watch_profile(name, title, width, height, candidates, steps)
            if sink is None or not set(candidates) <= sink.allowed:
                sink = _keyboard(probe_with, desktop, window, stack)
            output(f"\nprobing {len(candidates)} key(s), {probe_trials} trials each...")
            proposal = probe_in_game(
                probe_with, choices.game, choices.game_over, source, sink, candidates, out,
                trials=probe_trials, combos=combos, rng=rng,
            )  # fmt: skip
            choices.actions = review_keys(asker, proposal, combos)
        else:
            choices.actions = propose_actions(candidates)
        path = write_profile(choices, out, title=title, width=width, height=height)
    output(f"\nwrote {path}")
    return path


def _keyboard(
    profile: GameProfile, desktop: Desktop, window: GameWindow, stack: ExitStack
) -> KeySink:
    from screen_agent.input.keyboard import KeyboardSink

    sink = KeyboardSink(profile, desktop, window)
    stack.callback(sink.close)
    return sink


def _keys_played(watch: Watch) -> list[str]:
    """The keys the person held during the watch, most held first."""
    counts: dict[str, int] = {}
    for keys in watch.held:
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
    return sorted(counts, key=lambda k: -counts[k])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``screen-agent calibrate``."""
    parser.add_argument(
        "--window", required=True, metavar="TITLE", help="the game window's exact title"
    )
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="how long to watch (default 60)"
    )
    parser.add_argument(
        "--keys",
        type=parse_keys,
        metavar="K,K",
        help="candidate keys to probe and to press with --random (default: the keys you "
        f"play with, else {','.join(DEFAULT_KEYS)})",
    )
    parser.add_argument(
        "--out", type=Path, help="the profile to write (default calibration/NAME.toml)"
    )
    parser.add_argument("--yes", action="store_true", help="accept every proposal without asking")
    parser.add_argument(
        "--random", action="store_true", help="press random candidate keys instead of you playing"
    )
    parser.add_argument(
        "--restart",
        type=parse_keys,
        default=[],
        metavar="K,K",
        help="keys that start a new game, tapped in turn 0.5 s apart (e.g. return,k)",
    )
    parser.add_argument(
        "--restart-wait-ms",
        type=int,
        default=RESTART_WAIT_MS,
        metavar="MS",
        help=f"wait after each restart key, milliseconds (default {RESTART_WAIT_MS})",
    )
    parser.add_argument("--combos", action="store_true", help="also propose two-key actions")
    parser.add_argument("--no-probe", action="store_true", help="do not probe the keys")
    parser.add_argument("--probe-trials", type=int, default=6, help="probe trials per key (>= 4)")
    parser.add_argument("--seed", type=int, help="seed of the random presses and the probe")
    parser.add_argument(
        "--save-watch", type=Path, metavar="DIR", help="also save the watched frames in DIR"
    )


def command(args: argparse.Namespace) -> int:
    """Run ``screen-agent calibrate`` from parsed :func:`add_arguments` options."""
    out = args.out or Path("calibration") / f"{profile_name(args.window.lower())}.toml"
    run_calibrate(
        args.window,
        out,
        args.seconds,
        args.keys,
        interactive=not args.yes,
        random_keys=args.random,
        restart=args.restart,
        restart_wait_ms=args.restart_wait_ms,
        combos=args.combos,
        probe=not args.no_probe,
        probe_trials=args.probe_trials,
        seed=args.seed,
        save_watch=args.save_watch,
    )
    return 0
