"""Plain-Python models the widgets bind to: the profile being edited, a training run, and the
reward debugger. No Qt here: each model changes only through its methods and announces every
change with a :class:`~screen_agent.gui.signal.Signal`, so the widgets (and tests) can drive
it and watch it without a display.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from screen_agent.errors import UserError
from screen_agent.geometry import Region
from screen_agent.gui.signal import Signal
from screen_agent.profile import (
    Action,
    GameProfile,
    Launch,
    ProfileError,
    Restart,
    Step,
    WindowRef,
    load_profile,
    profile_from_dict,
    profile_to_dict,
    save_profile,
)
from screen_agent.training.events import EpisodeEvent, FrameEvent, PauseEvent, StatsEvent

REGION_ORDER = ("game", "score", "game_over")
"""The regions the region picker asks for, in order (the last is optional)."""


# --- the profile ------------------------------------------------------------------------------
class ProfileModel:
    """A profile under edit: every field of :class:`GameProfile`, mutable, plus its file.

    It may be incomplete while the user works (no game region yet); :meth:`to_profile`
    validates it exactly as loading the saved file would.
    """

    def __init__(self, profile: GameProfile | None = None, path: Path | None = None) -> None:
        self.changed = Signal()
        """Any field changed (no arguments)."""
        self.regions_changed = Signal()
        """``regions`` or ``window`` changed."""
        self.actions_changed = Signal()
        """``actions`` or ``key_hold_ms`` changed."""
        self.rewards_changed = Signal()
        """``rewards`` changed."""
        self.path_changed = Signal()
        """The profile was loaded, saved elsewhere or replaced (arg: the new path or None)."""
        self.path: Path | None = None
        self.dirty = False
        """True when there are changes not yet saved."""
        self._set_all(profile or blank_profile(), path)

    # -- whole profile
    def _set_all(self, profile: GameProfile, path: Path | None) -> None:
        self.name = profile.name
        self.window: WindowRef | None = profile.window
        self.regions: dict[str, Region] = dict(profile.regions)
        self.actions: list[Action] = list(profile.actions)
        self.rewards: list[dict[str, Any]] = [dict(r) for r in profile.rewards]
        self.decisions_per_second = profile.decisions_per_second
        self.key_hold_ms = profile.key_hold_ms
        self.episode_seconds = profile.episode_seconds
        self.restart: Restart = profile.restart
        self.launch: Launch | None = profile.launch
        self.allow_system_keys = profile.allow_system_keys
        self.path = path
        self.dirty = False
        self.path_changed.emit(path)
        self.regions_changed.emit()
        self.actions_changed.emit()
        self.rewards_changed.emit()
        self.changed.emit()

    def replace(self, profile: GameProfile, path: Path | None = None) -> None:
        """Edit ``profile`` from now on (a newly created or opened one)."""
        self._set_all(profile, path)

    def load(self, path: str | Path) -> None:
        """Open the profile at ``path``; ProfileError if it is invalid (the model is unchanged)."""
        path = Path(path)
        self._set_all(load_profile(path), path)

    def save(self, path: str | Path | None = None) -> Path:
        """Validate and write the profile (atomically) to ``path`` or the current file."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ProfileError(f"{self.name}: no file chosen yet; use Save As")
        profile = self.to_profile(source=str(target))
        save_profile(profile, target)
        self.dirty = False
        if target != self.path:
            self.path = target
            self.path_changed.emit(target)
        self.changed.emit()
        return target

    def draft(self) -> GameProfile:
        """The model as a GameProfile, unvalidated (it may lack a game region, say)."""
        return GameProfile(
            name=self.name,
            regions=dict(self.regions),
            actions=tuple(self.actions),
            window=self.window,
            decisions_per_second=self.decisions_per_second,
            key_hold_ms=self.key_hold_ms,
            episode_seconds=self.episode_seconds,
            restart=self.restart,
            rewards=tuple(dict(r) for r in self.rewards),
            launch=self.launch,
            allow_system_keys=self.allow_system_keys,
        )

    def to_document(self) -> dict[str, Any]:
        """The profile as the TOML document :func:`save_profile` would write (unvalidated)."""
        return profile_to_dict(self.draft())

    def to_profile(self, source: str | None = None) -> GameProfile:
        """The validated profile; ProfileError (naming the field and the fix) if it is not."""
        return profile_from_dict(self.to_document(), source or str(self.path or self.name))

    def problem(self) -> str | None:
        """Why the profile cannot be saved or used yet, or None."""
        try:
            self.to_profile()
        except UserError as error:
            return str(error)
        return None

    def _touch(self, *signals: Signal) -> None:
        self.dirty = True
        for signal in signals:
            signal.emit()
        self.changed.emit()

    # -- simple fields
    def set_name(self, name: str) -> None:
        if name != self.name:
            self.name = name
            self._touch()

    def set_timing(
        self,
        decisions_per_second: float | None = None,
        episode_seconds: float | None = None,
    ) -> None:
        if decisions_per_second is not None:
            self.decisions_per_second = float(decisions_per_second)
        if episode_seconds is not None:
            self.episode_seconds = float(episode_seconds)
        self._touch()

    @property
    def simple_restart(self) -> bool:
        """True if the restart is at most one tap of keys and a wait, which
        :meth:`set_restart` can edit; False for a sequence (several steps, or a click)."""
        steps = self.restart.steps
        return len(steps) == 0 or (len(steps) == 1 and steps[0].click is None)

    def set_restart(self, keys: Sequence[str], wait_ms: int) -> None:
        """Make the restart one step: tap ``keys`` together, then wait ``wait_ms``
        milliseconds (no keys and no wait: the game needs nothing to restart).

        Refused (ValueError) while the restart is a sequence: that would drop its other
        steps; such a profile's restart is edited in its file.
        """
        if not self.simple_restart:
            raise ValueError("the restart is a sequence of steps; edit it in the profile's file")
        keys, wait_ms = tuple(keys), int(wait_ms)
        restart = Restart((Step(keys, None, wait_ms),)) if keys or wait_ms else Restart()
        if restart != self.restart:
            self.restart = restart
            self._touch()

    def set_allow_system_keys(self, allow: bool) -> None:
        """Allow keys that act on the desktop (alt+f4, the Windows key) in actions and steps."""
        if bool(allow) != self.allow_system_keys:
            self.allow_system_keys = bool(allow)
            self._touch(self.actions_changed)

    # -- regions
    def set_region(self, name: str, region: Region | None) -> None:
        """Set (or with None remove) one region; coordinates as the profile stores them."""
        if region is None:
            self.regions.pop(name, None)
        else:
            self.regions[name] = region
        self._touch(self.regions_changed)

    def set_regions(self, regions: Mapping[str, Region], window: WindowRef | None) -> None:
        """Replace the picked regions (the picker's result) and the window they follow.

        Regions the picker does not ask for (like Breakout's ``lives``) are kept.
        """
        for name in REGION_ORDER:
            self.regions.pop(name, None)
        self.regions.update(regions)
        self.window = window
        self._touch(self.regions_changed)

    def set_window(self, window: WindowRef | None) -> None:
        """Make regions relative to ``window``'s client area (None: absolute screen
        coordinates); the regions themselves are unchanged."""
        if window != self.window:
            self.window = window
            self._touch(self.regions_changed)

    # -- actions
    def set_actions(self, actions: Sequence[Action]) -> None:
        """Replace the whole action set (a calibration's proposal, accepted)."""
        actions = list(actions)
        if actions != self.actions:
            self.actions = actions
            self._touch(self.actions_changed)

    def add_action(self, name: str, keys: Sequence[str] = ()) -> int:
        """Append an action; returns its id."""
        self.actions.append(Action(name, tuple(keys)))
        self._touch(self.actions_changed)
        return len(self.actions) - 1

    def set_action(
        self, index: int, name: str | None = None, keys: Sequence[str] | None = None
    ) -> None:
        action = self.actions[index]
        self.actions[index] = Action(
            action.name if name is None else name, action.keys if keys is None else tuple(keys)
        )
        self._touch(self.actions_changed)

    def remove_action(self, index: int) -> None:
        del self.actions[index]
        self._touch(self.actions_changed)

    def set_key_hold_ms(self, value: int) -> None:
        if value != self.key_hold_ms:
            self.key_hold_ms = int(value)
            self._touch(self.actions_changed)

    # -- reward rules
    def add_rule(self, table: Mapping[str, Any]) -> int:
        self.rewards.append(dict(table))
        self._touch(self.rewards_changed)
        return len(self.rewards) - 1

    def set_rule(self, index: int, table: Mapping[str, Any]) -> None:
        self.rewards[index] = dict(table)
        self._touch(self.rewards_changed)

    def update_rule(self, index: int, **fields: Any) -> None:
        """Change some keys of a rule; a value of None removes the key."""
        table = dict(self.rewards[index])
        for key, value in fields.items():
            if value is None:
                table.pop(key, None)
            else:
                table[key] = value
        self.set_rule(index, table)

    def set_rules(self, tables: Sequence[Mapping[str, Any]]) -> None:
        """Replace every reward rule (a calibration's rules merged with the kept ones)."""
        rewards = [dict(t) for t in tables]
        if rewards != self.rewards:
            self.rewards = rewards
            self._touch(self.rewards_changed)

    def remove_rule(self, index: int) -> None:
        del self.rewards[index]
        self._touch(self.rewards_changed)

    @property
    def directory(self) -> Path:
        """Where files the profile refers to (templates, digit calibrations) are saved."""
        return self.path.parent if self.path is not None else Path("calibration")


