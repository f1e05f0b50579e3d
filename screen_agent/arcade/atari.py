"""An Atari 2600 game run by ale-py's emulator, driven by game keys; no Qt.

The window calls :meth:`AtariGame.step` once per emulated frame (60 per second of real time)
with the keys that act on that frame, and draws :meth:`AtariGame.screen`.

Sticky actions: ``repeat_action_probability`` is 0.25, the value of gymnasium's ``ALE/*-v5``
environments (Machado et al., 2018). The agent trains on those emulated envs and on this
window alike, so the same stochasticity keeps the two worlds comparable; a human at 60 frames
per second does not notice a key taking effect a frame late.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import ale_py
import ale_py.roms
import numpy as np

FRAME_RATE_HZ = 60.0
"""The 2600's native frame rate (NTSC)."""

SCREEN_SHAPE = (210, 160, 3)
"""(height, width, RGB) of an emulated frame."""

KEY_ALIASES: dict[str, dict[str, str]] = {
    # Pong's paddle moves vertically but the ROM reads it as the joystick's RIGHT (up) and
    # LEFT (down); let the arrows that match the screen drive it too.
    "pong": {"up": "right", "down": "left"},
}
"""Per game: game key -> the key the ROM expects instead."""


def rom_names() -> list[str]:
    """Names of every ROM bundled with ale-py (e.g. ``pong``, ``space_invaders``)."""
    return sorted(ale_py.roms.get_all_rom_ids())


def normalise_name(name: str) -> str:
    """``Space-Invaders`` -> ``space_invaders``: the ROM id ale-py uses."""
    return name.strip().lower().replace("-", "_")


def action_name(keys: frozenset[str]) -> str:
    """The joystick action named by a set of game keys, e.g. {up, fire} -> ``UPFIRE``.

    Opposite directions cancel; no keys is ``NOOP``. ALE names combine vertical, then
    horizontal, then FIRE.
    """
    vertical = {1: "UP", -1: "DOWN", 0: ""}[int("up" in keys) - int("down" in keys)]
    horizontal = {1: "RIGHT", -1: "LEFT", 0: ""}[int("right" in keys) - int("left" in keys)]
    fire = "FIRE" if "fire" in keys else ""
    return vertical + horizontal + fire or "NOOP"


def choose_action(keys: frozenset[str], available: set[str]) -> str:
    """The action to play for the held keys, among those the game has.

    The full combination if the game has it; otherwise the richest combination of a subset of
    the keys that it has (so UP+FIRE in a game without UPFIRE plays UP, or FIRE), else NOOP.
    """
    relevant = sorted(k for k in keys if k in {"up", "down", "left", "right", "fire"})
    for size in range(len(relevant), 0, -1):
        for subset in itertools.combinations(relevant, size):
            name = action_name(frozenset(subset))
            if name in available:
                return name
    return "NOOP"


@dataclass(frozen=True)
class AtariConfig:
    """Which game to emulate and how."""

    game: str
    """ROM id as ale-py names it (see :func:`rom_names`)."""
    seed: int
    """Seeds the emulator's randomness (sticky actions, the ROM's random start)."""
    repeat_action_probability: float = 0.25
    """Chance that a frame repeats the previous action instead of the new one (see module doc)."""


class AtariGame:
    """One emulated game: step it a frame at a time with game keys, read its screen."""

    def __init__(self, config: AtariConfig) -> None:
        game = normalise_name(config.game)
        path = ale_py.roms.get_rom_path(game) if game in rom_names() else None
        if path is None:
            raise ValueError(f"ale-py ships no ROM named {config.game!r}; try one of {rom_names()}")
        self.config = config
        self.game = game
        ale_py.ALEInterface.setLoggerMode(ale_py.LoggerMode.Error)
        self._ale = ale_py.ALEInterface()
        self._ale.setInt("random_seed", config.seed)
        self._ale.setFloat("repeat_action_probability", config.repeat_action_probability)
        self._ale.loadROM(path)
        self._actions = {a.name: a for a in self._ale.getMinimalActionSet()}
        self._aliases = KEY_ALIASES.get(game, {})
        self._screen = np.zeros(SCREEN_SHAPE, dtype=np.uint8)
        self._ale.getScreenRGB(self._screen)
        self.frames = 0
        """Frames emulated since the program started (across games)."""
        self.score = 0.0
        """Sum of the game's rewards since the last reset (the game's own score change)."""

    @property
    def action_names(self) -> list[str]:
        """The game's minimal action set, e.g. ``['NOOP', 'FIRE', 'RIGHT', 'LEFT', ...]``."""
        return list(self._actions)

    def action_for(self, keys: frozenset[str]) -> str:
        """The action name the held keys play in this game."""
        mapped = frozenset(self._aliases.get(k, k) for k in keys)
        return choose_action(mapped, set(self._actions))

    def step(self, keys: frozenset[str]) -> float:
        """Emulate one frame with the held keys; returns the frame's reward."""
        reward = float(self._ale.act(self._actions[self.action_for(keys)]))
        self._ale.getScreenRGB(self._screen)
        self.frames += 1
        self.score += reward
        return reward

    @property
    def game_over(self) -> bool:
        """Whether the game has ended (the window then waits for space)."""
        return bool(self._ale.game_over())

    def reset(self) -> None:
        """Start a new game."""
        self._ale.reset_game()
        self._ale.getScreenRGB(self._screen)
        self.score = 0.0

    def screen(self) -> np.ndarray:
        """The current frame, (210, 160, 3) uint8 RGB; a view that the next step overwrites."""
        return self._screen
