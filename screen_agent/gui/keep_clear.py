"""Keeps the app's window off the game when a run starts (the Qt side of ``placement.py``).

The game's client area comes from the desktop layer in physical pixels (what mss grabs); Qt
moves windows in logical pixels, so the area is mapped through the screens' device pixel
ratios first. The app's frame (decorations included: a title bar hides pixels too) is then
moved, and shrunk if it must, beside the game on the game's screen. With no room there the
user chooses: move it as far out of the way as it goes, minimise it, or not start the run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import Enum

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QMessageBox, QWidget

from screen_agent.desktop import Desktop
from screen_agent.errors import UserError
from screen_agent.geometry import Region
from screen_agent.gui.geometry import ScreenMapper
from screen_agent.gui.model import ProfileModel
from screen_agent.gui.placement import least_cover, place_clear_of
from screen_agent.gui.region_picker import screen_mapper


class Choice(Enum):
    """The user's answer when there is no room beside the game."""

    MOVE = "Move the app"
    MINIMISE = "Minimise the app"
    CANCEL = "Cancel"


class Outcome(Enum):
    """What :func:`keep_clear` did."""

    CLEAR = "the app does not cover the game"
    MOVED = "moved the app beside the game, so the agent sees only the game"
    SQUEEZED = "moved the app as far out of the game's way as it goes; it still covers part"
    MINIMISED = "minimised the app, so the agent sees only the game"
    CANCELLED = "not started: the app would cover the game"
    NO_ROOM = "the app covers the game and there is no room for it beside the game"
    NO_GAME = "the game's window is not open yet"

    @property
    def proceed(self) -> bool:
        """True unless the user chose not to start the run."""
        return self is not Outcome.CANCELLED


Ask = Callable[[QWidget, tuple[int, int]], Choice]
"""``ask(window, (min_width, min_height))``: the user's choice when there is no room."""


def ask_no_room(window: QWidget, minimum: tuple[int, int]) -> Choice:
    """Ask (a modal dialog) what to do when the app cannot go beside the game."""
    box = QMessageBox(window)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("The app covers the game")
    box.setText(
        "The app's window covers part of the game window, and there is no room for it beside "
        f"the game on that screen (it needs at least {minimum[0]}x{minimum[1]} px)."
    )
    box.setInformativeText(
        "Screen capture sees whatever lies on top of the game: while anything covers it, the "
        "agent waits. Move the app as far out of the way as it goes, or minimise it?"
    )
    buttons = {
        box.addButton(Choice.MOVE.value, QMessageBox.ButtonRole.AcceptRole): Choice.MOVE,
        box.addButton(Choice.MINIMISE.value, QMessageBox.ButtonRole.ActionRole): Choice.MINIMISE,
        box.addButton(Choice.CANCEL.value, QMessageBox.ButtonRole.RejectRole): Choice.CANCEL,
    }
    box.exec()
    return buttons.get(box.clickedButton(), Choice.CANCEL)


def game_area(desktop: Desktop, model: ProfileModel) -> Region | None:
    """What of the screen the agent grabs, physical pixels: the game window's client area (or,
    for a profile without a window, the box around its regions); None when the window is not
    open (the run may launch it) or the desktop cannot say."""
    if model.window is None:
        return Region.bounding(model.regions.values()) if model.regions else None
    try:
        return desktop.find_window(model.window.title).client
    except UserError:
        return None


def to_logical(mapper: ScreenMapper, area: Region) -> Region:
    """``area`` (physical pixels) in Qt's logical pixels, by its corners."""
    x0, y0 = mapper.to_logical(area.x, area.y)
    x1, y1 = mapper.to_logical(area.right, area.bottom)
    # Outwards to whole pixels: a logical pixel partly over the game covers it.
    left, top = math.floor(x0), math.floor(y0)
    return Region(left, top, max(1, math.ceil(x1) - left), max(1, math.ceil(y1) - top))


def _region(rect: QRect) -> Region:
    return Region(rect.x(), rect.y(), rect.width(), rect.height())


def _screen_of(window: QWidget, game: Region) -> QScreen:
    centre = QPoint(game.x + game.width // 2, game.y + game.height // 2)
    return QGuiApplication.screenAt(centre) or window.screen()


def keep_clear(
    window: QWidget,
    desktop: Desktop,
    model: ProfileModel,
    ask: Ask | None = ask_no_room,
) -> Outcome:
    """Move (and shrink, if it must) the top-level ``window`` so it does not cover the game
    of ``model``; with no room beside the game, ``ask`` the user (None: leave it as it is).

    Any overlap counts, even with the app below the game: the app comes on top the moment it
    is clicked."""
    physical = game_area(desktop, model)
    if physical is None:
        return Outcome.NO_GAME
    mapper = screen_mapper([m.area for m in desktop.monitors()])
    game = to_logical(mapper, physical)
    frame = _region(window.frameGeometry())
    inner = window.geometry()
    margins = (frame.width - inner.width(), frame.height - inner.height())
    least = window.minimumSizeHint().expandedTo(window.minimumSize())
    minimum = (least.width() + margins[0], least.height() + margins[1])
    screen = _region(_screen_of(window, game).availableGeometry())
    placement = place_clear_of(screen, game, frame, minimum)
    if placement is not None and not placement.moved:
        return Outcome.CLEAR
    if placement is not None:
        _put(window, placement.frame, margins)
        return Outcome.MOVED
    choice = ask(window, minimum) if ask is not None else Choice.CANCEL
    if choice is Choice.MINIMISE:
        window.showMinimized()
        return Outcome.MINIMISED
    if choice is Choice.MOVE:
        _put(window, least_cover(screen, game, frame, minimum), margins)
        return Outcome.SQUEEZED
    return Outcome.CANCELLED if ask is not None else Outcome.NO_ROOM


def _put(window: QWidget, frame: Region, margins: tuple[int, int]) -> None:
    """Give ``window``'s frame the rectangle ``frame`` (a top-level ``move`` places the
    frame; ``resize`` sizes the inside)."""
    if window.windowState() & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen):
        window.showNormal()  # a maximised window ignores move and resize
    window.resize(frame.width - margins[0], frame.height - margins[1])
    window.move(frame.x, frame.y)
