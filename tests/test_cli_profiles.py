"""Bad profiles through the real command: one line naming the file and field, no traceback."""

import pytest

PROFILE = """name = "broken"
{top}window = {{ title = "screen-agent arcade: catch", width = 400, height = 560 }}
[regions]
game = {{ x = 0, y = 80, width = 400, height = 480 }}
{regions}
[[actions]]
name = "stay"
keys = []
{actions}"""
BROKEN = {
    "unknown key": (
        {"actions": '[[actions]]\nname = "jump"\nkeys = ["spcae"]\n'},
        "actions[1].keys[0]",
    ),
    "zero width": (
        {"regions": "score = { x = 0, y = 0, width = 0, height = 10 }"},
        "regions.score.width",
    ),
    "typo field": ({"top": "decisions_per_secnod = 15\n"}, "decisions_per_secnod"),
}


@pytest.mark.parametrize("command", ["train", "probe", "record"])
@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_profile_is_one_line_naming_the_field(tmp_path, cli, command, case):
    parts, field = BROKEN[case]
    path = tmp_path / "broken.toml"
    path.write_text(PROFILE.format(**{"top": "", "regions": "", "actions": "", **parts}))
    args = [command, str(path)] + (["--seconds", "1"] if command == "record" else [])
    result = cli(*args, timeout=60)
    message = result.stderr.strip()
    assert result.returncode == 2, (result.stdout, message)
    assert "Traceback" not in message and len(message.splitlines()) == 1, message
    assert str(path) in message and field in message, message


def test_too_few_probe_trials_is_one_line(cli):
    result = cli("probe", "calibration/arcade-catch.toml", "--trials", "2", timeout=60)
    message = result.stderr.strip()
    assert result.returncode == 2 and len(message.splitlines()) == 1, message
    assert "4 to 21 trials per action, not 2" in message, message
