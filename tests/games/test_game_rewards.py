"""The score rules of the test-bed profiles on recorded sessions of the real games
(tests/data/games-*.npz, made by record_games.py with the true score read independently):
every score change that stayed on screen long enough to be read is found, with the right
amount, and no reward comes where the score did not change."""

from __future__ import annotations

import numpy as np
import pytest
from games import GAMES, profile_path, recording_path
from record_games import UNREAD

from screen_agent.profile import load_profile
from screen_agent.reward import RewardReader

LAG_FRAMES = 2
"""The truth is read just after each grab (for Pac-Man, from the page a few ms later), so a
change may be labelled a frame or two off the pixels that show it."""


def play(game: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, str]:
    """Rewards of the profile's score rules per recorded frame, the truth, the episodes, the
    rule's settle_frames and kind."""
    profile = load_profile(profile_path(game))
    rules = [dict(r) for r in profile.rewards if not r.get("game_over", False)]
    assert len(rules) == 1, rules
    reader = RewardReader.from_tables(rules, profile.regions, str(profile_path(game)))
    with np.load(recording_path(game)) as data:
        crops, t, truth, episode = data["crop_score"], data["t"], data["truth"], data["episode"]
    window = profile.window
    assert window is not None and window.width is not None and window.height is not None
    canvas = np.zeros((window.height, window.width, 3), np.uint8)
    region = profile.regions["score"]
    rewards = np.zeros(len(t))
    for i in range(len(t)):
        if i and episode[i] != episode[i - 1]:
            reader.reset()  # a restart: the score back at 0 is no reward
        canvas[region.y : region.bottom, region.x : region.right] = crops[i]
        rewards[i] = reader.read(canvas, float(t[i])).reward
    return rewards, truth, episode, int(rules[0].get("settle_frames", 2)), rules[0]["kind"]


def settled(truth: np.ndarray, episode: np.ndarray, settle: int) -> list[tuple[int, int, int]]:
    """(frame, old, new) of each change to a score that then stayed ``settle + LAG_FRAMES``
    frames: what a rule that waits ``settle`` frames must see, whatever the label lag."""
    out: list[tuple[int, int, int]] = []
    last: int | None = None
    run_start, run_value = 0, None
    for i, value in enumerate([*truth, UNREAD]):
        if i < len(truth) and i and episode[i] != episode[i - 1]:
            last, run_value = None, None
        if value == run_value and value != UNREAD:
            continue
        # The run of run_value ended at i - 1.
        if run_value is not None and i - run_start >= settle + LAG_FRAMES:
            if last is not None and run_value != last:
                out.append((run_start, last, run_value))
            last = run_value
        run_start, run_value = i, (None if value == UNREAD else value)
    return out


@pytest.mark.parametrize("game", GAMES)
def test_every_score_change_is_found_and_none_invented(game: str) -> None:
    rewards, truth, episode, settle, kind = play(game)
    expected = settled(truth, episode, settle)
    fired = [int(i) for i in np.flatnonzero(rewards)]
    assert len(expected) >= 3, f"{game}: the recording holds too few score changes"
    # Each settled change is rewarded within its settle time (and the label lag)...
    unmatched = list(fired)
    for frame, old, new in expected:
        near = [i for i in unmatched if frame - LAG_FRAMES <= i <= frame + settle + LAG_FRAMES]
        assert near, f"{game}: the change {old} -> {new} at frame {frame} was not rewarded"
        unmatched.remove(near[0])
    # ...and every other reward falls within a few frames of a true change too short to
    # settle in the labels (two dots eaten a frame apart): never on a still score.
    changes = np.flatnonzero(np.diff(truth) != 0) + 1
    for i in unmatched:
        assert np.any(np.abs(changes - i) <= settle + LAG_FRAMES), (
            f"{game}: reward {rewards[i]} at frame {i}, where the score did not change"
        )
    if kind == "digits":
        # The amounts: what the rule paid in each episode is what the score gained.
        for e in np.unique(episode):
            readable = truth[(episode == e) & (truth != UNREAD)]
            assert rewards[episode == e].sum() == pytest.approx(readable[-1] - readable[0]), game
