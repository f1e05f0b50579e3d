"""The cards of the "Find for me" review: one per proposal, and the widgets they share.

Each card is a checkable group box (checked: use the proposal) showing the proposal's value,
its confidence and, behind a "why?" toggle, the evidence it rests on; the fields it holds are
the person's corrections. :class:`~screen_agent.gui.calibration_review.ProposalsView` lays
them out and collects what they say. They show what the core proposed and the pictures
:mod:`.calibration_job` picks; they compute nothing themselves.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from screen_agent.calibrate import GameOverProposal, ScoreProposal
from screen_agent.calibrate.prompts import describe_region
from screen_agent.geometry import Region
from screen_agent.gui.calibration_job import (
    Findings,
    game_end_sample,
    readings,
    score_samples,
)
from screen_agent.gui.colours import verdict_colour
from screen_agent.gui.region_picker import COLOURS, numpy_to_qimage

SAMPLE_HEIGHT = 28
"""Height the score's pictures are shown at, logical pixels (small glyphs are enlarged)..."""
SAMPLE_WIDTH = 72
"""...unless that makes them wider than this."""
SAMPLES = 5
"""Most pictures of the score shown..."""
SAMPLES_ROW = 460
"""...in a row this wide, logical pixels."""
DIGITS_RULE = "digits: reward = change of the number"
CHANGE_RULE = "score change: +1 per change of its picture"
EVIDENCE_STYLE = "color: #707070;"


def pixmap(rgb: np.ndarray, height: int | None = None, width: int | None = None) -> QPixmap:
    """``rgb`` as a pixmap, scaled (nearest neighbour, so glyphs stay crisp) to fit ``height``
    and ``width`` (logical pixels; None: no limit)."""
    image = QPixmap.fromImage(numpy_to_qimage(rgb))
    if rgb.shape[0] == 0 or rgb.shape[1] == 0 or (height is None and width is None):
        return image
    scale = min(
        height / rgb.shape[0] if height is not None else np.inf,
        width / rgb.shape[1] if width is not None else np.inf,
    )
    return image.scaled(
        max(1, round(rgb.shape[1] * scale)),
        max(1, round(rgb.shape[0] * scale)),
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.FastTransformation,
    )


def confidence_text(confidence: float | None) -> str:
    return "" if confidence is None else f" (confidence {confidence:.0%})"


