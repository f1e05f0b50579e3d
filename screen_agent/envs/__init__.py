"""Environments: ScreenEnv and the one session builder for live games, the Atari/gymnasium
factory, and the shared wrappers.

Importing this package registers the gymnasium env ``screen-agent/Screen-v0`` (see
:mod:`screen_agent.envs.registration`); its code loads only when it is made.
"""

import gymnasium as _gymnasium

if "screen-agent/Screen-v0" not in _gymnasium.registry:
    _gymnasium.register(
        id="screen-agent/Screen-v0",
        entry_point="screen_agent.envs.registration:make_screen_env",
        nondeterministic=True,
        # The session applies the profile's episode time limit itself.
        max_episode_steps=None,
    )
