"""Tests of the frame-ring replay buffer against a slow, obviously-correct reference.

The reference keeps whole episodes as Python lists and numbers every frame ever written with a
global counter g (the buffer puts it in slot g % capacity). Frames encode g in their first values,
so a frame taken from the wrong slot shows up as the wrong number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest

from screen_agent.agent.replay import ReplayBatch, ReplayBuffer

# ---------------------------------------------------------------------------- reference model


def make_frame(g: int, shape: tuple[int, ...], dtype: np.dtype, rng: np.random.Generator):
    """A frame whose first values spell its global index g; the rest is noise."""
    frame = rng.integers(0, 256, size=shape).astype(dtype)
    flat = frame.reshape(-1)
    if np.dtype(dtype) == np.uint8:
        flat[0], flat[1] = g & 255, (g >> 8) & 255
    else:
        flat[0] = g
    return frame


def frame_id(frames: np.ndarray) -> np.ndarray:
    """Global index g of each frame in an array of frames (..., *frame_shape)."""
    flat = frames.reshape(*frames.shape[:-2], -1) if frames.ndim >= 2 else frames
    if frames.dtype == np.uint8:
        return flat[..., 0].astype(np.int64) + 256 * flat[..., 1].astype(np.int64)
    return flat[..., 0].astype(np.int64)


@dataclass
class Episode:
    gs: list[int] = field(default_factory=list)  # global index of each frame, in order
    actions: list[int] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    terminated: list[bool] = field(default_factory=list)
    truncated: list[bool] = field(default_factory=list)
    done: bool = False


class Reference:
    """Feeds a ReplayBuffer and remembers everything as whole episodes."""

    def __init__(self, buffer: ReplayBuffer, rng: np.random.Generator) -> None:
        self.buffer = buffer
        self.rng = rng
        self.frames: list[np.ndarray] = []  # by global index g
        self.where: list[tuple[int, int]] = []  # g -> (episode, frame index in it)
        self.episodes: list[Episode] = []
        self.mirrors: list[ReplayBuffer] = []  # other buffers fed the same calls

    @property
    def total(self) -> int:
        return len(self.frames)

    def _new_frame(self) -> np.ndarray:
        g = self.total
        frame = make_frame(g, self.buffer.frame_shape, self.buffer.frame_dtype, self.rng)
        self.frames.append(frame)
        self.where.append((len(self.episodes) - 1, len(self.episodes[-1].gs)))
        self.episodes[-1].gs.append(g)
        return frame

    def start(self) -> None:
        if self.episodes and not self.episodes[-1].done and self.episodes[-1].actions:
            self.episodes[-1].truncated[-1] = True  # an abandoned episode counts as truncated
        self.episodes.append(Episode())
        frame = self._new_frame()
        for buffer in (self.buffer, *self.mirrors):
            buffer.start_episode(frame)

    def step(self, terminated: bool = False, truncated: bool = False) -> None:
        ep = self.episodes[-1]
        action = int(self.rng.integers(0, 18))
        reward = float(self.rng.normal())
        ep.actions.append(action)
        ep.rewards.append(reward)
        ep.terminated.append(terminated)
        ep.truncated.append(truncated)
        ep.done = terminated or truncated
        frame = self._new_frame()
        for buffer in (self.buffer, *self.mirrors):
            buffer.add(action, reward, terminated, truncated, frame)

    # ---- what the buffer should contain

    def expected_valid_gs(self) -> list[int]:
        """Global index of the start frame of every transition the buffer may sample."""
        b, total = self.buffer, self.total
        oldest = max(0, total - b.capacity)
        lo = oldest + (b.stack - 1 if total > b.capacity else 0)
        out = []
        for ep in self.episodes:
            for t in range(len(ep.actions)):
                g = ep.gs[t]
                if g >= lo and g + b.n_step <= total - 1:
                    out.append(g)
        return out

    def expected(self, g: int):
        """(obs, action, return, next_obs, discount) of the transition starting at frame g."""
        b = self.buffer
        e, t = self.where[g]
        ep = self.episodes[e]

        def stack_at(k: int) -> list[np.ndarray]:
            return [self.frames[ep.gs[max(k - j, 0)]] for j in range(b.stack - 1, -1, -1)]

        ret, m, term = 0.0, 0, False
        for j in range(b.n_step):
            ret += b.gamma**j * ep.rewards[t + j]
            m += 1
            if ep.terminated[t + j]:
                term = True
                break
            if ep.truncated[t + j]:
                break
        discount = 0.0 if term else b.gamma**m
        return stack_at(t), ep.actions[t], ret, stack_at(t + m), discount

    def check(self) -> None:
        """Compare every sampleable transition with the reference."""
        b = self.buffer
        gs = self.expected_valid_gs()
        valid = b.valid_indices()
        assert sorted(g % b.capacity for g in gs) == valid.tolist()
        assert b.num_valid() == len(gs)
        stored = [g for ep in self.episodes for g in ep.gs[: len(ep.actions)]]
        assert len(b) == sum(g >= self.total - b.capacity for g in stored)
        if not gs:
            return
        batch = b._batch_at(np.array([g % b.capacity for g in gs]))
        obs, actions, returns, next_obs, discounts = zip(*map(self.expected, gs), strict=True)
        np.testing.assert_array_equal(batch.obs, np.array(obs))
        np.testing.assert_array_equal(batch.actions, actions)
        np.testing.assert_allclose(batch.returns, returns, rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(batch.next_obs, np.array(next_obs))
        np.testing.assert_allclose(batch.discounts, discounts, rtol=1e-6, atol=1e-7)


def make_buffer(capacity, stack, n_step, gamma=0.9, frame_shape=(3, 3), dtype=np.uint8, seed=0):
    return ReplayBuffer(
        capacity, frame_shape, dtype, stack, n_step, gamma, np.random.default_rng(seed)
    )


def play_random(ref: Reference, episodes: int, check_every_step: bool) -> None:
    """Random episodes of 1..15 steps ending terminated, truncated, both, or abandoned (and now
    and then abandoned before the first step), then an unfinished one."""
    rng = ref.rng
    for _ in range(episodes):
        ref.start()
        if rng.random() < 0.05:
            continue  # abandoned with no step at all
        length = int(rng.integers(1, 16))
        ending = rng.choice(
            ["terminated", "truncated", "both", "abandoned"], p=[0.4, 0.4, 0.1, 0.1]
        )
        for t in range(length):
            last = t == length - 1
            ref.step(
                terminated=last and ending in ("terminated", "both"),
                truncated=last and ending in ("truncated", "both"),
            )
            if check_every_step:
                ref.check()
        ref.check()
    ref.start()
    for _ in range(int(rng.integers(1, 8))):
        ref.step()
        ref.check()


# ---------------------------------------------------------------------------- against the reference

CONFIGS = [
    # capacity, stack, n_step, gamma, frame_shape, dtype
    (8, 4, 3, 0.9, (3, 3), np.uint8),  # the smallest allowed ring: wraps dozens of times
    (5, 1, 3, 0.5, (4,), np.float32),  # vector observations, smallest ring for n_step=3
    (23, 2, 5, 0.99, (3, 3), np.uint8),
    (40, 4, 1, 0.9, (3, 3), np.uint8),  # plain DQN targets
    (13, 3, 4, 1.0, (2, 3), np.uint8),
    (50, 1, 1, 0.0, (4,), np.float32),
    (2000, 4, 3, 0.9, (3, 3), np.uint8),  # never wraps
]


@pytest.mark.parametrize(("capacity", "stack", "n_step", "gamma", "shape", "dtype"), CONFIGS)
@pytest.mark.parametrize("seed", [0, 1])
def test_every_valid_index_matches_reference(capacity, stack, n_step, gamma, shape, dtype, seed):
    buffer = make_buffer(capacity, stack, n_step, gamma, shape, dtype, seed)
    ref = Reference(buffer, np.random.default_rng(100 + seed))
    play_random(ref, episodes=40, check_every_step=True)
    assert ref.total > 3 * capacity or capacity == 2000


# ---------------------------------------------------------------------------- specific rules


def test_valid_indices_exclude_cursor_window_and_overwritten_history():
    buffer = make_buffer(capacity=100, stack=3, n_step=2)
    ref = Reference(buffer, np.random.default_rng(0))
    ref.start()
    for _ in range(5):
        ref.step()
    # Frames 0..5 written; transitions 0..4; windows need slots t..t+2 <= 5.
    assert buffer.valid_indices().tolist() == [0, 1, 2, 3]
    ref.step(terminated=True)  # frame 6 is the end slot
    # Transition 5 ended the episode, but its window 5..7 is not complete: not sampled yet.
    assert buffer.valid_indices().tolist() == [0, 1, 2, 3, 4]
    ref.start()  # frame 7
    assert buffer.valid_indices().tolist() == [0, 1, 2, 3, 4, 5]
    ref.step()  # frame 8: transition 6 is an end slot, never valid
    assert buffer.valid_indices().tolist() == [0, 1, 2, 3, 4, 5]
    ref.check()

    # One long unfinished episode of 20 steps in a ring of 10: frames 11..20 remain.
    buffer = make_buffer(capacity=10, stack=3, n_step=2)
    ref = Reference(buffer, np.random.default_rng(0))
    ref.start()
    for _ in range(20):
        ref.step()
    # Needs g >= 11 + (stack - 1) = 13 and g + 2 <= 20: g in 13..18, slots 3..8.
    assert buffer.valid_indices().tolist() == [3, 4, 5, 6, 7, 8]
    assert len(buffer) == 9  # transitions 11..19 are stored; 10 was overwritten by frame 20
    assert buffer.num_valid() == 6
    ref.check()


def test_stack_repeats_the_first_frame_of_the_episode():
    buffer = make_buffer(capacity=30, stack=4, n_step=1)
    ref = Reference(buffer, np.random.default_rng(0))
    ref.start()  # g0
    ref.step()  # g1
    ref.step(truncated=True)  # g2, end slot
    ref.start()  # g3
    for _ in range(3):
        ref.step()  # g4..g6
    batch = buffer._batch_at(np.array([0, 1, 3, 4]))
    assert frame_id(batch.obs).tolist() == [[0, 0, 0, 0], [0, 0, 0, 1], [3, 3, 3, 3], [3, 3, 3, 4]]
    assert frame_id(batch.next_obs).tolist() == [
        [0, 0, 0, 1],
        [0, 0, 1, 2],  # a truncated transition bootstraps from the real final frame
        [3, 3, 3, 4],
        [3, 3, 4, 5],
    ]


@pytest.mark.parametrize("ending", ["terminated", "truncated"])
def test_terminated_stops_bootstrapping_truncated_does_not(ending):
    buffer = ReplayBuffer(20, (3, 3), np.uint8, 2, 3, 0.5, np.random.default_rng(0))
    frames = [make_frame(g, (3, 3), np.uint8, np.random.default_rng(g)) for g in range(10)]
    buffer.start_episode(frames[0])
    buffer.add(1, 1.0, False, False, frames[1])
    buffer.add(2, 2.0, ending == "terminated", ending == "truncated", frames[2])
    buffer.start_episode(frames[3])
    for g in range(4, 7):
        buffer.add(0, 100.0, False, False, frames[g])
    batch = buffer._batch_at(np.array([0, 1]))
    assert batch.actions.tolist() == [1, 2]
    assert batch.returns.tolist() == [1.0 + 0.5 * 2.0, 2.0]  # rewards stop at the episode end
    assert frame_id(batch.next_obs).tolist() == [[1, 2], [1, 2]]
    if ending == "terminated":
        assert batch.discounts.tolist() == [0.0, 0.0]
    else:
        assert batch.discounts.tolist() == [0.25, 0.5]  # gamma**m with m = 2 and 1 steps taken
    # A full window in the next episode: three rewards, discount gamma**3.
    batch = buffer._batch_at(np.array([3]))
    assert batch.returns.tolist() == [100.0 * (1 + 0.5 + 0.25)]
    assert batch.discounts.tolist() == [0.125]
    assert frame_id(batch.next_obs).tolist() == [[5, 6]]


def test_n_step_one_is_plain_dqn():
    buffer = make_buffer(
        capacity=12, stack=1, n_step=1, gamma=0.99, frame_shape=(4,), dtype=np.float32
    )
    ref = Reference(buffer, np.random.default_rng(3))
    play_random(ref, episodes=10, check_every_step=False)
    batch = buffer._batch_at(buffer.valid_indices())
    assert np.isclose(batch.discounts[:, None], [0.0, 0.99]).any(axis=1).all()
    assert np.array_equal(frame_id(batch.next_obs[:, 0]), frame_id(batch.obs[:, 0]) + 1)


# ---------------------------------------------------------------------------- sampling


def test_samples_are_valid_uniform_and_never_near_the_cursor():
    buffer = make_buffer(capacity=60, stack=4, n_step=3, seed=7)
    ref = Reference(buffer, np.random.default_rng(7))
    rng = np.random.default_rng(8)
    for _ in range(25):
        ref.start()
        for _ in range(int(rng.integers(1, 12))):
            ref.step(terminated=bool(rng.random() < 0.08))
            if ref.episodes[-1].done:
                break
        if not buffer.can_sample(1):
            continue
        expected = set(ref.expected_valid_gs())
        batch = buffer.sample(buffer.num_valid())
        newest = frame_id(batch.obs[:, -1])
        assert set(newest.tolist()) <= expected
        assert (newest + buffer.n_step <= ref.total - 1).all()  # never within n_step of the cursor
        assert (newest >= ref.total - buffer.capacity + buffer.stack - 1).all() or (
            ref.total <= buffer.capacity
        )

    # Uniform over the valid slots: every one is drawn, none far from the expected count.
    counts = np.bincount(buffer._sample_indices(200_000), minlength=buffer.capacity)
    valid = buffer.valid_indices()
    assert np.count_nonzero(counts) == valid.size
    expected_count = 200_000 / valid.size
    assert np.abs(counts[valid] - expected_count).max() < 6 * np.sqrt(expected_count)


def test_sampling_stays_valid_when_almost_every_slot_is_empty():
    """Thousands of episodes abandoned before their first step leave rejection sampling almost
    nothing to hit: the fallback to the explicit list of valid slots must still draw valid ones."""
    buffer = make_buffer(capacity=3000, stack=2, n_step=1, seed=4)
    ref = Reference(buffer, np.random.default_rng(4))
    ref.start()
    ref.step()
    ref.step(terminated=True)
    for _ in range(2900):
        ref.start()
    valid = set(buffer.valid_indices().tolist())
    assert valid == {0, 1}
    assert set(buffer._sample_indices(1000).tolist()) == valid
    ref.check()


def test_sample_shapes_and_dtypes():
    buffer = make_buffer(capacity=50, stack=4, n_step=3)
    play_random(Reference(buffer, np.random.default_rng(0)), episodes=5, check_every_step=False)
    batch = buffer.sample(32)
    assert isinstance(batch, ReplayBatch)
    assert batch.obs.shape == batch.next_obs.shape == (32, 4, 3, 3)
    assert batch.obs.dtype == batch.next_obs.dtype == np.uint8
    assert batch.actions.shape == (32,) and batch.actions.dtype == np.int64
    assert batch.returns.dtype == batch.discounts.dtype == np.float32

    vec = make_buffer(capacity=50, stack=1, n_step=1, frame_shape=(4,), dtype=np.float32)
    play_random(Reference(vec, np.random.default_rng(0)), episodes=5, check_every_step=False)
    batch = vec.sample(8)
    assert batch.obs.shape == batch.next_obs.shape == (8, 1, 4)
    assert batch.obs.dtype == np.float32


def test_sample_refuses_until_enough_transitions():
    buffer = make_buffer(capacity=50, stack=2, n_step=3)
    assert not buffer.can_sample(1) and len(buffer) == 0
    buffer.start_episode(np.zeros((3, 3), np.uint8))
    for _ in range(2):
        buffer.add(0, 0.0, False, False, np.zeros((3, 3), np.uint8))
    # Transitions 0 and 1 stored, but neither has its window of frames t .. t + 3 yet.
    assert len(buffer) == 2 and buffer.num_valid() == 0
    with pytest.raises(ValueError, match="can_sample"):
        buffer.sample(1)
    buffer.add(0, 0.0, False, False, np.zeros((3, 3), np.uint8))
    assert buffer.can_sample(1) and not buffer.can_sample(2)


# ---------------------------------------------------------------------------- size, checkpoints


def test_a_million_atari_frames_fit_in_7100_bytes_per_transition():
    buffer = ReplayBuffer(1_000_000, (84, 84), np.uint8, 4, 3, 0.99, np.random.default_rng(0))
    assert buffer.nbytes / buffer.capacity <= 7_100


def _filled(capacity: int, seed: int, episodes: int) -> tuple[ReplayBuffer, Reference]:
    buffer = make_buffer(capacity=capacity, stack=3, n_step=2, seed=seed)
    ref = Reference(buffer, np.random.default_rng(seed))
    play_random(ref, episodes=episodes, check_every_step=False)
    return buffer, ref


def _assert_same_batches(a: ReplayBuffer, b: ReplayBuffer) -> None:
    a._rng = np.random.default_rng(42)
    b._rng = np.random.default_rng(42)
    for _ in range(5):
        x, y = a.sample(16), b.sample(16)
        for name in ("obs", "actions", "returns", "next_obs", "discounts"):
            np.testing.assert_array_equal(getattr(x, name), getattr(y, name))


@pytest.mark.parametrize(("capacity", "episodes"), [(500, 4), (25, 20)])  # partial, wrapped
def test_state_dict_round_trip(capacity, episodes):
    buffer, ref = _filled(capacity, seed=5, episodes=episodes)
    state = buffer.state_dict()
    restored = make_buffer(capacity=capacity, stack=3, n_step=2, seed=99)
    restored.load_state_dict(state)
    assert len(restored) == len(buffer)
    np.testing.assert_array_equal(restored.valid_indices(), buffer.valid_indices())
    _assert_same_batches(buffer, restored)
    # Both keep going identically, from the unfinished episode on, and agree with the reference.
    ref.mirrors.append(restored)
    ref.step(truncated=True)
    ref.start()
    for _ in range(3):
        ref.step()
    _assert_same_batches(buffer, restored)
    ref.check()
    ref.buffer = restored
    ref.check()


def test_state_dict_survives_npz_without_pickle(tmp_path):
    buffer, _ = _filled(30, seed=2, episodes=12)
    np.savez(tmp_path / "replay.npz", **buffer.state_dict())
    with np.load(tmp_path / "replay.npz", allow_pickle=False) as data:
        state = {k: (data[k].item() if data[k].ndim == 0 else data[k]) for k in data.files}
    restored = make_buffer(capacity=30, stack=3, n_step=2)
    restored.load_state_dict(state)
    _assert_same_batches(buffer, restored)
    with pytest.raises(ValueError, match=r"frame shape \(3, 3\) .* \(4, 4\)"):
        make_buffer(capacity=30, stack=3, n_step=2, frame_shape=(4, 4)).load_state_dict(state)


def test_load_state_dict_refuses_a_mismatched_buffer():
    buffer, _ = _filled(40, seed=0, episodes=3)
    state = buffer.state_dict()
    with pytest.raises(ValueError, match=r"capacity 40 .* 41"):
        make_buffer(capacity=41, stack=3, n_step=2).load_state_dict(state)
    with pytest.raises(ValueError, match=r"frame shape \(3, 3\) .* \(3, 4\)"):
        make_buffer(capacity=40, stack=3, n_step=2, frame_shape=(3, 4)).load_state_dict(state)
    with pytest.raises(ValueError, match=r"frame dtype uint8 .* float32"):
        make_buffer(capacity=40, stack=3, n_step=2, dtype=np.float32).load_state_dict(state)


# ---------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"capacity": 7}, "at least n_step \\+ stack \\+ 1 = 8"),
        ({"stack": 0}, "stack must be at least 1"),
        ({"n_step": 0}, "n_step must be at least 1"),
        ({"gamma": -0.1}, "gamma must be in \\[0, 1\\]"),
        ({"gamma": 1.01}, "gamma must be in \\[0, 1\\]"),
    ],
)
def test_bad_options_are_refused(kwargs, message):
    options = {"capacity": 8, "stack": 4, "n_step": 3, "gamma": 0.99}
    options.update(kwargs)
    with pytest.raises(ValueError, match=message):
        ReplayBuffer(
            options["capacity"],
            (84, 84),
            np.uint8,
            options["stack"],
            options["n_step"],
            options["gamma"],
            np.random.default_rng(0),
        )


def test_add_needs_a_running_episode():
    buffer = make_buffer(capacity=20, stack=2, n_step=1)
    frame = np.zeros((3, 3), np.uint8)
    with pytest.raises(RuntimeError, match="start_episode"):
        buffer.add(0, 0.0, False, False, frame)
    buffer.start_episode(frame)
    buffer.add(0, 0.0, True, False, frame)
    with pytest.raises(RuntimeError, match="start_episode"):
        buffer.add(0, 0.0, False, False, frame)


def test_frames_of_the_wrong_shape_or_kind_are_refused():
    buffer = make_buffer(capacity=20, stack=2, n_step=1)
    with pytest.raises(ValueError, match="shape"):
        buffer.start_episode(np.zeros((2, 3, 3), np.uint8))
    with pytest.raises(ValueError, match="dtype"):
        buffer.start_episode(np.zeros((3, 3), np.float32))
