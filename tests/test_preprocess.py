"""Preprocessing: shapes, in-place stacking, and agreement with gymnasium's Atari pipeline."""

from __future__ import annotations

import time

import cv2
import gymnasium as gym
import numpy as np
import pytest

from screen_agent.preprocess import FramePreprocessor, resize84, to_gray


def frame(value: int, shape: tuple[int, int] = (120, 160)) -> np.ndarray:
    return np.full((*shape, 3), value, dtype=np.uint8)


def test_gray_and_resize() -> None:
    rgb = np.zeros((10, 20, 3), dtype=np.uint8)
    rgb[..., 0] = 255  # pure red: luma 0.299 * 255
    gray = to_gray(rgb)
    assert gray.shape == (10, 20) and gray.dtype == np.uint8 and int(gray[0, 0]) == 76
    assert resize84(gray).shape == (84, 84)
    with pytest.raises(ValueError, match="RGB"):
        to_gray(gray)


def test_reset_pads_with_the_first_frame_and_step_shifts() -> None:
    pre = FramePreprocessor()
    obs = pre.reset(frame(10))
    assert obs.shape == pre.observation_shape == (4, 84, 84) and obs.dtype == np.uint8
    assert (obs == 10).all()
    obs = pre.step(frame(50))
    assert [int(o[0, 0]) for o in obs] == [10, 10, 10, 50]
    obs = pre.step(frame(20))  # max with the previous grab (50)
    assert [int(o[0, 0]) for o in obs] == [10, 10, 50, 50]
    obs = pre.step(frame(5))
    assert [int(o[0, 0]) for o in obs] == [10, 50, 50, 20]
    # After a reset the previous episode's last grab must not leak into the max.
    obs = pre.reset(frame(1))
    assert (obs == 1).all()


def test_returned_observations_are_independent_and_buffers_reused() -> None:
    pre = FramePreprocessor()
    first = pre.reset(frame(10))
    stack = pre._frames
    pre.step(frame(99))
    assert (first == 10).all(), "a returned observation must not change later"
    assert pre._frames is stack


def test_without_max_pool() -> None:
    pre = FramePreprocessor(max_pool=False)
    pre.reset(frame(50))
    assert int(pre.step(frame(20))[-1, 0, 0]) == 20


def test_step_before_reset_and_size_change() -> None:
    pre = FramePreprocessor()
    with pytest.raises(RuntimeError, match="reset"):
        pre.step(frame(0))
    pre.reset(frame(0))
    with pytest.raises(ValueError, match="size changed"):
        pre.step(frame(0, (100, 100)))


def test_matches_gymnasium_atari_preprocessing() -> None:
    """The same frames through gymnasium's AtariPreprocessing (frame_skip 2: max over two
    frames, ALE's palette grayscale, INTER_AREA) and through ours (from ALE's RGB screen, as
    a screen grab would see it) agree. ALE's grayscale comes from its palette table, ours from
    cv2's luma of the RGB pixels; on Pong they turn out identical (measured difference 0), the
    tolerance allows for palettes where rounding differs by a grey level."""
    import ale_py

    gym.register_envs(ale_py)
    kwargs = {"frameskip": 1, "repeat_action_probability": 0.0}
    raw = gym.make("ALE/Pong-v5", **kwargs)
    reference = gym.wrappers.AtariPreprocessing(
        gym.make("ALE/Pong-v5", **kwargs), noop_max=0, frame_skip=2, screen_size=84
    )
    pre = FramePreprocessor()
    rng = np.random.default_rng(0)
    ref_obs, _ = reference.reset(seed=3)
    rgb, _ = raw.reset(seed=3)
    ours = pre.reset(rgb)
    diffs = [np.abs(ours[-1].astype(int) - ref_obs.astype(int)).mean()]
    for _ in range(120):
        action = int(rng.integers(raw.action_space.n))
        ref_obs, *_ = reference.step(action)
        for _ in range(2):
            rgb, *_ = raw.step(action)
            ours = pre.step(rgb)
        diffs.append(np.abs(ours[-1].astype(int) - ref_obs.astype(int)).mean())
    assert ref_obs.shape == ours[-1].shape == (84, 84)
    print(f"mean abs difference vs gymnasium: max {max(diffs):.3f}, mean {np.mean(diffs):.3f}")
    assert max(diffs) < 2.0, f"mean abs difference per frame up to {max(diffs):.2f} grey levels"
    # And with ALE's own grayscale in place of ours, the pipeline is the same: exact match.
    gray = raw.unwrapped.ale.getScreenGrayscale()
    expected = cv2.resize(gray, (84, 84), interpolation=cv2.INTER_AREA)
    assert np.abs(resize84(gray).astype(int) - expected).max() == 0


@pytest.mark.quiet  # a time per frame
def test_speed_640x480() -> None:
    pre = FramePreprocessor()
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (480, 640, 3), dtype=np.uint8) for _ in range(2)]
    pre.reset(frames[0])
    start = time.perf_counter()
    for i in range(200):
        pre.step(frames[i % 2])
    per_frame_ms = (time.perf_counter() - start) / 200 * 1000
    print(f"preprocessing 640x480: {per_frame_ms:.2f} ms per frame")
    assert per_frame_ms < 10, "generous: shared CI machines are slow"
