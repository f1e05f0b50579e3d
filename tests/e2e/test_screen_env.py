"""ScreenEnv is a proper gymnasium env: checked on a recording of the real Catch window; and
its observation is the Atari mode's: the same preprocessing of the same emulator frames."""

from pathlib import Path

import cv2
import gymnasium as gym
import numpy as np
import pytest

from screen_agent.capture.recorded import RecordedSource, record
from screen_agent.desktop.tracking import GameWindow
from screen_agent.envs.screen import ScreenEnv
from screen_agent.envs.session import ScreenSession, make_session
from screen_agent.input.sink import RecordingSink
from screen_agent.preprocess import FramePreprocessor
from screen_agent.profile import load_profile
from screen_agent.reward.reader import RewardReader

CATCH_PROFILE = Path(__file__).parents[2] / "calibration" / "arcade-catch.toml"


@pytest.fixture
def catch_recording(tmp_path, arcade_window, desktop):
    """Three seconds of the real Catch window, recorded with `record` (mss on Xvfb)."""
    from screen_agent.capture.mss_source import MssSource

    arcade_window("catch", (30, 30))
    profile = load_profile(CATCH_PROFILE)
    folder = tmp_path / "catch-recording"
    window = GameWindow(desktop, profile.window.title)
    with MssSource(profile, desktop, window, region=None) as source:
        frames = record(profile, 3.0, folder, source)
    assert frames >= 30
    return folder


def recorded_env(folder: Path) -> ScreenEnv:
    profile = load_profile(CATCH_PROFILE)
    source = RecordedSource(folder, region=None, loop=True)
    return ScreenEnv(
        profile,
        source,
        RecordingSink(profile),
        RewardReader.for_profile(profile, str(CATCH_PROFILE)),
        realtime=False,
    )


@pytest.mark.e2e
def test_screen_env_passes_env_checkers(catch_recording):
    from gymnasium.utils.env_checker import check_env as gym_check_env
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    # The close check would build a second env from the spec: a live game has no such factory;
    # closing twice is checked below instead.
    gym_check_env(recorded_env(catch_recording), skip_render_check=True, skip_close_check=True)
    sb3_check_env(recorded_env(catch_recording), warn=True)
    stacked = make_session(recorded_env(catch_recording))
    assert stacked.observation_space == gym.spaces.Box(0, 255, (4, 84, 84), np.uint8)
    gym_check_env(stacked, skip_render_check=True, skip_close_check=True)
    stacked.close()
    stacked.close()


@pytest.mark.e2e
def test_session_stacks_like_the_atari_mode_and_sends_only_profile_keys(catch_recording):
    session: ScreenSession = make_session(recorded_env(catch_recording))
    frames = RecordedSource(catch_recording, region="game")
    grays = [cv2.cvtColor(frames.grab().pixels, cv2.COLOR_RGB2GRAY) for _ in range(5)]

    def small(gray):
        return cv2.resize(gray, (84, 84), interpolation=cv2.INTER_AREA)

    # Each frame is the max of a grab and the one before (AtariPreprocessing's flicker fix;
    # black before the first), resized by area averaging; the stack is oldest first and padded
    # at reset with the first frame, FrameStackObservation's layout.
    expected = [small(grays[0])] + [small(np.maximum(grays[i], grays[i - 1])) for i in range(1, 5)]
    obs, _ = session.reset(seed=0)
    assert obs.shape == (4, 84, 84) and obs.dtype == np.uint8
    assert np.array_equal(obs, np.stack([expected[0]] * 4))
    sink = session.screen.sink
    for i, action in enumerate((1, 2, 0, 2), start=1):
        obs, _reward, _terminated, _truncated, info = session.step(action)
        assert {"frame_time", "lateness_s", "latency_s", "paused_s", "fired"} <= set(info)
        window = [expected[max(0, k)] for k in range(i - 3, i + 1)]
        assert np.array_equal(obs, np.stack(window)), f"step {i}"
    assert sink.actions == [1, 2, 0, 2]
    assert {key for _, key in sink.events} <= {"left", "right", "space"}
    session.close()
    assert not sink.held


def test_screen_preprocessing_of_an_emulator_frame_is_the_atari_modes():
    """The arcade draws ALE's frames 3x (nearest neighbour); the screen mode's observation of
    that picture must be what the Atari mode's AtariPreprocessing makes of the frame itself."""
    from screen_agent.envs.factory import _register_atari

    _register_atari()
    env = gym.make("ALE/Pong-v5", frameskip=1, repeat_action_probability=0.0)
    atari = gym.wrappers.AtariPreprocessing(env, noop_max=0, frame_skip=1, screen_size=84)
    observation, _ = atari.reset(seed=3)
    ale = env.unwrapped.ale
    for _ in range(90):  # into play: paddles and ball on the field
        observation, *_ = atari.step(0)
    rgb = ale.getScreenRGB()
    on_screen = np.repeat(np.repeat(rgb, 3, axis=0), 3, axis=1)  # as the arcade window shows it
    ours = FramePreprocessor(stack=1).reset(on_screen)[0]
    # Pixel for pixel: the same luma, and area averaging over the same source pixels (a
    # bilinear or nearest resize, or a crop one pixel off, differs by tens of grey levels).
    assert np.array_equal(ours, observation)
    assert ours.std() > 10, "the frame shows the field, not a blank screen"
    atari.close()
