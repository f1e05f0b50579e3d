"""Reading a number drawn on screen: glyphs found by their columns, matched to templates.

A score region is split into glyphs: runs of columns holding foreground pixels (drawn in
``colour``, or simply unlike the border's colour), each cropped to its rows. Each glyph is
compared with a template of every character ``0-9`` and ``-`` of about the same size; the best
match above :data:`MIN_MATCH` names it. Templates come either from the seven-segment geometry
Catch draws with (:func:`seven_segment_templates`) or from a calibration on frames whose value
is known (:meth:`DigitReader.calibrate`), saved next to the profile as ``.npz``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from screen_agent.errors import UserError
from screen_agent.geometry import Region
from screen_agent.reward.pixels import foreground_mask
from screen_agent.reward.seven_segment import DigitBox

CHARS = "0123456789-"
"""What a score can be made of."""
MIN_MATCH = 0.85
"""Fraction of a glyph's pixels that must agree with a template for it to count as read."""
_NUMBER = re.compile(r"-?\d+")


class DigitCalibrationError(UserError):
    """No usable sample: say which values were tried and why they failed."""


@dataclass(frozen=True)
class Foreground:
    """How to tell a score's pixels from its background."""

    colour: tuple[int, int, int] | None = None
    """RGB the digits are drawn in; None: anything unlike the region border's colour."""
    tolerance: int = 40
    """Per-channel distance (0-255): within it of ``colour``, or beyond it from the border."""

    def mask(self, image: np.ndarray) -> np.ndarray:
        return foreground_mask(image, self.colour, self.tolerance)


@dataclass(frozen=True)
class Glyph:
    """One glyph of a mask, and where it is."""

    box: Region
    """Its ink's bounding box in the mask, pixels."""
    bitmap: np.ndarray
    """bool (box.height, box.width): its ink."""


def segment(mask: np.ndarray) -> list[Glyph]:
    """The glyphs of a foreground mask, left to right, each cropped to its ink.

    A glyph is a run of columns with ink (so a character in several pieces, one above the
    other, stays one glyph); characters must be separated by at least one empty column.
    """
    columns = mask.any(axis=0)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], columns.astype(np.int8), [0]])))
    out = []
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        part = mask[:, start:stop]
        rows = np.flatnonzero(part.any(axis=1))
        top, bottom = int(rows[0]), int(rows[-1]) + 1
        box = Region(int(start), top, int(stop - start), bottom - top)
        out.append(Glyph(box, part[top:bottom]))
    return out


def glyphs(mask: np.ndarray) -> list[np.ndarray]:
    """The glyphs of a foreground mask, left to right: each a bool array cropped to its ink
    (see :func:`segment`)."""
    return [g.bitmap for g in segment(mask)]


