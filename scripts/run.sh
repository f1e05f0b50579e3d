#!/usr/bin/env bash
# Sets up .venv and runs the main job: trains a DQN on CartPole-v1 (30,000 steps, a few minutes on
# two cores) with a progress bar, then prints its greedy score over 20 episodes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-venv.sh
exec .venv/bin/screen-agent gym train CartPole-v1 --steps 30000 --seed 0 \
    --run-dir runs/cartpole-seed0 --final-eval-episodes 20 "$@"
