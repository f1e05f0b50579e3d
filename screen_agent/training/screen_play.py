"""Greedy play on a live game with a trained checkpoint.

``screen-agent play`` and the app's "Load checkpoint & play" both use :func:`load_screen_agent`
and :class:`ScreenPlayer`: the player has the trainer's ``run``/``stop``/``pause``/``resume``
and reports the trainer's events (episodes, statistics, the agent's-eye view), so whatever shows
a training run shows play too.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from screen_agent.agent.config import config_from_json
from screen_agent.agent.dqn import DQNAgent
from screen_agent.envs.screen import EnvStopped
from screen_agent.envs.session import ScreenSession
from screen_agent.training.checkpoint import load_checkpoint
from screen_agent.training.control import RunControl
from screen_agent.training.evaluate import EvalResult
from screen_agent.training.events import EpisodeEvent, FrameEvent, StatsEvent, TrainerEvent

PAUSE_POLL_S = 0.05
"""How often a paused player checks for resume or stop, seconds."""


def load_screen_agent(
    checkpoint: Path | str, session: ScreenSession, device: torch.device, seed: int = 0
) -> DQNAgent:
    """The agent saved in ``checkpoint``, sized for ``session``'s observations and actions.

    Raises a UserError naming the file if it is not a screen-agent checkpoint, and the agent's
    own error if it was trained with another observation shape or action set.
    """
    checkpoint = Path(checkpoint)
    state = load_checkpoint(checkpoint)
    space = session.observation_space
    agent = DQNAgent(
        space.shape,
        space.dtype,
        session.action_space.n,
        config_from_json(state["config"]),
        device,
        np.random.default_rng(seed),
        session.action_names,
    )
    agent.load_state_dict(state["agent"], source=str(checkpoint))
    return agent


class ScreenPlayer(RunControl):
    """Plays ``session`` with ``agent`` until ``episodes`` end or ``stop()``; ``run()`` blocks.

    Args:
        agent: the trained agent (:func:`load_screen_agent`).
        session: the game; the caller owns it (and closes it).
        on_event: called from the playing thread with each episode, statistics and frame event.
        episodes: episodes to play; None plays until ``stop()``.
        epsilon: chance of a random action (0: greedy).
        seed: seeds the first episode (``seed + i`` for the i-th).
        stats_interval_s: seconds between StatsEvents.
        frame_event_every: decisions between FrameEvents (the agent's-eye view).
    """

    def __init__(
        self,
        agent: DQNAgent,
        session: ScreenSession,
        on_event: Callable[[TrainerEvent], None] | None = None,
        episodes: int | None = None,
        epsilon: float = 0.0,
        seed: int = 0,
        stats_interval_s: float = 2.0,
        frame_event_every: int = 2,
    ) -> None:
        super().__init__(session)
        self.agent = agent
        self.on_event = on_event or (lambda _event: None)
        self.episodes = episodes
        self.epsilon = epsilon
        self.seed = seed
        self.stats_interval_s = stats_interval_s
        self.frame_event_every = frame_event_every
        self.action_names = agent.action_names

    def run(self) -> EvalResult:
        """Play; returns the returns of the episodes that ended (the real score)."""
        returns: list[float] = []
        lateness: deque[float] = deque(maxlen=2000)
        latency: deque[float] = deque(maxlen=2000)
        step = 0
        window_start, window_step = time.monotonic(), 0
        try:
            episode = 0
            while not self._stop.is_set() and (self.episodes is None or episode < self.episodes):
                obs, info = self.session.reset(seed=self.seed + episode)
                done = False
                while not done:
                    if not self._wait_while_paused():
                        return EvalResult(returns)
                    action = self.agent.act(obs, self.epsilon)
                    obs, _reward, terminated, truncated, info = self.session.step(action)
                    done = terminated or truncated
                    step += 1
                    if "lateness_s" in info:
                        lateness.append(info["lateness_s"])
                        if not info.get("paused_s"):
                            latency.append(info["latency_s"])
                    if step % self.frame_event_every == 0:
                        self.on_event(FrameEvent(step, np.asarray(obs), self._name(action)))
                    now = time.monotonic()
                    if now - window_start >= self.stats_interval_s:
                        self.on_event(
                            StatsEvent(
                                step=step,
                                updates=0,
                                loss=None,
                                q_mean=None,
                                epsilon=self.epsilon,
                                decisions_per_second=(step - window_step) / (now - window_start),
                                lateness_ms_p99=_p99_ms(lateness),
                                latency_ms_p99=_p99_ms(latency),
                            )
                        )
                        window_start, window_step = now, step
                episode += 1
                ret = float(info["episode"]["r"]) if "episode" in info else float("nan")
                length = int(info["episode"]["l"]) if "episode" in info else 0
                returns.append(ret)
                self.on_event(EpisodeEvent(step, episode, ret, length))
        except EnvStopped:
            pass  # stop() while the env waited for focus or for the game to start
        finally:
            self._release()
        return EvalResult(returns)

    def _wait_while_paused(self) -> bool:
        """Wait out a pause with the keys released; False if stopped meanwhile."""
        if not self._paused.is_set():
            return not self._stop.is_set()
        self._release()
        while self._paused.is_set():
            if self._stop.wait(PAUSE_POLL_S):
                return False
        self.session.restart_clock()  # the pause is not lateness
        return not self._stop.is_set()

    def _release(self) -> None:
        self.session.release_keys()

    def _name(self, action: int) -> str:
        return self.action_names[action] if action < len(self.action_names) else str(action)


def _p99_ms(seconds: deque[float]) -> float:
    return 1000 * float(np.percentile(seconds, 99)) if seconds else 0.0
