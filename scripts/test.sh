#!/usr/bin/env bash
# Sets up .venv with the test extra (and, as root, the apt packages the end-to-end tests need:
# Xvfb, xdotool, Qt's xcb libraries, the real test-bed games), then runs ruff, the layer
# contracts, the Windows backend's tests under Wine, and the whole test suite.
# Extra arguments go to pytest, e.g. scripts/test.sh -m "not slow" (or -n 0: one process).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-system-deps.sh
scripts/install-test-games.sh  # the real games of tests/games (apt as root, npm)
scripts/setup-venv.sh --test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports  # the layer contracts in pyproject.toml
scripts/test-windows.sh  # the Windows backend, through Wine and the Windows build of Python
# Three workers: most end-to-end tests wait on games running in real time, each worker on its
# own Xvfb; the learning tests (xdist group "learning") run one after another on one worker.
# One torch (OpenMP) thread per process: three workers and their training subprocesses share two
# cores, and torch's default of one thread per core each would oversubscribe them (measured:
# the 37-second Pong test took 356 s so).
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
# The tests marked quiet assert a wall-clock bound (the GUI's longest stall, a grab's time): they
# run afterwards, alone, where the scheduler delays of three busy workers cannot fail them.
status=0
.venv/bin/python -m pytest -n 3 --dist loadgroup --durations=15 --quiet-tests=without "$@" || status=$?
quiet=0
.venv/bin/python -m pytest -n 0 --quiet-tests=only "$@" || quiet=$?
# 5: the arguments selected no test in that phase, which is only wrong when they selected none.
if [ "$status" -eq 5 ] && [ "$quiet" -eq 5 ]; then exit 5; fi
[ "$status" -eq 5 ] && status=0
[ "$quiet" -eq 5 ] && quiet=0
if [ "$status" -ne 0 ]; then exit "$status"; fi
exit "$quiet"
