"""Demonstrations: a person's (or a scripted policy's) play, recorded as the agent would have seen
it, to give the agent a head start (DQfD, Hester et al. 2018).

A demonstration file (``.npz``, no pickles) holds a replay buffer's state (every frame once,
uint8, with the actions, rewards and episode flags) plus:

- ``format`` (1), ``kind`` (``"screen"`` or ``"gym"``), ``source`` (the profile's name or the env
  id), ``action_names``;
- ``matched``: per slot, whether the action was read from keys that make up one of the
  profile's actions (ticks whose keys matched no action are kept for their frames and rewards,
  as the no-key action, but not taught as the demonstrator's choice);
- ``decisions_per_second``, ``recorded_at`` (Unix seconds).

:func:`record_screen_demo` watches a session in which a person plays (the session presses no
key: ``open_session(..., observe=True)``) and reads the keys they hold each tick;
:func:`record_gym_demo` plays a gymnasium env with a policy. :class:`DemoSet` loads files for
training and samples them.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from screen_agent.agent.replay import ReplayBatch, ReplayBuffer
from screen_agent.envs.session import ScreenSession
from screen_agent.errors import UserError
from screen_agent.files import atomic_write_bytes
from screen_agent.profile import GameProfile

FORMAT = 1
_SCALARS = ("format", "kind", "source", "decisions_per_second", "recorded_at")


class DemoError(UserError):
    """A demonstration file that cannot be used here; the message names it and says why."""


@dataclass
class DemoStats:
    """What a recording got."""

    ticks: int = 0
    """Decisions recorded."""
    matched: int = 0
    """Ticks whose held keys made up one of the profile's actions (or no key)."""
    unmatched: Counter[frozenset[str]] = field(default_factory=Counter)
    """Key sets held that match no action, with how many ticks each."""
    episodes: int = 0
    returns: list[float] = field(default_factory=list)
    actions: Counter[str] = field(default_factory=Counter)
    """Ticks per action name (matched ticks only)."""

    def describe(self) -> str:
        """A few lines for the terminal."""
        lines = [
            f"recorded {self.ticks} decisions, {self.episodes} episodes"
            + (f" (returns {', '.join(f'{r:g}' for r in self.returns)})" if self.returns else ""),
            "actions: " + ", ".join(f"{name} {n}" for name, n in self.actions.most_common()),
        ]
        for keys, n in self.unmatched.most_common():
            lines.append(
                f"{n} ticks held {'+'.join(sorted(keys))}, which is no action of the profile: "
                "kept as the no-key action, not taught"
            )
        return "\n".join(lines)


def action_for_keys(profile: GameProfile, held: frozenset[str]) -> int | None:
    """The action whose keys are exactly the profile's keys among ``held`` (keys the profile
    never uses are ignored), or None if no action has that key set."""
    relevant = held & profile.action_keys
    for index, action in enumerate(profile.actions):
        if frozenset(action.keys) == relevant:
            return index
    return None


