#!/usr/bin/env bash
# The test command: sets up the environment (each part checked first; root
# is asked for only to install a missing Debian package or Java), then runs
# the whole suite (unit tests, doctests, golden conformance, the user's
# non-editable install, recipe and integration tests, the web page in a
# real browser).
# Under CI=true a missing Java fails the METEOR/PTB metric tests instead of
# skipping them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh --audio
bash scripts/setup_app.sh    # the web page's extra and chromium (browser test)
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
.venv/bin/python -m pytest tests --doctest-modules pengi_sb -q -p no:cacheprovider "$@"
