#!/usr/bin/env bash
# The main job: build the LocalSounds corpus from recorded audio in Debian
# packages, train a small Pengi from scratch on the CPU with PengiBrain,
# load the result through the inference interface and print the held-out
# metrics (also written to results/LocalSounds/heldout_metrics.json).
set -euo pipefail
cd "$(dirname "$0")/.."
STARTED=$(date +%s)
bash scripts/setup_env.sh --audio
PY=.venv/bin/python
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
DATA=${PENGI_DEMO_DATA:-data}
OUT=results/LocalSounds
echo "[demo] building the LocalSounds corpus"
$PY recipes/LocalSounds/localsounds_prepare.py \
    --data_folder "$DATA/LocalSounds" --save_folder "$OUT/manifests/LocalSounds"
echo "[demo] training a small Pengi from scratch (PengiBrain)"
$PY recipes/Pretrain/train.py recipes/Pretrain/hparams/pretrain_small.yaml \
    --manifest_folder "$OUT/manifests" --corpus_folder "$DATA" \
    --output_folder "$OUT/train" --number_of_epochs 20 --test_generate False \
    --valid_generate_every 0 "$@"
echo "[demo] evaluating the trained model on the held-out test split"
$PY recipes/LocalSounds/evaluate_heldout.py \
    --pretrained "$OUT/train/pretrained" \
    --save_folder "$OUT/manifests/LocalSounds" --data_folder "$DATA/LocalSounds" \
    --output "$OUT/heldout_metrics.json" --started "$STARTED"
