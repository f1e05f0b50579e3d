"""The ``digits`` rule: read the score as a number and reward its difference."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from screen_agent.reward.digits import (
    CalibrationReport,
    DigitReader,
    Foreground,
    seven_segment_templates,
)
from screen_agent.reward.events import NOTHING, RewardEvent, Rule, RuleCommon

if TYPE_CHECKING:
    from screen_agent.reward.build import RuleContext


@dataclass(frozen=True)
class DigitsConfig:
    settle_frames: int = 2
    """Grabs in a row a new number must be read the same before it counts (1 = at once);
    unreadable grabs in between are skipped, they neither count nor break the run."""


class DigitsRule(Rule):
    """``reward`` x (new number - previous number) each time a new number settles.

    The first settled number after :meth:`reset` is the baseline (no reward). ``signal``: the
    number read on ``frame`` (NaN when unreadable).
    """

    def __init__(self, common: RuleCommon, config: DigitsConfig, reader: DigitReader) -> None:
        super().__init__(common)
        self.config = config
        self.reader = reader
        self.reset()

    @classmethod
    def build(cls, ctx: RuleContext, common: RuleCommon) -> DigitsRule:
        d = ctx.spec.values["digits"]
        if d["style"] == "seven_segment":
            width, height, thickness = d["char_width"], d["char_height"], d["thickness"]
            if 2 * thickness >= width or 3 * thickness >= height:
                raise ctx.fail(
                    "digits.thickness", "too thick for the character size", "measure it again"
                )
            templates = seven_segment_templates(width, height, thickness)
        else:
            path = ctx.directory / d["file"]
            try:
                templates = DigitReader.load_templates(path)
            except (OSError, ValueError) as error:
                raise ctx.fail(
                    "digits.file", f"cannot load digit templates: {error}", "calibrate digits again"
                ) from None
        reader = DigitReader(templates, Foreground(d["colour"], d["tolerance"]), d["chars"])
        return cls(common, DigitsConfig(ctx.spec.values["settle_frames"]), reader)

    def reset(self) -> None:
        self._value: int | None = None
        self._candidate: int | None = None
        self._run = 0

    @property
    def value(self) -> int | None:
        """The number accepted last (None before the first settles)."""
        return self._value

    def calibrate(self, samples: Iterable[tuple[np.ndarray, int]]) -> CalibrationReport:
        """Learn templates from (whole frame, value shown) pairs; see DigitReader.calibrate."""
        return self.reader.calibrate((self.crop(frame), value) for frame, value in samples)

    def signal(self, frame: np.ndarray) -> float:
        value = self.reader.read(self.crop(frame))
        return float("nan") if value is None else float(value)

    def update(self, frame: np.ndarray, time_s: float) -> RewardEvent:
        read = self.reader.read(self.crop(frame))
        if read is None:
            return NOTHING
        if read == self._candidate:
            self._run += 1
        else:
            self._candidate, self._run = read, 1
        if self._run != self.config.settle_frames or read == self._value:
            return NOTHING
        previous, self._value = self._value, read
        return NOTHING if previous is None else self.fire(read - previous)
