"""Which game keys are held, including taps shorter than a game step.

The window feeds key presses and releases here by name (``"left"``, ``"right"``, ``"up"``,
``"down"``, ``"fire"``); the game reads :meth:`KeyState.consume` once per step. A key pressed
and released between two steps still counts for one step, so a quick tap always moves once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

GAME_KEYS: tuple[str, ...] = ("left", "right", "up", "down", "fire")
"""The key names games understand; the window maps physical keys onto these."""


@dataclass
class KeyState:
    """Held keys plus keys tapped since the last step."""

    held: set[str] = field(default_factory=set)
    """Keys down right now."""
    tapped: set[str] = field(default_factory=set)
    """Keys pressed since the last :meth:`consume`, even if already released."""

    def press(self, key: str) -> None:
        """A key went down (not an auto-repeat)."""
        self.held.add(key)
        self.tapped.add(key)

    def release(self, key: str) -> None:
        """A key went up (not an auto-repeat)."""
        self.held.discard(key)

    def release_all(self) -> None:
        """Forget every key, e.g. on focus loss, when the window will not see the releases."""
        self.held.clear()
        self.tapped.clear()

    def consume(self) -> frozenset[str]:
        """Keys that act on this step: those held and those tapped since the last step."""
        keys = frozenset(self.held | self.tapped)
        self.tapped.clear()
        return keys


def horizontal(keys: frozenset[str]) -> int:
    """-1 for left, +1 for right, 0 for neither or both."""
    return int("right" in keys) - int("left" in keys)
