"""A small made-up game drawn in numpy, for fast calibration tests: a ball bouncing in a
field, a paddle moved by left/right, a yellow score in the top band that rises in steps of
10 or 20, and a red banner for a second before each restart (the score then starts at 0).

:class:`SyntheticGame` is also a frame source (``grab``) and a key backend's view (the keys
held), so the live driver can be tested on it without a display.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import cv2
import numpy as np

from screen_agent.capture.frame import Frame
from screen_agent.geometry import Region

WIDTH, HEIGHT = 320, 240
FIELD = Region(0, 30, 320, 210)
"""The play area (below the score band)."""
SCORE_AT = (250, 20)
"""Where the score's text starts (its baseline), pixels."""
SCORE_REGION = Region(246, 6, 70, 18)
"""Where the score's digits can be (up to 5 of them)."""
BANNER = Region(80, 110, 160, 40)
YELLOW = (255, 220, 0)


@dataclass
class SyntheticGame:
    """The game's state; :meth:`step` advances it one frame, :meth:`draw` renders it."""

    rng: np.random.Generator
    game_frames: int = 90
    """Frames of play before the game ends."""
    over_frames: int = 12
    """Frames the banner shows before the game restarts by itself."""
    restart_by_key: bool = False
    """Wait for "space" to restart instead of restarting by itself."""
    score: int = 0
    t: int = 0
    over: int = 0
    """Frames the banner has shown (0: playing)."""
    ball: list[float] = field(default_factory=lambda: [160.0, 120.0, 3.0, 2.0])
    paddle: float = 160.0
    held: frozenset[str] = frozenset()
    taps: set[str] = field(default_factory=set)
    """Keys pressed since the last frame (a tap shorter than a frame still counts)."""
    truth_over: list[bool] = field(default_factory=list)
    truth_score: list[int] = field(default_factory=list)

    def step(self) -> None:
        self.t += 1
        keys = self.held | self.taps
        self.taps.clear()
        if self.over:
            self.over += 1
            done = "space" in keys if self.restart_by_key else self.over > self.over_frames
            if done:
                self.over, self.score, self.t = 0, 0, 0
            return
        if "left" in keys:
            self.paddle = max(20.0, self.paddle - 6)
        if "right" in keys:
            self.paddle = min(WIDTH - 20.0, self.paddle + 6)
        x, y, dx, dy = self.ball
        x, y = x + dx, y + dy
        if not FIELD.x + 4 <= x <= FIELD.right - 4:
            dx = -dx
        if not FIELD.y + 4 <= y <= FIELD.bottom - 4:
            dy = -dy
        self.ball = [x, y, dx, dy]
        if self.t % 7 == 0 and self.rng.random() < 0.7:
            self.score += int(self.rng.choice([10, 10, 20]))
        if self.t >= self.game_frames:
            self.over = 1

    def draw(self) -> np.ndarray:
        frame = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
        cv2.line(frame, (0, FIELD.y - 2), (WIDTH, FIELD.y - 2), (90, 90, 90), 1)
        cv2.putText(
            frame, "SCORE", (170, 20), cv2.FONT_HERSHEY_PLAIN, 1.0, (255, 255, 255), 1, cv2.LINE_8
        )
        cv2.putText(
            frame, str(self.score), SCORE_AT, cv2.FONT_HERSHEY_PLAIN, 1.0, YELLOW, 1, cv2.LINE_8
        )
        x, y = int(self.ball[0]), int(self.ball[1])
        cv2.circle(frame, (x, y), 4, (255, 255, 255), -1)
        p = int(self.paddle)
        cv2.rectangle(
            frame, (p - 18, FIELD.bottom - 8), (p + 18, FIELD.bottom - 4), (0, 200, 255), -1
        )
        if self.over:
            b = BANNER
            cv2.rectangle(frame, (b.x, b.y), (b.right, b.bottom), (200, 0, 0), -1)
            cv2.putText(
                frame,
                "GAME OVER",
                (b.x + 12, b.y + 27),
                cv2.FONT_HERSHEY_PLAIN,
                1.4,
                (255, 255, 255),
                1,
            )
        return frame

    def frames(self, count: int) -> list[np.ndarray]:
        """Play ``count`` frames (keys as :attr:`held`), noting the truth of each."""
        out = []
        for _ in range(count):
            self.step()
            out.append(self.draw())
            self.truth_over.append(bool(self.over))
            self.truth_score.append(self.score)
        return out

    # -- a frame source, for the driver -------------------------------------------------------
    def grab(self) -> Frame:
        self.step()
        self.truth_over.append(bool(self.over))
        self.truth_score.append(self.score)
        return Frame(self.draw(), time.monotonic())

    def close(self) -> None:
        pass
