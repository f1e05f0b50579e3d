"""The ``screen-agent`` command.

Subcommands:
    gui [PROFILE]                        the desktop app (default when there is a display)
    train / play / probe / record PROFILE  the screen agent on a game on the screen
                                         (--launch: start the game first, stop it after)
    launch PROFILE                       start a profile's game, place its window, leave it running
    demo                                 headless: Catch on a private Xvfb, learned from pixels
    gym train ENV_ID / gym eval ENV_ID   train or evaluate the DQN on a gymnasium (or Atari) env
    arcade GAME                          play a bundled game in a window (Catch, or an Atari ROM)
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import itertools
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from screen_agent.agent.config import PRESETS, DQNConfig
from screen_agent.errors import RunFailed, UserError

PRESET_NAMES = tuple(PRESETS)


def _parse_ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from None


def _add_config_options(parser: argparse.ArgumentParser) -> None:
    """One ``--option`` per DQNConfig field; unset options keep the environment's preset."""
    group = parser.add_argument_group("hyperparameters (default: the preset for the environment)")
    docs = _field_docs()
    for f in dataclasses.fields(DQNConfig):
        if f.name == "total_steps":
            continue
        flag = "--" + f.name.replace("_", "-")
        kind = type(f.default)
        help_text = docs.get(f.name, "")
        if kind is bool:
            group.add_argument(
                flag, dest=f.name, action=argparse.BooleanOptionalAction, help=help_text
            )
        elif kind is tuple:
            group.add_argument(flag, dest=f.name, type=_parse_ints, metavar="N,N", help=help_text)
        else:
            group.add_argument(
                flag, dest=f.name, type=kind, metavar=kind.__name__.upper(), help=help_text
            )


def _field_docs() -> dict[str, str]:
    """The one-line docstrings under each DQNConfig field, for --help."""
    import ast
    import inspect

    docs: dict[str, str] = {}
    body = ast.parse(inspect.getsource(DQNConfig)).body[0].body  # type: ignore[attr-defined]
    for node, following in itertools.pairwise(body):
        if isinstance(node, ast.AnnAssign) and isinstance(following, ast.Expr):
            value = following.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                docs[node.target.id] = value.value.strip()  # type: ignore[union-attr]
    return docs


def _config_from_args(env_id: str, args: argparse.Namespace) -> DQNConfig:
    from screen_agent.agent.config import PRESETS
    from screen_agent.envs.factory import default_config

    config = PRESETS[args.preset]() if args.preset else default_config(env_id)
    changes = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(DQNConfig)
        if getattr(args, f.name, None) is not None
    }
    if args.steps is not None:
        changes["total_steps"] = args.steps
    return config.replace(**changes)


def _device(name: str):
    from screen_agent.training.runtime import resolve_device

    return resolve_device(name)


def _cmd_gym_train(args: argparse.Namespace) -> int:
    from screen_agent.agent.config import config_from_json
    from screen_agent.training.checkpoint import BEST, CHECKPOINT, load_checkpoint
    from screen_agent.training.gym_loop import evaluate_checkpoint, train

    device = _device(args.device)
    if args.resume:
        run_dir = Path(args.resume)
        state = load_checkpoint(run_dir / CHECKPOINT)
        if state["env_id"] != args.env_id:
            print(
                f"error: {run_dir / CHECKPOINT} is a run on {state['env_id']}, not {args.env_id}; "
                f"resume it with 'screen-agent gym train {state['env_id']} --resume {run_dir}'",
                file=sys.stderr,
            )
            return 2
        config = config_from_json(state["config"])
        if args.steps is not None:
            config = config.replace(total_steps=args.steps)
        seed = json.loads((run_dir / "config.json").read_text())["seed"]
    else:
        run_dir = Path(args.run_dir or f"runs/{args.env_id.replace('/', '-')}-seed{args.seed}")
        config = _config_from_args(args.env_id, args)
        seed = args.seed
    result = train(
        args.env_id,
        config,
        run_dir,
        seed,
        device,
        resume=bool(args.resume),
        progress=not args.quiet,
        fresh_replay=args.fresh_replay,
        baseline_episodes=args.baseline_episodes,
        demos=[Path(d) for d in args.demos],
        learner_process=args.learner_process,
        eval_frames=not args.no_eval_frames,
    )
    print(f"trained {result.steps} steps, {result.episodes} episodes in {result.seconds:.0f} s")
    if args.final_eval_episodes > 0:
        chosen = run_dir / (BEST if (run_dir / BEST).exists() else CHECKPOINT)
        final = evaluate_checkpoint(chosen, args.env_id, args.final_eval_episodes, seed + 7, device)
        print(
            f"greedy score of {chosen}: {final.mean:.1f} ± {final.std:.1f} "
            f"over {args.final_eval_episodes} episodes"
        )
    return 0


