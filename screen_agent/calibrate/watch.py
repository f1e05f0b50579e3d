"""What a calibration watched: frames of the game window's client area, with their times and
the keys held, kept compactly in memory.

A minute of a 900x700 window at 10 frames per second is 1.1 GB of raw pixels, so
:class:`FrameStore` keeps each frame PNG-encoded (lossless, a few kB for a game on a plain
background) and decodes it when it is read again; the analyses go through the frames a few
times, in order.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from screen_agent.capture.frame import FrameSource
from screen_agent.capture.recorded import INDEX, PROFILE
from screen_agent.errors import UserError
from screen_agent.files import atomic_write_text
from screen_agent.profile import GameProfile, save_profile

PNG_LEVEL = 1
"""PNG compression level for stored frames: 1 encodes a 900x700 frame in a few ms."""


class FrameStore(Sequence[np.ndarray]):
    """(H, W, 3) uint8 RGB frames, all of one size, stored PNG-encoded."""

    def __init__(self) -> None:
        self._encoded: list[bytes] = []
        self.shape: tuple[int, int] | None = None
        """(height, width) of every frame, pixels; None while empty."""
        self._last: tuple[int, np.ndarray] | None = None

    def append(self, frame: np.ndarray) -> None:
        """Add a frame (copied by the encoding; the caller may reuse its array)."""
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(
                f"expected an (H, W, 3) uint8 RGB frame, got {frame.dtype} {frame.shape}"
            )
        if self.shape is None:
            self.shape = (int(frame.shape[0]), int(frame.shape[1]))
        elif frame.shape[:2] != self.shape:
            raise UserError(
                f"the window changed size while it was watched ({self.shape[1]}x{self.shape[0]} "
                f"to {frame.shape[1]}x{frame.shape[0]}); keep its size fixed and calibrate again"
            )
        bgr = cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)
        ok, png = cv2.imencode(".png", bgr, [cv2.IMWRITE_PNG_COMPRESSION, PNG_LEVEL])
        if not ok:
            raise RuntimeError("cannot encode a frame as PNG")
        self._encoded.append(png.tobytes())

    def __len__(self) -> int:
        return len(self._encoded)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        if self._last is not None and self._last[0] == i:
            return self._last[1]
        bgr = cv2.imdecode(np.frombuffer(self._encoded[i], np.uint8), cv2.IMREAD_COLOR)
        frame = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        frame.flags.writeable = False
        self._last = (i, frame)
        return frame

    def __iter__(self) -> Iterator[np.ndarray]:
        for i in range(len(self)):
            yield self[i]

    @property
    def nbytes(self) -> int:
        """Bytes held by the encoded frames."""
        return sum(len(e) for e in self._encoded)


@dataclass
class Watch:
    """Frames of the window's client area, as a calibration watched them."""

    frames: Sequence[np.ndarray]
    """(H, W, 3) uint8 RGB, all of one size: the frame the profile's regions are measured in."""
    times: np.ndarray
    """(N,) seconds, increasing (any origin)."""
    held: Sequence[frozenset[str]] = field(default_factory=list)
    """The keys held (pressed by the driver, or by the person playing) at each frame; empty
    when not known."""

    def __post_init__(self) -> None:
        self.times = np.asarray(self.times, dtype=np.float64)
        if len(self.times) != len(self.frames):
            raise ValueError(f"{len(self.frames)} frames but {len(self.times)} times")
        if self.held and len(self.held) != len(self.frames):
            raise ValueError(f"{len(self.frames)} frames but {len(self.held)} key sets")

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of the frames, pixels."""
        first = self.frames[0]
        return (int(first.shape[0]), int(first.shape[1]))

    @property
    def fps(self) -> float:
        """Frames per second, from the median interval."""
        if len(self.times) < 2:
            return 10.0
        return 1.0 / max(1e-3, float(np.median(np.diff(self.times))))

    @property
    def seconds(self) -> float:
        """How long the watch lasted, seconds."""
        return float(self.times[-1] - self.times[0]) if len(self.times) else 0.0

    def save(self, folder: str | os.PathLike[str], profile: GameProfile) -> None:
        """Write the watch as a capture recording (``capture.RecordedSource`` replays it; see
        :mod:`screen_agent.capture.recorded`), with the keys held per frame in its index."""
        out = Path(folder)
        if out.exists() and any(out.iterdir()):
            raise UserError(f"{out} is not empty; save the watch into a new folder")
        out.mkdir(parents=True, exist_ok=True)
        save_profile(profile, out / PROFILE)
        files = []
        for i, frame in enumerate(self.frames):
            name = f"frame_{i:06d}.png"
            if not cv2.imwrite(str(out / name), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)):
                raise UserError(f"cannot write {out / name}; check the disk space")
            files.append(name)
        height, width = self.shape
        index = {
            "format": 1,
            "area": {"x": 0, "y": 0, "width": width, "height": height},
            "times": [float(t) for t in self.times],
            "files": files,
            "held": [sorted(keys) for keys in self.held],
        }
        atomic_write_text(out / INDEX, json.dumps(index))

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> Watch:
        """A watch saved by :meth:`save` (or any capture recording of a whole window)."""
        from screen_agent.capture.recorded import RecordedSource

        watch = cls.from_source(RecordedSource(folder, region=None))
        held = json.loads((Path(folder) / INDEX).read_text()).get("held")
        if held and len(held) == len(watch):
            watch.held = [frozenset(keys) for keys in held]
        return watch

    @classmethod
    def from_source(cls, source: FrameSource, count: int | None = None) -> Watch:
        """Every frame of a finite source (a ``capture.RecordedSource``: it raises EOFError
        after its last frame), or its first ``count``."""
        store = FrameStore()
        times: list[float] = []
        while count is None or len(times) < count:
            try:
                frame = source.grab()
            except EOFError:
                break
            store.append(frame.pixels)
            times.append(frame.time)
        if not times:
            raise UserError("the recording has no frames")
        return cls(store, np.asarray(times))
