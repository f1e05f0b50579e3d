"""Showing proposals and asking the person to confirm or correct them, on a terminal.

Every question goes through :class:`Asker`, which takes ``input`` and ``output`` callables
(the terminal's by default) so the CLI's conversation can be scripted in tests, and answers
every question with "yes" when the person asked for no questions (``--yes``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from screen_agent.errors import UserError
from screen_agent.geometry import Region


def describe_region(region: Region) -> str:
    return f"x={region.x} y={region.y} width={region.width} height={region.height}"


def parse_region(text: str) -> Region:
    """``x,y,width,height`` (spaces or commas) as a Region; ValueError if it is not that."""
    parts = [p for p in text.replace(",", " ").split() if p]
    if len(parts) != 4:
        raise ValueError("give four whole numbers: x, y, width, height")
    x, y, w, h = (int(p) for p in parts)
    if w <= 0 or h <= 0 or x < 0 or y < 0:
        raise ValueError("x and y must be at least 0, width and height above 0")
    return Region(x, y, w, h)


def parse_keys(text: str) -> list[str]:
    """``left,right,space`` as key names (validated by the caller)."""
    return [k.strip().lower() for k in text.replace(" ", ",").split(",") if k.strip()]


@dataclass
class Asker:
    """Shows proposals and asks yes / no / edit."""

    interactive: bool = True
    input: Callable[[str], str] = input
    output: Callable[[str], None] = print

    def show(
        self, title: str, value: str, confidence: float | None, evidence: Sequence[str]
    ) -> None:
        sure = "" if confidence is None else f" (confidence {confidence:.0%})"
        self.output(f"\n{title}: {value}{sure}")
        for line in evidence:
            self.output(f"    {line}")

    def choose(self, question: str = "accept?", edit: bool = True) -> str:
        """``y``, ``n`` or ``e`` (only when ``edit``); ``y`` without asking when not
        interactive. Asks again on anything else."""
        if not self.interactive:
            self.output(f"  {question} yes (--yes)")
            return "y"
        options = "[Y]es / [n]o" + (" / [e]dit" if edit else "")
        while True:
            answer = self._read(f"  {question} {options}: ").strip().lower()
            if answer in ("", "y", "yes"):
                return "y"
            if answer in ("n", "no"):
                return "n"
            if edit and answer in ("e", "edit"):
                return "e"
            self.output("  please answer y, n" + (" or e" if edit else ""))

    def ask_text(self, prompt: str) -> str:
        return self._read(f"  {prompt}: ").strip()

    def _read(self, prompt: str) -> str:
        try:
            return self.input(prompt)
        except EOFError:
            raise UserError(
                "no answer (the input ended); run with --yes to accept every proposal"
            ) from None

    def ask_parsed(self, prompt: str, parse: Callable[[str], object]) -> object:
        """Ask until ``parse`` accepts the answer (it raises ValueError otherwise)."""
        while True:
            text = self.ask_text(prompt)
            try:
                return parse(text)
            except ValueError as error:
                self.output(f"  {error}")
