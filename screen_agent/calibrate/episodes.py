"""The watch cut into games by the score: where it restarted, and which frames were surely
play.

A restart is a change that at least halves the number's magnitude (5300 to 0, 4 to 1, -43
to 0); with no number read, a change back to the first picture the score showed after the
watch began. The frames surely in play are those of each game from one second after it
began (or after the score first changed, for the game the watch started in: a title screen
may come first) to the score's last change in it: play scores, a game-over screen does not.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

PLAY_AFTER_START_S = 1.0
"""Seconds after a restart before frames count as play (the restart's own animation)."""


@dataclass(frozen=True)
class Episodes:
    """Restarts and play frames of a watch."""

    restarts: list[int]
    """First frame of each restarted game."""
    play: np.ndarray
    """(N,) bool: frames surely in play."""
    last_changes: list[int]
    """Per game, the first frame of its score's last value (its end is after it)."""


def find_episodes(
    starts: list[int],
    values: list[int] | None,
    strings: list[tuple[int, ...]],
    times: np.ndarray,
) -> Episodes:
    """Restarts and play from the score's settled states (first frames ``starts``; numbers
    ``values`` when read, else their glyph ``strings``) and the frames' ``times`` (s)."""
    n = len(times)
    restarts: list[int] = []
    for j in range(1, len(starts)):
        if values is not None:
            old, new = abs(values[j - 1]), abs(values[j])
            restart = 2 * new <= old and values[j] != values[j - 1]
        else:
            restart = strings[j] == strings[0] and strings[j - 1] != strings[0]
        if restart:
            restarts.append(j)
    play = np.zeros(n, bool)
    last_changes: list[int] = []
    bounds = [0, *restarts, len(starts)]
    for g, (a, b) in enumerate(itertools.pairwise(bounds)):
        if b - a < 1:
            continue
        last = starts[b - 1]
        last_changes.append(last)
        # The watch's first game: play starts when the score first changes.
        begin = starts[a + 1] if g == 0 and b - a > 1 else starts[a]
        if g == 0 and b - a == 1:
            continue
        first = int(np.searchsorted(times, times[begin] + (0 if g == 0 else PLAY_AFTER_START_S)))
        if first < last:
            play[first:last] = True
    return Episodes([starts[j] for j in restarts], play, last_changes)
