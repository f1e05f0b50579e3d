"""``build_rules``: the rules of a profile's ``[[rewards]]`` tables.

Each table is validated against the schema (:mod:`screen_agent.profile.reward_schema`, the one
place that says which keys a kind takes) and handed, defaults filled in, to its kind's builder,
which adds what needs files or the region's size (template images, digit templates).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from screen_agent.geometry import Region
from screen_agent.profile import ProfileError
from screen_agent.profile.checks import Checker, join
from screen_agent.profile.reward_schema import RuleSpec, validate_rule
from screen_agent.reward.digits_rule import DigitsRule
from screen_agent.reward.events import Rule, RuleCommon
from screen_agent.reward.rules import FrozenRule, RangeRule, ScoreChangeRule, TemplateRule


@dataclass(frozen=True)
class RuleContext:
    """What a builder needs besides the rule's values: the profile's folder (relative file
    names start there) and the way to report a problem with a key."""

    source: str
    """The profile's path, as messages name it."""
    spec: RuleSpec

    @property
    def directory(self) -> Path:
        return Path(self.source).parent

    def fail(self, key: str, problem: str, fix: str) -> ProfileError:
        """The error for ``rewards[i].key`` (``key`` may be ``digits.file``)."""
        return Checker(self.source).fail(join(self.spec.where, key), problem, fix)


BUILDERS: dict[str, Callable[[RuleContext, RuleCommon], Rule]] = {
    "score_change": ScoreChangeRule.build,
    "digits": DigitsRule.build,
    "range": RangeRule.build,
    "template": TemplateRule.build,
    "frozen": FrozenRule.build,
}
"""Each kind's builder (the kinds and their keys are the schema's)."""


def build_rules(
    tables: Sequence[Mapping[str, Any]], regions: Mapping[str, Region], source: str
) -> list[Rule]:
    """Rules from ``[[rewards]]`` tables; ``regions`` in the frame the reader will get;
    ``source`` is the profile's path, for messages and for resolving relative file names
    (templates, digit calibrations). Raises ProfileError naming ``source: rewards[i].field``
    on the first problem."""
    checker = Checker(source)
    rules = []
    for i, table in enumerate(tables):
        spec = validate_rule(checker, table, i, regions)
        common = RuleCommon(
            spec.name, spec.region, regions[spec.region], spec.reward, spec.game_over
        )
        rules.append(BUILDERS[spec.kind](RuleContext(source, spec), common))
    return rules


__all__ = ["BUILDERS", "RuleContext", "build_rules"]
