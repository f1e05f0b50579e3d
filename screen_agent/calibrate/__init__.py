"""Calibration that finds things for the user (``screen-agent calibrate``).

Watch a game window for a minute while it is played (by a person, or by random presses of
candidate keys) and propose, each with what it rests on: the game region, the score region,
digit templates learnt from the score's own changes (no OCR, no typing of numbers), a
game-over rule, and the keys that work (the input probe). The person confirms or corrects
each, and the result is a normal TOML profile.

- :mod:`.analysis`: the offline, pure-numpy half (a :class:`Watch` in, an
  :class:`Analysis` out), built from :mod:`.changes`, :mod:`.score_region`,
  :mod:`.digit_mapping`, :mod:`.episodes`, :mod:`.game_over`, :mod:`.game_region`;
- :mod:`.driver`: watching a live window, optionally pressing random keys;
- :mod:`.keys`: the probe over candidate keys; :mod:`.review` and :mod:`.prompts`: the
  person's confirmation; :mod:`.profile_out`: writing the profile;
- :mod:`.run`: :func:`run_calibrate`, and the CLI's :func:`add_arguments` and :func:`command`.
"""

from screen_agent.calibrate.analysis import (
    Analysis,
    GameOverProposal,
    ScoreProposal,
    analyze,
    correct_digits,
    refit_game_over,
)
from screen_agent.calibrate.driver import RandomKeys, watch_window
from screen_agent.calibrate.keys import DEFAULT_KEYS, KeysProposal, probe_in_game, probe_keys
from screen_agent.calibrate.profile_out import Choices, write_profile
from screen_agent.calibrate.run import add_arguments, command, run_calibrate
from screen_agent.calibrate.watch import FrameStore, Watch

__all__ = [
    "DEFAULT_KEYS",
    "Analysis",
    "Choices",
    "FrameStore",
    "GameOverProposal",
    "KeysProposal",
    "RandomKeys",
    "ScoreProposal",
    "Watch",
    "add_arguments",
    "analyze",
    "command",
    "correct_digits",
    "probe_in_game",
    "probe_keys",
    "refit_game_over",
    "run_calibrate",
    "watch_window",
    "write_profile",
]
