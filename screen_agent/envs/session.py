"""open_session: the one place that turns a profile into a running screen environment.

It checks the platform, opens the desktop backend, finds (or launches) the game's window,
opens the capture source, the reward reader and the key sink, builds :class:`ScreenEnv`, and
adds the shared wrappers (episode time limit, episode statistics, the Atari mode's frame
stack). The CLI, the app's worker, the demo, the probe and the calibration all call it, and
get a :class:`ScreenSession`: a gymnasium env with the controls a run needs as public methods.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import gymnasium as gym

from screen_agent.desktop import Desktop, open_desktop
from screen_agent.desktop.tracking import GameWindow
from screen_agent.envs.screen import ScreenEnv
from screen_agent.input.sink import RecordingSink
from screen_agent.launch import LaunchedGame
from screen_agent.profile import GameProfile, load_profile, require_rewards
from screen_agent.reward.reader import RewardReader

FRAME_STACK = 4
"""Frames per observation, as in the Atari mode."""


class ScreenSession(gym.Wrapper):
    """A game on the screen, as the agent sees it (stacked 84x84 frames), with its controls.

    Controls are thread-safe: a trainer's or app's other thread may call them while the
    actor steps. Closing the session releases every key and closes the capture and the
    desktop connection.
    """

    def __init__(self, screen: ScreenEnv, frame_stack: int = FRAME_STACK) -> None:
        wrapped: gym.Env = gym.wrappers.TimeLimit(
            screen, max_episode_steps=screen.profile.episode_steps
        )
        wrapped = gym.wrappers.RecordEpisodeStatistics(wrapped)
        wrapped = gym.wrappers.FrameStackObservation(wrapped, frame_stack)
        super().__init__(wrapped)
        self.screen = screen
        self.desktop: Desktop | None = None
        """The desktop the session runs on (None for a session over hand-built parts)."""
        self.launched: LaunchedGame | None = None
        """The game this session started (``launch=True``); stopped when it closes."""
        self._resources = ExitStack()

    @property
    def profile(self) -> GameProfile:
        return self.screen.profile

    @property
    def action_names(self) -> tuple[str, ...]:
        return self.screen.profile.action_names

    def press(self, action: int) -> None:
        """Send ``action``'s keys now, before the next ``step(action)`` (see
        :meth:`ScreenEnv.press`)."""
        self.screen.press(action)

    def release_keys(self) -> None:
        """Release every held key (before anything that may keep the actor from acting)."""
        self.screen.release_keys()

    def restart_clock(self) -> None:
        """Start the decision clock afresh after a deliberate pause, so the pause is not
        counted as lateness."""
        self.screen.restart_clock()

    def request_stop(self) -> None:
        """End any wait in progress or to come (focus, restart, the game starting) with
        :class:`~screen_agent.envs.screen.EnvStopped`."""
        self.screen.request_stop()

    def held_keys(self) -> frozenset[str]:
        """The keys a person holds down now (for recording their play)."""
        if self.desktop is None:
            raise RuntimeError("this session has no desktop to read the keyboard from")
        return self.desktop.held_keys()

    def own(self, resource: Any) -> None:
        """Close ``resource`` (anything with ``close()``) when the session closes."""
        self._resources.callback(resource.close)

    def close(self) -> None:
        """Release every key, then close the capture, the sink and what the session owns."""
        try:
            super().close()
        finally:
            self._resources.close()


def make_session(screen: ScreenEnv, frame_stack: int = FRAME_STACK) -> ScreenSession:
    """A session over an env built by hand (recorded or scripted frames, in tests and tools)."""
    return ScreenSession(screen, frame_stack)


def open_session(
    profile: GameProfile | str | Path,
    *,
    source_path: str | Path | None = None,
    display: str | None = None,
    desktop: Desktop | None = None,
    on_pause: Callable[[str | None], None] | None = None,
    need_rewards: bool = True,
    frame_stack: int = FRAME_STACK,
    launch: bool = False,
    observe: bool = False,
) -> ScreenSession:
    """Open the game of ``profile`` (a profile or its path) on the live screen.

    Args:
        profile: the profile, or the path of its TOML file.
        source_path: the profile's file when ``profile`` is a loaded profile (relative template
            and digit files are found next to it; messages name it).
        display: the X display (default ``$DISPLAY``).
        desktop: a backend to use (default: :func:`open_desktop`'s; the session then owns it).
        on_pause: called with a message when acting pauses (no focus) and None when it resumes.
        need_rewards: refuse a profile without reward rules (training would learn nothing).
        frame_stack: frames per observation.
        launch: start the game with the profile's ``[launch]`` first (helpers, window placed
            and focused, launch steps pressed); the session stops it when it closes.
        observe: press no key at all (a person plays; see :meth:`ScreenSession.held_keys`):
            the actions and restarts the env is given are only recorded.

    Raises a UserError with one line for everything a user can fix: a bad profile, no display
    or an unsupported desktop, no such window, regions off the window or the screen, a game
    that cannot be launched.
    """
    if isinstance(profile, GameProfile):
        source = str(source_path or profile.name)
    else:
        source = str(profile)
        profile = load_profile(profile)
    if need_rewards:
        require_rewards(profile, source)
    reader = RewardReader.for_profile(profile, source)
    # Everything opened so far is closed again if a later step fails.
    stack = ExitStack()
    try:
        if desktop is None:
            desktop = open_desktop(display)
            stack.callback(desktop.close)
        from screen_agent.capture.mss_source import MssSource
        from screen_agent.input.keyboard import KeyboardSink

        desktop.check_access()
        handle = None
        game: LaunchedGame | None = None
        if launch:
            from screen_agent.launch import launch_game

            game = launch_game(
                profile, source, desktop, env={"DISPLAY": display} if display else None
            )
            stack.callback(game.close)
            handle = game.window.handle  # the launched copy, even if another one is open
        window = (
            GameWindow(desktop, profile.window.title, handle=handle)
            if profile.window is not None
            else None
        )
        if window is not None:
            desktop.check_access(window.handle)
        capture = MssSource(profile, desktop, window, region=None, display=display, source=source)
        stack.callback(capture.close)
        sink = RecordingSink(profile) if observe else KeyboardSink(profile, desktop, window)
        stack.callback(sink.close)
        screen = ScreenEnv(
            profile,
            capture,
            sink,
            reader,
            on_pause=on_pause,
            obstruction=window.obstruction if window is not None else None,
        )
        session = ScreenSession(screen, frame_stack)
    except BaseException:
        stack.close()
        raise
    session.desktop = desktop
    session.launched = game
    session.own(stack)
    return session
