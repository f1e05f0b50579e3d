"""ScreenEnv: a game on the screen as a gymnasium environment.

Each step holds the chosen action's keys, waits for the next tick of the profile's decision
clock, grabs the window, and reads the reward and game over from the score regions. The
observation is the game region as one 84x84 grayscale frame (max over the last two grabs);
the session (:mod:`screen_agent.envs.session`) stacks four of them with the same gymnasium
wrapper the Atari mode uses, so both worlds give the agent ``Box(0, 255, (4, 84, 84), uint8)``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium.envs.registration import EnvSpec

from screen_agent.capture.frame import Frame, FrameSource, crop
from screen_agent.input.sink import InputStatus, KeySink
from screen_agent.preprocess import SIZE, FramePreprocessor
from screen_agent.profile import GameProfile
from screen_agent.reward.reader import RewardReader

PAUSE_POLL_S = 0.1
"""How often a paused env checks whether the game window has focus again, seconds."""
START_TIMEOUT_S = 5.0
"""How long reset waits for the game region to change after the restart keys, seconds."""
OBSTRUCTION_FRESH_S = 0.02
"""How long after a grab found the game in view that finding stands, seconds."""
SPIN_S = 0.0015
"""The last stretch before a tick is waited by spinning: sleep() overshoots by up to a ms."""


class EnvStopped(Exception):
    """Raised from ``reset``/``step`` once :meth:`ScreenEnv.request_stop` was called while the
    env waited (for focus, for the game to start), so the caller's loop ends at once."""


