"""GameProfile: loading, validation messages, round trips, and the on-screen check."""

from __future__ import annotations

from pathlib import Path

import pytest

from screen_agent.errors import UserError
from screen_agent.geometry import Region
from screen_agent.profile import (
    Action,
    GameProfile,
    ProfileError,
    Restart,
    Step,
    WindowRef,
    check_on_screen,
    load_profile,
    save_profile,
)

CALIBRATION = Path(__file__).resolve().parents[1] / "calibration"
PROFILES = sorted(CALIBRATION.glob("arcade-*.toml"))

GOOD = """\
name = "test"
window = { title = "a game", width = 400, height = 300 }
decisions_per_second = 15
key_hold_ms = 60
episode_seconds = 30

[regions]
game = { x = 0, y = 20, width = 400, height = 280 }
score = { x = 300, y = 0, width = 100, height = 20 }

[[actions]]
name = "stay"
keys = []
[[actions]]
name = "left"
keys = ["left"]
[[actions]]
name = "jump"
keys = ["up", "space"]

[[rewards]]
kind = "score_change"
region = "score"

[restart]
keys = ["space"]
wait_ms = 100
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "game.toml"
    path.write_text(text)
    return path


def test_good_profile_loads(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, GOOD))
    assert profile.window == WindowRef("a game", 400, 300)
    assert profile.game == Region(0, 20, 400, 280)
    assert profile.actions[2] == Action("jump", ("up", "space"))
    assert profile.action_names == ("stay", "left", "jump")
    assert profile.allowed_keys == {"left", "up", "space"}
    assert profile.noop_action == 0
    assert profile.decisions_per_second == 15.0
    assert profile.restart == Restart((Step(("space",), wait_ms=100),))
    assert profile.rewards == ({"kind": "score_change", "region": "score"},)


def test_defaults_and_absolute_regions(tmp_path: Path) -> None:
    text = 'name = "abs"\n[regions]\ngame = { x = -1920, y = 0, width = 640, height = 480 }\n'
    text += '[[actions]]\nname = "noop"\nkeys = []\n'
    profile = load_profile(write(tmp_path, text))
    assert profile.window is None
    assert profile.game.x == -1920  # a monitor left of the primary one
    assert (profile.decisions_per_second, profile.key_hold_ms) == (15.0, 60)
    assert profile.rewards == () and profile.launch is None


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
def test_calibration_profiles_round_trip(path: Path, tmp_path: Path) -> None:
    profile = load_profile(path)
    out = tmp_path / path.name
    save_profile(profile, out)
    again = load_profile(out)
    assert again == profile
    save_profile(again, out)  # and saving is stable: same text the second time
    assert load_profile(out) == profile
    assert [p.name for p in tmp_path.iterdir()] == [path.name], "no temp files left behind"


def test_save_replaces_atomically_and_keeps_old_file_on_error(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    before = path.read_text()
    bad = GameProfile(
        name="x",
        regions={"game": Region(0, 0, 10, 10)},
        actions=(Action("noop", ()),),
        rewards=({"kind": "template", "image": object()},),
    )
    with pytest.raises(TypeError):
        save_profile(bad, path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["game.toml"]


# Each broken profile: (a change to GOOD, the field the message must name).
BROKEN: list[tuple[str, str, str]] = [
    ("zero width", GOOD.replace("width = 400, height = 280", "width = 0, height = 280"), "regions.game.width"),
    ("negative height", GOOD.replace("width = 100, height = 20", "width = 100, height = -5"), "regions.score.height"),
    ("region past window", GOOD.replace("x = 300, y = 0", "x = 350, y = 0"), "regions.score.width"),
    ("region below window", GOOD.replace("y = 20, width = 400", "y = 40, width = 400"), "regions.game.height"),
    ("negative x in window", GOOD.replace("x = 300, y = 0", "x = -3, y = 0"), "regions.score.x"),
    ("unknown key", GOOD.replace('keys = ["up", "space"]', 'keys = ["up", "spcae"]'), "actions[2].keys[1]"),
    ("unknown restart key", GOOD.replace('keys = ["space"]\nwait', 'keys = ["Enter!"]\nwait'), "restart.keys[0]"),
    ("key not a string", GOOD.replace('keys = ["left"]', "keys = [37]"), "actions[1].keys[0]"),
    ("empty action set", "actions = []\n" + GOOD.split("[[actions]]")[0], "actions: the action set is empty"),
    ("no no-keys action", GOOD.replace("keys = []", 'keys = ["down"]'), "actions"),
    ("duplicate action", GOOD.replace('name = "jump"', 'name = "left"'), "actions[2].name"),
    ("dps zero", GOOD.replace("decisions_per_second = 15", "decisions_per_second = 0"), "decisions_per_second"),
    ("dps too high", GOOD.replace("decisions_per_second = 15", "decisions_per_second = 120"), "decisions_per_second"),
    ("dps a string", GOOD.replace("decisions_per_second = 15", 'decisions_per_second = "15"'), "decisions_per_second"),
    ("typo at top level", GOOD.replace("episode_seconds", "episode_secs"), "episode_secs"),
    ("typo in a region", GOOD.replace("width = 100, height = 20", "widht = 100, height = 20"), "regions.score.widht"),
    ("no game region", GOOD.replace("game = {", "field = {"), "regions.game"),
    ("reward names no region", GOOD.replace('region = "score"', 'region = "scroe"'), "rewards[0].region"),
    ("reward without kind", GOOD.replace('kind = "score_change"\n', ""), "rewards[0].kind"),
    ("float coordinate", GOOD.replace("x = 300,", "x = 300.5,"), "regions.score.x"),
    ("hold ms negative", GOOD.replace("key_hold_ms = 60", "key_hold_ms = -1"), "key_hold_ms"),
    ("episode zero", GOOD.replace("episode_seconds = 30", "episode_seconds = 0"), "episode_seconds"),
    ("window without title", GOOD.replace('title = "a game", ', ""), "window.title"),
    ("bool as int", GOOD.replace("wait_ms = 100", "wait_ms = true"), "restart.wait_ms"),
    ("missing name", GOOD.replace('name = "test"\n', ""), "name"),
    ("bad toml", GOOD.replace("key_hold_ms = 60", "key_hold_ms = = 60"), "not valid TOML"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "field"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_profile_gives_one_line_naming_the_field(
    text: str, field: str, tmp_path: Path
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert isinstance(caught.value, UserError), "the CLI prints UserErrors without a traceback"
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert f" {field}" in message or f"{field}:" in message, message
    assert ";" in message, f"no fix offered: {message}"


def test_messages_suggest_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="did you mean 'space'"):
        load_profile(write(tmp_path, GOOD.replace('"up", "space"', '"up", "spcae"')))
    with pytest.raises(ProfileError, match="did you mean 'episode_seconds'"):
        load_profile(write(tmp_path, GOOD.replace("episode_seconds", "episode_secs")))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="no such profile file"):
        load_profile(tmp_path / "nope.toml")


def test_check_on_screen() -> None:
    profile = load_profile(CALIBRATION / "arcade-catch.toml")  # 400x560 window
    left, right = Region(0, 0, 1280, 1024), Region(1280, 0, 1280, 1024)
    check_on_screen(profile, [left, right], origin=(10, 10))
    check_on_screen(profile, [left, right], origin=(1300, 100))
    with pytest.raises(ProfileError, match=r"regions\.game: .*does not lie on any monitor"):
        check_on_screen(profile, [left, right], origin=(1000, 10))  # across two monitors
    with pytest.raises(ProfileError, match="does not lie on any monitor"):
        check_on_screen(profile, [left], origin=(0, 600))  # off the bottom


def test_bounding_region_holds_every_region():
    regions = [Region(10, 20, 30, 40), Region(0, 50, 5, 5), Region(35, 0, 10, 10)]
    assert Region.bounding(regions) == Region(0, 0, 45, 60)
    assert Region.bounding(regions[:1]) == regions[0]
