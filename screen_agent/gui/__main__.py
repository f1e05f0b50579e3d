"""``python -m screen_agent.gui [PROFILE]``."""

import sys

from screen_agent.gui.app import main

sys.exit(main())
