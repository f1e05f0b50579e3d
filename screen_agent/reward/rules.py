"""The pixel rules besides digits: score change, range, template and frozen.

Each is built from its validated ``[[rewards]]`` table by ``build`` (keys and defaults are the
schema's, :mod:`screen_agent.profile.reward_schema`) and keeps the little state its debounce
or edge trigger needs. ``trigger``: ``enter`` fires once when the condition has started
holding (again after it stopped); ``while`` fires on every frame it holds (after settling).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from screen_agent.reward.events import NOTHING, RewardEvent, Rule, RuleCommon
from screen_agent.reward.pixels import changed_fraction, colour_mask, differs

if TYPE_CHECKING:
    from screen_agent.reward.build import RuleContext


class _Edge:
    """Turns a per-frame condition into firings: the condition counts once it held for
    ``settle`` grabs in a row (a banner fading in, a score mid-redraw are not yet there)."""

    def __init__(self, trigger: str, settle: int) -> None:
        self.trigger = trigger
        self.settle = settle
        self.run = 0

    def step(self, holds: bool) -> bool:
        self.run = self.run + 1 if holds else 0
        if self.trigger == "while":
            return self.run >= self.settle
        return self.run == self.settle


# --- score change -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ScoreChangeConfig:
    settle_frames: int = 2
    """Grabs in a row a new picture must stay the same before it counts (1 = at once)."""
    tolerance: int = 0
    """Per-channel difference (0-255) up to which a pixel counts as unchanged."""


class ScoreChangeRule(Rule):
    """+``reward`` once per settled change of the region's picture.

    The first settled picture is the baseline. After a change, the picture must stay the same
    for ``settle_frames`` grabs; then, if it differs from the last settled picture, the rule
    fires once, however many frames the change's animation took. A flicker that settles back
    to the old picture gives nothing. ``signal``: fraction (0-1) of the region's pixels that
    differ from the previous frame.
    """

    def __init__(self, common: RuleCommon, config: ScoreChangeConfig) -> None:
        super().__init__(common)
        self.config = config
        self.reset()

    @classmethod
    def build(cls, ctx: RuleContext, common: RuleCommon) -> ScoreChangeRule:
        v = ctx.spec.values
        return cls(common, ScoreChangeConfig(v["settle_frames"], v["tolerance"]))

    def reset(self) -> None:
        self._previous: np.ndarray | None = None
        self._settled: np.ndarray | None = None
        self._run = 0

    def signal(self, frame: np.ndarray) -> float:
        if self._previous is None:
            return 0.0
        return changed_fraction(self.crop(frame), self._previous, self.config.tolerance)

    def update(self, frame: np.ndarray, time_s: float) -> RewardEvent:
        image = self.crop(frame)
        if self._previous is None or differs(image, self._previous, self.config.tolerance):
            self._run = 1
        else:
            self._run += 1
        self._previous = image.copy()
        # == rather than >=: a picture that stays put is judged once, when it has settled.
        if self._run != self.config.settle_frames:
            return NOTHING
        if self._settled is None:
            self._settled = self._previous
            return NOTHING
        if differs(image, self._settled, self.config.tolerance):
            self._settled = self._previous
            return self.fire()
        return NOTHING


# --- range ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RangeConfig:
    low: float
    """Lower bound of the signal (inclusive)."""
    high: float
    """Upper bound of the signal (inclusive)."""
    colour: tuple[int, int, int] | None
    """RGB to count; None measures mean intensity instead."""
    tolerance: int = 30
    """Per-channel distance (0-255) within which a pixel counts as ``colour``."""
    trigger: str = "enter"
    settle_frames: int = 2
    """Grabs in a row the signal must stay in range before it counts; the same as the score
    rule's, a final point and its game-over banner come out on the same frame."""


class RangeRule(Rule):
    """Fires when the region's signal lies in ``[low, high]``.

    The signal is the fraction (0-1) of pixels within ``tolerance`` of ``colour`` (table keys
    ``colour``, ``tolerance``, ``fraction = [min, max]``), or the mean intensity 0-255 of the
    grey image (``intensity = [min, max]``).
    """

    def __init__(self, common: RuleCommon, config: RangeConfig) -> None:
        super().__init__(common)
        self.config = config
        self.reset()

    @classmethod
    def build(cls, ctx: RuleContext, common: RuleCommon) -> RangeRule:
        v = ctx.spec.values
        trigger, settle = v["trigger"], v["settle_frames"]
        if "intensity" in v:
            low, high = v["intensity"]
            return cls(common, RangeConfig(low, high, None, trigger=trigger, settle_frames=settle))
        low, high = v["fraction"]
        return cls(common, RangeConfig(low, high, v["colour"], v["tolerance"], trigger, settle))

    def reset(self) -> None:
        self._edge = _Edge(self.config.trigger, self.config.settle_frames)

    def signal(self, frame: np.ndarray) -> float:
        image = self.crop(frame)
        if self.config.colour is None:
            return float(cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY).mean())
        return float(colour_mask(image, self.config.colour, self.config.tolerance).mean())

    def update(self, frame: np.ndarray, time_s: float) -> RewardEvent:
        value = self.signal(frame)
        holds = self.config.low <= value <= self.config.high
        return self.fire() if self._edge.step(holds) else NOTHING


