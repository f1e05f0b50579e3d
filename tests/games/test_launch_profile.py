"""The [launch] additions of the profile format: placeholders, helpers, requires, install;
checked at load with one-line errors, kept by a save, filled in by the launcher."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest
from games import GAMES, profile_path

from screen_agent.launch.game import _plans, profile_folder
from screen_agent.profile import (
    ProfileError,
    dumps_profile,
    load_profile,
    profile_from_dict,
)
from screen_agent.profile.placeholders import expand, placeholder_problem

BASE = {
    "name": "g",
    "window": {"title": "G", "width": 100, "height": 100},
    "regions": {"game": {"x": 0, "y": 0, "width": 100, "height": 100}},
    "actions": [{"name": "noop", "keys": []}],
}


def with_launch(**launch: object) -> dict:
    return {**BASE, "launch": {"command": ["game"], **launch}}


@pytest.mark.parametrize("game", GAMES)
def test_the_test_bed_profiles_load_and_survive_a_save(game: str) -> None:
    profile = load_profile(profile_path(game))
    assert profile.launch is not None and profile.rewards
    again = profile_from_dict(tomllib.loads(dumps_profile(profile)))
    assert again.launch == profile.launch


def test_placeholders() -> None:
    values = {"profile_dir": "/p", "tmp": "/t", "port": "8000", "python": "/py"}
    assert (
        expand("--app=http://127.0.0.1:{port}/ {{x}}", values) == "--app=http://127.0.0.1:8000/ {x}"
    )
    assert placeholder_problem("{tmp}/a") is None
    assert "unknown placeholder {home}" in (placeholder_problem("{home}/x") or "")
    assert "lone '{'" in (placeholder_problem("a{b") or "")


@pytest.mark.parametrize(
    ("launch", "field", "words"),
    [
        ({"command": ["game", "{home}"]}, "launch.command[1]", "unknown placeholder {home}"),
        ({"env": {"HOME": "{nope}"}}, "launch.env.HOME", "unknown placeholder"),
        ({"helpers": [{"command": []}]}, "launch.helpers[0].command", "non-empty list"),
        (
            {"helpers": [{"command": ["s"], "ready_tcp": "8000"}]},
            "launch.helpers[0].ready_tcp",
            "HOST:PORT",
        ),
        ({"helpers": [{"command": ["s"], "port": 1}]}, "launch.helpers[0].port", "unknown field"),
        ({"requires": "index.html"}, "launch.requires", "list of paths"),
        ({"requires": ["{x}/index.html"]}, "launch.requires[0]", "unknown placeholder"),
    ],
)
def test_bad_launch_fields_are_one_line(launch: dict, field: str, words: str) -> None:
    with pytest.raises(ProfileError) as error:
        profile_from_dict(with_launch(**launch), "x.toml")
    message = str(error.value)
    assert message.startswith(f"x.toml: {field}: ") and words in message and "\n" not in message


def test_launch_needs_a_window() -> None:
    document = {**with_launch(), "window": None}
    del document["window"]
    with pytest.raises(ProfileError, match="launch: the launcher waits for the game's window"):
        profile_from_dict(document, "x.toml")


def test_the_launcher_fills_in_placeholders_and_finds_programs(tmp_path: Path) -> None:
    profile = load_profile(profile_path("pacman-html"))
    assert profile.launch is not None
    values = {"profile_dir": str(profile_folder(profile_path("pacman-html"))), "tmp": str(tmp_path),
              "port": "8123", "python": "/usr/bin/python3"}  # fmt: skip
    plans = _plans(profile.launch, values, {"PATH": "/usr/bin:/bin"}, tmp_path, "x.toml")
    (server, _, ready), (browser, _, _) = plans
    assert server[:4] == ["/usr/bin/python3", "-m", "http.server", "8123"]
    assert ready == "127.0.0.1:8123"
    assert browser[0].endswith("chromium") and "--app=http://127.0.0.1:8123/" in browser
    assert f"--user-data-dir={tmp_path}/chromium" in browser


def test_screen_agent_in_a_launch_command_is_the_running_one(tmp_path: Path) -> None:
    """The bundled games' profiles start ``screen-agent arcade ...``: from a venv that is not
    activated (``.venv/bin/screen-agent train --launch``) it is not on PATH, and the console
    script beside the running Python is the one meant."""
    profile = load_profile(profile_path("arcade-catch"))
    assert profile.launch is not None and profile.launch.command[0] == "screen-agent"
    values = {"profile_dir": str(tmp_path), "tmp": str(tmp_path), "port": "1", "python": "py"}
    ((argv, _, _),) = _plans(profile.launch, values, {"PATH": str(tmp_path)}, tmp_path, "x.toml")
    assert argv == [str(Path(sys.executable).with_name("screen-agent")), "arcade", "catch"]
