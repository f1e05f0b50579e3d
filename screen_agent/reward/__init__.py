"""Rewards and game over read from pixels: the rules of a profile's ``[[rewards]]`` tables.

Pure numpy and OpenCV on the regions' pixels; no Qt. See ``calibration/README.md`` for the
table keys and :class:`RewardReader` for the frame it reads.
"""

from screen_agent.reward.build import BUILDERS, build_rules
from screen_agent.reward.digits import CalibrationReport, DigitCalibrationError, DigitReader
from screen_agent.reward.digits_rule import DigitsRule
from screen_agent.reward.events import RewardEvent, Rule
from screen_agent.reward.reader import RewardReader
from screen_agent.reward.rules import (
    FrozenRule,
    RangeRule,
    ScoreChangeRule,
    TemplateRule,
    load_image,
    save_image,
)

__all__ = [
    "BUILDERS",
    "CalibrationReport",
    "DigitCalibrationError",
    "DigitReader",
    "DigitsRule",
    "FrozenRule",
    "RangeRule",
    "RewardEvent",
    "RewardReader",
    "Rule",
    "ScoreChangeRule",
    "TemplateRule",
    "build_rules",
    "load_image",
    "save_image",
]
