import gymnasium as gym
import numpy as np
import pytest

from screen_agent.envs.factory import action_names, is_atari_id, make_env, newest_frame
from screen_agent.errors import UserError


def test_atari_ids_are_recognised():
    assert is_atari_id("PongNoFrameskip-v4")
    assert is_atari_id("ALE/Breakout-v5")
    assert not is_atari_id("CartPole-v1")


@pytest.mark.parametrize("env_id", ["PongNoFrameskip-v4", "ALE/Pong-v5"])
def test_atari_observation_is_a_stack_of_four_84x84_uint8_frames(env_id):
    env = make_env(env_id)
    assert env.observation_space == gym.spaces.Box(0, 255, (4, 84, 84), np.uint8)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (4, 84, 84) and obs.dtype == np.uint8
    # Padding at reset repeats the first frame, as the replay buffer assumes.
    assert all(np.array_equal(obs[0], obs[k]) for k in range(1, 4))
    obs2, *_ = env.step(0)
    assert np.array_equal(obs2[2], obs[3])
    assert newest_frame(obs2, stacked=True).shape == (84, 84)
    assert action_names(env)[:2] == ["NOOP", "FIRE"]
    env.close()


def test_training_clips_rewards_and_evaluation_keeps_the_real_score():
    # Ms. Pac-Man scores 10 a pellet from the first steps. The same seed and actions in both
    # envs: evaluation must see the real 10s, training the same rewards clipped to their sign.
    train_env = make_env("MsPacmanNoFrameskip-v4", training=True)
    eval_env = make_env("MsPacmanNoFrameskip-v4", training=False)
    actions = np.random.default_rng(0).integers(train_env.action_space.n, size=300)
    seen: dict[bool, list[float]] = {}
    for env, training in ((train_env, True), (eval_env, False)):
        env.reset(seed=0)
        rewards = []
        for action in actions:
            _, reward, terminated, truncated, _ = env.step(int(action))
            rewards.append(float(reward))
            if terminated or truncated:
                break
        seen[training] = rewards
        env.close()
    n = min(len(seen[True]), len(seen[False]))
    real, clipped = np.array(seen[False][:n]), np.array(seen[True][:n])
    assert (real > 1).sum() >= 3, "random play must score some pellets for this check to mean much"
    assert np.array_equal(clipped, np.sign(real))


def test_life_loss_ends_training_episodes_but_not_evaluation_ones():
    rng = np.random.default_rng(0)
    outcome = {}
    for training in (True, False):
        env = make_env("BreakoutNoFrameskip-v4", training=training)
        env.reset(seed=1)
        steps, done = 0, False
        while not done:
            action = int(rng.integers(env.action_space.n))
            _, _, terminated, truncated, _ = env.step(action)
            steps += 1
            done = terminated or truncated
        outcome[training] = (steps, env.unwrapped.ale.lives(), terminated)
        env.close()
    train_steps, train_lives, train_terminated = outcome[True]
    eval_steps, eval_lives, eval_terminated = outcome[False]
    assert train_terminated and train_lives == 4  # losing one life ends the training episode
    assert eval_terminated and eval_lives == 0  # evaluation plays the whole game
    assert eval_steps > train_steps


def test_vector_env_is_passed_through_with_episode_statistics():
    env = make_env("CartPole-v1")
    obs, _ = env.reset(seed=0)
    assert obs.shape == (4,)
    done = False
    while not done:
        _, _, terminated, truncated, info = env.step(0)
        done = terminated or truncated
    assert "episode" in info
    assert newest_frame(obs, stacked=False) is obs


def test_unknown_or_continuous_env_is_a_clear_error():
    with pytest.raises(UserError, match="unknown environment id"):
        make_env("NoSuchGame-v9")
    with pytest.raises(UserError, match="Discrete"):
        make_env("Pendulum-v1")
