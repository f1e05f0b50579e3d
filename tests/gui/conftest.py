"""GUI tests: Qt offscreen in this process; the e2e test runs the app on its own Xvfb.

The e2e fixtures of ``tests/e2e/conftest.py`` (a private Xvfb, arcade games, pyautogui bound
to that display) are loaded from that file and re-exported here, so the GUI's e2e test uses
exactly the same machinery.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt

_spec = importlib.util.spec_from_file_location(
    "_screen_agent_e2e_fixtures", Path(__file__).parents[1] / "e2e" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_e2e = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _e2e  # dataclasses look their module up there
_spec.loader.exec_module(_e2e)

xvfb_display = _e2e.xvfb_display
arcade_window = _e2e.arcade_window
keyboard = _e2e.keyboard
screen = _e2e.screen
