"""``build_rules``: the rules of a profile's ``[[rewards]]`` tables, validated."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from screen_agent.reward.config import RewardConfigError, TableReader
from screen_agent.reward.digits_rule import DigitsRule
from screen_agent.reward.events import Rect, Rule, RuleCommon
from screen_agent.reward.rules import FrozenRule, RangeRule, ScoreChangeRule, TemplateRule

KINDS: dict[str, Callable[[TableReader, RuleCommon], Rule]] = {
    "score_change": ScoreChangeRule.from_table,
    "digits": DigitsRule.from_table,
    "range": RangeRule.from_table,
    "template": TemplateRule.from_table,
    "frozen": FrozenRule.from_table,
}
"""Rule kinds by their ``kind`` value."""

DEFAULTS: dict[str, tuple[float, bool]] = {
    "score_change": (1.0, False),
    "digits": (1.0, False),
    "range": (0.0, False),
    "template": (0.0, False),
    "frozen": (0.0, True),
}
"""(reward, game_over) when a table leaves them out: score rules reward, frozen ends."""


def build_rules(
    tables: Sequence[Mapping[str, Any]], regions: Mapping[str, Rect], source: str
) -> list[Rule]:
    """Rules from ``[[rewards]]`` tables; ``regions`` maps names to (x, y, w, h) in the frame
    the reader will get; ``source`` is the profile's path, for messages and for resolving
    relative file names (templates, digit calibrations). Raises RewardConfigError naming
    ``source: rewards[i].field`` on the first problem."""
    rules = []
    for i, table in enumerate(tables):
        t = TableReader(
            dict(table) if isinstance(table, Mapping) else table, f"rewards[{i}]", source
        )
        kind = t.choice("kind", tuple(KINDS))
        region_name = t.string("region")
        if region_name not in regions:
            raise t.fail(
                "region",
                f"no region named {region_name!r}",
                f"use one of {', '.join(regions) or '(none)'} or add it under [regions]",
            )
        region = tuple(int(v) for v in regions[region_name])
        if len(region) != 4 or region[2] <= 0 or region[3] <= 0:
            raise t.fail("region", f"region {region_name!r} is empty: {region}", "give it a size")
        reward, game_over = DEFAULTS[kind]
        common = RuleCommon(
            name=f"rewards[{i}] ({kind} on {region_name})",
            region_name=region_name,
            region=region,  # type: ignore[arg-type]
            reward=float(t.number("reward", reward)),
            game_over=t.boolean("game_over", game_over),
        )
        if common.reward == 0 and not common.game_over:
            raise t.fail(
                "reward",
                "the rule neither rewards nor ends the game",
                "set reward or game_over = true",
            )
        rule = KINDS[kind](t, common)
        t.finish()
        rules.append(rule)
    return rules


__all__ = ["KINDS", "RewardConfigError", "build_rules"]