class RegionFields(QWidget):
    """x, y, width, height of a region inside the watched window, as spin boxes."""

    edited = Signal()

    def __init__(self, width: int, height: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._updating = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.boxes: list[QSpinBox] = []
        for label, top in (("x", width - 1), ("y", height - 1), ("w", width), ("h", height)):
            box = QSpinBox()
            box.setRange(0 if label in "xy" else 1, max(1, top))
            box.setPrefix(f"{label} ")
            box.valueChanged.connect(self._changed)
            layout.addWidget(box)
            self.boxes.append(box)
        layout.addStretch()

    def region(self) -> Region:
        x, y, w, h = (b.value() for b in self.boxes)
        return Region(x, y, w, h)

    def set_region(self, region: Region) -> None:
        self._updating = True
        for box, value in zip(
            self.boxes, (region.x, region.y, region.width, region.height), strict=True
        ):
            box.setValue(value)
        self._updating = False

    def _changed(self) -> None:
        if not self._updating:
            self.edited.emit()


class FramePreview(QWidget):
    """A frame of the watched window with regions outlined in the region picker's colours."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: QPixmap | None = None
        self.regions: dict[str, Region] = {}
        self.setMinimumSize(200, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_frame(self, frame: np.ndarray) -> None:
        self.image = pixmap(frame)
        self.update()

    def set_regions(self, regions: dict[str, Region]) -> None:
        self.regions = dict(regions)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(30, 30, 30))
        if self.image is None:
            return
        scale = min(self.width() / self.image.width(), self.height() / self.image.height())
        w, h = self.image.width() * scale, self.image.height() * scale
        x0, y0 = (self.width() - w) / 2, (self.height() - h) / 2
        painter.drawPixmap(QRectF(x0, y0, w, h), self.image, QRectF(self.image.rect()))
        for name, r in self.regions.items():
            pen = QPen(COLOURS.get(name, QColor(0, 220, 220)), 2)
            painter.setPen(pen)
            painter.drawRect(
                QRectF(x0 + r.x * scale, y0 + r.y * scale, r.width * scale, r.height * scale)
            )
            painter.drawText(
                QRectF(x0 + r.x * scale + 3, y0 + r.y * scale + 2, 200, 16),
                Qt.AlignmentFlag.AlignLeft,
                name,
            )


class Evidence(QWidget):
    """What a proposal rests on: hidden behind a "why?" toggle, so the cards stay short."""

    def __init__(
        self, lines: list[str], shown: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.toggle = QToolButton()
        self.toggle.setText("why?")
        self.toggle.setCheckable(True)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setAutoRaise(True)
        self.label = QLabel("\n".join(f"• {line}" for line in lines))
        self.label.setWordWrap(True)
        self.label.setStyleSheet(EVIDENCE_STYLE)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setVisible(False)
        self.toggle.toggled.connect(self._show)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toggle)
        layout.addWidget(self.label)
        self.toggle.setChecked(shown)

    def _show(self, on: bool) -> None:
        self.label.setVisible(on)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)


def evidence_label(lines: list[str], shown: bool = False) -> Evidence:
    return Evidence(lines, shown)


class Card(QGroupBox):
    """One proposal: a checkable box (checked: use it) holding its fields."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.setCheckable(True)
        self.setChecked(True)
        self.body = QVBoxLayout(self)
        self.body.setSpacing(4)


class GameCard(Card):
    def __init__(self, findings: Findings) -> None:
        game = findings.analysis.game
        super().__init__("Game region")
        self.fields = RegionFields(findings.width, findings.height)
        self.fields.set_region(game.region)
        self.body.addWidget(self.fields)
        self.body.addWidget(evidence_label([game.evidence()]))


class ScoreCard(Card):
    """The score region, its rule and its digit reading (correctable)."""

    correct_requested = Signal(str)

    def __init__(self, findings: Findings) -> None:
        score = findings.analysis.score
        assert score is not None
        super().__init__("Score")
        self.findings = findings
        self.score: ScoreProposal = score
        self.fields = RegionFields(findings.width, findings.height)
        self.fields.set_region(score.region)
        self.fields.edited.connect(self._show_samples)
        self.rule = QComboBox()
        self.rule.addItems([DIGITS_RULE, CHANGE_RULE])
        self.rule.setMinimumContentsLength(12)
        self.rule.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.rule_note = QLabel()
        self.rule_note.setWordWrap(True)
        self.samples = QWidget()
        self.samples_layout = QGridLayout(self.samples)
        self.samples_layout.setContentsMargins(0, 0, 0, 0)
        self.read = QLabel()
        self.read.setWordWrap(True)
        self.read.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.correction = QLineEdit()
        self.correction.setPlaceholderText("a wrong reading's true value: N=VALUE, e.g. 3=120")
        self.correction.returnPressed.connect(self._correct)
        self.correct_button = QPushButton("Correct the reading")
        self.correct_button.clicked.connect(self._correct)
        row = QHBoxLayout()
        row.addWidget(self.correction, 1)
        row.addWidget(self.correct_button)
        self.evidence = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(self.fields)
        top.addWidget(self.rule, 1)
        self.body.addLayout(top)
        self.body.addWidget(self.rule_note)
        self.body.addWidget(self.samples)
        self.body.addWidget(self.read)
        self.body.addLayout(row)
        self.body.addLayout(self.evidence)
        self.set_score(score)

    def set_score(self, score: ScoreProposal) -> None:
        """Show ``score`` (the proposal, or a corrected reading of it)."""
        self.score = score
        self.setTitle(f"Score{confidence_text(score.confidence)}")
        item = self.rule.model().item(0)  # type: ignore[attr-defined]
        item.setEnabled(score.use_digits)
        self.rule.setCurrentIndex(0 if score.use_digits else 1)
        if score.use_digits:
            sure = f"the reading is sure{confidence_text(score.digits_confidence)}"
            self.rule_note.setText(f"Digits rule proposed: {sure}.")
        else:
            why = score.digits_refused
            if score.digits is not None and not score.digits.missing:
                why = f"{why}; correct it below if it is wrong"
            self.rule_note.setText(f"Digits rule not available: {why}.")
        has_digits = score.digits is not None
        self.read.setText(f"Reads, in order: {readings(score)}" if has_digits else "")
        self.correction.setEnabled(has_digits)
        self.correct_button.setEnabled(has_digits)
        while self.evidence.count():
            widget = self.evidence.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.evidence.addWidget(evidence_label(score.evidence()))
        self._show_samples()

    def _show_samples(self) -> None:
        while self.samples_layout.count():
            widget = self.samples_layout.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        region = self.fields.region()
        # Enlarged to be legible, never shrunk; as many as fit the samples' row.
        zoom = max(1.0, min(SAMPLE_HEIGHT / region.height, SAMPLE_WIDTH / region.width))
        count = int(np.clip(SAMPLES_ROW // (zoom * region.width + 12), 2, SAMPLES))
        samples = score_samples(self.score, self.findings.watch, region, count)
        for column, (picture, value) in enumerate(samples):
            image = QLabel()
            image.setAlignment(Qt.AlignmentFlag.AlignCenter)
            if picture.size:
                image.setPixmap(pixmap(picture, round(zoom * picture.shape[0])))
            caption = QLabel("?" if value is None else str(value))
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.samples_layout.addWidget(image, 0, column)
            self.samples_layout.addWidget(caption, 1, column)

    def _correct(self) -> None:
        text = self.correction.text().strip()
        if text:
            self.correct_requested.emit(text)

    @property
    def use_digits(self) -> bool:
        return self.rule.currentIndex() == 0 and self.score.use_digits


class GameOverCard(Card):
    """The game-over rule and its region (fitted again on request)."""

    refit_requested = Signal(object)

    def __init__(self, findings: Findings) -> None:
        super().__init__("Game over")
        self.findings = findings
        self.proposal: GameOverProposal | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.fields = RegionFields(findings.width, findings.height)
        self.fields.edited.connect(self._edited)
        self.refit = QPushButton("Fit again on this region")
        self.refit.clicked.connect(lambda: self.refit_requested.emit(self.fields.region()))
        self.picture = QLabel()
        self.note = QLabel()
        self.note.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.fields, 1)
        row.addWidget(self.refit)
        self.evidence = QVBoxLayout()
        self.body.addWidget(self.summary)
        self.body.addLayout(row)
        self.body.addWidget(self.picture)
        self.body.addWidget(self.note)
        self.body.addLayout(self.evidence)
        self.refit.setEnabled(findings.analysis.episodes is not None)
        self.set_proposal(findings.analysis.game_over)

    def set_proposal(self, proposal: GameOverProposal | None) -> None:
        self.proposal = proposal
        while self.evidence.count():
            widget = self.evidence.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        if proposal is None:
            self.setTitle("Game over: no rule found")
            self.setChecked(False)
            self.summary.setText(
                "No game-over rule was found: give the region where the game shows that it "
                "ended and fit a rule on it, or leave it out."
            )
            self.fields.set_region(Region(0, 0, self.findings.width, self.findings.height))
            self.picture.clear()
            self.evidence.addWidget(
                evidence_label(self.findings.analysis.notes or ["no game ended during the watch"])
            )
            return
        table = proposal.fit.table
        self.setTitle(f"Game over: {table['kind']} rule{confidence_text(proposal.confidence)}")
        self.setChecked(True)
        self.summary.setText(f"Fires on {describe_region(proposal.region)}.")
        self.fields.set_region(proposal.region)
        sample = game_end_sample(self.findings, proposal)
        if sample is not None and sample.size:
            self.picture.setPixmap(pixmap(sample, min(70, max(24, sample.shape[0])), 360))
        else:
            self.picture.clear()
        self.picture.setToolTip("the region as the game ended")
        self.evidence.addWidget(evidence_label(proposal.evidence()))
        self.note.setText("")

    def _edited(self) -> None:
        if self.proposal is None or self.fields.region() != self.proposal.region:
            self.note.setText("Press “Fit again” to fit the rule on the edited region.")
        else:
            self.note.setText("")

    @property
    def fitted(self) -> bool:
        """The rule was fitted on the region shown (not edited since)."""
        return self.proposal is not None and self.fields.region() == self.proposal.region


KEY_COLUMNS = ("Key", "Reacts", "Delay", "Verdict")


class KeysCard(Card):
    """Which keys work (the probe's verdicts), each a check box."""

    def __init__(self, findings: Findings) -> None:
        super().__init__("Keys")
        keys = findings.keys
        self.table = QTableWidget(0, len(KEY_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(KEY_COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.combos = QCheckBox("Also two working keys held together")
        self.body.addWidget(self.table)
        self.body.addWidget(self.combos)
        rows: list[tuple[str, str, str, str, bool]] = []
        if keys is None:
            self.setTitle("Keys: not tested")
            self.setChecked(False)
            rows = [(k, "", "", "not tested", True) for k in findings.tried]
            self.body.addWidget(
                evidence_label(["the keys were not probed; each key tried becomes an action"])
            )
        else:
            working = len(keys.working)
            self.setTitle(
                f"Keys: {working} of {len(findings.tried)} work{confidence_text(keys.confidence)}"
            )
            for r in keys.reports:
                if not r.keys:
                    continue
                delay = "-" if r.delay_ms is None else f"{r.delay_ms:.0f} ms"
                rows.append((r.keys[0], f"{r.responded}/{r.trials}", delay, r.verdict, r.works))
            notes = list(keys.notes)
            if findings.unfocused:
                notes.append(
                    f"the game window lost keyboard focus during {findings.unfocused} key presses: "
                    "keep it focused and find again"
                )
            if notes:  # warnings: shown at once
                self.body.addWidget(evidence_label(notes, shown=True))
        self.table.setRowCount(len(rows))
        for row, (key, reacts, delay, verdict, use) in enumerate(rows):
            item = QTableWidgetItem(key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if use else Qt.CheckState.Unchecked)
            self.table.setItem(row, 0, item)
            for column, text in enumerate((reacts, delay, verdict), start=1):
                cell = QTableWidgetItem(text)
                colour = verdict_colour(verdict) if keys is not None else None
                if colour is not None:
                    cell.setForeground(QColor(colour))
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()
        # As tall as its rows (up to a limit): the cards scroll, not the table.
        height = self.table.horizontalHeader().sizeHint().height() + 2 * self.table.frameWidth()
        height += sum(self.table.rowHeight(r) for r in range(len(rows)))
        self.table.setFixedHeight(min(260, height))

    def chosen(self) -> list[str]:
        """The keys checked, in the table's order."""
        return [
            self.table.item(row, 0).text()
            for row in range(self.table.rowCount())
            if self.table.item(row, 0).checkState() == Qt.CheckState.Checked
        ]
