"""Recorded arcade sessions for the reward tests: where they live, how they are labelled.

A recording (``tests/data/reward-<game>.npz``) holds, per grabbed frame, the crops of a few
regions of the window's client area (``crop_<region>``, uint8 RGB), the grab time ``t``
(``time.monotonic()`` seconds, taken just after the grab), and the ground truth written by
:func:`label` when the session was recorded: ``truth_<channel>`` (the score shown on that
frame), ``episode`` (increments on the first frame of a new game) and ``game_over``
(1 shown, 0 not shown, -1 unknown: within the game's status-file resolution of the switch).

Ground truth comes from the game, not from the reader under test: each game rewrites a status
file (``--status-file``) with its score at most every 0.2 s, and the recorder reads it after
every grab. The score is known on every frame grabbed before the last status sample that
still shows the old value, and on every frame grabbed at least ``PAINT_LAG_S`` after the first
sample with the new one. The few frames in between (at most 0.3 s) are pinned by pixels: the
change frame is the one frame transition inside that window where the channel's region changed
(the games draw a new score in one paint, with no animation); :func:`label` refuses a window
with none or with more than one, and refuses any pixel change of a score region outside those
windows, so a mislabelled session cannot be written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "data"
"""``tests/data``: where the recordings are committed."""

PAINT_LAG_S = 0.1
"""Upper bound of the time from a game's state change to its pixels on screen, seconds
(one timer tick plus one paint, a few ms here; generous on purpose)."""

CATCH_REGIONS: dict[str, tuple[int, int, int, int]] = {
    "score": (273, 8, 121, 64),
    "banner": (50, 270, 300, 100),
}
"""Crops kept of Catch's 400x560 client area (as in calibration/arcade-catch.toml)."""

PONG_REGIONS: dict[str, tuple[int, int, int, int]] = {
    "score_opponent": (57, 0, 90, 66),
    "score_player": (297, 0, 90, 66),
}
"""Crops kept of Pong's 480x630 client area (as in calibration/arcade-pong.toml)."""


@dataclass(frozen=True)
class Session:
    """A loaded recording."""

    crops: dict[str, np.ndarray]
    """Region name -> (N, h, w, 3) uint8 RGB frames."""
    t: np.ndarray
    """(N,) grab times, seconds."""
    truth: dict[str, np.ndarray]
    """Channel (region name) -> (N,) int score shown."""
    episode: np.ndarray
    """(N,) game index; a change marks a restart (call the reader's reset there)."""
    game_over: np.ndarray
    """(N,) 1 / 0 / -1 (unknown)."""

    def __len__(self) -> int:
        return len(self.t)


def path_of(game: str) -> Path:
    return DATA / f"reward-{game}.npz"


def load_session(game: str) -> Session:
    """Load ``tests/data/reward-<game>.npz``."""
    with np.load(path_of(game)) as data:
        crops = {k.removeprefix("crop_"): data[k] for k in data.files if k.startswith("crop_")}
        truth = {k.removeprefix("truth_"): data[k] for k in data.files if k.startswith("truth_")}
        return Session(crops, data["t"], truth, data["episode"], data["game_over"])


def changed(frames: np.ndarray) -> np.ndarray:
    """(N,) bool: frame i differs from frame i-1 in any pixel (False for frame 0)."""
    out = np.zeros(len(frames), dtype=bool)
    out[1:] = (frames[1:] != frames[:-1]).reshape(len(frames) - 1, -1).any(axis=1)
    return out


def _change_windows(
    t: np.ndarray, status_t: np.ndarray, status_v: np.ndarray
) -> list[tuple[int, int, int, int]]:
    """For each status change: (first frame index that may show it, first that must, delta,
    index of the first status sample with the new value).

    ``status_t``/``status_v``: the distinct status samples in time order.
    """
    windows = []
    for k in range(1, len(status_v)):
        if status_v[k] == status_v[k - 1]:
            continue
        lo = int(np.searchsorted(t, status_t[k - 1], side="right"))  # after the old sample
        hi = int(np.searchsorted(t, status_t[k] + PAINT_LAG_S, side="left"))
        windows.append((lo, hi, int(status_v[k] - status_v[k - 1]), k))
    return windows


