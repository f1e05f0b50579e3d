"""Catch: a ball falls down a column, the player moves a paddle to catch it.

Pure game logic (numpy only, no Qt), so it can be tested and simulated fast; ``window.py``
draws it. The game advances in fixed ticks; the window calls :meth:`CatchGame.tick` at
:attr:`CatchConfig.ticks_per_second` on a monotonic clock.

Sized to be learnable from the screen in minutes but not trivially: the ball starts in one of
10 columns, the paddle covers 2 (a fifth of the field), and it takes 11 ticks to fall, enough
for the paddle to cross the field, so a perfect player always catches it while a random one
catches about a fifth (``tests/arcade`` measures both).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class CatchConfig:
    """The rules of a Catch game. Units are grid cells and ticks."""

    columns: int = 10
    """Width of the field, in cells; the ball starts in any of them."""
    rows: int = 12
    """Height of the field, in cells; the bottom row is the paddle's."""
    paddle_width: int = 2
    """Width of the paddle, in cells."""
    balls_per_round: int = 10
    """Balls in a round; then the game is over until the player presses space."""
    gap_ticks: int = 3
    """Ticks between a ball landing and the next one appearing."""
    ticks_per_second: float = 10.0
    """Game speed: the ball falls one row per tick, the paddle moves one column per tick."""

    def __post_init__(self) -> None:
        if self.columns < 2 or self.rows < 3:
            raise ValueError(
                f"the field must be at least 2x3 cells, got {self.columns}x{self.rows}"
            )
        if not 1 <= self.paddle_width <= self.columns:
            raise ValueError(f"paddle_width must be in 1..{self.columns}, got {self.paddle_width}")
        if self.balls_per_round < 1 or self.gap_ticks < 0 or self.ticks_per_second <= 0:
            raise ValueError("balls_per_round >= 1, gap_ticks >= 0 and ticks_per_second > 0")


@dataclass
class CatchGame:
    """The state of one Catch game; :meth:`tick` advances it by one tick."""

    config: CatchConfig
    rng: np.random.Generator
    """Chooses the ball's column; seed it for a reproducible game."""
    paddle: int = field(init=False)
    """Leftmost column of the paddle."""
    ball: tuple[int, int] | None = field(init=False)
    """(row, column) of the ball, or None between balls. Row 0 is the top; the ball is only
    ever above the paddle row, it lands when it would enter it."""
    score: int = field(init=False)
    """Caught minus missed balls, this round."""
    balls: int = field(init=False)
    """Balls landed (caught or missed) this round."""
    caught: int = field(init=False)
    """Balls caught this round."""
    game_over: bool = field(init=False)
    """True once the round's balls have all landed; :meth:`new_round` starts another."""
    ticks: int = field(init=False)
    """Ticks since the program started (across rounds)."""
    _wait: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.ticks = 0
        self.new_round()

    def new_round(self) -> None:
        """Start a round: paddle centred, score 0, the first ball appears at once."""
        c = self.config
        self.paddle = (c.columns - c.paddle_width) // 2
        self.score = 0
        self.balls = 0
        self.caught = 0
        self.game_over = False
        self.ball = None
        self._wait = 0
        self._spawn()

    @property
    def paddle_row(self) -> int:
        """Row the paddle sits in (the bottom one)."""
        return self.config.rows - 1

    def tick(self, move: int) -> int:
        """Advance one tick; ``move`` is -1 (left), 0 or +1 (right). Returns the reward:
        +1 when a ball is caught, -1 when one is missed, else 0. Does nothing once over."""
        if self.game_over:
            return 0
        self.ticks += 1
        c = self.config
        step = int(np.sign(move))
        self.paddle = min(max(self.paddle + step, 0), c.columns - c.paddle_width)
        if self.ball is None:
            self._wait -= 1
            if self._wait <= 0:
                self._spawn()
            return 0
        row, col = self.ball
        row += 1
        if row < self.paddle_row:
            self.ball = (row, col)
            return 0
        # The ball reaches the paddle row: caught if the paddle covers its column.
        self.ball = None
        self.balls += 1
        hit = self.paddle <= col < self.paddle + c.paddle_width
        self.caught += int(hit)
        reward = 1 if hit else -1
        self.score += reward
        if self.balls >= c.balls_per_round:
            self.game_over = True
        else:
            self._wait = c.gap_ticks
            if self._wait == 0:
                self._spawn()
        return reward

    def _spawn(self) -> None:
        self.ball = (0, int(self.rng.integers(self.config.columns)))


def expert_key(field: np.ndarray, cell: int = 40) -> str | None:
    """What a good player of Catch does on seeing ``field`` (the window's field as RGB,
    ``cell`` px a cell): ``"space"`` on the game-over banner, ``"left"`` or ``"right"`` to
    bring the paddle under the ball, None to stay. Reads pixels only, as a person would: the
    scripted demonstrator of the demonstration tests and benchmark."""
    white = (field == 255).all(axis=2)
    red = (field[:, :, 0] > 200) & (field[:, :, 1] < 120)  # the game-over text
    if red.sum() > 500:
        return "space"
    paddle = np.flatnonzero(white[-cell // 2])
    ball = np.argwhere(white[:-cell])
    if paddle.size == 0 or ball.size == 0:
        return None
    target, centre = ball[:, 1].mean(), paddle.mean()
    if target < centre - cell / 2:
        return "left"
    if target > centre + cell / 2:
        return "right"
    return None