def record_screen_demo(
    session: ScreenSession,
    seconds: float,
    out: Path,
    on_tick: Callable[[int, str | None], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> DemoStats:
    """Record ``seconds`` of a person's play in ``session`` (opened with ``observe=True``) to
    ``out``; returns what was recorded. ``should_stop()`` ends the recording early (it is
    saved all the same).

    Each decision tick reads the keys held right after the frame is grabbed: the action the
    person takes on what they see, as the agent would. The session's reward rules give rewards
    and game over; after a game over the person restarts the game (the session waits for it
    to move). ``on_tick(tick, action name or None)`` is called for each tick.
    """
    profile = session.profile
    noop = profile.noop_action
    capacity = max(64, int(seconds * profile.decisions_per_second * 1.2) + 256)
    space = session.observation_space
    buffer = ReplayBuffer(
        capacity, space.shape[1:], np.uint8, space.shape[0], 1, 0.99, np.random.default_rng(0)
    )
    matched = np.zeros(capacity, dtype=bool)
    stats = DemoStats()
    deadline = time.monotonic() + seconds
    obs, _ = session.reset()
    buffer.start_episode(obs[-1])
    # One slot per tick and one more per episode: stop before the ring would wrap.
    while (
        time.monotonic() < deadline
        and stats.ticks + stats.episodes + 3 < capacity
        and not (should_stop is not None and should_stop())
    ):
        held = session.held_keys()
        action = action_for_keys(profile, held)
        slot = buffer.cursor_slot()
        next_obs, reward, terminated, truncated, info = session.step(
            noop if action is None else action
        )
        stats.ticks += 1
        if action is None:
            stats.unmatched[held & profile.action_keys] += 1
        else:
            stats.matched += 1
            stats.actions[profile.action_names[action]] += 1
            matched[slot] = True
        buffer.add(noop if action is None else action, reward, terminated, truncated, next_obs[-1])
        if on_tick is not None:
            on_tick(stats.ticks, None if action is None else profile.action_names[action])
        if terminated or truncated:
            stats.episodes += 1
            stats.returns.append(float(info["episode"]["r"]))
            obs, _ = session.reset()
            buffer.start_episode(obs[-1])
    save_demo(
        out,
        buffer,
        matched,
        "screen",
        profile.name,
        profile.action_names,
        profile.decisions_per_second,
    )
    return stats


def record_gym_demo(
    env: Any,
    env_id: str,
    policy: Callable[[np.ndarray, Any], int],
    steps: int,
    out: Path,
    seed: int,
    action_names: Sequence[str],
) -> DemoStats:
    """Play ``env`` (a training env from ``make_env``) for ``steps`` steps with ``policy(obs,
    env)`` and save the demonstration to ``out``."""
    space = env.observation_space
    stacked = len(space.shape) == 3
    frame_shape = space.shape[1:] if stacked else space.shape
    buffer = ReplayBuffer(
        steps * 2 + 64,
        frame_shape,
        space.dtype,
        space.shape[0] if stacked else 1,
        1,
        0.99,
        np.random.default_rng(0),
    )
    matched = np.zeros(buffer.capacity, dtype=bool)
    stats = DemoStats()
    obs, _ = env.reset(seed=seed)
    buffer.start_episode(obs[-1] if stacked else obs)
    for _ in range(steps):
        action = int(policy(obs, env))
        matched[buffer.cursor_slot()] = True
        obs, reward, terminated, truncated, info = env.step(action)
        buffer.add(action, float(reward), terminated, truncated, obs[-1] if stacked else obs)
        stats.ticks += 1
        stats.matched += 1
        stats.actions[action_names[action]] += 1
        if terminated or truncated:
            stats.episodes += 1
            if "episode" in info:
                stats.returns.append(float(info["episode"]["r"]))
            obs, _ = env.reset()
            buffer.start_episode(obs[-1] if stacked else obs)
    save_demo(out, buffer, matched, "gym", env_id, action_names, 15.0)
    return stats


def save_demo(
    out: Path,
    buffer: ReplayBuffer,
    matched: np.ndarray,
    kind: str,
    source: str,
    action_names: Sequence[str],
    decisions_per_second: float,
) -> None:
    """Write a demonstration file atomically (see the module docstring)."""
    state = buffer.state_dict()
    arrays: dict[str, Any] = dict(state)
    arrays.update(
        format=FORMAT,
        kind=kind,
        source=source,
        action_names=np.array(list(action_names)),
        matched=matched[: int(state["size"])],
        decisions_per_second=float(decisions_per_second),
        recorded_at=time.time(),
    )
    data = io.BytesIO()
    np.savez_compressed(data, **arrays)
    atomic_write_bytes(Path(out), data.getvalue())


@dataclass
class Demo:
    """One loaded demonstration file."""

    path: Path
    buffer: ReplayBuffer
    """Its transitions, never overwritten (the buffer holds exactly the file's slots)."""
    matched: np.ndarray
    """Per slot: the action is the demonstrator's choice (taught by the margin loss)."""


def load_demo(
    path: Path,
    kind: str,
    source: str,
    action_names: Sequence[str],
    frame_shape: tuple[int, ...],
    stack: int,
    n_step: int,
    gamma: float,
    rng: np.random.Generator,
) -> Demo:
    """Read a demonstration for a run on ``source`` (profile name or env id) with
    ``action_names``; DemoError (one line naming the file) when it is damaged or was recorded
    for another game or action set."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            raw = {k: data[k] for k in data.files}
    except FileNotFoundError:
        raise DemoError(
            f"{path}: no such demonstration file; record one with 'screen-agent record --demo'"
        ) from None
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as error:
        raise DemoError(
            f"{path}: damaged or not a demonstration ({type(error).__name__}: "
            f"{str(error).splitlines()[0][:100]}); record it again"
        ) from None
    try:
        meta = {k: raw[k].item() for k in _SCALARS}
        names = [str(n) for n in raw["action_names"]]
        matched = np.asarray(raw["matched"], dtype=bool)
    except KeyError as missing:
        raise DemoError(
            f"{path}: not a demonstration file (no {missing}); record it with 'screen-agent record --demo'"
        ) from None
    if meta["format"] != FORMAT:
        raise DemoError(
            f"{path}: demonstration format {meta['format']}, this version reads {FORMAT}; record it again"
        )
    if (meta["kind"], meta["source"]) != (kind, source):
        what = "profile" if meta["kind"] == "screen" else "environment"
        raise DemoError(
            f"{path}: recorded on the {what} {meta['source']!r}, not {source!r}; "
            "give a demonstration of this game"
        )
    if names != list(action_names):
        raise DemoError(
            f"{path}: recorded with the actions {names}, but this run's are {list(action_names)}; "
            "record the demonstration again with this profile"
        )
    state = {
        k: (v.item() if v.ndim == 0 else v)
        for k, v in raw.items()
        if k not in (*_SCALARS, "action_names", "matched")
    }
    size = int(state.get("size", 0))
    if size < 2 or len(matched) != size:
        raise DemoError(f"{path}: the demonstration holds no transitions; record a longer one")
    buffer = ReplayBuffer(
        int(state["capacity"]),
        frame_shape,
        np.uint8 if len(frame_shape) == 2 else np.float32,
        stack,
        n_step,
        gamma,
        rng,
    )
    try:
        buffer.load_state_dict(state)
    except (ValueError, KeyError) as error:
        raise DemoError(
            f"{path}: does not fit this run ({error}); record the demonstration again"
        ) from None
    full = np.zeros(buffer.capacity, dtype=bool)
    full[:size] = matched
    return Demo(path, buffer, full)


class DemoSet:
    """The demonstrations of a run, sampled beside the agent's own replay."""

    def __init__(self, demos: Sequence[Demo], rng: np.random.Generator) -> None:
        if not demos:
            raise ValueError("no demonstrations")
        self.demos = list(demos)
        self.rng = rng
        sizes = np.array([d.buffer.num_valid() for d in self.demos], dtype=np.float64)
        self._weights = sizes / sizes.sum()

    @property
    def transitions(self) -> int:
        return int(sum(d.buffer.num_valid() for d in self.demos))

    def sample(self, batch_size: int) -> tuple[ReplayBatch, np.ndarray]:
        """``batch_size`` demonstrated transitions (uniform over all files) and, per row,
        whether its action is the demonstrator's choice."""
        counts = self.rng.multinomial(batch_size, self._weights)
        batches, taught = [], []
        for demo, n in zip(self.demos, counts, strict=True):
            if n == 0:
                continue
            indices = demo.buffer.sample_indices(int(n))
            batches.append(demo.buffer.batch_at(indices))
            taught.append(demo.matched[indices])
        return concatenate(batches), np.concatenate(taught)


def concatenate(batches: Sequence[ReplayBatch]) -> ReplayBatch:
    """One batch of the rows of ``batches``, in order."""
    if len(batches) == 1:
        return batches[0]
    return ReplayBatch(
        *(
            np.concatenate([getattr(b, name) for b in batches])
            for name in ReplayBatch.__dataclass_fields__
        )
    )
