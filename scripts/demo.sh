#!/usr/bin/env bash
# The main job: build the LocalSounds corpus from recorded audio in Debian
# packages, train a small Pengi from scratch on the CPU with PengiBrain,
# load the result through the inference interface and print the held-out
# metrics, the targets and the seconds of each stage (also written to
# results/LocalSounds/seed<seed>/heldout_metrics.json, and copied to
# results/LocalSounds/heldout_metrics.json).
#
#   bash scripts/demo.sh                 # seed 1986
#   bash scripts/demo.sh --seed 7        # another seed, its own folder
#   bash scripts/demo.sh --number_of_epochs 2   # any training option
#
# The test split is held out by recording source: its notes come from a
# soundfont and its drum hits from kits that training never hears
# (recipes/LocalSounds/README.md, "Splits").
set -euo pipefail
cd "$(dirname "$0")/.."
STARTED=$(date +%s)
SEED=1986
EPOCHS=5        # what fits 15 minutes on a 2-core machine (README)
TRAIN_ARGS=()   # the other options, passed on to the training
while [ $# -gt 0 ]; do
    case "$1" in
        --seed) SEED=${2:?--seed needs a value}; shift ;;
        --seed=*) SEED=${1#--seed=} ;;
        --number_of_epochs) EPOCHS=${2:?--number_of_epochs needs a value}; shift ;;
        --number_of_epochs=*) EPOCHS=${1#--number_of_epochs=} ;;
        *) TRAIN_ARGS+=("$1") ;;
    esac
    shift
done

bash scripts/setup_env.sh --audio
SETUP=$(( $(date +%s) - STARTED ))
PY=.venv/bin/python
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
DATA=${PENGI_DEMO_DATA:-data}
OUT=results/LocalSounds
RUN=$OUT/seed$SEED

echo "[demo] building the LocalSounds corpus"
T0=$(date +%s)
$PY recipes/LocalSounds/localsounds_prepare.py \
    --data_folder "$DATA/LocalSounds" --save_folder "$OUT/manifests/LocalSounds"
PREPARE=$(( $(date +%s) - T0 ))

echo "[demo] training a small Pengi from scratch (PengiBrain), seed $SEED," \
     "$EPOCHS epochs;" \
     "after each epoch it logs the epoch's seconds and when training ends"
T0=$(date +%s)
$PY recipes/Pretrain/train.py recipes/Pretrain/hparams/pretrain_small.yaml \
    --manifest_folder "$OUT/manifests" --corpus_folder "$DATA" \
    --output_folder "$RUN/train" --seed "$SEED" --run_started "$STARTED" \
    --number_of_epochs "$EPOCHS" \
    --test_generate False --valid_generate_every 0 ${TRAIN_ARGS[@]+"${TRAIN_ARGS[@]}"}
TRAIN=$(( $(date +%s) - T0 ))

echo "[demo] evaluating the trained model on the held-out test split"
$PY recipes/LocalSounds/evaluate_heldout.py \
    --pretrained "$RUN/train/pretrained" \
    --save_folder "$OUT/manifests/LocalSounds" --data_folder "$DATA/LocalSounds" \
    --output "$RUN/heldout_metrics.json" --started "$STARTED" \
    --stage_seconds "setup=$SETUP,prepare=$PREPARE,train=$TRAIN"
cp "$RUN/heldout_metrics.json" "$OUT/heldout_metrics.json"
echo "[demo] done in $(( ($(date +%s) - STARTED) / 60 )) min" \
     "$(( ($(date +%s) - STARTED) % 60 )) s"
