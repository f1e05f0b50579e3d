"""The input probe: does each action's key reach the game, and how fast does the game react?

Input that never reaches the game (wrong window focused, a game that reads raw input, a key the
game ignores) is the most common failure of screen agents, and training cannot reveal it. The
probe presses each action's keys in turn, in a few rounds, with a no-key trial (the control) in
each round, and notes for every pixel of the game region when it first changed in each trial.
An action's effect is where it changes pixels in most of its trials that change in few of the
controls: a paddle that follows the key, not a ball or an opponent that moves on its own
wherever it happens to be. The time until enough of those pixels changed is the delay from
keypress to pixels.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from screen_agent.capture.frame import FrameSource, crop
from screen_agent.input.sink import KeySink
from screen_agent.profile import GameProfile

DIFF_LEVEL = 24
"""Grey levels a pixel must change by to count as changed (ignores anti-aliasing noise)."""


@dataclass(frozen=True)
class ProbeSettings:
    """How the probe watches; times in seconds."""

    trials: int = 5
    hold_s: float = 0.35
    """How long each trial holds the keys while watching."""
    settle_s: float = 0.25
    """Wait with no keys held before each trial."""
    min_pixels: int = 60
    """Changed pixels where the action has its effect that count as a reaction."""
    restarts: int = 2
    """Times a round in which nothing moved at all is taken for a game that has ended: the
    profile's restart keys are pressed and the round is done again."""


@dataclass(frozen=True)
class ActionReport:
    """What pressing one action did."""

    name: str
    keys: tuple[str, ...]
    responded: int
    """Trials in which at least ``min_pixels`` of the action's effect pixels changed."""
    trials: int
    delay_ms: float | None
    """Median time from keypress to the first reacting frame, over responding trials."""
    changed_pixels: int
    """Median count of the action's effect pixels that changed in a trial."""

    @property
    def works(self) -> bool:
        return self.responded * 2 > self.trials


def probe(
    profile: GameProfile,
    source: FrameSource,
    sink: KeySink,
    settings: ProbeSettings = ProbeSettings(),
    on_trial: Callable[[str], None] | None = None,
) -> list[ActionReport]:
    """Press every action's keys ``settings.trials`` times; report what changed.

    ``source`` grabs the window's client area (the frame the profile's regions are in).
    """
    game = profile.game
    noop = profile.noop_action

    def gray() -> tuple[np.ndarray, float]:
        frame = source.grab()
        return cv2.cvtColor(
            np.ascontiguousarray(crop(frame.pixels, game)), cv2.COLOR_RGB2GRAY
        ), frame.time

    def trial(keys: tuple[str, ...]) -> np.ndarray:
        """Hold ``keys``; per pixel, seconds from the press to its first change (inf: none)."""
        sink.release_all()
        time.sleep(settings.settle_s)
        baseline, _ = gray()
        first = np.full(baseline.shape, np.inf, dtype=np.float32)
        pressed = time.monotonic()
        sink.hold(keys)
        while time.monotonic() - pressed < settings.hold_s:
            image, stamp = gray()
            new = (cv2.absdiff(image, baseline) > DIFF_LEVEL) & np.isinf(first)
            first[new] = stamp - pressed
            time.sleep(0.003)
        sink.release_all()
        return first

    noop_keys = profile.actions[noop].keys
    controls = [trial(noop_keys) for _ in range(settings.trials)]
    # Round robin over the actions, so opposite moves alternate and a paddle is not left
    # against a wall (where its own key would change nothing) for the next trial.
    tested = [i for i in range(len(profile.actions)) if i != noop]
    firsts: dict[int, list[np.ndarray]] = {i: [] for i in tested}
    restarts = settings.restarts if profile.restart.keys else 0
    while tested and len(firsts[tested[0]]) < settings.trials:
        control = trial(noop_keys)
        results = {}
        for index in tested:
            if on_trial is not None:
                on_trial(profile.actions[index].name)
            results[index] = trial(profile.actions[index].keys)
        still = all(
            np.count_nonzero(np.isfinite(f)) < settings.min_pixels
            for f in (control, *results.values())
        )
        if still and restarts:
            # Nothing moved at all, keys or not: most likely the game is over (a round
            # ended, a menu waits); restart it and do the round again.
            restarts -= 1
            if on_trial is not None:
                on_trial("the restart keys (nothing moved: has the game ended?)")
            sink.restart()
            time.sleep(profile.restart.wait_ms / 1000 + settings.settle_s)
            continue
        controls.append(control)
        for index, first in results.items():
            firsts[index].append(first)

    # Where the game moves on its own, widened a little: a ball seen at one spot in a control
    # may be a few pixels further in an action's trial.
    kernel = np.ones((5, 5), np.uint8)
    self_moving = np.mean(
        [cv2.dilate(np.isfinite(c).astype(np.uint8), kernel) for c in controls], axis=0
    )

    def report(index: int) -> ActionReport:
        trials = firsts[index]
        changed = np.mean([np.isfinite(f) for f in trials], axis=0)
        effect = (changed * 2 >= 1) & (self_moving * 3 <= 1)
        counts, delays = [], []
        for first in trials:
            times = np.sort(first[effect & np.isfinite(first)])
            counts.append(times.size)
            if times.size >= settings.min_pixels:
                delays.append(float(times[settings.min_pixels - 1]))
        return ActionReport(
            name=profile.actions[index].name,
            keys=profile.actions[index].keys,
            responded=len(delays),
            trials=len(trials),
            delay_ms=1000 * float(np.median(delays)) if delays else None,
            changed_pixels=int(np.median(counts)) if counts else 0,
        )

    return [report(i) for i in tested]


def format_report(reports: list[ActionReport]) -> str:
    """A table for the terminal: one line per action, failures flagged."""
    lines = [f"{'action':<14} {'keys':<18} {'reacts':<8} {'delay':>9} {'pixels':>8}"]
    for r in reports:
        delay = "-" if r.delay_ms is None else f"{r.delay_ms:.0f} ms"
        verdict = f"{r.responded}/{r.trials}"
        flag = "" if r.works else "   <- no visible effect: does this key reach the game?"
        keys = "+".join(r.keys) or "(none)"
        lines.append(f"{r.name:<14} {keys:<18} {verdict:<8} {delay:>9} {r.changed_pixels:>8}{flag}")
    return "\n".join(lines)
