"""Recorded sessions of real third-party games for the calibration tests: a compact format
for whole client-area frames, and the ground truth stored with them.

A recording (``tests/data/calibrate/<game>.npz``) holds every grabbed frame of the game
window's whole client area, losslessly, in a few hundred kB: each frame's pixels are
indices into one ``palette`` (these games draw with a few dozen colours), and each frame is
stored as the pixels whose index changed since the previous frame (positions and new
indices, packed with lzma). Beside the frames:

- ``times``: grab times, seconds (``time.monotonic()``, taken just after each grab);
- ``held``: the random keys held while each frame was grabbed (bit ``i`` = ``key_names[i]``);
- ``game_over``: True on frames grabbed while the game was over (its game-over screen shown),
  found by the game's own indicator (see ``record_games.py``) and checked by eye;
- ``score``, ``score_shown``: the score on the screen on each frame, and whether it is shown
  in full (read by ``label_scores`` in ``record_games.py``: templates made from frames whose
  score was read by eye, then every frame read with them and the sequence checked);
- ``score_region``: the true score region ``(x, y, width, height)`` measured by hand.

``record_games.py`` re-records them (by hand, not part of the suite).
"""

from __future__ import annotations

import lzma
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from screen_agent.geometry import Region

DATA = Path(__file__).resolve().parents[1] / "data" / "calibrate"
"""``tests/data/calibrate``: where the recordings are committed."""


def path_of(game: str) -> Path:
    return DATA / f"{game}.npz"