def _cmd_gym_eval(args: argparse.Namespace) -> int:
    from screen_agent.training.gym_loop import evaluate_checkpoint

    result = evaluate_checkpoint(
        Path(args.checkpoint),
        args.env_id,
        args.episodes,
        args.seed,
        _device(args.device),
        args.epsilon,
    )
    if args.json:
        print(json.dumps(result.as_json()))
    else:
        print(f"mean return {result.mean:.2f} ± {result.std:.2f} over {args.episodes} episodes")
    return 0


@contextlib.contextmanager
def _launched(args: argparse.Namespace) -> Iterator[None]:
    """With ``--launch``: start the profile's game before the job and stop it after (the job's
    session then finds it by its title)."""
    if not getattr(args, "launch", False):
        yield
        return
    from screen_agent.launch import launch_game
    from screen_agent.profile import load_profile

    game = launch_game(load_profile(args.profile), args.profile)
    with game:
        for note in game.notes:
            print(f"note: {note}", file=sys.stderr)
        yield


def _cmd_launch(args: argparse.Namespace) -> int:
    from screen_agent.launch import launch_game
    from screen_agent.profile import load_profile

    profile = load_profile(args.profile)
    game = launch_game(profile, args.profile)
    game.detach()  # the game keeps running after this command
    w = game.window
    focus = "has keyboard focus" if game.focused else "no keyboard focus: click on it"
    print(
        f"launched {profile.name}: window {w.handle:#x} {w.title!r}, client area "
        f"{w.client.width}x{w.client.height} at ({w.client.x}, {w.client.y}), {focus}"
    )
    for process in game.processes:
        print(f"  {process.role}: pid {process.pid}: {' '.join(process.argv)}")
    groups = " ".join(f"-{p.pid}" for p in reversed(game.processes))
    print(f"  output logs in {game.folder}; stop it with: kill -- {groups}")
    for note in game.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from screen_agent.console import screen_printer
    from screen_agent.profile import load_profile
    from screen_agent.training.jobs import ScreenJob, run_job

    profile = load_profile(args.profile)
    run_dir = Path(args.resume or args.run_dir or f"runs/{profile.name}-seed{args.seed}")
    job = ScreenJob(
        Path(args.profile),
        run_dir=run_dir,
        seed=args.seed,
        device=args.device,
        minutes=args.minutes,
        resume=bool(args.resume),
        fresh_replay=args.fresh_replay,
    )
    try:
        with _launched(args):
            run_job(job, screen_printer(args.verbose))
    except KeyboardInterrupt:
        print(f"interrupted; run saved in {run_dir}", file=sys.stderr)
        return 130
    print(f"run saved in {run_dir}")
    return 0


