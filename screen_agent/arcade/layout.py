"""Where Catch draws things in its window, in pixels: shared by the widget, tests and profile.

The window is a score band on top and the playing field below; they never overlap, so a
reward reader can watch the score band while the agent sees only the field.
"""

from __future__ import annotations

from dataclasses import dataclass

from screen_agent.arcade.catch import CatchConfig
from screen_agent.reward.seven_segment import DigitBox, Rect

SCORE_CHARS = 3
"""Character slots for the score: enough for -10..10, a round's range."""


@dataclass(frozen=True)
class CatchLayout:
    """Pixel geometry of a Catch window whose grid cells are ``cell`` pixels square."""

    config: CatchConfig
    cell: int
    """Side of a grid cell, in pixels (10 x ``--scale``)."""

    @property
    def band_height(self) -> int:
        """Height of the score band above the field."""
        return 2 * self.cell

    @property
    def width(self) -> int:
        """Window (client area) width."""
        return self.config.columns * self.cell

    @property
    def height(self) -> int:
        """Window (client area) height."""
        return self.band_height + self.config.rows * self.cell

    @property
    def field(self) -> Rect:
        """The playing field: every cell the ball and paddle can occupy."""
        return (0, self.band_height, self.width, self.config.rows * self.cell)

    @property
    def digit(self) -> DigitBox:
        """One character of the score."""
        h = round(self.band_height * 0.7)
        return DigitBox(width=round(h * 0.55), height=h, thickness=max(2, round(h / 7)))

    @property
    def digit_gap(self) -> int:
        """Space between score characters."""
        return max(2, self.digit.width // 3)

    @property
    def score_box(self) -> Rect:
        """Where the score's characters are drawn (right-aligned, top-right corner)."""
        d = self.digit
        w = SCORE_CHARS * d.width + (SCORE_CHARS - 1) * self.digit_gap
        margin_x = self.cell // 4
        y = (self.band_height - d.height) // 2
        return (self.width - margin_x - w, y, w, d.height)

    @property
    def score_region(self) -> Rect:
        """The score box with a small margin: the region a profile watches."""
        x, y, w, h = self.score_box
        m = max(1, self.cell // 10)
        return (x - m, y - m, w + 2 * m, h + 2 * m)

    @property
    def balls_box(self) -> Rect:
        """Where the small "ball n/10" counter goes (top-left; outside the score region)."""
        return (self.cell // 4, 0, self.width // 2, self.band_height)

    def char_origin(self, slot: int) -> tuple[int, int]:
        """Top-left pixel of score character ``slot`` (0 = leftmost)."""
        x, y, _, _ = self.score_box
        return (x + slot * (self.digit.width + self.digit_gap), y)

    def cell_rect(self, row: int, column: int) -> Rect:
        """Pixel rectangle of a grid cell (row 0 is the field's top)."""
        return (column * self.cell, self.band_height + row * self.cell, self.cell, self.cell)

    def ball_rect(self, row: int, column: int) -> Rect:
        """The ball: a square inset in its cell."""
        x, y, w, h = self.cell_rect(row, column)
        m = self.cell // 8
        return (x + m, y + m, w - 2 * m, h - 2 * m)

    def paddle_rect(self, left_column: int) -> Rect:
        """The paddle: a bar in the lower half of the bottom row."""
        x, y, _, _ = self.cell_rect(self.config.rows - 1, left_column)
        m = self.cell // 8
        return (
            x + m,
            y + self.cell // 2,
            self.config.paddle_width * self.cell - 2 * m,
            self.cell // 3,
        )


def score_text(score: int) -> str:
    """The score right-aligned in :data:`SCORE_CHARS` slots, clipped to what fits."""
    lo, hi = -(10 ** (SCORE_CHARS - 1) - 1), 10**SCORE_CHARS - 1
    return str(min(max(score, lo), hi)).rjust(SCORE_CHARS)
