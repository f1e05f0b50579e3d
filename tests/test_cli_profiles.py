"""Bad profiles through the real command: one line naming the file and field, no traceback."""

import pytest

PROFILE = """name = "{name}"
{top}window = {{ title = "screen-agent arcade: catch", width = 400, height = 560 }}
[regions]
game = {{ x = 0, y = 80, width = 400, height = 480 }}
score = {{ x = 273, y = 8, width = 121, height = 64 }}
{regions}
[[actions]]
name = "stay"
keys = []
{actions}
{rewards}
{restart}"""
SCORE_RULE = '[[rewards]]\nkind = "score_change"\nregion = "score"\n'
BROKEN = {
    "unknown key": (
        {"actions": '[[actions]]\nname = "jump"\nkeys = ["spcae"]\n'},
        "actions[1].keys[0]",
    ),
    "zero width": (
        {"regions": "lives = { x = 0, y = 0, width = 0, height = 10 }"},
        "regions.lives.width",
    ),
    "typo field": ({"top": "decisions_per_secnod = 15\n"}, "decisions_per_secnod"),
    "a decision every 1e300 s": (
        {"top": "decisions_per_second = 1e-300\n"},
        "decisions_per_second",
    ),
    "a restart wait of 30,000 years": (
        {"restart": "[restart]\nkeys = ['space']\nwait_ms = 1000000000000000\n"},
        "restart.wait_ms",
    ),
    "keys held 100 s": ({"top": "key_hold_ms = 100000\n"}, "key_hold_ms"),
    "keys held past the next decision": ({"top": "key_hold_ms = 200\n"}, "key_hold_ms"),
    "a nanosecond episode": ({"top": "episode_seconds = 1e-9\n"}, "episode_seconds"),
    "a name that climbs out of runs/": ({"name": "../../etc/evil"}, "name"),
    "an unknown reward kind": (
        {"rewards": '[[rewards]]\nkind = "scor_change"\nregion = "score"\n'},
        "rewards[0].kind",
    ),
    "a reward rule without a region": (
        {"rewards": '[[rewards]]\nkind = "score_change"\n'},
        "rewards[0].region",
    ),
    "alt+f4 as an action": (
        {"actions": '[[actions]]\nname = "quit"\nkeys = ["alt", "f4"]\n'},
        "actions[1].keys",
    ),
    "the Windows key as a restart": (
        {"restart": "[restart]\nkeys = ['win']\n"},
        "restart.keys",
    ),
    "a restart click outside the window": (
        {"restart": "[[restart.steps]]\nclick = { x = 900, y = 10 }\n"},
        "restart.steps[0].click",
    ),
}
"""case -> (parts of the profile, the field the message must name)."""


def write(tmp_path, **parts: str):
    path = tmp_path / "broken.toml"
    values = {"name": "broken", "top": "", "regions": "", "actions": "", "rewards": SCORE_RULE}
    path.write_text(PROFILE.format(**{**values, "restart": "", **parts}))
    return path


def one_line(result, path, field) -> None:
    message = result.stderr.strip()
    assert result.returncode == 2, (result.stdout, message)
    assert "Traceback" not in message and len(message.splitlines()) == 1, message
    assert str(path) in message and field in message, message


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_profile_is_one_line_naming_the_field(tmp_path, cli, case):
    parts, field = BROKEN[case]
    path = write(tmp_path, **parts)
    one_line(cli("train", str(path), timeout=60), path, field)


@pytest.mark.parametrize("command", ["probe", "record", "play"])
@pytest.mark.parametrize("case", ["unknown key", "typo field", "an unknown reward kind"])
def test_every_screen_command_refuses_a_broken_profile(tmp_path, cli, command, case):
    parts, field = BROKEN[case]
    path = write(tmp_path, **parts)
    extra = {"record": ["--seconds", "1"], "play": ["--checkpoint", "x.pt"]}.get(command, [])
    one_line(cli(command, str(path), *extra, timeout=60), path, field)


def test_a_profile_without_reward_rules_cannot_train(tmp_path, cli):
    path = write(tmp_path, rewards="")
    one_line(cli("train", str(path), timeout=60), path, "rewards")


def test_system_keys_are_allowed_when_the_profile_says_so(tmp_path):
    from screen_agent.profile import load_profile

    path = write(
        tmp_path,
        top="allow_system_keys = true\n",
        actions='[[actions]]\nname = "quit"\nkeys = ["alt", "f4"]\n',
    )
    assert load_profile(path).actions[1].keys == ("alt", "f4")


def test_too_few_probe_trials_is_one_line(cli):
    result = cli("probe", "calibration/arcade-catch.toml", "--trials", "2", timeout=60)
    message = result.stderr.strip()
    assert result.returncode == 2 and len(message.splitlines()) == 1, message
    assert "4 to 21 trials per action, not 2" in message, message