def _cmd_play(args: argparse.Namespace) -> int:
    from screen_agent.training.jobs import ScreenJob, run_job

    job = ScreenJob(
        Path(args.profile),
        checkpoint=Path(args.checkpoint),
        seed=args.seed,
        device=args.device,
        episodes=args.episodes,
        epsilon=args.epsilon,
    )
    from screen_agent.console import screen_printer

    with _launched(args):
        result = run_job(job, screen_printer(False))
    assert result is not None
    if args.json:
        print(json.dumps(result.as_json()))
    else:
        print(
            f"mean return {result.mean:.2f} ± {result.std:.2f} over {len(result.returns)} episodes"
        )
    return 0


def _cmd_record(args: argparse.Namespace) -> int:
    from screen_agent.capture.recorded import record
    from screen_agent.envs.session import open_session

    if args.demo:
        return _record_demo(args)
    if args.seconds is None:
        raise UserError("record: give --seconds (frames to disk) or --demo --minutes M")
    session = open_session(args.profile, need_rewards=False, launch=args.launch)
    try:
        out = Path(args.out or f"recordings/{session.profile.name}")
        frames = record(session.profile, args.seconds, out, session.screen.source)
    finally:
        session.close()
    print(f"recorded {frames} frames to {out}")
    return 0


def _record_demo(args: argparse.Namespace) -> int:
    """Record a person's play as a demonstration (``record --demo``)."""
    import time as clock

    from screen_agent.envs.session import open_session
    from screen_agent.training.demos import record_screen_demo

    seconds = 60 * (args.minutes if args.minutes is not None else 5.0)
    session = open_session(args.profile, observe=True, launch=args.launch)
    try:
        name = session.profile.name
        out = Path(args.out or f"demos/{name}-{clock.strftime('%Y%m%d-%H%M%S')}.npz")
        print(f"recording your play of {name} for {seconds:.0f} s: play the game now", flush=True)
        stats = record_screen_demo(session, seconds, out)
    finally:
        session.close()
    print(stats.describe())
    print(f"demonstration saved to {out}; train with --demos {out}")
    return 0


def _cmd_probe(args: argparse.Namespace) -> int:
    from screen_agent.envs.session import open_session
    from screen_agent.probe import ProbeSettings, format_report, probe

    if not 50 <= args.hold_ms <= 5000:
        raise UserError(f"--hold-ms must be between 50 and 5000 ms, not {args.hold_ms}")
    hold_s = args.hold_ms / 1000
    # The probe watches as long before each press as during it: the game's own motion.
    settings = ProbeSettings(trials=args.trials, hold_s=hold_s, settle_s=max(0.25, hold_s))
    session = open_session(args.profile, need_rewards=False, launch=args.launch)
    try:
        screen = session.screen
        # The reader's game-over rules keep the probe on a running game.
        reports = probe(session.profile, screen.source, screen.sink, settings, reader=screen.reader)
    finally:
        session.close()
    print(format_report(reports))
    if args.json:
        print(json.dumps([{**r.__dict__, "works": r.works, "verdict": r.verdict} for r in reports]))
    return 0 if all(r.works for r in reports) else 1


def _cmd_demo(args: argparse.Namespace) -> int:
    from screen_agent.demo import run_demo

    run_dir = Path(args.run_dir or f"runs/demo-{args.game}-seed{args.seed}")
    return run_demo(args.game, args.minutes, run_dir, args.seed, args.device)


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from screen_agent.calibrate.run import command

    return command(args)


def _cmd_report(args: argparse.Namespace) -> int:
    from screen_agent.training.report import write_report

    print(f"report written to {write_report(Path(args.run_dir))}")
    return 0


def _cmd_gui(args: argparse.Namespace) -> int:
    from screen_agent.gui.app import run

    return run(args)


def _cmd_arcade(args: argparse.Namespace) -> int:
    from screen_agent.arcade.app import run

    return run(
        args.game, args.scale, args.speed, args.seed, args.position, status_file=args.status_file
    )


