"""The review of "Find for me": each proposal shown for the person to accept or correct.

:class:`ProposalsView` takes :class:`~screen_agent.gui.calibration_job.Findings` and shows,
under a frame of play with the proposed regions drawn on it, one card per proposal
(:mod:`.calibration_cards`), each with a "use" check box, its confidence and the evidence it
rests on:

- the game region, editable;
- the score region, editable, the rule (digits when the reading is sure, else +1 per change),
  pictures of the score with the number read from each, the whole sequence read, and a field
  to give the true value of a reading that is wrong (the mapping is then found again);
- the game-over rule, its region (editable, then fitted again) and what it showed as a game
  ended;
- the keys: the probe's verdict per key, each key a check box, and two-key combinations.

"Apply to profile" emits :attr:`ProposalsView.apply_requested` with an
:class:`~screen_agent.gui.calibration_apply.Accepted`. The corrections run in a
:class:`~screen_agent.gui.background.BackgroundTask`; the widgets only show and collect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from screen_agent.calibrate import GameOverProposal, refit_game_over
from screen_agent.calibrate.keys import propose_actions
from screen_agent.calibrate.prompts import describe_region
from screen_agent.geometry import Region
from screen_agent.gui.background import BackgroundTask
from screen_agent.gui.calibration_apply import Accepted
from screen_agent.gui.calibration_cards import (
    FramePreview,
    GameCard,
    GameOverCard,
    KeysCard,
    ScoreCard,
)
from screen_agent.gui.calibration_job import Findings, correct_reading, play_frame


class ProposalsView(QWidget):
    """Every proposal of one "Find for me", for the person to accept or correct."""

    apply_requested = Signal(object)
    """The person pressed Apply (arg: the Accepted)."""
    discarded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.findings: Findings | None = None
        self.game: GameCard | None = None
        self.score: ScoreCard | None = None
        self.game_over: GameOverCard | None = None
        self.keys: KeysCard | None = None
        self.task = BackgroundTask("screen-agent calibration review", self)
        self.task.finished.connect(self._corrected)
        self.task.errored.connect(self._correction_failed)
        self._after: Callable[[Any], None] | None = None

        self.preview = FramePreview()
        self.cards = QWidget()
        self.cards_layout = QVBoxLayout(self.cards)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        # The cards wrap their text to the width they get: no sideways scrolling.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.cards)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.apply_button = QPushButton("Apply to profile")
        self.apply_button.setToolTip("Put the checked proposals into the profile (then Save)")
        self.apply_button.clicked.connect(self.apply)
        self.discard_button = QPushButton("Discard")
        self.discard_button.clicked.connect(self.clear)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.discard_button)
        buttons.addWidget(self.apply_button)
        # One above the other: the tab is narrow beside the live view.
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.preview)
        splitter.addWidget(scroll)
        splitter.setSizes([230, 470])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self.clear()

    # -- findings -> widgets
    def show_findings(self, findings: Findings) -> None:
        self.clear()
        self.findings = findings
        self.preview.set_frame(play_frame(findings))
        self.game = GameCard(findings)
        self.cards_layout.addWidget(self.game)
        if findings.analysis.score is not None:
            self.score = ScoreCard(findings)
            self.score.correct_requested.connect(self._correct)
            self.cards_layout.addWidget(self.score)
        else:
            missing = QLabel(
                "No score found: "
                + "; ".join(findings.analysis.notes or ["nothing changed like a number"])
            )
            missing.setWordWrap(True)
            self.cards_layout.addWidget(missing)
        self.game_over = GameOverCard(findings)
        self.game_over.refit_requested.connect(self._refit)
        self.cards_layout.addWidget(self.game_over)
        self.keys = KeysCard(findings)
        self.cards_layout.addWidget(self.keys)
        self.cards_layout.addStretch()
        for card in (self.game, self.score, self.game_over):
            if card is not None:
                card.fields.edited.connect(self._update_preview)
                card.toggled.connect(lambda _on: self._update_preview())
        self._update_preview()
        self.apply_button.setEnabled(True)
        self.discard_button.setEnabled(True)
        watched = f"{findings.watch.seconds:.0f} s, {len(findings.watch)} frames"
        self.status.setText(f"Found from {watched}. Uncheck what is wrong, correct, then Apply.")
        self.show()

    def clear(self) -> None:
        """Forget the findings."""
        while self.cards_layout.count():
            widget = self.cards_layout.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        had = self.findings is not None
        self.findings = None
        self.game = self.score = self.game_over = self.keys = None  # type: ignore[assignment]
        self.apply_button.setEnabled(False)
        self.discard_button.setEnabled(False)
        self.status.setText("")
        self.hide()
        if had:
            self.discarded.emit()

    def _update_preview(self) -> None:
        regions = {}
        if self.game is not None and self.game.isChecked():
            regions["game"] = self.game.fields.region()
        if self.score is not None and self.score.isChecked():
            regions["score"] = self.score.fields.region()
        if self.game_over is not None and self.game_over.isChecked():
            regions["game_over"] = self.game_over.fields.region()
        self.preview.set_regions(regions)

    # -- widgets -> accepted
    def accepted(self) -> Accepted:
        """What the cards say to apply; ValueError (one line) if something must be done
        first."""
        if self.findings is None:
            raise ValueError("nothing to apply: run Find for me first")
        over = None
        if self.game_over is not None and self.game_over.isChecked():
            if self.game_over.proposal is None:
                raise ValueError("fit a game-over rule on a region first (or uncheck it)")
            if not self.game_over.fitted:
                raise ValueError(
                    "the game-over region was edited: press “Fit again” (or uncheck it)"
                )
            over = self.game_over.proposal
        actions = None
        if self.keys is not None and self.keys.isChecked():
            chosen = self.keys.chosen()
            if not chosen:
                raise ValueError("check at least one key, or uncheck Keys")
            actions = propose_actions(chosen, self.keys.combos.isChecked())
        score = self.score if self.score is not None and self.score.isChecked() else None
        return Accepted(
            game=self.game.fields.region()
            if self.game is not None and self.game.isChecked()
            else None,
            score=score.score if score is not None else None,
            score_region=score.fields.region() if score is not None else None,
            use_digits=score.use_digits if score is not None else False,
            game_over=over,
            actions=actions,
        )

    def apply(self) -> None:
        try:
            accepted = self.accepted()
        except ValueError as error:
            self.status.setText(str(error))
            return
        self.apply_requested.emit(accepted)

    # -- corrections, off the GUI thread
    def _correct(self, text: str) -> None:
        findings, card = self.findings, self.score
        if findings is None or card is None or self.task.running:
            return
        score = card.score
        self.status.setText("Reading the score again with your values…")
        self._after = card.set_score
        self.task.start(lambda _control: correct_reading(score, text, findings.watch))

    def _refit(self, region: Region) -> None:
        findings, card = self.findings, self.game_over
        if findings is None or card is None or self.task.running:
            return
        self.status.setText(f"Fitting a game-over rule on {describe_region(region)}…")

        def fitted(proposal: GameOverProposal | None) -> None:
            if proposal is None:
                self.status.setText(
                    "Nothing in that region tells the game's ends from play; try another region."
                )
                return
            card.set_proposal(proposal)

        self._after = fitted
        self.task.start(lambda _control: refit_game_over(findings.analysis, findings.watch, region))

    def _corrected(self, result: Any) -> None:
        self.status.setText("")
        after, self._after = self._after, None
        if after is not None and self.findings is not None:
            after(result)
            self._update_preview()

    def _correction_failed(self, message: str) -> None:
        self._after = None
        self.status.setText(message.splitlines()[0])
