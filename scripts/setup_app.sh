#!/usr/bin/env bash
# Set-up of the web app and its browser test (idempotent; after
# scripts/setup_env.sh): the `app` extra (Gradio, matplotlib, Playwright for
# Python) into .venv, and Debian's chromium, which Playwright drives
# (Playwright's own browser download is not used). Installing chromium
# needs root (asked for through sudo): with neither, a missing chromium is
# reported and the browser test is skipped. Everything already present is left as it is.
#   bash scripts/setup_app.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    echo "[setup_app] no .venv: run scripts/setup_env.sh first" >&2
    exit 1
fi
if ! .venv/bin/python -c "import gradio, matplotlib, playwright" 2>/dev/null; then
    echo "[setup_app] installing the app extra (gradio, matplotlib, playwright)"
    .venv/bin/python -m pip install -q -e ".[app]"
fi
if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" -eq 0 ]; then
        ROOT=()
    elif command -v sudo >/dev/null 2>&1; then
        echo "[setup_app] root is needed to install chromium (sudo)"
        ROOT=(sudo)
    else
        echo "[setup_app] /usr/bin/chromium is missing (the browser test" \
             "will be skipped); as root run:" \
             "apt-get update && apt-get install -y chromium" >&2
        exit 0
    fi
    echo "[setup_app] installing chromium (apt)"
    if ! "${ROOT[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            chromium >/dev/null; then
        "${ROOT[@]}" apt-get update -q >/dev/null
        "${ROOT[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            chromium >/dev/null
    fi
fi
echo "[setup_app] ready: gradio $(.venv/bin/python -c 'import gradio; print(gradio.__version__)'), $(/usr/bin/chromium --version 2>/dev/null | head -n1)"