def _add_launch_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--launch",
        action="store_true",
        help="start the game with the profile's [launch] first, and stop it at the end",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="screen-agent", description="Teach a DQN to play games from the screen."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    gym_parser = commands.add_parser("gym", help="train or evaluate on a gymnasium/Atari env")
    gym_commands = gym_parser.add_subparsers(dest="gym_command", metavar="ACTION", required=True)

    train_parser = gym_commands.add_parser("train", help="train a DQN on ENV_ID")
    train_parser.add_argument(
        "env_id", help="a gymnasium id: CartPole-v1, PongNoFrameskip-v4, ALE/Pong-v5, ..."
    )
    train_parser.add_argument(
        "--steps", type=int, help="environment steps to train for (total, also on resume)"
    )
    train_parser.add_argument("--seed", type=int, default=0)
    train_parser.add_argument(
        "--run-dir", help="where checkpoints and metrics go (default runs/ENV-seedS)"
    )
    train_parser.add_argument("--resume", metavar="DIR", help="continue the run saved in DIR")
    train_parser.add_argument("--device", default="auto", help="cpu, cuda, cuda:1 or auto")
    train_parser.add_argument(
        "--final-eval-episodes",
        type=int,
        default=10,
        help="greedy episodes to score the result (0: skip)",
    )
    train_parser.add_argument("--quiet", action="store_true", help="no progress bar")
    train_parser.add_argument(
        "--no-eval-frames",
        action="store_true",
        help="evaluations do not render the screen: faster, and the report has no animation",
    )
    train_parser.add_argument(
        "--fresh-replay",
        action="store_true",
        help="with --resume: keep the networks and counters, start with an empty replay",
    )
    train_parser.add_argument(
        "--preset",
        choices=sorted(PRESET_NAMES),
        help="start from this preset (default: the one for the environment: atari, cartpole)",
    )
    train_parser.add_argument(
        "--learner-process",
        action="store_true",
        help="learn in a process of its own while the environment steps (as the screen mode)",
    )
    train_parser.add_argument(
        "--demos",
        nargs="+",
        default=[],
        metavar="FILE",
        help="demonstrations of this environment to learn from first (DQfD)",
    )
    train_parser.add_argument(
        "--baseline-episodes",
        type=int,
        default=5,
        help="random-policy episodes played first, for the report's baseline (0: none)",
    )
    _add_config_options(train_parser)
    train_parser.set_defaults(func=_cmd_gym_train)

    eval_parser = gym_commands.add_parser("eval", help="evaluate a checkpoint greedily")
    eval_parser.add_argument("env_id")
    eval_parser.add_argument("--checkpoint", required=True, help="a checkpoint.pt or best.pt")
    eval_parser.add_argument("--episodes", type=int, default=10)
    eval_parser.add_argument("--seed", type=int, default=12345)
    eval_parser.add_argument(
        "--epsilon", type=float, default=0.0, help="exploration while evaluating"
    )
    eval_parser.add_argument("--device", default="auto")
    eval_parser.add_argument("--json", action="store_true", help="print one JSON object")
    eval_parser.set_defaults(func=_cmd_gym_eval)

    screen_train = commands.add_parser("train", help="train on a game on the screen (PROFILE)")
    screen_train.add_argument("profile", help="a calibration/*.toml profile")
    screen_train.add_argument("--minutes", type=float, help="training time (default: until Ctrl+C)")
    screen_train.add_argument("--run-dir", help="where checkpoints and metrics go")
    screen_train.add_argument("--resume", metavar="DIR", help="continue the run saved in DIR")
    screen_train.add_argument("--seed", type=int, default=0)
    screen_train.add_argument("--device", default="auto")
    screen_train.add_argument("--verbose", action="store_true", help="print statistics every 2 s")
    screen_train.add_argument(
        "--preset",
        choices=sorted(PRESET_NAMES),
        help="hyperparameters (default: screen-efficient, one update per decision)",
    )
    screen_train.add_argument(
        "--demos",
        nargs="+",
        default=[],
        metavar="FILE",
        help="demonstrations recorded with 'record --demo' to learn from first",
    )
    screen_train.add_argument(
        "--fresh-replay",
        action="store_true",
        help="with --resume: keep the networks and counters, start with an empty replay",
    )
    _add_launch_option(screen_train)
    screen_train.set_defaults(func=_cmd_train)

    play = commands.add_parser("play", help="play a game on the screen with a trained agent")
    play.add_argument("profile")
    play.add_argument("--checkpoint", required=True)
    play.add_argument("--episodes", type=int, default=3)
    play.add_argument("--epsilon", type=float, default=0.0)
    play.add_argument("--seed", type=int, default=0)
    play.add_argument("--device", default="auto")
    play.add_argument("--json", action="store_true", help="print one JSON object")
    _add_launch_option(play)
    play.set_defaults(func=_cmd_play)

    record = commands.add_parser(
        "record", help="save frames of the game window, or (--demo) a demonstration of your play"
    )
    record.add_argument("profile")
    record.add_argument("--seconds", type=float, help="frames: how long to record")
    record.add_argument(
        "--demo",
        action="store_true",
        help="record your own play as a demonstration (keys read from the keyboard) for --demos",
    )
    record.add_argument("--minutes", type=float, help="with --demo: how long (default 5)")
    record.add_argument(
        "--out",
        help="frames: a folder (default recordings/NAME); --demo: the .npz (default demos/)",
    )
    _add_launch_option(record)
    record.set_defaults(func=_cmd_record)

    probe = commands.add_parser("probe", help="check that each action's keys reach the game")
    probe.add_argument("profile")
    probe.add_argument("--trials", type=int, default=8, help="trials per action (at least 4)")
    probe.add_argument("--json", action="store_true", help="also print the reports as JSON")
    probe.add_argument(
        "--hold-ms",
        type=int,
        default=250,
        help="how long each trial holds the keys (and watches before pressing them); "
        "500 for games that redraw slowly or whose effects take time to show",
    )
    _add_launch_option(probe)
    probe.set_defaults(func=_cmd_probe)

    launch = commands.add_parser(
        "launch",
        help="start a profile's game ([launch]), place its window, and leave it running",
    )
    launch.add_argument("profile", help="a calibration/*.toml profile with a [launch] table")
    launch.set_defaults(func=_cmd_launch)

    calibrate = commands.add_parser(
        "calibrate", help="watch a game window and propose its profile (regions, score, keys)"
    )
    from screen_agent.calibrate.run import add_arguments as add_calibrate_arguments

    add_calibrate_arguments(calibrate)
    calibrate.set_defaults(func=_cmd_calibrate)

    report = commands.add_parser("report", help="write a run directory's report.html")
    report.add_argument("run_dir", help="a run directory (runs/NAME-seedS)")
    report.set_defaults(func=_cmd_report)

    gui = commands.add_parser("gui", help="the desktop app (the default when there is a display)")
    # Declared here, not imported from screen_agent.gui: parsing must not load Qt.
    gui.add_argument("profile", nargs="?", help="a profile to open (calibration/NAME.toml)")
    gui.add_argument(
        "--launch",
        action="store_true",
        help="start the profile's game ([launch]) once the window is up; it stops with the app",
    )
    gui.set_defaults(func=_cmd_gui)

    demo = commands.add_parser(
        "demo", help="headless: a bundled game on a private Xvfb display, learned from its pixels"
    )
    demo.add_argument("--game", default="catch", help="catch (default) or pong")
    demo.add_argument("--minutes", type=float, default=10.0)
    demo.add_argument("--run-dir")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--device", default="auto")
    demo.set_defaults(func=_cmd_demo)

    arcade_parser = commands.add_parser("arcade", help="play a bundled game in a window")
    from screen_agent.arcade.app import add_arguments

    add_arguments(arcade_parser)
    arcade_parser.set_defaults(func=_cmd_arcade)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
            return main(["gui"])
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except (UserError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except RunFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
