"""ScreenEnv is a proper gymnasium env: checked on a recording of the real Catch window."""

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from screen_agent.capture.recorded import RecordedSource, record
from screen_agent.envs.live import reward_reader
from screen_agent.envs.screen import ScreenEnv, make_screen_env
from screen_agent.input.sink import RecordingSink
from screen_agent.profile import load_profile

CATCH_PROFILE = Path(__file__).parents[2] / "calibration" / "arcade-catch.toml"


@pytest.fixture
def catch_recording(tmp_path, arcade_window):
    """Three seconds of the real Catch window, recorded with `record` (mss on Xvfb)."""
    arcade_window("catch", (30, 30))
    folder = tmp_path / "catch-recording"
    frames = record(load_profile(CATCH_PROFILE), 3.0, folder)
    assert frames >= 30
    return folder


def recorded_env(folder: Path) -> ScreenEnv:
    profile = load_profile(CATCH_PROFILE)
    source = RecordedSource(folder, region=None, loop=True)
    return ScreenEnv(
        profile,
        source,
        RecordingSink(profile),
        reward_reader(profile, CATCH_PROFILE),
        realtime=False,
    )


@pytest.mark.e2e
def test_screen_env_passes_env_checkers_and_acts_like_the_atari_mode(catch_recording):
    from gymnasium.utils.env_checker import check_env as gym_check_env
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    # The close check would build a second env from the spec: a live game has no such factory;
    # closing twice is checked below instead.
    gym_check_env(recorded_env(catch_recording), skip_render_check=True, skip_close_check=True)
    sb3_check_env(recorded_env(catch_recording), warn=True)
    stacked = make_screen_env(recorded_env(catch_recording))
    assert stacked.observation_space == gym.spaces.Box(0, 255, (4, 84, 84), np.uint8)
    gym_check_env(stacked, skip_render_check=True, skip_close_check=True)
    stacked.close()
    stacked.close()


@pytest.mark.e2e
def test_stacked_observation_matches_the_atari_mode_and_sink_gets_only_profile_keys(
    catch_recording,
):
    env = make_screen_env(recorded_env(catch_recording))
    obs, _ = env.reset(seed=0)
    assert obs.shape == (4, 84, 84) and obs.dtype == np.uint8
    assert all(np.array_equal(obs[0], obs[k]) for k in range(1, 4))  # padded like Atari's
    sink = env.unwrapped.sink
    for action in (1, 2, 0, 2):
        obs, _reward, _terminated, _truncated, info = env.step(action)
        assert {"frame_time", "lateness_s", "latency_s", "paused_s"} <= set(info)
    assert sink.actions == [1, 2, 0, 2]
    keys = {key for _, key in sink.events}
    assert keys <= {"left", "right", "space"}
    env.close()
    assert not sink.held
