"""Recordings: frames saved to disk by :func:`record`, replayed by :class:`RecordedSource`.

A recording is a folder:

- ``profile.toml``: the profile it was recorded with (so it describes itself);
- ``frame_000000.png``, ...: RGB frames of the window's whole client area (for absolute
  profiles: the bounding box of all regions), losslessly compressed;
- ``frames.json``: ``area`` (the rectangle the frames cover, in the profile's coordinates),
  ``times`` (``time.monotonic()`` seconds of each grab) and ``files``.

Recording the whole client area rather than each region keeps one grab per tick and lets any
region, even one added after the recording, be cropped from it later.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import cv2
import numpy as np

from screen_agent.capture.frame import Frame, FrameSource, crop
from screen_agent.errors import UserError
from screen_agent.files import atomic_write_text
from screen_agent.geometry import Region
from screen_agent.profile import GameProfile, ProfileError, load_profile, save_profile

INDEX = "frames.json"
PROFILE = "profile.toml"
PNG_LEVEL = 1
"""PNG compression level: 1 encodes a 400x560 frame in a few ms, well inside a 66 ms tick."""


def record(
    profile: GameProfile,
    seconds: float,
    out_dir: str | os.PathLike[str],
    source: FrameSource,
    area: Region | None = None,
) -> int:
    """Grab frames from ``source`` at the profile's decision rate for ``seconds``.

    Args:
        profile: the game's profile.
        seconds: how long to record.
        out_dir: a new or empty folder for the recording.
        source: where frames come from: a session's capture, which grabs the window's whole
            client area (for absolute profiles: the bounding box of all regions).
        area: the rectangle the frames cover, in the profile's coordinates (default: the
            client area for window profiles, else the regions' bounding box).

    Returns the number of frames saved. A tick that comes late is not made up for: frames keep
    their real grab times, so a replay shows the same timing. The caller closes ``source``.
    """
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise UserError(f"{out} is not empty; record into a new folder")
    out.mkdir(parents=True, exist_ok=True)
    save_profile(profile, out / PROFILE)
    times: list[float] = []
    files: list[str] = []
    interval = profile.decision_interval
    try:
        start = time.monotonic()
        count = max(1, round(seconds * profile.decisions_per_second))
        for i in range(count):
            # Absolute deadlines: a slow tick does not push every later one back.
            delay = start + i * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            frame = source.grab()
            if area is None:
                height, width = frame.pixels.shape[:2]
                area = (
                    Region(0, 0, width, height)
                    if profile.window is not None
                    else Region.bounding(profile.regions.values())
                )
            name = f"frame_{i:06d}.png"
            bgr = cv2.cvtColor(frame.pixels, cv2.COLOR_RGB2BGR)
            if not cv2.imwrite(str(out / name), bgr, [cv2.IMWRITE_PNG_COMPRESSION, PNG_LEVEL]):
                raise UserError(f"cannot write {out / name}; check the disk space and permissions")
            times.append(frame.time)
            files.append(name)
    finally:
        area = area or profile.game
        index = {"format": 1, "area": _region_dict(area), "times": times, "files": files}
        atomic_write_text(out / INDEX, json.dumps(index))
    return len(files)


class RecordedSource:
    """Replays a recording's frames, cropped to one region, with their recorded times."""

    def __init__(
        self,
        folder: str | os.PathLike[str],
        region: str | Region | None = "game",
        *,
        loop: bool = False,
    ) -> None:
        """
        Args:
            folder: a folder written by :func:`record`.
            region: a region name of the recording's profile, a Region in the profile's
                coordinates, or None for the whole recorded area.
            loop: start again after the last frame (times keep increasing) instead of
                raising EOFError.
        """
        self.folder = Path(folder)
        try:
            index = json.loads((self.folder / INDEX).read_text())
        except FileNotFoundError:
            raise UserError(
                f"{self.folder}: not a recording (no {INDEX}); make one with record()"
            ) from None
        self.profile = load_profile(self.folder / PROFILE)
        self.area = Region(**index["area"])
        self.times = np.asarray(index["times"], dtype=np.float64)
        self.files = [self.folder / f for f in index["files"]]
        if not self.files:
            raise UserError(f"{self.folder}: the recording has no frames; record again for longer")
        if isinstance(region, str):
            if region not in self.profile.regions:
                raise ProfileError(
                    f"{self.folder / PROFILE}: regions.{region}: no such region; use one of {', '.join(self.profile.regions)}"
                )
            region = self.profile.regions[region]
        # Regions are in the profile's coordinates; the frames start at the area's corner.
        self.region = None if region is None else region.offset(-self.area.x, -self.area.y)
        self.loop = loop
        self._next = 0
        # One loop lasts the recording plus one mean interval, so replayed times stay monotonic.
        step = (
            float(np.diff(self.times).mean())
            if len(self.times) > 1
            else self.profile.decision_interval
        )
        self._period = float(self.times[-1] - self.times[0]) + step

    def __len__(self) -> int:
        return len(self.files)

    def grab(self) -> Frame:
        """The next frame (EOFError after the last one unless ``loop``)."""
        i = self._next
        if i >= len(self.files) and not self.loop:
            raise EOFError(f"{self.folder}: the recording ended after {len(self.files)} frames")
        passes, index = divmod(i, len(self.files))
        self._next += 1
        bgr = cv2.imread(str(self.files[index]), cv2.IMREAD_COLOR)
        if bgr is None:
            raise UserError(f"cannot read {self.files[index]}; the recording is damaged")
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        if self.region is not None:
            rgb = np.ascontiguousarray(crop(rgb, self.region))
        return Frame(rgb, float(self.times[index]) + passes * self._period)

    def close(self) -> None:
        """Nothing to release (frames are read one at a time)."""


def _region_dict(region: Region) -> dict[str, int]:
    return {"x": region.x, "y": region.y, "width": region.width, "height": region.height}