def similarity(glyph: np.ndarray, template: np.ndarray) -> float:
    """Fraction of pixels that agree once the glyph is scaled to the template's size; 0 when
    the sizes differ by more than a tenth (or 2 pixels), so a '1' never matches an '8'."""
    (gh, gw), (th, tw) = glyph.shape, template.shape
    if abs(gh - th) > max(2, th // 10) or abs(gw - tw) > max(2, tw // 10):
        return 0.0
    if (gh, gw) != (th, tw):
        glyph = cv2.resize(glyph.astype(np.uint8), (tw, th), interpolation=cv2.INTER_NEAREST) > 0
    return float((glyph == template).mean())


def seven_segment_templates(width: int, height: int, thickness: int) -> dict[str, np.ndarray]:
    """Templates of every character as Catch draws them (screen_agent/reward/seven_segment.py)."""
    box = DigitBox(width, height, thickness)
    out = {}
    for char in CHARS:
        canvas = np.zeros((height, width), dtype=bool)
        for x, y, w, h in box.rects(char):
            canvas[y : y + h, x : x + w] = True
        out[char] = glyphs(canvas)[0]
    return out


@dataclass(frozen=True)
class CalibrationReport:
    """What :meth:`DigitReader.calibrate` learnt."""

    used: int
    """Samples whose glyphs matched the digits of their value one to one."""
    rejected: list[tuple[int, str]] = field(default_factory=list)
    """(value, why) of each sample that could not be used."""
    chars: str = ""
    """Characters that now have a template."""

    @property
    def missing(self) -> str:
        """Characters still without a template (numbers using them cannot be read yet)."""
        return "".join(c for c in CHARS if c not in self.chars)


class DigitReader:
    """Reads the integer shown in a region crop; None when it cannot."""

    def __init__(
        self,
        templates: dict[str, np.ndarray] | None = None,
        foreground: Foreground = Foreground(),
        max_chars: int | None = None,
    ) -> None:
        self.templates: dict[str, np.ndarray] = dict(templates or {})
        self.foreground = foreground
        self.max_chars = max_chars
        """More glyphs than this is not a score (something crossed the region)."""

    def glyphs(self, region: np.ndarray) -> list[np.ndarray]:
        return glyphs(self.foreground.mask(region))

    def read_text(self, region: np.ndarray) -> str | None:
        """The characters shown, or None if any glyph matches no template well enough."""
        text = ""
        for glyph in self.glyphs(region):
            scores = {c: similarity(glyph, t) for c, t in self.templates.items()}
            best = max(scores, key=scores.__getitem__, default=None)
            if best is None or scores[best] < MIN_MATCH:
                return None
            text += best
        return text

    def read(self, region: np.ndarray) -> int | None:
        """The number shown, or None (nothing shown, an unknown glyph, too many, or text that
        is not a number such as ``1-2``)."""
        text = self.read_text(region)
        if not text or not _NUMBER.fullmatch(text):
            return None
        if self.max_chars is not None and len(text) > self.max_chars:
            return None
        return int(text)

    def calibrate(self, samples: Iterable[tuple[np.ndarray, int]]) -> CalibrationReport:
        """Learn templates from (region crop, value shown) pairs; returns what was learnt.

        A sample counts only if it has exactly one glyph per character of its value. Each
        character's template is the pixel-wise majority over its glyphs of the most common
        size, so a few bad frames (a glyph half drawn) are outvoted. Adds to (and replaces)
        existing templates; raises :class:`DigitCalibrationError` if no sample was usable.
        """
        seen: dict[str, list[np.ndarray]] = {}
        used, rejected = 0, []
        for region, value in samples:
            text = str(int(value))
            found = self.glyphs(region)
            if len(found) != len(text):
                rejected.append((int(value), f"{len(found)} glyphs for {len(text)} characters"))
                continue
            used += 1
            for char, glyph in zip(text, found, strict=True):
                seen.setdefault(char, []).append(glyph)
        if not used:
            why = "; ".join(f"{v}: {r}" for v, r in rejected[:3])
            raise DigitCalibrationError(
                f"digit calibration: no usable sample ({why}); check the region and the "
                "foreground colour, and give frames whose score is shown in full"
            )
        for char, found in seen.items():
            size = Counter(g.shape for g in found).most_common(1)[0][0]
            stack = np.stack([g for g in found if g.shape == size])
            self.templates[char] = stack.mean(axis=0) >= 0.5
        return CalibrationReport(used, rejected, "".join(c for c in CHARS if c in self.templates))

    def save(self, path: str | Path) -> None:
        """Write the templates to an ``.npz`` (one bool array per character)."""
        arrays = {("minus" if c == "-" else f"char_{c}"): t for c, t in self.templates.items()}
        np.savez_compressed(path, **arrays)

    @staticmethod
    def load_templates(path: str | Path) -> dict[str, np.ndarray]:
        """Templates saved by :meth:`save`."""
        with np.load(path) as data:
            return {
                ("-" if k == "minus" else k.removeprefix("char_")): data[k].astype(bool)
                for k in data.files
            }