def pin_changes(
    frames: np.ndarray,
    t: np.ndarray,
    status_t: np.ndarray,
    status_v: np.ndarray,
    status_over: np.ndarray,
) -> list[tuple[int, int, int]]:
    """(frame index, new value, status sample index) of every score change of one region that
    the screen showed, pinned as the module says.

    A change that came with game over may never be drawn (the Atari window stops emulating on
    game over, so Pong's 21st point is never shown): such a window may hold no pixel change,
    and the region keeps its old value.
    """
    moved = changed(frames)
    pinned = []
    claimed = np.zeros(len(frames), dtype=bool)
    for lo, hi, delta, k in _change_windows(t, status_t, status_v):
        # The change shows between frame lo-1 (old for sure) and frame hi (new for sure).
        span = np.arange(max(lo, 1), min(hi, len(frames) - 1) + 1)
        hits = span[moved[span]]
        if len(hits) == 0 and status_over[k] and not status_over[k - 1]:
            continue  # the final point, never drawn
        if len(hits) != 1:
            raise AssertionError(
                f"status change {delta:+d} near t={t[min(lo, len(t) - 1)]:.2f}: "
                f"{len(hits)} pixel changes in frames {span[0]}..{span[-1]}"
            )
        pinned.append((int(hits[0]), int(status_v[k]), k))
        claimed[hits[0]] = True
    stray = np.nonzero(moved & ~claimed)[0]
    if len(stray):
        raise AssertionError(f"score pixels changed without a status change at frames {stray}")
    return pinned


def step_truth(n: int, start: int, changes: list[tuple[int, int, int]]) -> np.ndarray:
    """(N,) score per frame: ``start``, then each pinned change's new value from its frame on."""
    out = np.full(n, start, dtype=np.int64)
    for i, value, _ in sorted(changes):
        out[i:] = value
    return out


def flag_truth(t: np.ndarray, status_t: np.ndarray, status_flag: np.ndarray) -> np.ndarray:
    """(N,) 1/0 where the status flag is known for the frame, -1 within a switch's window."""
    out = np.full(len(t), -1, dtype=np.int8)
    for i, ti in enumerate(t):
        before = np.searchsorted(status_t, ti - PAINT_LAG_S, side="right") - 1
        after = np.searchsorted(status_t, ti, side="left")
        if before < 0 or after >= len(status_t):
            continue
        values = status_flag[before : after + 1]
        if (values == values[0]).all():
            out[i] = int(values[0])
    return out


def label(
    crops: dict[str, np.ndarray],
    t: np.ndarray,
    status_t: np.ndarray,
    channels: dict[str, np.ndarray],
    status_over: np.ndarray,
) -> dict[str, np.ndarray]:
    """Ground truth arrays to save with a session (see the module doc).

    ``channels``: region name -> the score that region shows, per distinct status sample;
    ``status_over``: the game-over flag per sample. A change whose previous sample was game
    over is a restart: ``episode`` increments on its first frame.
    """
    out: dict[str, np.ndarray] = {}
    restarts: list[int] = []
    for name, values in channels.items():
        changes = pin_changes(crops[name], t, status_t, values, status_over)
        out[f"truth_{name}"] = step_truth(len(t), int(values[0]), changes)
        restarts += [index for index, _, k in changes if status_over[k - 1]]
    episode = np.zeros(len(t), dtype=np.int64)
    for index in sorted(set(restarts)):
        episode[index:] += 1
    out["episode"] = episode
    out["game_over"] = flag_truth(t, status_t, status_over.astype(np.int8))
    return out


def distinct_samples(status_t: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """Status samples read after each grab, with repeats of one write dropped."""
    _, keep = np.unique(status_t, return_index=True)
    keep.sort()
    return (status_t[keep], *(c[keep] for c in columns))
