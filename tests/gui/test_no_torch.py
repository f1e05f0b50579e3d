"""The app never loads torch (training and play run in a child process): not when it starts,
nor through the modules its new parts call (calibration, demonstrations, launching)."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication
app = QApplication([])
from screen_agent.gui.app import MainWindow
window = MainWindow(live=False)
import screen_agent.gui.calibration_job, screen_agent.gui.calibration_apply
import screen_agent.training.demos, screen_agent.launch, screen_agent.envs.session
print("torch" in sys.modules)
"""


def test_the_app_and_what_it_calls_never_import_torch():
    done = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "False"
