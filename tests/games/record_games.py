"""Re-create the recorded sessions of the test-bed games in ``tests/data/games-*.npz`` (run by
hand, not part of the suite; the name does not match ``test_*.py``):

    .venv/bin/python -m pytest tests/games/record_games.py -q -s

Each game is launched from its profile on the tests' private Xvfb (tests/e2e_fixtures.py) and
played by a random policy through the session's key sink at 15 decisions per second, until
its game-over rule fires (at most 70 s); 2 s later the restart sequence runs and 6 s more are
recorded, so the recording holds a restart (the score back at 0, which is no reward). Each
grab keeps the crop of the profile's ``score`` region, its time, and the true score read by
``truth.py`` (X fonts drawn by the same X server, or the page's own variable through
DevTools): ``UNREAD`` where the truth could not be read (a score being redrawn), which
the test skips.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np
import pytest
from games import CALIBRATION, GAMES, recording_path
from truth import DevTools, XFont, moon_buggy_score, xgalaga_score, xjump_floor

from screen_agent.envs.session import open_session
from screen_agent.profile import load_profile

FPS = 15.0
UNREAD = -999_999
"""The truth of a frame whose score could not be read (moon-buggy's scores go below 0)."""
MAX_PLAY_S = 70.0
AFTER_RESTART_S = 6.0
POLICY = {
    # (action weights in profile order, seconds an action is held)
    "xgalaga": ([1, 2, 2, 3, 2, 2], 0.3),
    "xjump": ([1, 2, 2, 3, 3, 3], 0.25),
    "moon-buggy": ([4, 4, 1], 0.2),
    "pacman-html": ([1, 2, 2, 2, 2], 0.6),
}


class Truth:
    """The true score of one game from a client-area frame (None: unreadable)."""

    def __init__(self, game: str, display: str, launched: Any) -> None:
        self.game, self.last = game, 0
        self.font = self.devtools = None
        if game == "xgalaga":
            self.font = XFont(display, "6x10")
        elif game == "moon-buggy":
            self.font = XFont(display, "10x20")
        elif game == "xjump":
            self.font = XFont(display, "-adobe-*-*-*-*-*-24-*-*-*-*-*-*-*")
        else:
            self.devtools = DevTools(launched.folder / "tmp" / "chromium")

    def read(self, frame: np.ndarray) -> int | None:
        if self.game == "xgalaga":
            return xgalaga_score(self.font, frame)
        if self.game == "moon-buggy":
            return moon_buggy_score(self.font, frame)
        if self.game == "xjump":
            value = xjump_floor(
                self.font, frame, [self.last, *range(self.last + 1, self.last + 6), 0, 1]
            )
            self.last = self.last if value is None else value
            return value
        value = self.devtools.evaluate("window.globalConstants && window.globalConstants.score")
        return None if value is None else int(value)

    def close(self) -> None:
        if self.font is not None:
            self.font.close()
        if self.devtools is not None:
            self.devtools.close()


def record(game: str, display: str, seed: int) -> dict[str, np.ndarray]:
    path = CALIBRATION / f"{game}.toml"
    profile = load_profile(path)
    if game == "pacman-html":
        # DevTools for the truth: the port chromium picks is written into its profile folder.
        launch = dataclasses.replace(
            profile.launch, command=(*profile.launch.command, "--remote-debugging-port=0")
        )
        profile = dataclasses.replace(profile, launch=launch)
    session = open_session(profile, source_path=path, launch=True)
    screen = session.screen
    rng = np.random.default_rng(seed)
    weights, hold_s = POLICY[game]
    p = np.array(weights, float) / sum(weights)
    region = profile.regions["score"]
    crops, times, truths, episodes = [], [], [], []
    truth = None
    try:
        session.reset()
        truth = Truth(game, display, session.launched)
        episode, over_at, restarted_at = 0, None, None
        start = time.monotonic()
        next_tick, action, action_until = start, 0, 0.0
        while True:
            now = time.monotonic()
            if restarted_at is not None and now - restarted_at > AFTER_RESTART_S:
                break
            if over_at is None and now - start > MAX_PLAY_S:
                raise AssertionError(f"{game}: no game over within {MAX_PLAY_S:.0f} s")
            if over_at is not None and restarted_at is None and now - over_at > 2.0:
                screen.sink.restart()
                screen.reader.reset()
                episode, restarted_at = 1, time.monotonic()
                continue
            if over_at is None or restarted_at is not None:
                if now >= action_until:
                    action, action_until = int(rng.choice(len(p), p=p)), now + hold_s
                screen.sink.apply(action)
            else:
                screen.sink.apply(profile.noop_action)
            frame = screen.source.grab()
            event = screen.reader.read(frame.pixels, frame.time)
            if event.game_over and over_at is None:
                over_at = time.monotonic()
            value = truth.read(frame.pixels)
            crops.append(frame.pixels[region.y : region.bottom, region.x : region.right].copy())
            times.append(frame.time)
            truths.append(UNREAD if value is None else value)
            episodes.append(episode)
            next_tick += 1 / FPS
            time.sleep(max(0.0, next_tick - time.monotonic()))
    finally:
        if truth is not None:
            truth.close()
        session.close()
    return {
        "crop_score": np.stack(crops),
        "t": np.array(times),
        "truth": np.array(truths, dtype=np.int64),
        "episode": np.array(episodes, dtype=np.int64),
    }


@pytest.mark.e2e
@pytest.mark.parametrize("game", GAMES)
def test_record(game: str, xvfb_display: Any, keyboard: Any) -> None:
    data = record(game, xvfb_display.name, seed=GAMES.index(game))
    values = data["truth"][data["truth"] != UNREAD]
    changes = int(np.count_nonzero(np.diff(values)))
    unread = int(np.count_nonzero(data["truth"] == UNREAD))
    print(f"\n{game}: {len(data['t'])} frames, {changes} score changes, {unread} unread")
    assert changes >= 3, "too few score changes: record again (another seed)"
    recording_path(game).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(recording_path(game), **data)
    print(f"  {recording_path(game)}: {recording_path(game).stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-s"]))


DIGIT_FONTS = {
    # profile name: (X core font the game draws its score with, characters a score may hold)
    "xgalaga": ("6x10", "0123456789"),
    "moon-buggy": ("10x20", "0123456789-"),
}


@pytest.mark.e2e
@pytest.mark.parametrize("game", sorted(DIGIT_FONTS))
def test_digit_templates(game: str, xvfb_display: Any) -> None:
    """calibration/GAME-digits.npz: each character as the X server draws it in the game's
    font (the ``templates`` of the profile's ``digits`` rule), not learnt from play."""
    from screen_agent.reward import DigitReader
    from screen_agent.reward.digits import glyphs

    name, chars = DIGIT_FONTS[game]
    font = XFont(xvfb_display.name, name)
    try:
        templates = {c: glyphs(font.mask(c, 2 * font.height))[0] for c in chars}
    finally:
        font.close()
    path = CALIBRATION / f"{game}-digits.npz"
    DigitReader(templates).save(path)
    print(f"\n{path}: {', '.join(f'{c} {t.shape}' for c, t in templates.items())}")
