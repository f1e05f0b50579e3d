""" "Find for me": the app's calibration job, and what the review shows of its findings.

:func:`find_for_me` runs off the GUI thread (in a
:class:`~screen_agent.gui.background.BackgroundTask`) and only strings the core's calibration
together (:mod:`screen_agent.calibrate`), as ``screen-agent calibrate`` does but without its
terminal questions: watch the game window's client area for a while (the person plays, or
random candidate keys are pressed), analyse the watch (game region, score region and digits,
game-over rule), and probe which keys work. The person then accepts or corrects each proposal
in the app (:mod:`.calibration_review`).

The helpers below pick what the review shows (a frame of play, the score as read at a few
moments, the game-over region when the game ended) and take a person's correction of a score
read wrongly, again with the core's functions (another game-over region is fitted by
:func:`screen_agent.calibrate.refit_game_over`). No Qt here.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from screen_agent.calibrate import (
    DEFAULT_KEYS,
    Analysis,
    GameOverProposal,
    KeysProposal,
    RandomKeys,
    ScoreProposal,
    Watch,
    analyze,
    correct_digits,
    probe_in_game,
    watch_window,
)
from screen_agent.calibrate.driver import WatchProgress
from screen_agent.calibrate.game_over import before_restarts
from screen_agent.calibrate.profile_out import GAME_OVER_REGION, profile_name
from screen_agent.calibrate.run import watch_profile
from screen_agent.errors import UserError
from screen_agent.geometry import Region
from screen_agent.keys import KEY_NAMES
from screen_agent.profile import GameProfile, Step

if TYPE_CHECKING:
    from screen_agent.desktop import Desktop
    from screen_agent.gui.background import TaskControl

FOCUS_TIMEOUT_S = 30.0
"""How long the job waits for the game window to have keyboard focus before watching."""
SAMPLES = 8
"""Pictures of the score the review shows, with the number read from each."""


@dataclass(frozen=True)
class FindSettings:
    """What "Find for me" does."""

    title: str
    """The game window's exact title."""
    seconds: float = 60.0
    """How long to watch, seconds."""
    random_keys: bool = True
    """Press random candidate keys; False: the person plays (their keys are read)."""
    keys: tuple[str, ...] = ()
    """Candidate keys to press and probe; empty: the keys the person pressed, else
    :data:`~screen_agent.calibrate.DEFAULT_KEYS`."""
    restart: tuple[Step, ...] = ()
    """The profile's restart steps, run before the watch and whenever the game has ended."""
    probe: bool = True
    """Probe which candidate keys work after the watch."""
    probe_trials: int = 6
    """Probe trials per key (at least 4)."""
    fps: float = 10.0
    """Frames watched per second."""
    seed: int | None = None

    def check(self) -> None:
        """UserError (one line) for settings the person must fix."""
        if not self.title.strip():
            raise UserError("name the game window (its exact title) to watch")
        if not 5 <= self.seconds <= 3600:
            raise UserError(f"watch for 5 to 3600 seconds, not {self.seconds:g}")
        bad = [k for k in self.keys if k not in KEY_NAMES]
        if bad:
            raise UserError(
                f"keys to try: {bad[0]!r} is not a key name; use names such as left, right, up, "
                "down, space, enter, a-z, 0-9, f1"
            )


@dataclass(frozen=True)
class FindProgress:
    """What the job reports on its way."""

    text: str
    fraction: float | None = None
    """0-1 of the watch done; None outside the watch."""


@dataclass
class Findings:
    """Everything "Find for me" proposes, with what it watched."""

    title: str
    width: int
    """The client area's width, pixels (the frame the regions are measured in)."""
    height: int
    watch: Watch
    analysis: Analysis
    keys: KeysProposal | None
    """The probe's verdicts and proposed actions (None: not probed)."""
    tried: tuple[str, ...]
    """The candidate keys (pressed at random, or by the person)."""
    unfocused: int = 0
    """Key presses refused because the game window had lost keyboard focus."""


def keys_played(watch: Watch) -> list[str]:
    """The keys the person held during the watch, most held first."""
    counts: Counter[str] = Counter(k for keys in watch.held for k in keys)
    return [k for k, _ in counts.most_common()]


def find_for_me(
    settings: FindSettings,
    control: TaskControl,
    stop_watching: Callable[[], bool] = lambda: False,
    desktop: Desktop | None = None,
) -> Findings:
    """Watch, analyse and probe (see the module docstring); reports :class:`FindProgress`
    through ``control`` and ends early once it is cancelled. ``stop_watching()`` True ends
    the watch early and goes on with what was seen."""
    from screen_agent.capture.mss_source import MssSource
    from screen_agent.desktop import open_desktop
    from screen_agent.desktop.tracking import GameWindow
    from screen_agent.gui.cancellable import CancellableSink, wait_for_focus
    from screen_agent.input.keyboard import KeyboardSink

    settings.check()
    rng = np.random.default_rng(settings.seed)
    with ExitStack() as stack:
        if desktop is None:
            desktop = open_desktop()
            stack.callback(desktop.close)
        desktop.check_access()
        window = GameWindow(desktop, settings.title)
        client = window.client
        width, height = client.width, client.height
        candidates = list(settings.keys)
        if not candidates and settings.random_keys:
            candidates = list(DEFAULT_KEYS)
        name = profile_name(settings.title)
        provisional = watch_profile(
            name, settings.title, width, height, candidates, settings.restart
        )
        source = MssSource(provisional, desktop, window, region=None, source=settings.title)
        stack.callback(source.close)
        sinks: list[CancellableSink] = []  # each counts the presses refused for no focus

        def keyboard_for(profile: GameProfile) -> CancellableSink:
            keyboard = KeyboardSink(profile, desktop, window)
            stack.callback(keyboard.close)  # releases every key, whatever happens
            sinks.append(CancellableSink(keyboard, control))
            return sinks[-1]

        sink = keyboard_for(provisional) if settings.random_keys or settings.restart else None
        desktop.focus_window(window.handle)
        if not wait_for_focus(window.has_focus, 1.0, control):
            control.progress(
                FindProgress("Click the game window: the watch starts once it has focus…")
            )
            if not wait_for_focus(window.has_focus, FOCUS_TIMEOUT_S, control):
                control.raise_if_cancelled()
                raise UserError(
                    f"the game window never got keyboard focus in {FOCUS_TIMEOUT_S:.0f} s; "
                    "click it after pressing Find for me"
                )
        who = "random keys" if settings.random_keys else "you play"

        def tick(progress: WatchProgress) -> None:
            note = "  (no keyboard focus: click the game window)" if progress.paused else ""
            restarts = f", {progress.restarts} restart(s)" if progress.restarts else ""
            control.progress(
                FindProgress(
                    f"Watching while {who}: {progress.seconds:.0f} of {settings.seconds:.0f} s, "
                    f"{progress.frames} frames{restarts}{note}",
                    min(1.0, progress.seconds / settings.seconds),
                )
            )

        player = RandomKeys(candidates, rng) if settings.random_keys else None
        watch = watch_window(
            source,
            settings.seconds,
            fps=settings.fps,
            sink=sink,  # type: ignore[arg-type]  # has a KeySink's pressing methods
            player=player,
            held_keys=None if settings.random_keys else desktop.held_keys,
            restart=settings.restart,
            on_tick=tick,
            should_stop=lambda: control.cancelled or stop_watching(),
        )
        control.raise_if_cancelled()
        if len(watch) < 2 * settings.fps:
            raise UserError(
                f"watched only {len(watch)} frames: too few to find anything; watch longer"
            )
        control.progress(FindProgress(f"Analysing {len(watch)} frames…"))
        analysis = analyze(
            watch, progress=lambda m: control.progress(FindProgress(f"Analysing: {m}…"))
        )
        control.raise_if_cancelled()
        tried = tuple(candidates or keys_played(watch) or DEFAULT_KEYS)
        keys = None
        if settings.probe:
            probing = watch_profile(name, settings.title, width, height, tried, settings.restart)
            if sink is None or not set(tried) <= sink.allowed:
                sink = keyboard_for(probing)
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="screen-agent-")))
            keys = probe_in_game(
                probing, analysis.game.region, analysis.game_over, source, sink, tried,
                folder / "probe.toml", trials=settings.probe_trials, rng=rng,
                on_trial=lambda key: control.progress(
                    FindProgress(f"Testing the keys: pressing {key}…")
                ),
            )  # fmt: skip
        unfocused = sum(s.paused for s in sinks)
        return Findings(settings.title, width, height, watch, analysis, keys, tried, unfocused)


# --- what the review shows --------------------------------------------------------------------
def crop(frame: np.ndarray, region: Region) -> np.ndarray:
    """``region`` of ``frame`` (clipped to it), a contiguous copy."""
    height, width = frame.shape[:2]
    x0, y0 = max(0, region.x), max(0, region.y)
    x1, y1 = min(width, region.right), min(height, region.bottom)
    return np.ascontiguousarray(frame[y0:y1, x0:x1])


