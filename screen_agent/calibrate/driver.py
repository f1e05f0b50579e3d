"""Watching a live game window: frames at a fixed rate, and optionally random key presses.

:func:`watch_window` grabs the window's client area ``fps`` times a second for ``seconds``
and keeps every frame (:class:`~screen_agent.calibrate.watch.FrameStore`). A person may
play meanwhile (``held_keys`` then records what they hold), or :class:`RandomKeys` presses a
random candidate key (or none) every :attr:`RandomKeys.change_s` through a key sink, so the
game moves, scores and ends by itself. A game that ends stops moving, or shows a screen unlike
play (a title or score table, perhaps animated): when the window has changed far less than
usual for ``stall_s``, or has shown for that long many more coarse cells in colours the first
seconds of play never showed there (:class:`SceneNovelty`), the ``restart`` steps (if any were
given) are run, so a minute of random play sees several games (they also run once before the
watch starts, to get past a title screen).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from screen_agent.calibrate.changes import cell_codes, changed
from screen_agent.calibrate.watch import FrameStore, Watch
from screen_agent.capture.frame import FrameSource
from screen_agent.input.sink import InputStatus, KeySink
from screen_agent.profile import Step

NOVEL_SHARE = 0.05
"""A frame is unlike play if at least this share (0-1) of its coarse cells show colours the
reference never showed there..."""
NOVEL_FACTOR = 3.0
"""... and at least this many times the usual share since the reference."""
REFERENCE_S = 8.0
"""Seconds of play after the start that :class:`SceneNovelty` takes as its reference."""
STALL_SHARE = 0.2
"""The window counts as stalled while it changes less than this share of its usual change."""
STALL_FLOOR = 1e-4
"""...or less than this share (0-1) of its pixels per frame, whatever is usual."""


@dataclass
class RandomKeys:
    """Presses one random candidate key, or none, at a time."""

    keys: Sequence[str]
    """The candidates (key names of :data:`screen_agent.keys.KEY_NAMES`)."""
    rng: np.random.Generator
    change_s: float = 0.2
    """How long each choice is held, seconds."""
    combos: bool = False
    """Also press two candidates together now and then."""

    def choose(self) -> tuple[str, ...]:
        """The next keys to hold (empty: none)."""
        choices: list[tuple[str, ...]] = [(), *((k,) for k in self.keys)]
        if self.combos and len(self.keys) > 1 and self.rng.random() < 0.25:
            a, b = self.rng.choice(len(self.keys), 2, replace=False)
            return (self.keys[int(a)], self.keys[int(b)])
        return choices[int(self.rng.integers(len(choices)))]


class SceneNovelty:
    """How unlike the first seconds of the watch (play) each frame looks: the share of its
    coarse cells (:func:`~screen_agent.calibrate.changes.cell_codes`) in a colour the
    reference frames showed there on fewer than 2% of them."""

    def __init__(self, reference_frames: int) -> None:
        self.reference_frames = reference_frames
        self.counts: np.ndarray | None = None
        self.seen = 0
        self.history: list[float] = []

    def add(self, frame: np.ndarray) -> float:
        """Take the next frame; its novelty (0 while the reference is being built)."""
        codes = cell_codes(frame).ravel()
        index = np.arange(codes.size)
        if self.counts is None:
            self.counts = np.zeros((codes.size, 512), np.int32)
        if self.seen < self.reference_frames:
            self.counts[index, codes] += 1
            self.seen += 1
            return 0.0
        rare = max(2, int(0.02 * self.seen))
        novelty = float((self.counts[index, codes] < rare).mean())
        self.history.append(novelty)
        return novelty

    def unlike_play(self, frames: int) -> bool:
        """The last ``frames`` frames all looked unlike play."""
        if len(self.history) < 2 * frames:
            return False
        usual = float(np.median(self.history))
        return min(self.history[-frames:]) >= max(NOVEL_SHARE, NOVEL_FACTOR * usual)


@dataclass
class WatchProgress:
    """What :func:`watch_window` reports to ``on_tick`` about once a second."""

    seconds: float
    """Watched so far, seconds."""
    frames: int
    restarts: int
    """Times the restart steps ran."""
    paused: bool
    """The last key press was refused: the game window does not have keyboard focus."""


def watch_window(
    source: FrameSource,
    seconds: float,
    *,
    fps: float = 10.0,
    sink: KeySink | None = None,
    player: RandomKeys | None = None,
    held_keys: Callable[[], frozenset[str]] | None = None,
    restart: Sequence[Step] = (),
    restart_first: bool = True,
    stall_s: float = 3.0,
    on_tick: Callable[[WatchProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Watch:
    """Watch ``source`` (frames of the window's client area) for ``seconds`` at ``fps``.

    Args:
        source: grabs the whole client area (the frame the profile's regions are in).
        seconds: how long to watch.
        fps: grabs per second.
        sink: presses keys (``player``'s choices, the ``restart`` steps); it must allow them.
        player: random key presses; None when a person plays.
        held_keys: what the person holds now (recorded per frame), when a person plays.
        restart: steps that start a new game, run when the window has stalled for
            ``stall_s`` (only with a ``sink``).
        restart_first: also run them before the first frame (a game waiting on its title
            screen starts at once).
        stall_s: seconds of far-less-than-usual change that count as a game that ended.
        on_tick: called about once a second with the progress.
        should_stop: polled every frame; True ends the watch early.
        clock, sleep: seconds; replaceable in tests.

    Every key is released when the watch ends, however it ends.
    """
    store = FrameStore()
    times: list[float] = []
    held: list[frozenset[str]] = []
    interval = 1.0 / fps
    stall_frames = max(2, round(stall_s * fps))
    activity: list[float] = []
    restarts = 0
    paused = False
    pressing: tuple[str, ...] = ()
    next_choice = 0.0
    quiet_until = 0.0
    previous: np.ndarray | None = None
    novelty = SceneNovelty(max(2, round(REFERENCE_S * fps)))
    last_report = -1.0
    if sink is not None and restart and restart_first:
        paused = sink.run_steps(restart, wait=sleep) is not InputStatus.SENT
        restarts += 1
    start = clock()
    try:
        for tick in range(max(1, round(seconds * fps))):
            delay = start + tick * interval - clock()
            if delay > 0:
                sleep(delay)
            if should_stop is not None and should_stop():
                break
            frame = source.grab()
            now = clock()
            store.append(frame.pixels)
            times.append(frame.time)
            if held_keys is not None:
                held.append(held_keys())
            else:
                held.append(frozenset(pressing))
            if previous is not None:
                activity.append(float(changed(frame.pixels, previous).mean()))
            previous = frame.pixels
            if sink is not None and restart:
                novelty.add(frame.pixels)
            ended = _stalled(activity, stall_frames) or novelty.unlike_play(stall_frames)
            if sink is not None and restart and now >= quiet_until and ended:
                sink.release_all()
                pressing = ()
                status = sink.run_steps(restart, wait=sleep)
                paused = status is not InputStatus.SENT
                restarts += 1
                quiet_until = clock() + stall_s
                activity.clear()
            elif sink is not None and player is not None and now >= next_choice:
                pressing = player.choose()
                status = sink.hold(pressing)
                paused = status is not InputStatus.SENT
                next_choice = now + player.change_s
            if on_tick is not None and now - last_report >= 1.0:
                last_report = now
                on_tick(WatchProgress(now - start, len(store), restarts, paused))
    finally:
        if sink is not None:
            sink.release_all()
    if not times:
        raise RuntimeError("the watch ended before its first frame")
    return Watch(store, np.asarray(times), held)


def _stalled(activity: list[float], frames: int) -> bool:
    """The last ``frames`` changes were all far below the watch's usual change."""
    if len(activity) < 2 * frames:
        return False
    usual = float(np.median(activity))
    recent = max(activity[-frames:])
    return recent < max(STALL_FLOOR, STALL_SHARE * usual)