# --- template ---------------------------------------------------------------------------------
def load_image(path: Path) -> np.ndarray:
    """An RGB uint8 image from a PNG (or any format OpenCV reads) or a ``.npy`` array."""
    if path.suffix == ".npy":
        image = np.load(path)
    else:
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise OSError(f"cannot read an image from {path}")
        image = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise OSError(f"{path} holds a {image.dtype} {image.shape} array, not an RGB image")
    return image


def save_image(path: Path, image: np.ndarray) -> None:
    """Save an RGB uint8 image as PNG (lossless), for a template rule's ``image``."""
    if not cv2.imwrite(str(path), cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2BGR)):
        raise OSError(f"cannot write {path}")


@dataclass(frozen=True)
class TemplateConfig:
    image: np.ndarray
    """The reference, (h, w, 3) uint8 RGB, no larger than the region."""
    threshold: float = 0.8
    """Normalised correlation (TM_CCOEFF_NORMED, -1 to 1) above which the region matches."""
    trigger: str = "enter"
    settle_frames: int = 2
    """Grabs in a row the region must match before it counts."""


class TemplateRule(Rule):
    """Fires when the reference image appears anywhere in the region.

    ``signal``: the best normalised correlation (-1 to 1; 0 for a flat region) of the
    reference over every position in the region.
    """

    def __init__(self, common: RuleCommon, config: TemplateConfig) -> None:
        super().__init__(common)
        self.config = config
        self._template = config.image.astype(np.float32)
        self.reset()

    @classmethod
    def build(cls, ctx: RuleContext, common: RuleCommon) -> TemplateRule:
        v = ctx.spec.values
        path = ctx.directory / v["image"]
        try:
            image = load_image(path)
        except OSError as error:
            raise ctx.fail("image", str(error), "capture the reference again") from None
        region = common.region
        if image.shape[0] > region.height or image.shape[1] > region.width:
            raise ctx.fail(
                "image",
                f"{image.shape[1]}x{image.shape[0]} is larger than region "
                f"{common.region_name!r} ({region.width}x{region.height})",
                "capture it from within the region",
            )
        if image.reshape(-1, 3).std(axis=0).max() == 0:
            raise ctx.fail(
                "image", "the reference is one flat colour", "capture something with detail"
            )
        config = TemplateConfig(image, v["threshold"], v["trigger"], v["settle_frames"])
        return cls(common, config)

    def reset(self) -> None:
        self._edge = _Edge(self.config.trigger, self.config.settle_frames)

    def signal(self, frame: np.ndarray) -> float:
        image = self.crop(frame).astype(np.float32)
        scores = cv2.matchTemplate(image, self._template, cv2.TM_CCOEFF_NORMED)
        # A flat region has no variance: OpenCV gives NaN or inf there; it matches nothing.
        scores = np.nan_to_num(scores, nan=0.0, posinf=0.0, neginf=0.0)
        return float(scores.max())

    def update(self, frame: np.ndarray, time_s: float) -> RewardEvent:
        holds = self.signal(frame) >= self.config.threshold
        return self.fire() if self._edge.step(holds) else NOTHING


# --- frozen -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class FrozenConfig:
    seconds: float
    """How long the region must stay unchanged, in seconds of the frames' time stamps."""
    tolerance: int = 0
    """Per-channel difference (0-255) up to which a pixel counts as unchanged."""


class FrozenRule(Rule):
    """Fires once when nothing in the region changed for ``seconds`` (default: game over).

    Time is the ``time_s`` each frame comes with (the reader supplies frame count / decision
    rate when the caller gives none), so the rule measures the game's time, not the CPU's.
    It fires on the first frame at least ``seconds`` after the last change, and again only after
    another change. ``signal``: seconds the region has been still, as of the last update (0 if
    ``frame`` differs from the last one).
    """

    def __init__(self, common: RuleCommon, config: FrozenConfig) -> None:
        super().__init__(common)
        self.config = config
        self.reset()

    @classmethod
    def build(cls, ctx: RuleContext, common: RuleCommon) -> FrozenRule:
        v = ctx.spec.values
        return cls(common, FrozenConfig(float(v["seconds"]), v["tolerance"]))

    def reset(self) -> None:
        self._previous: np.ndarray | None = None
        self._since = 0.0
        self._now = 0.0
        self._fired = False

    def signal(self, frame: np.ndarray) -> float:
        if self._previous is None or differs(
            self.crop(frame), self._previous, self.config.tolerance
        ):
            return 0.0
        return self._now - self._since

    def update(self, frame: np.ndarray, time_s: float) -> RewardEvent:
        image = self.crop(frame)
        self._now = time_s
        if self._previous is None or differs(image, self._previous, self.config.tolerance):
            self._previous = image.copy()
            self._since = time_s
            self._fired = False
            return NOTHING
        if not self._fired and time_s - self._since >= self.config.seconds:
            self._fired = True
            return self.fire()
        return NOTHING
