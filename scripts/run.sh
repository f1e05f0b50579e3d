#!/usr/bin/env bash
# Sets up .venv and runs the main job.
#  - On a desktop (DISPLAY set): the screen-agent app.
#  - On a machine with no display: the headless demo. It installs Xvfb and xdotool (apt, as
#    root, when missing), starts a private virtual display with the bundled Catch game in a real
#    window, and trains the screen agent on it from pixels and key presses for 10 minutes,
#    printing each episode and the real-time figures, then the catch rate.
# Extra arguments go to the command (e.g. scripts/run.sh --minutes 3).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${DISPLAY:-}" ]; then
    scripts/setup-venv.sh
    exec .venv/bin/screen-agent gui "$@"
fi
scripts/install-system-deps.sh
scripts/setup-venv.sh
exec .venv/bin/screen-agent demo "$@"
