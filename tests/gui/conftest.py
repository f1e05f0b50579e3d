"""GUI tests: Qt offscreen in this process; the e2e test runs the app on its own Xvfb.

The e2e fixtures (a private Xvfb, arcade games, pyautogui bound to that display) come from
``tests/conftest.py``, shared with every other end-to-end test.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt
