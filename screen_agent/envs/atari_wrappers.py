"""The two Atari wrappers gymnasium does not ship in the form DQN training wants.

Everything else of the standard preprocessing (no-op starts, frame skip with a max over the last
two frames, 84x84 grayscale, frame stack, reward clipping) comes from gymnasium's own wrappers.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym


class FireOnReset(gym.Wrapper):
    """Presses FIRE after each reset, for games that stand still until it is pressed (Breakout)."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        meanings = env.unwrapped.get_action_meanings()
        if len(meanings) < 3 or meanings[1] != "FIRE":
            raise ValueError(f"FireOnReset needs FIRE as action 1; this game has {meanings}")

    def reset(self, **kwargs: Any):
        obs, info = self.env.reset(**kwargs)
        for action in (1, 2):  # FIRE, then a move: some games need both before the ball appears
            obs, _, terminated, truncated, info = self.env.step(action)
            if terminated or truncated:
                obs, info = self.env.reset(**kwargs)
        return obs, info


class LifeLossIsTerminal(gym.Wrapper):
    """Ends the training episode when a life is lost, without resetting the game.

    Unlike gymnasium's ``terminal_on_life_loss`` (which resets the whole game at each lost life,
    so the agent rarely sees later stages), the next ``reset`` only takes a no-op step unless the
    game is really over, as in the DQN papers. For training only: evaluation plays whole games.
    """

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self._lives = 0
        self._game_over = True

    def step(self, action: int):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._game_over = terminated or truncated
        lives = self.env.unwrapped.ale.lives()
        if 0 < lives < self._lives:
            terminated = True
        self._lives = lives
        return obs, reward, terminated, truncated, info

    def reset(self, **kwargs: Any):
        if self._game_over:
            obs, info = self.env.reset(**kwargs)
        else:
            obs, _, terminated, truncated, info = self.env.step(0)
            if terminated or truncated:
                obs, info = self.env.reset(**kwargs)
        self._game_over = False
        self._lives = self.env.unwrapped.ale.lives()
        return obs, info
