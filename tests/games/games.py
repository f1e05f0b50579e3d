"""The test-bed games (calibration/README.md, "Real games"): their profiles, and copies of
them for the tests (a dead key added, a click restart, ...)."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import tomlkit

ROOT = Path(__file__).resolve().parents[2]
CALIBRATION = ROOT / "calibration"
DATA = ROOT / "tests" / "data"

GAMES = ("xgalaga", "xjump", "moon-buggy", "pacman-html")
"""Profile names (calibration/NAME.toml)."""

DEAD_KEY = "x"
"""A key none of the test-bed games uses."""


def profile_path(game: str) -> Path:
    return CALIBRATION / f"{game}.toml"


def profile_copy(game: str, folder: Path, **changes: object) -> Path:
    """A copy of the game's profile in ``folder`` (``{profile_dir}`` pointed back at
    calibration/, so the game's files are found), with top-level ``changes``."""
    text = profile_path(game).read_text().replace("{profile_dir}", str(CALIBRATION))
    document = tomlkit.parse(text)
    for key, value in changes.items():
        document[key] = value
    path = folder / f"{game}.toml"
    path.write_text(tomlkit.dumps(document))
    for data in CALIBRATION.glob(f"{game}-*.npz"):  # digit templates, relative to the profile
        shutil.copy(data, folder / data.name)
    return path


def with_dead_key(game: str, folder: Path) -> Path:
    """The profile with one more action, ``dead``, holding a key the game ignores."""
    actions = tomllib.loads(profile_path(game).read_text())["actions"]
    return profile_copy(game, folder, actions=[*actions, {"name": "dead", "keys": [DEAD_KEY]}])


def recording_path(game: str) -> Path:
    return DATA / f"games-{game}.npz"
