"""The app moves off the game when a run starts: the Qt glue around ``placement.py``, on Qt's
offscreen platform (one 800x800 screen) with a desktop that reports where the game is."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QWidget

from screen_agent.desktop import Monitor, Window, WindowNotFoundError
from screen_agent.geometry import Region
from screen_agent.gui.app import MainWindow
from screen_agent.gui.geometry import ScreenMapper, ScreenPatch
from screen_agent.gui.keep_clear import Choice, Outcome, keep_clear, to_logical
from screen_agent.gui.model import ProfileModel
from screen_agent.profile import WindowRef
from screen_agent.training.events import PauseEvent

TITLE = "screen-agent arcade: catch"


class GameDesktop:
    """A desktop showing one game window (``game``: its client area; None: not open)."""

    def __init__(self, game: Region | None) -> None:
        self.game = game

    def find_window(self, title: str) -> Window:
        if self.game is None:
            raise WindowNotFoundError(f"no window titled {title!r} is open; start the game")
        return Window(7, title, self.game)

    def monitors(self) -> list[Monitor]:
        return [Monitor(Region(0, 0, 800, 800), 1.0, True)]

    def close(self) -> None: ...


def catch_model() -> ProfileModel:
    model = ProfileModel()
    model.set_regions(
        {"game": Region(0, 80, 400, 480), "score": Region(273, 8, 121, 64)},
        WindowRef(TITLE, 400, 560),
    )
    return model


def top_level(qtbot, frame: Region, minimum: tuple[int, int] = (100, 100)) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.setMinimumSize(*minimum)
    widget.show()
    widget.resize(frame.width, frame.height)
    widget.move(frame.x, frame.y)
    qtbot.waitUntil(lambda: widget.frameGeometry().topLeft().toTuple() == (frame.x, frame.y))
    return widget


def frame_of(widget: QWidget) -> Region:
    g = widget.frameGeometry()
    return Region(g.x(), g.y(), g.width(), g.height())


def test_a_window_over_the_game_moves_beside_it_keeping_its_size(qtbot):
    widget = top_level(qtbot, Region(100, 100, 300, 200))
    old = frame_of(widget)
    desktop = GameDesktop(Region(250, 100, 400, 300))
    outcome = keep_clear(widget, desktop, catch_model(), ask=None)
    assert outcome is Outcome.MOVED
    # Below the game is the one band that holds the whole frame (left and right are narrower).
    qtbot.waitUntil(lambda: frame_of(widget) == Region(100, 408, old.width, old.height))
    assert frame_of(widget).intersection(desktop.game) is None
    assert keep_clear(widget, desktop, catch_model()) is Outcome.CLEAR


def test_a_window_shrinks_when_only_a_narrower_band_is_free(qtbot):
    widget = top_level(qtbot, Region(0, 0, 500, 700))
    old = frame_of(widget)
    desktop = GameDesktop(Region(300, 0, 500, 800))  # the whole right side, top to bottom
    assert keep_clear(widget, desktop, catch_model(), ask=None) is Outcome.MOVED
    qtbot.waitUntil(lambda: frame_of(widget).width == 292)
    assert frame_of(widget) == Region(0, 0, 292, old.height)
    assert widget.width() == 292 - (frame_of(widget).width - widget.geometry().width())


def test_no_room_asks_and_does_what_the_user_chose(qtbot):
    widget = top_level(qtbot, Region(50, 50, 650, 650), minimum=(600, 600))
    old = frame_of(widget)
    desktop = GameDesktop(Region(100, 100, 600, 600))  # 92 px free on each side
    asked = []

    def answer(choice: Choice):
        def ask(window, minimum):
            asked.append(minimum)
            return choice

        return ask

    assert keep_clear(widget, desktop, catch_model(), answer(Choice.CANCEL)) is Outcome.CANCELLED
    margins = (old.width - widget.geometry().width(), old.height - widget.geometry().height())
    assert asked == [(600 + margins[0], 600 + margins[1])]
    assert frame_of(widget) == old
    assert keep_clear(widget, desktop, catch_model(), ask=None) is Outcome.NO_ROOM
    assert len(asked) == 1
    outcome = keep_clear(widget, desktop, catch_model(), answer(Choice.MOVE))
    assert outcome is Outcome.SQUEEZED
    # At its minimum size in the corner nearest its old place (every corner hides as much).
    qtbot.waitUntil(lambda: frame_of(widget).width == asked[0][0])
    assert frame_of(widget) == Region(0, 0, *asked[0])
    outcome = keep_clear(widget, desktop, catch_model(), answer(Choice.MINIMISE))
    assert outcome is Outcome.MINIMISED and widget.isMinimized()


def test_a_game_not_open_yet_leaves_the_app_alone(qtbot):
    widget = top_level(qtbot, Region(100, 100, 300, 200))
    outcome = keep_clear(widget, GameDesktop(None), catch_model(), ask=None)
    assert outcome is Outcome.NO_GAME and frame_of(widget).x == 100


def test_a_profile_without_a_window_keeps_clear_of_its_regions(qtbot):
    widget = top_level(qtbot, Region(0, 0, 300, 200))
    model = ProfileModel()
    model.set_regions({"game": Region(100, 0, 400, 400)}, None)  # absolute screen pixels
    assert keep_clear(widget, GameDesktop(None), model, ask=None) is Outcome.MOVED
    qtbot.waitUntil(lambda: frame_of(widget).intersection(Region(100, 0, 400, 400)) is None)


def test_the_game_area_is_mapped_to_logical_pixels():
    mapper = ScreenMapper([ScreenPatch(Region(0, 0, 800, 800), Region(0, 0, 1600, 1600))])
    assert to_logical(mapper, Region(500, 200, 801, 400)) == Region(250, 100, 401, 200)


class WaitingTrainer:
    """Runs until stopped; sends one PauseEvent naming ``title`` first."""

    def __init__(self, on_event, message: str | None) -> None:
        self.on_event, self.message = on_event, message
        self.stopped = threading.Event()

    def run(self) -> None:
        if self.message:
            self.on_event(PauseEvent(self.message))
        self.stopped.wait(10)

    def stop(self) -> None:
        self.stopped.set()

    def pause(self) -> None: ...
    def resume(self) -> None: ...


def main_window(qtbot, tmp_path, message: str | None = None) -> MainWindow:
    model = catch_model()
    model.save(tmp_path / "catch.toml")
    window = MainWindow(
        model, live=False, trainer_factory=lambda on_event: WaitingTrainer(on_event, message)
    )
    qtbot.addWidget(window)
    window.show()
    window.move(0, 0)
    return window


def test_train_asks_when_the_app_covers_the_game_and_cancel_keeps_it_stopped(qtbot, tmp_path):
    window = main_window(qtbot, tmp_path)
    # The app's minimum size does not fit beside the game on the 800x800 screen: it asks.
    window.desktop = GameDesktop(Region(300, 100, 400, 560))
    answers = [Choice.CANCEL, Choice.MINIMISE]
    window.ask_placement = lambda _w, _minimum: answers.pop(0)
    window.start_training()
    assert not window.controller.running and window.training.state == "idle"
    window.start_training()
    assert window.controller.running and window.isMinimized()
    assert window.statusBar().currentMessage() == Outcome.MINIMISED.value
    window.close()


def test_play_keeps_clear_too_and_a_game_not_open_starts_anyway(qtbot, tmp_path):
    window = main_window(qtbot, tmp_path)
    window.player_factory = lambda _model, _checkpoint: (
        lambda on_event: WaitingTrainer(on_event, None)
    )
    window.desktop = GameDesktop(Region(300, 100, 400, 560))
    window.ask_placement = lambda _w, _minimum: Choice.CANCEL
    assert not window.start_playing(tmp_path / "checkpoint.pt")
    window.desktop = GameDesktop(None)  # the run will launch the game, or say it is missing
    assert window.start_playing(tmp_path / "checkpoint.pt")
    window.close()


def test_a_pause_naming_the_app_moves_it_once(qtbot, tmp_path):
    window = main_window(qtbot, tmp_path)
    title = window.windowTitle()
    window.trainer_factory = lambda on_event: WaitingTrainer(
        on_event, f"paused: {title!r} covers 45x560 px of the game window at (0, 0); ..."
    )
    window.desktop = GameDesktop(None)  # not open when Train is pressed
    calls = []
    keep = window.keep_clear_of_game

    def spy(ask: bool = True) -> Outcome:
        calls.append(ask)
        return keep(ask)

    window.keep_clear_of_game = spy
    window.start_training()
    qtbot.waitUntil(lambda: len(calls) == 2)
    assert calls == [True, False]  # at Train, then once more without a dialog
    window.training.apply(PauseEvent(f"paused: {title!r} covers ..."))
    window.training.apply(PauseEvent("paused: 'Notes' covers ..."))
    assert len(calls) == 2
    window.close()
