"""``python -m screen_agent.gui [PROFILE]``."""

import sys

from screen_agent.gui.app import main

# Guarded: the trainer's child processes are spawned, and spawning imports the parent's main
# module again (as __mp_main__); unguarded, each child would open another app.
if __name__ == "__main__":
    sys.exit(main())
