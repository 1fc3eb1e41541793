#!/usr/bin/env bash
# The test command: sets up the environment, then runs the whole suite
# (unit tests, doctests, golden conformance, recipe and integration tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh --audio
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
.venv/bin/python -m pytest tests --doctest-modules pengi_sb -q -p no:cacheprovider "$@"
