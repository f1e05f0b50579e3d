"""Re-create the recorded sessions in ``tests/data`` (run by hand, not part of the suite):

    .venv/bin/python -m pytest tests/reward/record_sessions.py -q -s

Each session runs a bundled game on a private Xvfb display (the e2e fixtures), grabs its
client area with mss at about 15 frames per second while pressing keys with pyautogui, keeps
only the crops the reward tests read, and labels every frame with the true score from the
game's status file (see ``recordings.py`` for the method). The file name does not match
``test_*.py``, so the normal test run never collects it.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from e2e_fixtures import Keys
from recordings import CATCH_REGIONS, PONG_REGIONS, distinct_samples, label, path_of

# The e2e fixtures (xvfb_display, arcade_window, screen, keyboard) come from tests/conftest.py.

FPS = 15.0
"""Grab rate, frames per second: the profiles' decision rate."""
WHITE = (255, 255, 255)


def _mask(image: np.ndarray, colour: tuple[int, int, int], tolerance: int = 8) -> np.ndarray:
    return (np.abs(image.astype(np.int16) - np.array(colour)) <= tolerance).all(axis=2)


def _record(
    window: Any,
    grab: Any,
    keyboard: Any,
    regions: dict[str, tuple[int, int, int, int]],
    policy: Any,
    seconds_after_restart: float,
    max_seconds: float,
) -> dict[str, np.ndarray]:
    """Grab at FPS, let ``policy(image, status) -> key`` play; restart 2 s after game over and
    stop ``seconds_after_restart`` later. Returns the raw arrays."""
    keys = Keys(keyboard)
    crops: dict[str, list[np.ndarray]] = {name: [] for name in regions}
    t: list[float] = []
    samples: list[dict[str, Any]] = []
    over_since = restarted_at = None
    start = time.monotonic()
    next_tick = start
    try:
        while time.monotonic() - start < max_seconds:
            next_tick += 1.0 / FPS
            image = grab(window.region)
            t.append(time.monotonic())
            status = window.status()
            samples.append(status)
            for name, (x, y, w, h) in regions.items():
                crops[name].append(image[y : y + h, x : x + w].copy())
            now = time.monotonic()
            if restarted_at is not None:
                if now - restarted_at > seconds_after_restart:
                    break
                keys.hold(policy(image, status))
            elif status["game_over"]:
                keys.hold(None)
                over_since = over_since or now
                if now - over_since > 2.0:
                    keyboard.press("space")
                    restarted_at = now
            else:
                keys.hold(policy(image, status))
            time.sleep(max(0.0, next_tick - time.monotonic()))
    finally:
        keys.hold(None)
    assert restarted_at is not None, "the game never ended: record longer"
    return {
        **{f"crop_{k}": np.stack(v) for k, v in crops.items()},
        "t": np.array(t),
        "status_t": np.array([s["time"] for s in samples]),
        "status_score": np.array([s["score"] for s in samples], dtype=np.int64),
        "status_over": np.array([s["game_over"] for s in samples], dtype=bool),
    }


def _save(game: str, raw: dict[str, np.ndarray], channels: Any) -> None:
    # The raw arrays too (not committed), so a refused labelling can be looked into.
    np.savez(Path(tempfile.gettempdir()) / f"reward-{game}-raw.npz", **raw)
    status_t, score, over = distinct_samples(
        raw["status_t"], raw["status_score"], raw["status_over"]
    )
    crops = {k.removeprefix("crop_"): v for k, v in raw.items() if k.startswith("crop_")}
    truth = label(crops, raw["t"], status_t, channels(score, over), over)
    keep = {k: v for k, v in raw.items() if k.startswith("crop_") or k == "t"}
    path_of(game).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path_of(game), **keep, **truth)
    print(f"\n{game}: {len(raw['t'])} frames, {path_of(game).stat().st_size / 1e6:.2f} MB")
    for k, v in truth.items():
        print(f"  {k}: {np.unique(v)}")


def pong_channels(score: np.ndarray, over: np.ndarray) -> dict[str, np.ndarray]:
    # The status holds the net score (player minus opponent): a +1 step is the player's
    # point, -1 the opponent's; a step after game over is the restart to 0-0.
    player, opponent = np.zeros_like(score), np.zeros_like(score)
    for k in range(1, len(score)):
        step = score[k] - score[k - 1]
        if over[k - 1] and not over[k]:
            player[k] = opponent[k] = 0
            continue
        assert step in (-1, 0, 1), f"two points between status samples at {k}"
        player[k] = player[k - 1] + (step == 1)
        opponent[k] = opponent[k - 1] + (step == -1)
    return {"score_player": player, "score_opponent": opponent}


def test_record_catch(arcade_window: Any, screen: Any, keyboard: Any) -> None:
    window = arcade_window("catch", (40, 40), seed=3)
    rng = np.random.default_rng(3)
    cell = window.geometry["WIDTH"] // 10
    intent = {"balls": -1, "catch": True}

    def policy(image: np.ndarray, status: dict[str, Any]) -> str | None:
        # Decide per ball whether to catch it (60%) or let it fall, so both signs occur.
        if status["balls"] != intent["balls"]:
            intent.update(balls=status["balls"], catch=bool(rng.random() < 0.6))
        field = _mask(image[2 * cell :], WHITE)
        paddle_xs = np.nonzero(field[11 * cell :].any(axis=0))[0]
        ball_xs = np.nonzero(field[: 11 * cell].any(axis=0))[0]
        if not paddle_xs.size or not ball_xs.size:
            return None
        paddle, ball = paddle_xs.min() // cell, int(ball_xs.mean()) // cell
        if not intent["catch"]:
            return "right" if ball < 5 else "left"
        if ball < paddle:
            return "left"
        return "right" if ball > paddle + 1 else None

    raw = _record(window, screen, keyboard, CATCH_REGIONS, policy, 6.0, 40.0)
    _save("catch", raw, lambda score, over: {"score": score})


def test_record_pong(arcade_window: Any, screen: Any, keyboard: Any) -> None:
    window = arcade_window("pong", (40, 40), seed=5, speed=2)
    rng = np.random.default_rng(5)
    scale = window.geometry["WIDTH"] // 160

    def policy(image: np.ndarray, status: dict[str, Any]) -> str | None:
        # Follow the ball, with some random moves so the opponent scores too.
        if rng.random() < 0.3:
            return [None, "up", "down"][int(rng.integers(3))]
        field = image[34 * scale : 194 * scale]
        ball = np.nonzero(_mask(field[:, : 140 * scale], (236, 236, 236)))[0]
        paddle = np.nonzero(_mask(field[:, 140 * scale :], (92, 186, 92)))[0]
        if not ball.size or not paddle.size:
            return None
        gap = ball.mean() - paddle.mean()
        return "up" if gap < -4 * scale else "down" if gap > 4 * scale else None

    raw = _record(window, screen, keyboard, PONG_REGIONS, policy, 3.0, 200.0)

    _save("pong", raw, pong_channels)


def relabel(game: str, raw_path: str) -> None:
    """Label and save a raw recording again (after changing the labelling, say)."""
    with np.load(raw_path) as data:
        raw = dict(data)
    _save(game, raw, pong_channels if game == "pong" else lambda score, over: {"score": score})


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-s"]))