def pack_frames(frames: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """The packed arrays of (H, W, 3) uint8 RGB ``frames`` (all one size): the ``palette``,
    and per frame the pixels whose colour index differs from the previous frame's
    (``counts``; ``steps``: gaps between their flat positions; ``values``: new indices)."""
    keys = [_keys(f) for f in frames]
    palette_keys = np.unique(np.concatenate([np.unique(k) for k in keys]))
    dtype = np.uint8 if len(palette_keys) <= 256 else np.uint16
    previous = np.full(frames[0].shape[:2], -1, np.int32)
    counts, steps, values = [], [], []
    for k in keys:
        index = np.searchsorted(palette_keys, k).astype(np.int32)
        where = np.flatnonzero(index != previous)
        counts.append(len(where))
        steps.append(np.diff(where, prepend=-1).astype(np.uint32))
        values.append(index.ravel()[where].astype(dtype))
        previous = index
    palette = np.stack(
        [(palette_keys >> 16) & 255, (palette_keys >> 8) & 255, palette_keys & 255], axis=1
    ).astype(np.uint8)
    return {
        "palette": palette,
        "shape": np.asarray(frames[0].shape[:2]),
        "counts": np.asarray(counts, np.int64),
        "steps": np.concatenate(steps),
        "values": np.concatenate(values),
    }


def _keys(frame: np.ndarray) -> np.ndarray:
    f = frame.astype(np.uint32)
    return (f[..., 0] << 16) | (f[..., 1] << 8) | f[..., 2]


class PackedFrames(Sequence[np.ndarray]):
    """The frames of a packed recording, decoded when indexed: (H, W, 3) uint8 RGB each.

    Decoding runs forward from the nearest of the checkpoints kept every
    :attr:`CHECKPOINT` frames, so going through the frames in order is cheap."""

    CHECKPOINT = 64

    def __init__(self, packed: dict[str, np.ndarray]) -> None:
        self.palette = packed["palette"]
        rgba = np.zeros((len(self.palette), 4), np.uint8)
        rgba[:, :3] = self.palette
        self._palette32 = rgba.view(np.uint32).ravel()
        """Each colour as one 4-byte word: gathering words is twice as fast as RGB rows."""
        self.shape = tuple(int(v) for v in packed["shape"])
        counts = packed["counts"]
        self._starts = np.concatenate([[0], np.cumsum(counts)])
        self._steps = packed["steps"]
        self._values = packed["values"]
        self._checkpoints: dict[int, np.ndarray] = {}
        index = np.zeros(self.shape[0] * self.shape[1], self._values.dtype)
        for i in range(len(counts)):
            self._apply(index, i)
            if i % self.CHECKPOINT == 0:
                self._checkpoints[i] = index.copy()
        self._current = (-1, index)

    def _apply(self, index: np.ndarray, i: int) -> None:
        a, b = self._starts[i], self._starts[i + 1]
        where = np.cumsum(self._steps[a:b].astype(np.int64)) - 1
        index[where] = self._values[a:b]

    def __len__(self) -> int:
        return len(self._starts) - 1

    def indices(self, i: int) -> np.ndarray:
        """Frame ``i``'s palette indices, (H, W)."""
        if not 0 <= i < len(self):
            raise IndexError(i)
        at, index = self._current
        if not at <= i or i - at > self.CHECKPOINT:
            at = i - i % self.CHECKPOINT
            index = self._checkpoints[at].copy()
        for j in range(at + 1, i + 1):
            self._apply(index, j)
        self._current = (i, index)
        return index.reshape(self.shape)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        rgba = np.take(self._palette32, self.indices(int(i)))
        return cv2.cvtColor(rgba.view(np.uint8).reshape(*self.shape, 4), cv2.COLOR_RGBA2RGB)

    def __iter__(self) -> Iterator[np.ndarray]:
        for i in range(len(self)):
            yield self[i]


@dataclass
class GameRecording:
    """A loaded recording with its ground truth."""

    game: str
    frames: PackedFrames
    times: np.ndarray
    """(N,) seconds."""
    held: list[tuple[str, ...]]
    """The keys held while each frame was grabbed."""
    game_over: np.ndarray
    """(N,) bool."""
    score: np.ndarray
    """(N,) int: the score shown (meaningless where ``score_shown`` is False)."""
    score_shown: np.ndarray
    """(N,) bool: the score is shown in full on the frame."""
    score_region: Region
    """The true score region, measured by hand."""

    def __len__(self) -> int:
        return len(self.times)

    def over_spans(self) -> list[tuple[int, int]]:
        """``[start, stop)`` frame ranges of each stretch of game-over frames."""
        edges = np.flatnonzero(np.diff(np.concatenate([[0], self.game_over.astype(int), [0]])))
        return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def save_recording(path: Path, packed: dict[str, np.ndarray], **arrays: np.ndarray) -> None:
    """Write a recording: the frames' changes packed with lzma (far smaller than deflate on
    these), the rest with deflate."""
    path.parent.mkdir(parents=True, exist_ok=True)
    stored = {k: v for k, v in packed.items() if k not in ("steps", "values")}
    for key in ("steps", "values"):
        stored[f"{key}_xz"] = np.frombuffer(lzma.compress(packed[key].tobytes()), np.uint8)
        stored[f"{key}_dtype"] = np.asarray(str(packed[key].dtype))
    np.savez_compressed(path, **stored, **arrays)


PACKED = ("palette", "shape", "counts", "steps", "values")


def load_arrays(game: str) -> dict[str, np.ndarray]:
    """The arrays of a recording, the frames' changes unpacked (``steps``, ``values``)."""
    with np.load(path_of(game)) as data:
        arrays = {k: data[k] for k in data.files}
    for key in ("steps", "values"):
        raw = lzma.decompress(arrays.pop(f"{key}_xz").tobytes())
        arrays[key] = np.frombuffer(raw, np.dtype(str(arrays.pop(f"{key}_dtype"))))
    return arrays


def load_recording(game: str) -> GameRecording:
    """Load ``tests/data/calibrate/<game>.npz`` (with its ground truth)."""
    data = load_arrays(game)
    names = [str(n) for n in data["key_names"]]
    held = [tuple(n for b, n in enumerate(names) if int(mask) >> b & 1) for mask in data["held"]]
    return GameRecording(
        game,
        PackedFrames({k: data[k] for k in PACKED}),
        data["times"],
        held,
        data["game_over"].astype(bool),
        data["score"],
        data["score_shown"].astype(bool),
        Region(*(int(v) for v in data["score_region"])),
    )
