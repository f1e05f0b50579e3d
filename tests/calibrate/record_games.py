"""Re-record the real-game sessions in ``tests/data/calibrate`` (run by hand, not collected):

    .venv/bin/python tests/calibrate/record_games.py record xgalaga [--seconds 90] [--seed 1]
    .venv/bin/python tests/calibrate/record_games.py label xgalaga 0:0 120:350 ...

``record`` starts a private Xvfb (never your display), launches the game there (Debian's
package; see ``/work/scratch/games/REPORT.md`` for the versions), focuses it, and for
``--seconds`` grabs its client area with mss at 10 frames per second while holding a random
action of the game's keys each tenth of a second (XTEST, through xdotool, as a calibration's
random player would). When the game's own game-over indicator (below, one per game, taken
from the research report and checked by eye on the frames) has held for 3 s it runs the
game's restart sequence, so a recording has play, game-over screens and restarts.
It writes the frames (``game_recordings.pack_frames``), the grab times, the keys held and the
game-over flag per frame.

``label`` adds the true score per frame: ``FRAME:VALUE`` pairs read by eye from frames (e.g.
with ``show``) give templates of the score's glyphs (pixel-wise majority per character, the
score region measured by hand below); every frame is then read with them, frames with a glyph
that matches no template are marked not shown, and the sequence is printed by change so it
can be checked against the frames (``show GAME FRAME`` writes a PNG to look at).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from game_recordings import (
    PACKED,
    load_arrays,
    pack_frames,
    path_of,
    save_recording,
)

from screen_agent.reward.digits import glyphs, similarity
from screen_agent.reward.pixels import colour_mask
from screen_agent.xvfb import start_xvfb

XTERM = ["xterm", "-T", "moon-buggy", "-geometry", "80x24+0+0", "-fn", "10x20"]
XTERM += ["-bg", "black", "-fg", "white", "+sb"]
FPS = 10.0
"""Grabs (and random decisions) per second."""
OVER_HOLD_S = 3.0
"""How long a game-over screen is recorded before the restart sequence runs, seconds."""
XDOTOOL_KEYS = {"left": "Left", "right": "Right", "up": "Up", "down": "Down", "space": "space"}
XDOTOOL_KEYS |= {"return": "Return"}
PACMAN_DIR = "/work/scratch/games/html/pacman/package/lib"
"""Where ``npm pack pac-man-game@1.0.6`` was unpacked (its ``package/lib``); or $PACMAN_DIR."""
PACMAN_PORT = 8731


def fraction(frame: np.ndarray, box: tuple[int, int, int, int], rgb, tolerance: int) -> float:
    x, y, w, h = box
    return float(colour_mask(frame[y : y + h, x : x + w], rgb, tolerance).mean())


@dataclass
class Game:
    command: list[str]
    title: str
    actions: list[tuple[str, ...]]
    start: list[tuple[str, float]]
    """(key, wait after, s) pressed once the window is up (title screen to play)."""
    restart: list[tuple[str, float]]
    over: Callable[[np.ndarray], bool]
    score_region: tuple[int, int, int, int]
    score_colour: tuple[int, int, int]
    score_tolerance: int = 40
    env: dict[str, str] = field(default_factory=dict)
    seconds: float = 90.0
    helper: list[str] | None = None
    """A process started before the game and stopped after it (a web server)."""


GAMES: dict[str, Game] = {
    "xgalaga": Game(
        ["/usr/games/xgalaga", "-window", "-nosound", "-keyboard"],
        "XGalaga",
        [(), ("left",), ("right",), ("space",), ("left", "space"), ("right", "space")],
        start=[("k", 0.5)],
        restart=[("return", 0.5), ("k", 0.5)],
        # The yellow "Press k for keyboard control, m for mouse" line of the title screen.
        over=lambda f: fraction(f, (30, 566, 330, 30), (255, 255, 0), 40) > 0.03,
        # The seven zero-padded digits of "Score: 0000000" (x 187-227, y 1-8).
        score_region=(185, 0, 45, 11),
        score_colour=(255, 255, 0),
        seconds=100.0,
    ),
    "xjump": Game(
        ["/usr/games/xjump"],
        "xjump",
        [(), ("left",), ("right",), ("up",), ("left", "up"), ("right", "up")],
        start=[("space", 0.5)],
        restart=[("space", 0.5), ("space", 0.3)],
        # The blue "Game Over" box, or the brick field gone (the high-score screen).
        over=lambda f: (
            fraction(f, (205, 226, 140, 30), (0, 0, 255), 30) > 0.5
            or fraction(f, (100, 200, 300, 250), (0, 0, 130), 20) < 0.05
        ),
        # "Floor 0000000001": ten zero-padded digits at x 250-393, y 91-106.
        score_region=(246, 87, 152, 24),
        score_colour=(255, 255, 255),
        seconds=60.0,
    ),
    "moon-buggy": Game(
        [*XTERM, "-e", "/usr/games/moon-buggy"],
        "moon-buggy",
        [(), ("space",), ("a",)],
        start=[("return", 0.5)],
        restart=[("return", 0.5), ("return", 0.5)],
        # The high-score table fills the sky, empty in play.
        over=lambda f: fraction(f, (0, 0, 804, 200), (255, 255, 255), 80) > 0.01,
        # The number after "score: " (row 23, from x 682), left-aligned, may be negative.
        score_region=(680, 462, 122, 20),
        score_colour=(255, 255, 255),
        seconds=90.0,
    ),
    # "Pacman game html5" from the npm package pac-man-game 1.0.6 (its lib/ folder, served
    # over http: file:// stays at GET READY) in Debian's chromium, 900x700 (--window-size).
    "pacman": Game(
        [
            "chromium",
            f"--app=http://127.0.0.1:{PACMAN_PORT}/",
            "--user-data-dir={home}/chromium",
            "--no-sandbox",
            "--test-type",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--disable-gpu",
            "--window-position=0,0",
            "--window-size=900,700",
            "--password-store=basic",
            "--disable-dev-shm-usage",
        ],
        "Pacman game html5, game made with pure javascript",
        [(), ("left",), ("right",), ("up",), ("down",)],
        # Return reloads the page: GET READY for 4.5 s, then play.
        start=[("return", 5.0)],
        restart=[("return", 5.0)],
        # The grey skull drawn over the left ("code") panel at game over.
        over=lambda f: fraction(f, (110, 95, 260, 380), (204, 204, 204), 50) > 0.1,
        # Yellow proportional digits (rows 542-563) after the white "SCORE" label; the
        # yellow level number below starts at row 572.
        score_region=(530, 538, 130, 32),
        score_colour=(255, 255, 0),
        score_tolerance=60,
        seconds=75.0,
        helper=[
            *("python3", "-m", "http.server", str(PACMAN_PORT), "--bind", "127.0.0.1"),
            *("--directory", os.environ.get("PACMAN_DIR", PACMAN_DIR)),
        ],
    ),
}


LABELLED = {
    "xgalaga": "22:0000100 25:0000200 31:0000300 35:0000400 44:0000600 75:0000650 77:0000950 "
    "386:0000700 427:0000800",
    "xjump": "0:0000000000 11:0000000001 28:0000000002 86:0000000003 119:0000000004",
    "moon-buggy": "11:0 13:-1 17:-2 21:-3 24:-4 31:-5 35:-6 38:-7 43:-8 47:-9",
    "pacman": "0:0 59:10 63:20 64:30 74:40 80:50 93:60 94:70 98:80 106:90",
}
"""The frames read by eye that labelled the committed recordings (``label GAME PAIRS...``;
a new recording needs its own)."""


def xdotool(display_env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        ["xdotool", *args], env=display_env, capture_output=True, text=True, check=True, timeout=10
    ).stdout


def record(name: str, seconds: float | None, seed: int) -> None:
    import mss

    game = GAMES[name]
    seconds = seconds or game.seconds
    rng = np.random.default_rng(seed)
    home = tempfile.mkdtemp(prefix=f"calib-{name}-")
    display = start_xvfb()
    env = display.env(HOME=home, **game.env)
    helper = None
    if game.helper is not None:
        helper = subprocess.Popen(game.helper, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
    command = [part.replace("{home}", home) for part in game.command]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    held: set[str] = set()
    try:
        found = xdotool(env, "search", "--sync", "--onlyvisible", "--name", f"^{game.title}$")
        window = found.split()[0]
        xdotool(env, "windowfocus", "--sync", window)
        geometry = dict(
            line.split("=", 1)
            for line in xdotool(env, "getwindowgeometry", "--shell", window).split()
        )
        monitor = {
            "left": int(geometry["X"]),
            "top": int(geometry["Y"]),
            "width": int(geometry["WIDTH"]),
            "height": int(geometry["HEIGHT"]),
        }
        key_names = sorted({k for a in game.actions for k in a})
        encoded: list[bytes] = []
        times: list[float] = []
        masks: list[int] = []
        over_flags: list[bool] = []
        # (due time, key) taps still to come: the start and restart sequences, run while
        # grabbing goes on.
        pending: list[tuple[float, str]] = []

        def schedule(steps: list[tuple[str, float]], at: float) -> None:
            for key, wait in steps:
                pending.append((at, key))
                at += wait

        def set_keys(keys: tuple[str, ...]) -> None:
            for key in sorted(held - set(keys)):
                xdotool(env, "keyup", XDOTOOL_KEYS.get(key, key))
                held.discard(key)
            for key in keys:
                if key not in held:
                    xdotool(env, "keydown", XDOTOOL_KEYS.get(key, key))
                    held.add(key)

        with mss.MSS(display=display.name) as sct:
            start = time.monotonic()
            schedule(game.start, start + 1.0)
            over_since: float | None = None
            restarting_until = 0.0
            tick = 0
            while time.monotonic() - start < seconds:
                due = start + tick / FPS
                time.sleep(max(0.0, due - time.monotonic()))
                tick += 1
                shot = sct.grab(monitor)
                now = time.monotonic()
                bgra = np.frombuffer(shot.raw, np.uint8).reshape(shot.height, shot.width, 4)
                frame = cv2.cvtColor(bgra, cv2.COLOR_BGRA2RGB)
                ok, png = cv2.imencode(".png", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
                assert ok
                encoded.append(png.tobytes())
                times.append(now)
                masks.append(sum(1 << key_names.index(k) for k in held))
                over = game.over(frame)
                over_flags.append(over)
                for at, key in [p for p in pending if p[0] <= now]:
                    pending.remove((at, key))
                    set_keys(())
                    xdotool(env, "key", XDOTOOL_KEYS.get(key, key))
                if over and now >= restarting_until:
                    over_since = over_since or now
                    if now - over_since >= OVER_HOLD_S:
                        schedule(game.restart, now)
                        restarting_until = now + sum(w for _, w in game.restart) + 1.0
                        over_since = None
                elif not over:
                    over_since = None
                if not pending:
                    set_keys(game.actions[int(rng.integers(len(game.actions)))])
            set_keys(())
    finally:
        for key in list(held):
            subprocess.run(["xdotool", "keyup", XDOTOOL_KEYS.get(key, key)], env=env, check=False)
        for child in (process, helper):
            if child is None:
                continue
            child.terminate()
            try:
                child.wait(5)
            except subprocess.TimeoutExpired:
                child.kill()
        display.close()
    frames = [
        cv2.cvtColor(cv2.imdecode(np.frombuffer(b, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        for b in encoded
    ]
    packed = pack_frames(frames)
    n = len(frames)
    save_recording(
        path_of(name),
        packed,
        times=np.asarray(times),
        held=np.asarray(masks, np.uint16),
        key_names=np.asarray(key_names),
        game_over=np.asarray(over_flags),
        score=np.zeros(n, np.int64),
        score_shown=np.zeros(n, bool),
        score_region=np.asarray(game.score_region),
    )
    size = path_of(name).stat().st_size / 1e6
    print(f"{name}: {n} frames, {len(packed['palette'])} colours, {size:.2f} MB")
    print(f"game-over frames: {int(np.sum(over_flags))}")


def _frames(name: str) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
    from game_recordings import PackedFrames

    data = load_arrays(name)
    frames = PackedFrames({k: data[k] for k in PACKED})
    return data, frames


def show(name: str, indices: list[int], out: Path) -> None:
    _, frames = _frames(name)
    out.mkdir(parents=True, exist_ok=True)
    for i in indices:
        cv2.imwrite(str(out / f"{name}-{i:04d}.png"), cv2.cvtColor(frames[i], cv2.COLOR_RGB2BGR))
    print(f"wrote {len(indices)} frames to {out}")


def label(name: str, pairs: list[str]) -> None:
    """Templates from frames read by eye, then every frame read with them."""
    game = GAMES[name]
    data, frames = _frames(name)
    x, y, w, h = game.score_region

    def glyphs_of(i: int) -> list[np.ndarray]:
        crop = frames[i][y : y + h, x : x + w]
        return glyphs(colour_mask(crop, game.score_colour, game.score_tolerance))

    seen: dict[str, list[np.ndarray]] = {}
    for pair in pairs:
        index, text = pair.split(":", 1)
        found = glyphs_of(int(index))
        assert len(found) == len(text), f"frame {index}: {len(found)} glyphs for {text!r}"
        for char, glyph in zip(text, found, strict=True):
            seen.setdefault(char, []).append(glyph)
    templates = {}
    for char, found in seen.items():
        shapes = [g.shape for g in found]
        size = max(set(shapes), key=shapes.count)
        templates[char] = np.stack([g for g in found if g.shape == size]).mean(axis=0) >= 0.5
    print("templates for", "".join(sorted(templates)))
    score = np.zeros(len(frames), np.int64)
    shown = np.zeros(len(frames), bool)
    for i in range(len(frames)):
        text = ""
        for glyph in glyphs_of(i):
            match = [
                c for c, t in templates.items() if t.shape == glyph.shape and (t == glyph).all()
            ]
            if not match:
                # Anti-aliased text drawn at another sub-pixel offset: the clearly best template,
                # agreeing on 90% of the pixels or more.
                scores = sorted(
                    ((similarity(glyph, t), c) for c, t in templates.items()), reverse=True
                )
                if scores[0][0] >= 0.9 and scores[0][0] - scores[1][0] >= 0.05:
                    match = [scores[0][1]]
            if len(match) != 1:
                text = ""
                break
            text += match[0]
        if text and text.lstrip("-").isdigit():
            score[i], shown[i] = int(text), True
    previous = None
    for i in range(len(frames)):
        value = int(score[i]) if shown[i] else None
        if value != previous:
            flag = " OVER" if data["game_over"][i] else ""
            print(f"  frame {i:4d} t={data['times'][i] - data['times'][0]:6.1f}: {value}{flag}")
            previous = value
    print(f"shown on {shown.sum()} of {len(frames)} frames")
    data["score"], data["score_shown"] = score, shown
    data["score_region"] = np.asarray(game.score_region)
    packed = {k: data.pop(k) for k in PACKED}
    save_recording(path_of(name), packed, **data)


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record")
    rec.add_argument("game", choices=sorted(GAMES))
    rec.add_argument("--seconds", type=float)
    rec.add_argument("--seed", type=int, default=1)
    lab = commands.add_parser("label")
    lab.add_argument("game", choices=sorted(GAMES))
    lab.add_argument("pairs", nargs="+", help="FRAME:TEXT, the score read by eye on that frame")
    sh = commands.add_parser("show")
    sh.add_argument("game", choices=sorted(GAMES))
    sh.add_argument("frames", nargs="+", type=int)
    sh.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "calib-frames")
    args = parser.parse_args()
    if args.command == "record":
        record(args.game, args.seconds, args.seed)
    elif args.command == "label":
        label(args.game, args.pairs)
    else:
        show(args.game, args.frames, args.out)


if __name__ == "__main__":
    os.environ.pop("DISPLAY", None)  # nothing here may touch the user's display
    main()
