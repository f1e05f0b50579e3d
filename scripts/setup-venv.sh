#!/usr/bin/env bash
# Creates .venv at the repository root and installs screen-agent into it (editable).
# Usage: scripts/setup-venv.sh [--test]   (--test adds the test extra)
# Skips the pip work when pyproject.toml has not changed since the last successful install.
set -euo pipefail
cd "$(dirname "$0")/.."

extra=""
[ "${1:-}" = "--test" ] && extra="[test]"
python=${PYTHON:-python3}

if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $($python --version)"
    "$python" -m venv .venv
fi

stamp=".venv/.installed${extra}"
if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ]; then
    exit 0
fi

echo "setup: installing screen-agent${extra} into .venv (first run takes a few minutes)"
.venv/bin/python -m pip install --quiet --upgrade pip
# Install the CPU build of torch first: the project's plain torch range would otherwise pull a
# multi-GB CUDA build on machines that have no GPU.
.venv/bin/python -m pip install --quiet "torch==2.13.0" \
    || echo "setup: torch 2.13.0 is not available here; pip will choose a torch build"
.venv/bin/python -m pip install --quiet -e ".${extra}"
touch "$stamp"
