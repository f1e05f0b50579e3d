"""Where the app's window goes so it does not cover the game: pure geometry, no Qt.

Screen capture grabs the screen, not the window, so an app window over the game puts the
app's own pixels into what the agent learns from. When a run starts, the app asks
:func:`place_clear_of` for a spot beside the game on the game's screen, shrinking itself if it
must (never below its minimum size); with no such spot, :func:`least_cover` gives the spot
that hides the least of the game, for when the user still wants the app moved.

Every rectangle here is in one coordinate space, the app's (Qt's logical pixels): the caller
converts the game's client area from the desktop's physical pixels first. ``frame`` is the
app window's outer rectangle, decorations included, because that is what hides pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

from screen_agent.geometry import Region

GAP = 8
"""Space left between the app's frame and the game's client area, logical pixels (a window
manager draws the game's own border there)."""


@dataclass(frozen=True)
class Placement:
    """Where the app's frame goes."""

    frame: Region
    """The frame's new rectangle (decorations included), logical pixels."""
    moved: bool
    """False when the frame already keeps clear of the game (``frame`` is the old one)."""

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` of the frame, logical pixels."""
        return (self.frame.width, self.frame.height)


def overlaps(frame: Region, game: Region, gap: int = 0) -> bool:
    """True if ``frame`` comes within ``gap`` pixels of ``game`` (or overlaps it)."""
    grown = Region(game.x - gap, game.y - gap, game.width + 2 * gap, game.height + 2 * gap)
    return frame.intersection(grown) is not None


def free_areas(screen: Region, game: Region, gap: int = GAP) -> list[Region]:
    """The four bands of ``screen`` beside ``game`` (left, right, above, below), each as wide
    or tall as the screen and ``gap`` pixels away from the game; empty bands left out."""
    left = game.x - gap - screen.x
    right = screen.right - (game.right + gap)
    above = game.y - gap - screen.y
    below = screen.bottom - (game.bottom + gap)
    bands = [
        (screen.x, screen.y, left, screen.height),
        (game.right + gap, screen.y, right, screen.height),
        (screen.x, screen.y, screen.width, above),
        (screen.x, game.bottom + gap, screen.width, below),
    ]
    return [Region(x, y, w, h) for x, y, w, h in bands if w > 0 and h > 0]


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(value, high))


def _fit(frame: Region, area: Region) -> Region:
    """``frame`` shrunk to fit ``area`` where it must, moved the least to lie inside it."""
    width, height = min(frame.width, area.width), min(frame.height, area.height)
    x = _clamp(frame.x, area.x, area.right - width)
    y = _clamp(frame.y, area.y, area.bottom - height)
    return Region(x, y, width, height)


def _cost(old: Region, new: Region) -> tuple[int, int]:
    """What a move costs the user: first the area lost by shrinking, then the distance."""
    return (old.area - new.area, abs(new.x - old.x) + abs(new.y - old.y))


def place_clear_of(
    screen: Region,
    game: Region,
    frame: Region,
    minimum: tuple[int, int],
    gap: int = GAP,
) -> Placement | None:
    """Where the app's ``frame`` should go on ``screen`` so it keeps ``gap`` pixels clear of
    ``game``, or None if there is no room for it at its ``minimum`` (width, height).

    A frame already clear of the game stays where it is. Otherwise each band beside the game
    (:func:`free_areas`) that holds the minimum size is a candidate: the frame keeps its size
    where the band allows (shrinking only what does not fit) and moves the least to lie in the
    band; the candidate that shrinks the frame least wins, then the one that moves it least.
    """
    if not overlaps(frame, game):
        return Placement(frame, moved=False)
    min_w, min_h = minimum
    candidates = [
        _fit(frame, area)
        for area in free_areas(screen, game, gap)
        if area.width >= min_w and area.height >= min_h
    ]
    if not candidates:
        return None
    return Placement(min(candidates, key=lambda new: _cost(frame, new)), moved=True)


def least_cover(screen: Region, game: Region, frame: Region, minimum: tuple[int, int]) -> Region:
    """The app's frame at its ``minimum`` size in the corner of ``screen`` where it hides the
    least of ``game`` (for when there is no room beside the game and the user still wants the
    app moved); ties go to the corner nearest the frame's old place."""
    width, height = min(minimum[0], screen.width), min(minimum[1], screen.height)
    corners = [
        Region(x, y, width, height)
        for x in (screen.x, screen.right - width)
        for y in (screen.y, screen.bottom - height)
    ]

    def hidden(candidate: Region) -> tuple[int, int]:
        overlap = candidate.intersection(game)
        return (0 if overlap is None else overlap.area, _cost(frame, candidate)[1])

    return min(corners, key=hidden)
