#!/usr/bin/env bash
# Creates bench/.venv-peers: Stable-Baselines3 beside screen-agent itself, in one environment, so
# that bench/compare_dqn.py measures ours, SB3's and CleanRL's settings in one run with the same
# torch build. The project's own .venv is left alone.
# Usage: bench/setup-peers.sh        (PYTHON=python3.11 bench/setup-peers.sh to pick the Python)
# Skips the pip work when it has already succeeded and pyproject.toml has not changed since.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=bench/.venv-peers
python=${PYTHON:-python3}

if [ ! -x "$venv/bin/python" ]; then
    echo "setup-peers: creating $venv with $($python --version)"
    "$python" -m venv "$venv"
fi

stamp="$venv/.installed"
if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ] && [ "$stamp" -nt "$0" ]; then
    exit 0
fi

pip=("$venv/bin/python" -m pip install --quiet)
echo "setup-peers: installing torch 2.13.0 (CPU), stable-baselines3 2.9.2 and screen-agent"
"$venv/bin/python" -m pip install --quiet --upgrade pip
# The CPU build first: a plain torch requirement (SB3's or ours) would otherwise pull a
# multi-GB CUDA build on a machine without a GPU.
"${pip[@]}" "torch==2.13.0"
"${pip[@]}" "stable-baselines3==2.9.2" gymnasium ale-py opencv-python-headless
# screen-agent itself (editable), so the benchmark imports the code of this checkout.
"${pip[@]}" -e .
"$venv/bin/python" - <<'PY'
import ale_py, gymnasium, stable_baselines3, torch
import screen_agent.agent.dqn  # noqa: F401

print(
    f"setup-peers: torch {torch.__version__}, stable-baselines3 {stable_baselines3.__version__}, "
    f"gymnasium {gymnasium.__version__}, ale-py {ale_py.__version__}"
)
PY
touch "$stamp"
