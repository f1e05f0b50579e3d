"""The probe's table for the terminal and the app: a user reads whether each action works and
how near a miss came, so the chance must be shown finely enough to compare with the levels
(0.5% for the change test and random play, 1% for the place test)."""

from screen_agent.probe import NO_EFFECT, NOT_CLEAR, ActionReport, format_report


def report(name: str, chance: float, basis: str = "play") -> ActionReport:
    return ActionReport(
        name=name,
        keys=(name,),
        responded=0,
        trials=8,
        delay_ms=None,
        changed_pixels=0,
        chance=chance,
        basis=basis,
    )


def chance_column(table: str) -> list[str]:
    return [line.split()[5] for line in table.splitlines()[1:]]


def test_chances_either_side_of_the_level_are_told_apart():
    found, missed = report("up", 0.004), report("down", 0.006)
    assert found.works and not missed.works
    assert chance_column(format_report([found, missed])) == ["0.4%", "0.6%"]


def test_a_tiny_chance_is_never_shown_as_zero():
    """The permutation tests count the true labelling among the shuffles: chance is never 0."""
    assert chance_column(format_report([report("left", 1 / 2001)])) == ["0.05%"]
    assert chance_column(format_report([report("left", 2 / 2001)])) == ["0.1%"]


def test_a_large_chance_is_shown_to_the_percent():
    assert chance_column(format_report([report("dead", 0.537), report("x", 0.123)])) == [
        "54%",
        "12%",
    ]


def test_a_miss_near_the_level_is_told_apart_from_a_key_with_no_sign_of_an_effect():
    """A turn that shows only at crossings can end just above the level (Pac-Man's up at
    0.6%): "no visible effect: does this key reach the game?" would send the user looking for
    a fault in a key that works."""
    near, far = report("up", 0.006), report("dead", 0.4)
    assert not near.works and near.verdict == NOT_CLEAR
    assert far.verdict == NO_EFFECT
    lines = format_report([near, far]).splitlines()
    assert lines[1].endswith(NOT_CLEAR) and lines[2].endswith(NO_EFFECT)
