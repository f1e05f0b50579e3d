"""Following one small box of the window through a watch: the pictures it settled on.

A score is drawn, stays for a while, and is redrawn in one step. :func:`track_boxes` crops
boxes from every frame in one pass, keeping a crop only when it differs from the box's
previous one; :func:`settled_states` turns that into the pictures the box *settled* on (the
same for at least ``settle`` frames in a row) and the frames each lasted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from screen_agent.calibrate.changes import changed
from screen_agent.calibrate.watch import Watch
from screen_agent.geometry import Region

MAX_CHANGE_SHARE = 0.5
"""A box that changes on more than this share of the frames is not followed further (it is
part of the play, not a score): this keeps the memory of a busy box bounded."""


@dataclass
class BoxTrack:
    """The crops of one box, kept where they changed."""

    box: Region
    """In the frame's coordinates."""
    frames: int = 0
    """Frames seen."""
    changes: list[int] = field(default_factory=list)
    """Indices of the frames whose crop differs from the previous frame's (frame 0 included)."""
    crops: list[np.ndarray] = field(default_factory=list)
    """The crop at each of :attr:`changes`."""
    busy: bool = False
    """True once it changed too often to be a score (then crops are no longer kept)."""

    def crop_at(self, frame: int) -> np.ndarray:
        """The box's crop on frame ``frame``."""
        k = int(np.searchsorted(self.changes, frame, side="right")) - 1
        return self.crops[k]


def _differs(a: np.ndarray, b: np.ndarray) -> bool:
    """Some pixel moved by more than the change level in some channel."""
    if np.array_equal(a, b):
        return False
    return bool(changed(a, b).any())


def track_boxes(watch: Watch, boxes: Sequence[Region]) -> list[BoxTrack]:
    """Follow every box of ``boxes`` through the watch (one pass over its frames).

    A box changed on a frame if any of its pixels changed since the previous frame (read from
    the frame's change mask through an integral image, so each box costs four lookups)."""
    tracks = [BoxTrack(b) for b in boxes]
    limit = MAX_CHANGE_SHARE * max(1, len(watch))
    previous: np.ndarray | None = None
    for i, frame in enumerate(watch.frames):
        sums = None
        if previous is not None:
            sums = cv2.integral(changed(frame, previous).astype(np.uint8))
        previous = frame
        for track in tracks:
            track.frames += 1
            if track.busy:
                continue
            b = track.box
            if sums is not None:
                moved = (
                    sums[b.bottom, b.right]
                    - sums[b.y, b.right]
                    - sums[b.bottom, b.x]
                    + sums[b.y, b.x]
                )
                if moved == 0:
                    continue
            track.changes.append(i)
            track.crops.append(np.array(frame[b.y : b.bottom, b.x : b.right]))
            if len(track.changes) > limit:
                track.busy = True
                track.crops.clear()
    return tracks


@dataclass(frozen=True)
class State:
    """A picture the box settled on, for one run of frames."""

    start: int
    """First frame of the run."""
    stop: int
    """One past its last frame."""
    crop: np.ndarray
    """The picture, (h, w, 3) uint8 RGB."""

    @property
    def frames(self) -> int:
        return self.stop - self.start


def settled_states(track: BoxTrack, settle: int = 2) -> list[State]:
    """The runs of at least ``settle`` frames on which the box's picture stayed the same, in
    order (consecutive runs may show the same picture after a flicker)."""
    if track.busy or not track.changes:
        return []
    bounds = [*track.changes, track.frames]
    return [
        State(start, stop, crop)
        for start, stop, crop in zip(bounds[:-1], bounds[1:], track.crops, strict=True)
        if stop - start >= settle
    ]


def merge_repeats(states: list[State]) -> list[State]:
    """Join consecutive states that show the same picture (a flicker between them, e.g. a
    sprite passing over a score that did not change)."""
    out: list[State] = []
    for state in states:
        if out and not _differs(out[-1].crop, state.crop):
            out[-1] = State(out[-1].start, state.stop, out[-1].crop)
        else:
            out.append(state)
    return out
