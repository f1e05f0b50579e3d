"""The input probe: does each action's key reach the game, and how fast does the game react?

Input that never reaches the game (wrong window focused, a game that reads raw input, a key the
game ignores) is the most common failure of screen agents, and training cannot reveal it. The
probe presses each action's keys in turn, in a few trials, and watches the game region: pixels
that change while the keys are held, away from the pixels that change on their own (measured
with no keys held, the control), are the action's effect; the first such change gives the delay
from keypress to pixels.
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
    """Changed pixels outside the self-moving area that count as a reaction."""
    restarts: int = 2
    """Times a round in which no action changed anything is taken for a game that has ended:
    the profile's restart keys are pressed and the round is done again."""


@dataclass(frozen=True)
class ActionReport:
    """What pressing one action did."""

    name: str
    keys: tuple[str, ...]
    responded: int
    """Trials in which the game region changed beyond its own motion."""
    trials: int
    delay_ms: float | None
    """Median time from keypress to the first reacting frame, over responding trials."""
    changed_pixels: int
    """Median peak count of changed pixels outside the self-moving area."""

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

    def trial(keys: tuple[str, ...]) -> list[tuple[float, np.ndarray]]:
        sink.release_all()
        time.sleep(settings.settle_s)
        baseline, _ = gray()
        pressed = time.monotonic()
        sink.hold(keys)
        changes = []
        while time.monotonic() - pressed < settings.hold_s:
            image, stamp = gray()
            changes.append((stamp - pressed, cv2.absdiff(image, baseline) > DIFF_LEVEL))
            time.sleep(0.003)
        sink.release_all()
        return changes

    def control() -> np.ndarray:
        """What moves with no key held (a ball, an opponent), dilated a little."""
        moving = np.zeros((game.height, game.width), dtype=bool)
        for _ in range(settings.trials + 1):
            for _, changed in trial(profile.actions[noop].keys):
                moving |= changed
        return cv2.dilate(moving.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0

    self_moving = control()

    def peak_and_onset(keys: tuple[str, ...], threshold: int) -> tuple[int, float | None]:
        first, peak = None, 0
        for lag, changed in trial(keys):
            count = int(np.count_nonzero(changed & ~self_moving))
            peak = max(peak, count)
            if first is None and count >= threshold:
                first = lag
        return peak, first

    # Round robin over the actions, so opposite moves alternate and a paddle is not left
    # against a wall (where its own key would change nothing) for the next trial.
    tested = [i for i in range(len(profile.actions)) if i != noop]
    delays: dict[int, list[float]] = {i: [] for i in tested}
    peaks: dict[int, list[int]] = {i: [] for i in tested}
    restarts = settings.restarts if profile.restart.keys else 0
    rounds = 0
    while rounds < settings.trials:
        # What leaks past the mask with no key held right now (a ball somewhere new): this
        # round's reactions must clearly exceed it.
        leak, _ = peak_and_onset(profile.actions[noop].keys, 10**9)
        threshold = max(settings.min_pixels, 2 * leak)
        results = {}
        for index in tested:
            if on_trial is not None:
                on_trial(profile.actions[index].name)
            results[index] = peak_and_onset(profile.actions[index].keys, threshold)
        if restarts and all(first is None for _, first in results.values()):
            # Nothing reacted: most likely the game is over (a round ended, a menu shows).
            restarts -= 1
            if on_trial is not None:
                on_trial("the restart keys (nothing reacted: has the game ended?)")
            sink.restart()
            time.sleep(profile.restart.wait_ms / 1000 + settings.settle_s)
            self_moving = control()  # the restarted game moves differently
            continue
        for index, (peak, first) in results.items():
            peaks[index].append(peak)
            if first is not None:
                delays[index].append(first)
        rounds += 1
    reports = [
        ActionReport(
            name=profile.actions[i].name,
            keys=profile.actions[i].keys,
            responded=len(delays[i]),
            trials=settings.trials,
            delay_ms=1000 * float(np.median(delays[i])) if delays[i] else None,
            changed_pixels=int(np.median(peaks[i])),
        )
        for i in tested
    ]
    return reports


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
