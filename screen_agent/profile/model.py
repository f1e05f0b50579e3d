"""GameProfile: where a game is on the screen, how to start it, its actions, timing and reward
rules. Plain frozen dataclasses; :mod:`.load` builds them from TOML and validates them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from screen_agent.geometry import Region


@dataclass(frozen=True)
class WindowRef:
    """The game window, found by its exact title; regions are relative to its client area."""

    title: str
    """The window's exact title (X11 ``_NET_WM_NAME``/``WM_NAME``, Win32 window text)."""
    width: int | None = None
    """Expected client-area width in pixels; capture refuses a window of another size."""
    height: int | None = None
    """Expected client-area height in pixels."""


@dataclass(frozen=True)
class Action:
    """One action of the agent: a set of keys held together (empty: "no keys")."""

    name: str
    keys: tuple[str, ...]
    """Key names (:data:`screen_agent.keys.KEY_NAMES`), pressed together."""


@dataclass(frozen=True)
class Step:
    """One step of a sequence that drives the game (restarting it, getting through a menu):
    tap ``keys`` together, or click at ``click``; then wait ``wait_ms``."""

    keys: tuple[str, ...] = ()
    """Keys tapped together (pressed, held ``key_hold_ms``, released)."""
    click: tuple[int, int] | None = None
    """A left click at this point of the window's client area, pixels."""
    wait_ms: int = 0
    """Milliseconds to wait after the keys or the click."""


@dataclass(frozen=True)
class Restart:
    """How to start a new game: a sequence of key taps, clicks and waits."""

    steps: tuple[Step, ...] = ()
    """In order; empty: the game needs nothing (it restarts by itself)."""

    @property
    def keys(self) -> frozenset[str]:
        """Every key the sequence taps."""
        return frozenset(k for s in self.steps for k in s.keys)

    @property
    def wait_ms(self) -> int:
        """The sequence's total waiting, milliseconds."""
        return sum(s.wait_ms for s in self.steps)


@dataclass(frozen=True)
class Helper:
    """A process the game needs beside it (a local web server for a browser game): started
    before the game, stopped with it."""

    command: tuple[str, ...]
    """The argv, with placeholders (:mod:`.placeholders`)."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Environment variables set for it (added to ours), with placeholders."""
    ready_tcp: str | None = None
    """``"HOST:PORT"`` (with placeholders, e.g. ``"127.0.0.1:{port}"``): the game starts only
    once a TCP connection there succeeds (within ``window_timeout_s``); None: at once."""


@dataclass(frozen=True)
class Launch:
    """How to start the game's program and bring it to where play begins."""

    command: tuple[str, ...]
    """The argv, with placeholders (:mod:`.placeholders`); a relative program is looked up on
    PATH (or relative to the profile's folder when it contains a slash)."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Environment variables set for it (added to ours), with placeholders."""
    window_timeout_s: float = 30.0
    """How long to wait for its window (the one titled exactly ``window.title``) to appear,
    seconds; also how long a helper may take to be ready."""
    position: tuple[int, int] | None = None
    """Where to place the window's client area on the screen (pixels), or None to leave it."""
    steps: tuple[Step, ...] = ()
    """What to press or click once the window is up to reach play (a menu, a title screen)."""
    helpers: tuple[Helper, ...] = ()
    """Processes started before the game (in order) and stopped with it."""
    requires: tuple[str, ...] = ()
    """Files the game needs (with placeholders), e.g. a downloaded web game's ``index.html``:
    the launcher refuses to start without them."""
    install: str | None = None
    """How to install the game, told to the user when its program or a required file is
    missing (e.g. ``"apt-get install xgalaga"``)."""


@dataclass(frozen=True)
class GameProfile:
    """Everything the screen agent needs to know about one game."""

    name: str
    """The profile's name (conventionally the file name without ``.toml``): letters, digits,
    ``-``, ``_`` and ``.``, used in run directory names."""
    regions: Mapping[str, Region]
    """Named regions; ``game`` (what the agent sees) is required. Do not mutate."""
    actions: tuple[Action, ...]
    """The action set: action id ``i`` is ``actions[i]``; one of them has no keys."""
    window: WindowRef | None = None
    """The game window; None means regions are absolute screen coordinates."""
    decisions_per_second: float = 15.0
    """The agent's decision clock, in decisions per second."""
    key_hold_ms: int = 60
    """Minimum time an action's keys stay down, in milliseconds (see ``input.KeySink``)."""
    episode_seconds: float = 120.0
    """Episode time limit in seconds (a truncation, not a death)."""
    restart: Restart = field(default_factory=Restart)
    """What starts a new game."""
    rewards: tuple[dict[str, Any], ...] = ()
    """Reward rules as validated TOML tables (schema: :mod:`.reward_schema`); the reward
    package builds the rules from them."""
    launch: Launch | None = None
    """How to start the game, for ``screen-agent launch`` and ``--launch``."""
    allow_system_keys: bool = False
    """Allow keys that act on the desktop (alt+f4, the Windows key, ...) in actions and steps."""

    @property
    def game(self) -> Region:
        """The region the agent sees."""
        return self.regions["game"]

    @property
    def action_names(self) -> tuple[str, ...]:
        """Action names in id order."""
        return tuple(a.name for a in self.actions)

    @property
    def action_keys(self) -> frozenset[str]:
        """Every key some action holds."""
        return frozenset(k for a in self.actions for k in a.keys)

    @property
    def allowed_keys(self) -> frozenset[str]:
        """Every key the input sink may send: the actions', the restart and launch steps'."""
        launch = (
            frozenset()
            if self.launch is None
            else frozenset(k for s in self.launch.steps for k in s.keys)
        )
        return self.action_keys | self.restart.keys | launch

    @property
    def noop_action(self) -> int:
        """Id of the first action with no keys."""
        return next(i for i, a in enumerate(self.actions) if not a.keys)

    @property
    def decision_interval(self) -> float:
        """Seconds between two decisions."""
        return 1.0 / self.decisions_per_second

    @property
    def episode_steps(self) -> int:
        """The episode time limit in decisions."""
        return max(1, round(self.episode_seconds * self.decisions_per_second))
