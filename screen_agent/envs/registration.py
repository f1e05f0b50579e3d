"""``gymnasium.make("screen-agent/Screen-v0", profile=...)``: a screen game as a gymnasium env,
for Stable-Baselines3, CleanRL or any code of one's own.

The env is the session the screen-agent commands train on (stacked 84x84 uint8 frames, the
profile's actions, rewards read from the score's pixels); close it to release every key::

    import gymnasium as gym
    import screen_agent.envs  # registers screen-agent/Screen-v0

    env = gym.make("screen-agent/Screen-v0", profile="calibration/arcade-catch.toml")
"""

from __future__ import annotations

from pathlib import Path

from screen_agent.envs.session import ScreenSession, open_session

ENV_ID = "screen-agent/Screen-v0"


def make_screen_env(
    profile: str | Path,
    display: str | None = None,
    need_rewards: bool = True,
    render_mode: str | None = None,
) -> ScreenSession:
    """The entry point of :data:`ENV_ID`: :func:`open_session` on ``profile``'s game.

    ``render_mode`` is accepted for gymnasium's sake; a screen game renders itself.
    """
    if render_mode is not None:
        from screen_agent.errors import UserError

        raise UserError(
            f"{ENV_ID} has no render modes (the game shows itself on the screen); "
            "leave render_mode out"
        )
    return open_session(profile, display=display, need_rewards=need_rewards)
