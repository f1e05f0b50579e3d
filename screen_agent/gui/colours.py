"""The app's colours for text that reports a fault or a doubt: one place, so every panel tells
them apart the same way."""

from __future__ import annotations

from screen_agent.probe import NOT_CLEAR

FAULT = "#d03030"
"""Something to fix or that failed: a key with no effect, a field the user must correct."""

DOUBT = "#b06a00"
"""Something not yet clear: a key with only a weak sign of an effect (the probe's NOT_CLEAR)."""


def verdict_colour(verdict: str) -> str | None:
    """The colour of a probe verdict's row: none for a key that works."""
    if verdict == "works":
        return None
    return DOUBT if verdict == NOT_CLEAR else FAULT