def blank_profile(name: str = "untitled") -> GameProfile:
    """A new profile: no regions yet, one "no keys" action."""
    return GameProfile(name=name, regions={}, actions=(Action("noop", ()),))


# --- a training run ---------------------------------------------------------------------------
ROLLING_EPISODES = 20
"""Episodes in the rolling mean of the return."""
MAX_POINTS = 20_000
"""Most points kept per training curve (older ones are dropped)."""

STAT_FIELDS = (
    "loss",
    "q_mean",
    "epsilon",
    "decisions_per_second",
    "lateness_ms_p99",
    "latency_ms_p99",
)
"""The StatsEvent fields plotted, in order."""


class TrainingModel:
    """What the training view shows: the curves so far, the last frames, the run's state.

    Fed with trainer events by :meth:`apply`, always in the GUI thread (the worker forwards
    them through a queued Qt signal).
    """

    STATES = ("idle", "running", "paused", "stopping", "finished", "failed")

    def __init__(self) -> None:
        self.episode_added = Signal()
        """An episode ended (arg: the EpisodeEvent)."""
        self.stats_added = Signal()
        """New statistics (arg: the StatsEvent)."""
        self.frame_changed = Signal()
        """A new agent's-eye view (arg: the FrameEvent)."""
        self.state_changed = Signal()
        """The run's state changed (arg: the new state)."""
        self.failed = Signal()
        """The run stopped with an error (arg: the message)."""
        self.paused = Signal()
        """Acting paused by the trainer (arg: why) or resumed (arg: None)."""
        self.cleared = Signal()
        self.clear()
        self.state = "idle"

    def clear(self) -> None:
        """Forget the curves (a new run starts)."""
        self.episode_steps: deque[int] = deque(maxlen=MAX_POINTS)
        self.returns: deque[float] = deque(maxlen=MAX_POINTS)
        self.rolling_mean: deque[float] = deque(maxlen=MAX_POINTS)
        self._window: deque[float] = deque(maxlen=ROLLING_EPISODES)
        self.stat_steps: deque[int] = deque(maxlen=MAX_POINTS)
        self.stats: dict[str, deque[float]] = {k: deque(maxlen=MAX_POINTS) for k in STAT_FIELDS}
        self.last_stats: StatsEvent | None = None
        self.frame: FrameEvent | None = None
        self.episodes = 0
        self.error: str | None = None
        self.pause_message: str | None = None
        """Why the trainer paused acting (window lost focus ...), None while acting."""
        self.cleared.emit()

    def apply(self, event: Any) -> None:
        """Take one trainer event (EpisodeEvent, StatsEvent, FrameEvent or PauseEvent)."""
        if isinstance(event, EpisodeEvent):
            self.episode_steps.append(event.step)
            self.returns.append(float(event.ret))
            self._window.append(float(event.ret))
            self.rolling_mean.append(sum(self._window) / len(self._window))
            self.episodes = event.episode
            self.episode_added.emit(event)
        elif isinstance(event, StatsEvent):
            self.stat_steps.append(event.step)
            for key in STAT_FIELDS:
                value = getattr(event, key)
                self.stats[key].append(math.nan if value is None else float(value))
            self.last_stats = event
            self.stats_added.emit(event)
        elif isinstance(event, FrameEvent):
            self.frame = event
            self.frame_changed.emit(event)
        elif isinstance(event, PauseEvent):
            self.pause_message = event.message
            self.paused.emit(event.message)
        # Other events (a newer trainer's) are not shown.

    def set_state(self, state: str) -> None:
        if state not in self.STATES:
            raise ValueError(f"unknown state {state!r}")
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    def fail(self, message: str) -> None:
        """The run ended with ``message`` (shown to the user as a dialog)."""
        self.error = message
        self.set_state("failed")
        self.failed.emit(message)


