"""Re-record the real-game sessions in ``tests/data/calibrate`` (run by hand, not collected):

    .venv/bin/python tests/calibrate/record_games.py record xgalaga [--seconds 90] [--seed 1]
    .venv/bin/python tests/calibrate/record_games.py label xgalaga 0:0 120:350 ...

``record`` starts a private Xvfb (never your display) and opens the game's session from its
shipped profile (``calibration/PROFILE.toml``: its ``[launch]`` starts and places the game, its
actions are the keys played, its restart sequence starts the next game), then for
``--seconds`` grabs the whole client area at 10 frames per second while holding a random
action each tenth of a second, through the session's key sink, as a calibration's random
player would. When the game's own game-over indicator (below, one per game: independent of
the profile's rules, which the recordings test; checked by eye on the frames) has held for
3 s it runs the restart sequence, so a recording has play, game-over screens and restarts.
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
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
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

from screen_agent.envs.session import open_session
from screen_agent.profile import load_profile
from screen_agent.reward.digits import glyphs, similarity
from screen_agent.reward.pixels import colour_mask
from screen_agent.xvfb import start_xvfb

FPS = 10.0
"""Grabs (and random decisions) per second."""
OVER_HOLD_S = 3.0
"""How long a game-over screen is recorded before the restart sequence runs, seconds."""
CALIBRATION = Path(__file__).resolve().parents[2] / "calibration"


def fraction(frame: np.ndarray, box: tuple[int, int, int, int], rgb, tolerance: int) -> float:
    x, y, w, h = box
    return float(colour_mask(frame[y : y + h, x : x + w], rgb, tolerance).mean())


@dataclass(frozen=True)
class Truth:
    """What is measured by hand about a game, independently of its shipped profile."""

    profile: str
    """``calibration/PROFILE.toml``: how the game is launched, played and restarted."""
    over: Callable[[np.ndarray], bool]
    """The game's own game-over indicator, on a whole client-area frame."""
    score_region: tuple[int, int, int, int]
    score_colour: tuple[int, int, int]
    score_tolerance: int = 40
    seconds: float = 90.0


def xgalaga_over(f: np.ndarray) -> bool:
    """The yellow "Press k for keyboard control, m for mouse" line of the title screen."""
    return fraction(f, (30, 566, 330, 30), (255, 255, 0), 40) > 0.03


def xjump_over(f: np.ndarray) -> bool:
    """The blue "Game Over" box, or the brick field gone (the high-score screen)."""
    box = fraction(f, (205, 226, 140, 30), (0, 0, 255), 30)
    return box > 0.5 or fraction(f, (100, 200, 300, 250), (0, 0, 130), 20) < 0.05


def moon_buggy_over(f: np.ndarray) -> bool:
    """The high-score table fills the sky, empty in play."""
    return fraction(f, (0, 0, 804, 200), (255, 255, 255), 80) > 0.01


def pacman_over(f: np.ndarray) -> bool:
    """The grey skull drawn over the left ("code") panel at game over."""
    return fraction(f, (110, 95, 260, 380), (204, 204, 204), 50) > 0.1


WHITE, YELLOW = (255, 255, 255), (255, 255, 0)
GAMES: dict[str, Truth] = {
    # The seven zero-padded digits of "Score: 0000000" (x 187-227, y 1-8).
    "xgalaga": Truth("xgalaga", xgalaga_over, (185, 0, 45, 11), YELLOW, seconds=100.0),
    # "Floor 0000000001": ten zero-padded digits at x 250-393, y 91-106.
    "xjump": Truth("xjump", xjump_over, (246, 87, 152, 24), WHITE, seconds=60.0),
    # The number after "score: " (row 23, from x 682), left-aligned, may be negative.
    "moon-buggy": Truth("moon-buggy", moon_buggy_over, (680, 462, 122, 20), WHITE),
    # "Pacman game html5" (npm pac-man-game 1.0.6) in chromium: yellow proportional digits
    # (rows 542-563) after the white "SCORE" label; the yellow level number starts at row 572.
    "pacman": Truth("pacman-html", pacman_over, (530, 538, 130, 32), YELLOW, 60, seconds=75.0),
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


def record(name: str, seconds: float | None, seed: int) -> None:
    game = GAMES[name]
    seconds = seconds or game.seconds
    rng = np.random.default_rng(seed)
    path = CALIBRATION / f"{game.profile}.toml"
    profile = load_profile(path)
    key_names = sorted({k for a in profile.actions for k in a.keys})
    display = start_xvfb()
    os.environ["DISPLAY"] = display.name  # the private server: the game and the keys go there
    frames: list[np.ndarray] = []
    times: list[float] = []
    masks: list[int] = []
    over_flags: list[bool] = []
    try:
        session = open_session(profile, source_path=path, display=display.name, launch=True)
        try:
            session.reset()
            screen = session.screen
            start = time.monotonic()
            over_since: float | None = None
            action = profile.noop_action
            while time.monotonic() - start < seconds:
                time.sleep(max(0.0, start + len(frames) / FPS - time.monotonic()))
                frame = screen.source.grab()
                frames.append(frame.pixels.copy())
                times.append(frame.time)
                masks.append(sum(1 << key_names.index(k) for k in profile.actions[action].keys))
                over = game.over(frame.pixels)
                over_flags.append(over)
                over_since = (over_since or frame.time) if over else None
                if over_since is not None and frame.time - over_since >= OVER_HOLD_S:
                    screen.sink.restart()
                    screen.reader.reset()
                    over_since, action = None, profile.noop_action
                else:
                    action = int(rng.integers(len(profile.actions)))
                    screen.sink.apply(action)
        finally:
            session.close()
    finally:
        display.close()
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
