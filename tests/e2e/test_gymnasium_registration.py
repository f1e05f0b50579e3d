"""A screen game in other people's code: ``gymnasium.make("screen-agent/Screen-v0", ...)`` on the
real Catch window, trained for a few hundred steps by Stable-Baselines3's own DQN."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import screen_agent.envs  # noqa: F401  (registers screen-agent/Screen-v0)

pytestmark = pytest.mark.e2e

CATCH = Path(__file__).parents[2] / "calibration" / "arcade-catch.toml"


# Not in the "learning" group: it counts steps and updates, asserts no learning and no wall-clock
# figure, so it may share the machine with the learning tests.
def test_stable_baselines3_dqn_trains_on_catch_through_gym_make(arcade_window, keyboard, tmp_path):
    from stable_baselines3 import DQN

    arcade_window("catch", (40, 40))
    env = gym.make("screen-agent/Screen-v0", profile=str(CATCH))
    try:
        assert env.observation_space == gym.spaces.Box(0, 255, (4, 84, 84), np.uint8)
        assert env.action_space == gym.spaces.Discrete(3)
        model = DQN(
            "CnnPolicy",
            env,
            buffer_size=2_000,
            learning_starts=100,
            train_freq=4,
            target_update_interval=100,
            seed=0,
            device="cpu",
        )
        model.learn(total_timesteps=300)
        assert model.num_timesteps >= 300
        assert model.replay_buffer.size() >= 300
        rewards = model.replay_buffer.rewards[: model.replay_buffer.size()]
        assert set(np.unique(rewards)) <= {-1.0, 0.0, 1.0} and np.count_nonzero(rewards) >= 3
    finally:
        env.close()
    assert not env.unwrapped.sink.held


def test_a_bad_profile_through_gym_make_is_one_clear_error(tmp_path):
    from screen_agent.profile import ProfileError

    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n')
    with pytest.raises(ProfileError, match=r"bad\.toml: regions: missing"):
        gym.make("screen-agent/Screen-v0", profile=str(bad))