# --- the reward debugger ----------------------------------------------------------------------
DEBUG_SECONDS = 30.0
"""Seconds of signal history the strip chart keeps."""


@dataclass(frozen=True)
class Firing:
    """One rule fired on one frame."""

    time: float
    """Seconds since the debugger started."""
    rule: int
    """Index of the rule in the profile's ``rewards``."""
    reward: float
    game_over: bool


class RewardDebugModel:
    """Runs a profile's reward rules over live frames: each rule's signal and every firing.

    ``configure`` builds the rules (keeping the error if they are invalid); ``feed`` takes
    a frame of the area the regions are measured in (the window's client area).
    """

    def __init__(self, history: int = 450) -> None:
        self.updated = Signal()
        """New samples were added (no arguments)."""
        self.fired = Signal()
        """A rule fired (arg: the Firing)."""
        self.configured = Signal()
        """The rules were rebuilt (arg: the error message or None)."""
        self.history = history
        self.rules: list[Any] = []
        self.names: list[str] = []
        self.error: str | None = None
        self._start: float | None = None
        self.reset()

    def configure(
        self,
        tables: Sequence[Mapping[str, Any]],
        regions: Mapping[str, Region],
        source: str,
        origin: tuple[int, int] = (0, 0),
    ) -> None:
        """Build the rules from ``[[rewards]]`` tables; regions are measured from ``origin``
        in the frames that will be fed (the window's client area: ``(0, 0)``)."""
        from screen_agent.reward import build_rules

        in_frame = {n: r.offset(-origin[0], -origin[1]) for n, r in regions.items()}
        try:
            self.rules = build_rules(tables, in_frame, source)
            self.error = None
        except UserError as error:
            self.rules = []
            self.error = str(error)
        self.names = [rule.name for rule in self.rules]
        self.reset()
        self.configured.emit(self.error)

    def reset(self) -> None:
        """Forget the history; every rule starts a new episode."""
        self.times: deque[float] = deque(maxlen=self.history)
        self.signals: list[deque[float]] = [deque(maxlen=self.history) for _ in self.rules]
        self.firings: deque[Firing] = deque(maxlen=self.history)
        self.total_reward = 0.0
        self.skipped: str | None = None
        self._start = None
        for rule in self.rules:
            rule.reset()

    def feed(self, frame: np.ndarray, time_s: float) -> list[Firing]:
        """Run every rule on ``frame`` grabbed at ``time_s``; returns the firings."""
        if self._start is None:
            self._start = time_s
        t = time_s - self._start
        height, width = frame.shape[:2]
        fired = []
        self.times.append(t)
        for i, rule in enumerate(self.rules):
            if not Region(0, 0, width, height).holds(rule.common.region):
                self.skipped = f"{rule.name}: region lies outside the {width}x{height} frame"
                self.signals[i].append(math.nan)
                continue
            self.signals[i].append(rule.signal(frame))
            event = rule.update(frame, time_s)
            if event.reward != 0 or event.game_over:
                firing = Firing(t, i, event.reward, event.game_over)
                self.firings.append(firing)
                self.total_reward += event.reward
                fired.append(firing)
                if event.game_over:
                    for other in self.rules:
                        other.reset()
        for firing in fired:
            self.fired.emit(firing)
        self.updated.emit()
        return fired


# --- demonstrations ---------------------------------------------------------------------------
class DemoListModel:
    """The demonstration files a training run learns from first (``ScreenJob.demos``): each
    file with whether it is used."""

    def __init__(self) -> None:
        self.changed = Signal()
        """The list or a file's use changed (no arguments)."""
        self.items: list[tuple[Path, bool]] = []

    def add(self, path: str | Path, use: bool = True) -> int:
        """Add ``path`` (or, if listed already, set its use); returns its index."""
        path = Path(path)
        for i, (known, _) in enumerate(self.items):
            if known == path:
                self.set_use(i, use)
                return i
        self.items.append((path, bool(use)))
        self.changed.emit()
        return len(self.items) - 1

    def remove(self, index: int) -> None:
        del self.items[index]
        self.changed.emit()

    def set_use(self, index: int, use: bool) -> None:
        path, old = self.items[index]
        if old != bool(use):
            self.items[index] = (path, bool(use))
            self.changed.emit()

    def chosen(self) -> tuple[Path, ...]:
        """The files used, in order."""
        return tuple(path for path, use in self.items if use)
