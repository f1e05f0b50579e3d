"""Error dialogs that do not block the event loop (runs keep reporting while one is open)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def show_error(parent: QWidget, message: str, title: str) -> QMessageBox:
    """Show ``message`` in a window-modal error dialog and return at once; the dialog deletes
    itself when closed. A long message (a bug's traceback) shows its first line, the rest
    under "Show Details…"."""
    first, _, rest = message.partition("\n")
    box = QMessageBox(
        QMessageBox.Icon.Critical, title, first, QMessageBox.StandardButton.Ok, parent
    )
    if rest.strip():
        box.setDetailedText(rest.strip())
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