class ScreenEnv(gym.Env[np.ndarray, np.int64]):
    """A live game as a gymnasium env; see the module docstring.

    Args:
        profile: regions, actions, decision rate, restart keys.
        source: grabs the window's whole client area (the frame the profile's regions are
            measured in); the game region is cropped from it, the reward regions read from it.
        sink: presses the action's keys; a paused sink (no focus) pauses the env.
        reader: the reward and game-over rules.
        on_pause: called with a message when the env pauses (no focus, the game covered or
            off the screen), and with None when it resumes.
        obstruction: says why the pixels grabbed now would not be the game's (another window
            on top, the window off the screen), or None; asked before acting and after every
            grab, and a frame grabbed while it speaks is dropped.
        clock, sleep: time functions (seconds), replaceable for recorded sources.
        realtime: wait for the decision clock (False for recorded sources: step as fast as
            frames come).

    ``info`` of each step: ``frame_time`` (monotonic seconds of the grab), ``lateness_s`` (how
    late the grab was against its tick), ``latency_s`` (from the grab the action was chosen on
    to its keys being sent), ``paused_s`` (time waited for focus during the step: a transition
    that spans a pause is not the game's own dynamics), ``fired`` ((name, reward) of each
    reward rule that fired).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}

    def __init__(
        self,
        profile: GameProfile,
        source: FrameSource,
        sink: KeySink,
        reader: RewardReader,
        on_pause: Callable[[str | None], None] | None = None,
        obstruction: Callable[[], str | None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        realtime: bool = True,
    ) -> None:
        self.profile = profile
        self.source = source
        self.sink = sink
        self.reader = reader
        self.on_pause = on_pause
        self.obstruction = obstruction or (lambda: None)
        self._clock = clock
        self._sleep = sleep
        self.realtime = realtime
        self.interval = profile.decision_interval
        # A live game is not deterministic: checkers must not expect equal frames or timings.
        self.spec = EnvSpec(
            f"screen-agent/{profile.name}-v0", entry_point=None, nondeterministic=True
        )
        self.action_space = gym.spaces.Discrete(len(profile.actions))
        self.observation_space = gym.spaces.Box(0, 255, (SIZE, SIZE), np.uint8)
        self._preprocess = FramePreprocessor(stack=1)
        self._last_frame: Frame | None = None
        self._pressed: tuple[int, float, float] | None = None  # (action, sent at, paused s)
        self._clear_at = float("-inf")  # when the last grab was found unobstructed
        self._next_tick = 0.0
        self._stop = threading.Event()

    @property
    def action_names(self) -> tuple[str, ...]:
        return self.profile.action_names

    @property
    def last_frame(self) -> Frame | None:
        """The last grab of the window's client area (what the screen showed)."""
        return self._last_frame

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._pressed = None
        self.sink.release_all()
        self._check_stop()
        if self.profile.restart.steps:
            self._wait_for_focus(lambda: self.sink.restart(self._wait))
        while True:
            frame = self._wait_for_motion() if self.realtime else self.source.grab()
            if self._wait_out_obstruction() == 0.0:
                break
        self.reader.reset()
        self.reader.read(frame.pixels, frame.time)  # the baseline score of the new episode
        self._last_frame = frame
        self._next_tick = frame.time + self.interval
        obs = self._preprocess.reset(self._game_pixels(frame))[0]
        return obs, {"frame_time": frame.time}

    def press(self, action: int) -> None:
        """Send ``action``'s keys now; the next ``step(action)`` does not send them again. A
        trainer presses as soon as it has chosen, so that its bookkeeping (replay, logs) does
        not sit between the grab the action was chosen on and the keys."""
        if self._last_frame is None:
            raise RuntimeError("call reset() before press()")
        sent_at, paused = self._wait_for_focus(lambda: self.sink.apply(int(action)))
        self._pressed = (int(action), sent_at, paused)

    def step(self, action: int):
        if self._last_frame is None:
            raise RuntimeError("call reset() before step()")
        paused_s = 0.0
        pressed, self._pressed = self._pressed, None
        while True:
            if pressed is not None and pressed[0] == int(action):
                _, sent_at, paused = pressed
                pressed = None
            else:
                sent_at, paused = self._wait_for_focus(lambda: self.sink.apply(int(action)))
            paused_s += paused
            if paused_s:
                self._next_tick = self._clock() + self.interval
            lateness = self._wait_for_tick() if self.realtime else 0.0
            frame = self.source.grab()
            # Asked after the grab: what lay over the game when it was taken. Such a frame is
            # dropped, and the action is sent again once the game is in view.
            obstructed = self._wait_out_obstruction()
            if not obstructed:
                self._clear_at = self._clock()
                break
            paused_s += obstructed
        latency = sent_at - self._last_frame.time
        event = self.reader.read(frame.pixels, frame.time)
        self._last_frame = frame
        obs = self._preprocess.step(self._game_pixels(frame))[0]
        info = {
            "frame_time": frame.time,
            "lateness_s": lateness,
            "latency_s": latency,
            "paused_s": paused_s,
            "fired": event.fired,
        }
        return obs, float(event.reward), bool(event.game_over), False, info

    def close(self) -> None:
        """Release every key and close the sink and the source."""
        try:
            self.sink.close()
        finally:
            self.source.close()

    def release_keys(self) -> None:
        """Release every held key now (thread-safe); the next step presses its action's keys
        again."""
        self._pressed = None
        self.sink.release_all()

    def request_stop(self) -> None:
        """Make any wait in progress or to come (focus, restart, the game starting) raise
        :class:`EnvStopped` within one poll (thread-safe). A trainer or player calls it so Stop
        works while the game window has no focus."""
        self._stop.set()

    def restart_clock(self) -> None:
        """Start the decision clock afresh after a deliberate pause (e.g. a checkpoint), so the
        pause is not counted as lateness."""
        self._next_tick = self._clock() + self.interval

    # -- timing ---------------------------------------------------------------------------------

    def _wait_for_tick(self) -> float:
        """Sleep until the next decision tick; returns how late we woke (seconds, >= 0)."""
        tick = self._next_tick
        now = self._clock()
        if now > tick + self.interval:
            # More than a whole tick behind (a stall): skip the missed ticks rather than
            # rushing through them, and report the lateness.
            lateness = now - tick
            self._next_tick = now + self.interval
            return lateness
        remaining = tick - now
        if remaining > SPIN_S:
            self._sleep(remaining - SPIN_S)
        while self._clock() < tick:
            pass
        self._next_tick = tick + self.interval
        return max(0.0, self._clock() - tick)

    def _wait_for_focus(self, send: Callable[[], InputStatus]) -> tuple[float, float]:
        """Send once the game is in view and has focus; returns (time sent, seconds paused)."""
        started = self._clock()
        # The check after the last grab stands for a few milliseconds (the action is chosen
        # on that frame right after it); older, it is asked again.
        fresh = started - self._clear_at < OBSTRUCTION_FRESH_S
        paused = 0.0 if fresh else self._wait_out_obstruction()
        status = send()
        if status is InputStatus.SENT:
            return self._clock(), paused
        self._notify(status.value)
        while status is not InputStatus.SENT:
            self._check_stop()
            self._sleep(PAUSE_POLL_S)
            if self._wait_out_obstruction():
                self._notify(status.value)  # in view again, but still without focus
            status = send()
        sent = self._clock()
        self._notify(None)
        return sent, sent - started

    def _wait_out_obstruction(self) -> float:
        """While something keeps the game from view: keys released, wait. Returns the seconds
        waited (0.0: nothing was in the way)."""
        reason = self.obstruction()
        if reason is None:
            return 0.0
        started = self._clock()
        self.sink.release_all()
        self._notify(reason)
        while reason is not None:
            self._check_stop()
            self._sleep(PAUSE_POLL_S)
            new = self.obstruction()
            if new is not None and new != reason:
                self._notify(new)
            reason = new
        self._notify(None)
        return max(self._clock() - started, 1e-6)

    def _notify(self, message: str | None) -> None:
        if self.on_pause is not None:
            self.on_pause(message)

    def _wait_for_motion(self) -> Frame:
        """The first frame in which the game region moved (or the last one at the timeout)."""
        first = self.source.grab()
        before = self._game_pixels(first)
        deadline = self._clock() + START_TIMEOUT_S
        frame = first
        while self._clock() < deadline:
            self._check_stop()
            self._sleep(self.interval / 2)
            frame = self.source.grab()
            if not np.array_equal(self._game_pixels(frame), before):
                break
        return frame

    def _wait(self, seconds: float) -> None:
        """Sleep ``seconds`` (a restart step's wait), ending early with EnvStopped on a stop."""
        if not self.realtime:
            return
        deadline = self._clock() + seconds
        while (left := deadline - self._clock()) > 0:
            self._check_stop()
            self._sleep(min(left, PAUSE_POLL_S))

    def _check_stop(self) -> None:
        if self._stop.is_set():
            self.sink.release_all()
            raise EnvStopped("the env was asked to stop")

    def _game_pixels(self, frame: Frame) -> np.ndarray:
        return crop(frame.pixels, self.profile.game)
