"""A circular replay buffer that stores every observation frame once (Dopamine's design).

Frame stacks and n-step returns are not stored: they are rebuilt at sample time from the ring of
single frames with vectorised index arithmetic, so a million 84x84 uint8 transitions take about
7.1 GB instead of the 56 GB that storing two stacks of four per transition would.

Typical use, with ``obs`` the stacked observation of the environment::

    buffer.start_episode(obs[-1])
    while not done:
        obs, reward, terminated, truncated, _ = env.step(action)
        buffer.add(action, reward, terminated, truncated, obs[-1])
        done = terminated or truncated
    batch = buffer.sample(32)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ReplayBatch", "ReplayBuffer", "ReplayState"]

ReplayState = dict[str, Any]
"""What ``ReplayBuffer.state_dict`` returns: numpy arrays plus plain ints, floats, strs, tuples."""

# Give up rejection sampling after this many vectorised redraws and draw from the explicit list of
# valid indices instead. Only reachable when nearly every slot is invalid (for example thousands of
# episodes abandoned before their first step); in normal use one redraw round is plenty.
_MAX_REDRAW_ROUNDS = 64


@dataclass(frozen=True)
class ReplayBatch:
    """A batch of transitions with stacked observations and n-step returns.

    ``B`` is the batch size, ``stack`` the number of frames per observation (oldest first), and
    ``frame_shape`` / frame dtype are those the buffer was built with (for vector observations
    with ``stack == 1`` the observations are ``(B, 1, *frame_shape)``).
    """

    obs: np.ndarray
    """(B, stack, *frame_shape), frame dtype: the observation the action was taken in."""
    actions: np.ndarray
    """(B,) int64: the action taken."""
    returns: np.ndarray
    """(B,) float32, reward units: discounted sum of up to n_step rewards, cut at episode end."""
    next_obs: np.ndarray
    """(B, stack, *frame_shape), frame dtype: the observation m <= n_step steps later."""
    discounts: np.ndarray
    """(B,) float32: gamma**m to multiply the bootstrap value by; 0 if the episode terminated
    within those m steps. A truncation (time limit) still bootstraps, with gamma**m."""


class ReplayBuffer:
    """Circular replay buffer of single frames; builds stacks and n-step returns when sampled.

    Ring layout: ``start_episode`` writes the episode's first frame into the slot at the write
    cursor; each ``add`` writes the transition's action, reward and flags into the slot of the
    frame it was taken from, and the new frame into the following slot. After a done (terminated
    or truncated) the slot holding the final frame is an *end slot*: it is never the start of a
    transition, but it is what truncated transitions bootstrap from. The next episode begins in the
    slot after it.

    Stacks that reach back past an episode's first frame repeat that first frame, as gymnasium's
    ``FrameStackObservation(padding_type="reset")`` does.

    Args:
        capacity: number of frame slots in the ring (one per transition, plus one end slot per
            episode), at least ``n_step + stack + 1``.
        frame_shape: shape of one frame, e.g. ``(84, 84)`` for Atari or ``(4,)`` for CartPole.
        frame_dtype: dtype frames are stored in, e.g. ``np.uint8`` for images (keep it uint8: the
            network divides by 255) or ``np.float32`` for vector observations.
        stack: number of consecutive frames per observation (1 for vector observations).
        n_step: number of rewards summed into each return (1 gives plain DQN targets).
        gamma: per-step discount factor in [0, 1].
        rng: random generator used for sampling; the buffer keeps no other randomness.
    """

    def __init__(
        self,
        capacity: int,
        frame_shape: tuple[int, ...],
        frame_dtype: np.dtype | type,
        stack: int,
        n_step: int,
        gamma: float,
        rng: np.random.Generator,
    ) -> None:
        if stack < 1:
            raise ValueError(f"stack must be at least 1 (use 1 for no frame stacking), got {stack}")
        if n_step < 1:
            raise ValueError(
                f"n_step must be at least 1 (use 1 for plain DQN targets), got {n_step}"
            )
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f"gamma must be in [0, 1] (typically 0.99), got {gamma}")
        if capacity < n_step + stack + 1:
            raise ValueError(
                f"capacity {capacity} is too small for stack={stack} and n_step={n_step}: "
                f"use a capacity of at least n_step + stack + 1 = {n_step + stack + 1}"
            )
        frame_shape = tuple(int(d) for d in frame_shape)
        if any(d < 1 for d in frame_shape):
            raise ValueError(f"frame_shape must have positive sizes, got {frame_shape}")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(
                "rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
                f"got {type(rng).__name__}"
            )

        self.capacity = int(capacity)
        """Number of frame slots in the ring."""
        self.frame_shape: tuple[int, ...] = frame_shape
        """Shape of one stored frame."""
        self.frame_dtype = np.dtype(frame_dtype)
        """Dtype frames are stored and returned in."""
        self.stack = int(stack)
        """Frames per observation."""
        self.n_step = int(n_step)
        """Rewards per return."""
        self.gamma = float(gamma)
        """Per-step discount factor."""
        self._rng = rng
        # gamma**k for k = 0..n_step, so the discount of an m-step window is _gamma_pow[m].
        self._gamma_pow = (self.gamma ** np.arange(self.n_step + 1, dtype=np.float64)).astype(
            np.float32
        )

        # np.zeros gets zero pages from the OS lazily, so a 7 GB ring costs nothing until written.
        # Per slot: one frame, plus 4 + 4 + 4 x 1 = 12 bytes of metadata.
        self._frames = np.zeros((self.capacity, *self.frame_shape), dtype=self.frame_dtype)
        self._actions = np.zeros(self.capacity, dtype=np.int32)
        self._rewards = np.zeros(self.capacity, dtype=np.float32)
        self._terminated = np.zeros(self.capacity, dtype=bool)
        self._truncated = np.zeros(self.capacity, dtype=bool)
        self._has_transition = np.zeros(self.capacity, dtype=bool)  # action/reward/flags written
        self._episode_start = np.zeros(self.capacity, dtype=bool)  # first frame of an episode

        self._cursor = 0  # slot the next frame is written to
        self._size = 0  # slots holding data of the current pass, <= capacity
        self._overwritten = False  # some slot has been written twice: history was lost
        self._num_transitions = 0  # count of _has_transition
        self._in_episode = False  # start_episode called, no done since
        self._episode_steps = 0  # adds in the current episode

    # ------------------------------------------------------------------ writing

    def start_episode(self, frame: np.ndarray) -> None:
        """Begin an episode with the newest frame of the reset observation.

        If the previous episode had no done, it is treated as truncated at its last frame (an
        abandoned episode is cut off, not ended by the game): its transitions bootstrap from it.

        Args:
            frame: array of shape ``frame_shape`` (e.g. ``obs[-1]`` of a stacked observation).
        """
        frame = self._check_frame(frame, "frame")
        if self._in_episode and self._episode_steps > 0:
            self._truncated[(self._cursor - 2) % self.capacity] = True
        slot = self._write_frame(frame)
        self._episode_start[slot] = True
        self._in_episode = True
        self._episode_steps = 0

    def add(
        self,
        action: int,
        reward: float,
        terminated: bool,
        truncated: bool,
        next_frame: np.ndarray,
    ) -> None:
        """Record one environment step taken from the most recent frame.

        Args:
            action: index of the action taken (fits in int32).
            reward: reward received for the step, in the environment's (possibly clipped) units.
            terminated: the episode ended in a terminal state (no bootstrapping past it).
            truncated: the episode was cut off, e.g. by a time limit (bootstraps from next_frame).
                If both are true, terminated wins.
            next_frame: newest frame of the observation after the step, shape ``frame_shape``.

        Raises:
            RuntimeError: if no episode is running (call ``start_episode`` first, also after a
                done).
        """
        if not self._in_episode:
            raise RuntimeError(
                "ReplayBuffer.add called with no running episode: call start_episode(first_frame) "
                "first, after every reset"
            )
        next_frame = self._check_frame(next_frame, "next_frame")
        slot = (self._cursor - 1) % self.capacity  # the frame the action was taken from
        self._actions[slot] = action
        self._rewards[slot] = reward
        self._terminated[slot] = bool(terminated)
        self._truncated[slot] = bool(truncated) and not terminated
        self._has_transition[slot] = True
        self._num_transitions += 1
        self._episode_steps += 1
        self._write_frame(next_frame)
        if terminated or truncated:
            self._in_episode = False  # the slot just written is the episode's end slot

    def _check_frame(self, frame: np.ndarray, name: str) -> np.ndarray:
        frame = np.asarray(frame)
        if frame.shape != self.frame_shape:
            raise ValueError(
                f"{name} has shape {frame.shape} but this buffer stores frames of shape "
                f"{self.frame_shape}: pass the newest single frame (obs[-1] of a stacked obs)"
            )
        if not np.can_cast(frame.dtype, self.frame_dtype, casting="same_kind"):
            raise ValueError(
                f"{name} has dtype {frame.dtype} which cannot be stored as {self.frame_dtype} "
                "without changing its meaning: convert it first (images stay uint8)"
            )
        return frame

    def _write_frame(self, frame: np.ndarray) -> int:
        """Write a frame at the cursor, clearing whatever the slot held; returns the slot."""
        slot = self._cursor
        if self._has_transition[slot]:
            self._num_transitions -= 1
        self._frames[slot] = frame
        self._has_transition[slot] = False
        self._terminated[slot] = False
        self._truncated[slot] = False
        self._episode_start[slot] = False
        self._cursor = (slot + 1) % self.capacity
        if self._size == self.capacity:
            self._overwritten = True
        else:
            self._size += 1
        return slot

    # ------------------------------------------------------------------ valid indices
    #
    # Which slots i may be sampled as the start of a transition. Let ``oldest`` be the slot of the
    # oldest frame still stored, and p = (i - oldest) mod capacity the position of i in the current
    # pass (0 = oldest, size - 1 = newest frame, just before the write cursor). Slot i is valid iff
    #
    #   1. slot i holds a transition (not an end slot, not the newest frame of a running episode);
    #   2. p + n_step <= size - 1: slots i .. i + n_step have all been written in this pass, so the
    #      whole n-step window and its bootstrap frame exist. A transition whose window is not
    #      complete yet is not sampled, even when its episode has already ended within the window:
    #      simplicity over a delay of at most n_step steps;
    #   3. if some slot was overwritten: p >= stack - 1, so the stack reaching back stack - 1 slots
    #      from i never reads an overwritten slot (conservative: a stack padded at an episode start
    #      would not need it). The next_obs stack ends at i + m >= i, so it reaches back no further.
    #
    # Without overwriting, slot 0 starts the first episode, so stacks never reach back past it.
    # Valid positions thus lie in [lo, hi) = [stack - 1 if overwritten else 0, size - n_step), and
    # within that range rule 1 alone decides.

    def _position_range(self) -> tuple[int, int, int]:
        """(oldest slot, lo, hi): valid indices are the transition slots at positions [lo, hi)."""
        oldest = (self._cursor - self._size) % self.capacity
        lo = self.stack - 1 if self._overwritten else 0
        hi = self._size - self.n_step
        return oldest, lo, hi

    def valid_indices(self) -> np.ndarray:
        """All slots that ``sample`` may draw, ascending, as an int64 array."""
        oldest, lo, hi = self._position_range()
        if hi <= lo:
            return np.zeros(0, dtype=np.int64)
        slots = (oldest + np.arange(lo, hi, dtype=np.int64)) % self.capacity
        return np.sort(slots[self._has_transition[slots]])

    def num_valid(self) -> int:
        """Number of transitions ``sample`` can currently draw (at most ``len(self)``)."""
        oldest, lo, hi = self._position_range()
        if hi <= lo:
            return 0
        # Only the few positions outside [lo, hi) can hold excluded transitions.
        excluded = np.concatenate((np.arange(0, lo), np.arange(hi, self._size)))
        excluded_slots = (oldest + excluded) % self.capacity
        return self._num_transitions - int(np.count_nonzero(self._has_transition[excluded_slots]))

    def __len__(self) -> int:
        """Number of transitions stored (including the few ``sample`` cannot draw yet)."""
        return self._num_transitions

    def can_sample(self, batch_size: int) -> bool:
        """Whether at least ``batch_size`` distinct transitions can be drawn (sampling itself
        draws with replacement)."""
        return batch_size >= 1 and self.num_valid() >= batch_size

    # ------------------------------------------------------------------ sampling

    def sample(self, batch_size: int) -> ReplayBatch:
        """Draw ``batch_size`` transitions uniformly, with replacement, from the valid indices.

        Raises:
            ValueError: if fewer than ``batch_size`` transitions can be drawn (check
                ``can_sample`` first, e.g. wait for the warm-up steps).
        """
        if not self.can_sample(batch_size):
            raise ValueError(
                f"cannot sample {batch_size} transitions: only {self.num_valid()} are ready; "
                "check can_sample(batch_size) first (collect more steps before learning)"
            )
        return self._batch_at(self._sample_indices(batch_size))

    def sample_indices(self, batch_size: int) -> np.ndarray:
        """The start slots :meth:`sample` would draw (uniform, with replacement), e.g. to look
        up something kept per slot beside the buffer; build the batch with :meth:`batch_at`."""
        if not self.can_sample(batch_size):
            raise ValueError(
                f"cannot sample {batch_size} transitions: only {self.num_valid()} are ready"
            )
        return self._sample_indices(batch_size)

    def batch_at(self, indices: np.ndarray) -> ReplayBatch:
        """The batch of transitions starting at ``indices`` (slots from :meth:`sample_indices`)."""
        return self._batch_at(indices)

    def cursor_slot(self) -> int:
        """The slot of the newest frame: where the next ``add`` writes its action and reward
        (the slot of the frame the action is taken in)."""
        return (self._cursor - 1) % self.capacity

    def _sample_indices(self, batch_size: int) -> np.ndarray:
        """Uniform draw over the valid slots by rejection: draw positions in [lo, hi), redraw the
        ones that land on slots without a transition (end slots), all vectorised."""
        oldest, lo, hi = self._position_range()
        idx = (oldest + self._rng.integers(lo, hi, size=batch_size)) % self.capacity
        for _ in range(_MAX_REDRAW_ROUNDS):
            bad = np.flatnonzero(~self._has_transition[idx])
            if bad.size == 0:
                return idx
            idx[bad] = (oldest + self._rng.integers(lo, hi, size=bad.size)) % self.capacity
        valid = self.valid_indices()
        bad = ~self._has_transition[idx]
        idx[bad] = valid[self._rng.integers(0, valid.size, size=int(np.count_nonzero(bad)))]
        return idx

    def _stack_slots(self, newest: np.ndarray) -> np.ndarray:
        """(B, stack) slots of the frames of each observation, oldest first, ending at ``newest``.

        Walking back from the newest frame, a slot that starts an episode repeats itself instead of
        stepping further back: the env's padding with the episode's first frame.
        """
        slots = np.empty((newest.size, self.stack), dtype=np.int64)
        cur = newest
        slots[:, -1] = cur
        for k in range(self.stack - 2, -1, -1):
            cur = np.where(self._episode_start[cur], cur, (cur - 1) % self.capacity)
            slots[:, k] = cur
        return slots

    def _batch_at(self, indices: np.ndarray) -> ReplayBatch:
        """Build the batch for the given valid start slots (no check that they are valid)."""
        idx = np.asarray(indices, dtype=np.int64)
        window = (idx[:, None] + np.arange(self.n_step)) % self.capacity  # (B, n)
        terminated = self._terminated[window]
        done = terminated | self._truncated[window]
        # alive[:, j]: no done among the window's transitions 0 .. j-1 (so reward j counts).
        alive = np.ones_like(done)
        np.logical_not(done[:, :-1], out=alive[:, 1:])
        np.logical_and.accumulate(alive, axis=1, out=alive)
        returns = np.where(alive, self._rewards[window] * self._gamma_pow[: self.n_step], 0.0)
        m = np.count_nonzero(alive, axis=1)
        ended_by_termination = np.any(terminated & alive, axis=1)
        discounts = np.where(ended_by_termination, 0.0, self._gamma_pow[m])
        next_idx = (idx + m) % self.capacity
        # One gather for both stacks: a single allocation, which glibc's malloc keeps reusing;
        # two separate ones of this size (about 0.9 MB each for 32 x 4 x 84 x 84) made it return
        # and re-fault the pages on every call, costing more than the copy itself.
        both = self._frames[np.concatenate((self._stack_slots(idx), self._stack_slots(next_idx)))]
        return ReplayBatch(
            obs=both[: idx.size],
            actions=self._actions[idx].astype(np.int64),
            returns=returns.sum(axis=1, dtype=np.float32),
            next_obs=both[idx.size :],
            discounts=discounts.astype(np.float32),
        )

    # ------------------------------------------------------------------ size and checkpoints

    @property
    def nbytes(self) -> int:
        """Bytes of all preallocated arrays (reserved, whether or not the OS backs them yet)."""
        return sum(a.nbytes for a in self._arrays().values())

    def _arrays(self) -> dict[str, np.ndarray]:
        return {
            "frames": self._frames,
            "actions": self._actions,
            "rewards": self._rewards,
            "terminated": self._terminated,
            "truncated": self._truncated,
            "has_transition": self._has_transition,
            "episode_start": self._episode_start,
        }

    def state_dict(self) -> ReplayState:
        """Everything needed to restore the buffer (the rng is not included: save it yourself).

        Values are numpy arrays and plain ints, floats, bools, strs and a tuple, so the dict can be
        written with ``np.savez`` and read back with ``allow_pickle=False``.

        Arrays are views of the live storage, not copies (a full 84x84 ring is 7 GB): save them
        before the next ``add``. Before the ring first fills, only the written slots are included.
        """
        state: ReplayState = {name: a[: self._size] for name, a in self._arrays().items()}
        state.update(
            capacity=self.capacity,
            frame_shape=self.frame_shape,
            frame_dtype=self.frame_dtype.str,
            stack=self.stack,
            n_step=self.n_step,
            gamma=self.gamma,
            cursor=self._cursor,
            size=self._size,
            overwritten=self._overwritten,
            num_transitions=self._num_transitions,
            in_episode=self._in_episode,
            episode_steps=self._episode_steps,
        )
        return state

    def load_state_dict(self, state: ReplayState) -> None:
        """Restore from ``state_dict`` output, copying into this buffer's arrays.

        ``stack``, ``n_step`` and ``gamma`` stay those of this buffer: they only matter when
        sampling, so a checkpoint can be resumed with different ones.

        Raises:
            ValueError: if the checkpoint's capacity, frame shape or frame dtype differ from this
                buffer's (build the buffer with the checkpoint's values), or it is inconsistent.
        """
        theirs = (
            int(state["capacity"]),
            tuple(int(d) for d in np.asarray(state["frame_shape"]).reshape(-1)),
            np.dtype(state["frame_dtype"]),
        )
        ours = (self.capacity, self.frame_shape, self.frame_dtype)
        for what, t, o in zip(
            ("capacity", "frame shape", "frame dtype"), theirs, ours, strict=True
        ):
            if t != o:
                raise ValueError(
                    f"replay checkpoint has {what} {t} but this buffer has {o}: build the "
                    f"ReplayBuffer with {what} {t} to load it"
                )
        size = int(state["size"])
        cursor = int(state["cursor"])
        if not 0 <= size <= self.capacity or not 0 <= cursor < self.capacity:
            raise ValueError(f"replay checkpoint is corrupt: size {size}, cursor {cursor}")
        for name, array in self._arrays().items():
            src = np.asarray(state[name])
            if src.shape != (size, *array.shape[1:]):
                raise ValueError(
                    f"replay checkpoint array {name!r} has shape {src.shape}, expected "
                    f"{(size, *array.shape[1:])}"
                )
            array[:size] = src
            if name != "frames":  # stale flags past size would confuse _write_frame; frames are
                array[size:] = 0  # never read there, and zeroing 7 GB would touch every page
        self._cursor = cursor
        self._size = size
        self._overwritten = bool(state["overwritten"])
        self._num_transitions = int(state["num_transitions"])
        self._in_episode = bool(state["in_episode"])
        self._episode_steps = int(state["episode_steps"])
