"""Greedy play from a checkpoint, run by the same :class:`~screen_agent.gui.worker.TrainingController`
as training: it has the trainer's ``run``/``stop``/``pause``/``resume`` and reports the same
events (episodes, the agent's-eye view), so the training view shows how the agent plays.

The agent and the episodes are the core's: ``load_checkpoint``, ``DQNAgent`` and
``evaluate`` (as ``screen-agent play``); this module only adds the stop, the pause and the
events, by wrapping the env.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from screen_agent.errors import UserError

PLAY_EPISODES = 1_000_000
"""Episodes to play: in effect, until Stop."""
FRAME_EVENT_EVERY = 2
"""Decisions between agent's-eye views sent to the GUI (as the trainer)."""
PAUSE_POLL_S = 0.05


class Stopped(Exception):
    """Raised inside the play loop to end it when ``stop()`` is called."""


def interruptible_sleep(stop: threading.Event) -> Callable[[float], None]:
    """A ``sleep`` that ends early and raises :class:`Stopped` once ``stop`` is set.

    The screen env waits with its ``sleep`` for the next tick and, while the game window has no
    focus (the user is clicking Stop in the GUI, say), for focus to come back: with this sleep a
    stop ends those waits instead of waiting for the game to be focused again.
    """

    def sleep(seconds: float) -> None:
        if stop.wait(max(0.0, seconds)):
            raise Stopped

    return sleep


def make_interruptible(env: gym.Env, stop: threading.Event) -> None:
    """Make the screen env under ``env`` wait with :func:`interruptible_sleep`.

    TODO(core): ``open_live_env``/``ScreenEnv`` have no stop hook; until they do, this sets the
    env's ``_sleep`` (its documented ``sleep`` argument) after construction.
    """
    screen = env.unwrapped
    if hasattr(screen, "_sleep"):
        screen._sleep = interruptible_sleep(stop)


class _Reporting(gym.Wrapper):
    """Sends the trainer's events for each step; honours stop and pause between steps."""

    def __init__(self, env: gym.Env, player: GreedyPlayer) -> None:
        super().__init__(env)
        self.player = player
        self.step_count = 0
        self.episode = 0

    def step(self, action: Any) -> Any:
        from screen_agent.training.screen_loop import EpisodeEvent, FrameEvent

        self.player._wait_while_paused()
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.step_count += 1
        names = self.player.action_names
        if self.step_count % FRAME_EVENT_EVERY == 0:
            name = names[int(action)] if int(action) < len(names) else str(action)
            self.player.on_event(FrameEvent(self.step_count, np.asarray(obs), name))
        if terminated or truncated:
            episode = info.get("episode")
            ret = float(episode["r"]) if episode is not None else float("nan")
            length = int(episode["l"]) if episode is not None else 0
            self.player.on_event(EpisodeEvent(self.step_count, self.episode, ret, length))
            self.episode += 1
        return obs, reward, terminated, truncated, info


class GreedyPlayer:
    """Plays ``env`` with the agent in ``checkpoint`` until ``stop()``; releases the keys at the end.

    Args:
        checkpoint: a ``checkpoint.pt`` a training run wrote.
        env: the stacked screen env (``make_screen_env``); closed when ``run`` returns.
        action_names: the profile's actions (the checkpoint must have the same).
        on_event: called from the playing thread with each EpisodeEvent and FrameEvent.
        device: where the network runs.
        epsilon: chance of a random action (0: greedy).
        seed: seeds the random actions and the episodes.
    """

    def __init__(
        self,
        checkpoint: Path | str,
        env: gym.Env,
        action_names: tuple[str, ...],
        on_event: Callable[[Any], None],
        device: Any = None,
        epsilon: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.checkpoint = Path(checkpoint)
        self.env = env
        self.action_names = tuple(action_names)
        self.on_event = on_event
        self.device = device
        self.epsilon = epsilon
        self.seed = seed
        self._stop = threading.Event()
        self._paused = threading.Event()
        make_interruptible(env, self._stop)

    def stop(self) -> None:
        self._stop.set()

    def pause(self) -> None:
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()

    def _release(self) -> None:
        sink = getattr(self.env.unwrapped, "sink", None)
        if sink is not None:
            sink.release_all()

    def _wait_while_paused(self) -> None:
        if self._stop.is_set():
            raise Stopped
        if not self._paused.is_set():
            return
        self._release()
        while self._paused.is_set():
            if self._stop.wait(PAUSE_POLL_S):
                raise Stopped
        restart = getattr(self.env.unwrapped, "restart_clock", None)
        if restart is not None:
            restart()  # the pause is not lateness

    def run(self) -> None:
        import torch

        from screen_agent.agent.dqn import DQNAgent
        from screen_agent.training.checkpoint import load_checkpoint
        from screen_agent.training.evaluate import evaluate
        from screen_agent.training.gym_loop import config_from_json

        try:
            state = load_checkpoint(self.checkpoint)
            if not isinstance(state, dict) or "agent" not in state or "config" not in state:
                raise UserError(f"{self.checkpoint} is not a screen-agent checkpoint")
            space = self.env.observation_space
            device = self.device or torch.device("cpu")
            agent = DQNAgent(
                space.shape,
                space.dtype,
                self.env.action_space.n,
                config_from_json(state["config"]),
                device,
                np.random.default_rng(self.seed),
                self.action_names,
            )
            agent.load_state_dict(state["agent"], source=str(self.checkpoint))
            reporting = _Reporting(self.env, self)
            with contextlib.suppress(Stopped):  # Stop ends the episodes
                evaluate(
                    reporting,
                    lambda obs: agent.act(obs, self.epsilon),
                    PLAY_EPISODES,
                    self.seed,
                )
        finally:
            try:
                self._release()
            finally:
                self.env.close()


def screen_player_factory(profile_model: Any, checkpoint: Path | str) -> Callable[[Any], Any]:
    """``factory(on_event)``: a GreedyPlayer on the live game of the saved profile."""

    def factory(on_event: Callable[[Any], None]) -> GreedyPlayer:
        import torch

        from screen_agent.envs.live import open_live_env
        from screen_agent.envs.screen import make_screen_env
        from screen_agent.profile import load_profile
        from screen_agent.training.screen_loop import PauseEvent

        path = profile_model.path
        if path is None or profile_model.dirty:
            raise UserError("save the profile first: play reads it from its file")
        profile = load_profile(path)
        env = make_screen_env(
            open_live_env(profile, path, on_pause=lambda m: on_event(PauseEvent(m)))
        )
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        try:
            return GreedyPlayer(checkpoint, env, profile.action_names, on_event, device)
        except BaseException:
            env.close()
            raise

    return factory


def wait_for_focus(check: Callable[[], bool], timeout_s: float, stop: threading.Event) -> bool:
    """Poll ``check`` until it is True; False after ``timeout_s`` or once ``stop`` is set."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline or stop.wait(0.05):
            return False
    return True