def play_frame(findings: Findings) -> np.ndarray:
    """A frame of play to draw the proposals on: the one just before the middle change of
    the score (a score changes while the game is played; the frames taken for play may
    include a title or score table), else the middle of the longest stretch of play, else
    the last frame."""
    watch, analysis = findings.watch, findings.analysis
    episodes, score = analysis.episodes, analysis.score
    if score is not None:
        starts = (
            score.digits.strings.starts
            if score.digits is not None
            else [s.start for s in score.candidate.states]
        )
        restarts = set(episodes.restarts) if episodes is not None else set()
        before = [s - 1 for s in starts[1:] if s >= 1 and s not in restarts]
        if episodes is not None:
            before = [f for f in before if episodes.play[f]]
        if before:
            return watch.frames[before[len(before) // 2]]
    if episodes is None or not episodes.play.any():
        return watch.frames[len(watch) - 1]
    play = np.asarray(episodes.play, dtype=np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], play, [0]])))
    starts, stops = edges[::2], edges[1::2]
    longest = int(np.argmax(stops - starts))
    return watch.frames[int((starts[longest] + stops[longest] - 1) // 2)]


def score_samples(
    score: ScoreProposal, watch: Watch, region: Region | None = None, limit: int = SAMPLES
) -> list[tuple[np.ndarray, int | None]]:
    """Up to ``limit`` pictures of the score region (``region``, default the proposal's) at
    settled moments spread over the watch, each with the number the digit mapping reads
    there (None without a mapping)."""
    region = region or score.region
    digits = score.digits
    if digits is not None:
        moments = [
            ((start + stop - 1) // 2, value)
            for start, stop, value in zip(
                digits.strings.starts, digits.strings.stops, digits.values, strict=True
            )
        ]
    else:
        moments = [((s.start + s.stop - 1) // 2, None) for s in score.candidate.states]
    if len(moments) > limit:
        picks = np.linspace(0, len(moments) - 1, limit).round().astype(int)
        moments = [moments[i] for i in picks]
    return [(crop(watch.frames[i], region), value) for i, value in moments]


def readings(score: ScoreProposal, limit: int = 24) -> str:
    """The numbers read, in order and numbered for corrections: ``1:0, 2:10, ...``."""
    if score.digits is None:
        return ""
    values = score.digits.values
    text = ", ".join(f"{k + 1}:{v}" for k, v in enumerate(values[:limit]))
    return text + (f", … ({len(values)} in all)" if len(values) > limit else "")


def parse_corrections(text: str) -> dict[int, int]:
    """``"3=120, 5=200"`` as {2: 120, 4: 200} (the list is numbered from 1); ValueError
    with what to type otherwise."""
    known: dict[int, int] = {}
    for part in text.replace(" ", ",").split(","):
        if not part:
            continue
        k, sep, v = part.partition("=")
        if not sep:
            raise ValueError(f"{part!r}: write N=VALUE, e.g. 3=120 (N from the list of readings)")
        try:
            known[int(k) - 1] = int(v)
        except ValueError:
            raise ValueError(f"{part!r}: N and VALUE must be whole numbers, e.g. 3=120") from None
    if not known:
        raise ValueError("write N=VALUE, e.g. 3=120 (N from the list of readings)")
    return known


def correct_reading(score: ScoreProposal, text: str, watch: Watch) -> ScoreProposal:
    """The digit mapping again with the values typed in ``text`` (see
    :func:`parse_corrections`); UserError (one line) if they cannot hold."""
    try:
        known = parse_corrections(text)
        count = len(score.digits.values) if score.digits is not None else 0
        outside = [k + 1 for k in known if not 0 <= k < count]
        if outside:
            raise ValueError(f"there is no reading {outside[0]}: the list has {count}")
        return correct_digits(score, known, watch)
    except ValueError as error:
        raise UserError(str(error)) from None


def game_end_sample(findings: Findings, proposal: GameOverProposal) -> np.ndarray | None:
    """What ``proposal``'s region showed as the game ended: a template rule's picture, else
    the region on the first frame before a restart on which the rule fires (the middle of
    the first game end if it never does; None if no game ended)."""
    if proposal.fit.image is not None:
        return proposal.fit.image
    episodes = findings.analysis.episodes
    watch = findings.watch
    windows = before_restarts(watch, episodes) if episodes is not None else []
    if not windows:
        return None
    from screen_agent.reward import build_rules

    rule = build_rules(
        [proposal.rule(GAME_OVER_REGION, None)],
        {GAME_OVER_REGION: proposal.region},
        "the proposed game-over rule",
    )[0]
    for window in windows:
        rule.reset()
        for t in window:
            if rule.update(watch.frames[t], float(watch.times[t])).game_over:
                return crop(watch.frames[t], proposal.region)
    first = windows[0]
    return crop(watch.frames[first[len(first) // 2]], proposal.region)
