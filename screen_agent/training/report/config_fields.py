"""DQNConfig's fields with their defaults and docstrings, for the report's configuration table."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import textwrap
from dataclasses import dataclass
from typing import Any

from screen_agent.agent.config import DQNConfig


@dataclass(frozen=True)
class ConfigField:
    """One DQNConfig field: its name, default and docstring."""

    name: str
    default: Any
    description: str


def dqn_config_fields() -> list[ConfigField]:
    """Every field of ``DQNConfig`` in declaration order, with the docstring under it."""
    # Attribute docstrings are not kept at run time: read them from the class's source.
    descriptions: dict[str, str] = {}
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(DQNConfig)))
        body = tree.body[0].body if isinstance(tree.body[0], ast.ClassDef) else []
        for node, after in zip(body, [*body[1:], None], strict=True):
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                descriptions[node.target.id] = " ".join(after.value.value.split())
    except (OSError, TypeError, SyntaxError):
        pass  # no source (e.g. a frozen build): the table goes without descriptions
    fields = []
    for item in dataclasses.fields(DQNConfig):
        default = item.default
        if default is dataclasses.MISSING and item.default_factory is not dataclasses.MISSING:
            default = item.default_factory()
        fields.append(ConfigField(item.name, default, descriptions.get(item.name, "")))
    return fields
