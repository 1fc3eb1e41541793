#!/usr/bin/env python3
"""Evaluates a trained Pengi on the held-out LocalSounds test split.

Loads the model through the inference interface (``Pengi.from_hparams``)
and scores every test item by its ``eval_task``:

* ``instrument_family``: zero-shot close-ended classification of the family
  (label likelihood of "produced by <family>" after "this music note is"),
  accuracy;
* ``language``: the spoken language (likelihood of each language name after
  "this language is"), accuracy;
* ``aqa_yes_no``: yes/no questions (total log-probability of "yes" vs
  "no" as the whole answer), accuracy; generated answers are printed too;
* ``captioning``: beam-search captions, BLEU-4 / ROUGE-L / CIDEr-D against
  the references (:func:`pengi_sb.metrics.score_generations`, the scoring
  of generated text that training and the benchmarks use).

Prints captions next to references, some answers, the metric table and
whether each target of the demo is met; writes ``heldout_metrics.json``
with the metrics, the protocol (what each split is rendered / recorded
from, read off the manifests: soundfonts, drum kits, voices), the run
(seed, epochs and seconds per epoch, from the training folder) and the
seconds of each stage of the script that ran it. Usage::

    python recipes/LocalSounds/evaluate_heldout.py \
        --pretrained results/LocalSounds/seed1986/train/pretrained \
        --save_folder results/LocalSounds/manifests/LocalSounds \
        --data_folder data/LocalSounds \
        --output results/LocalSounds/seed1986/heldout_metrics.json

Authors
 * pengi-sb developers 2026
"""

import argparse
import json
import os
import sys
import time
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import localsounds_prepare  # noqa: E402,F401  (registers its templates)

from pengi_sb.inference import Pengi  # noqa: E402
from pengi_sb.data.manifest import read_manifest  # noqa: E402
from pengi_sb.metrics import accuracy, score_generations  # noqa: E402

# eval_task -> (label file, Pengi.classify options: how a label is written
# after the prompt, whether it ends the answer, length-normalised scores).
# Yes/no compares whole-answer probabilities: the SentencePiece vocabulary
# may split "yes" into more pieces than "no", and a per-token mean then
# favours "yes" (measured: 495 of 712 test answers "yes" with the mean,
# 343 with the total, for 356 true "yes").
CLOSED_TASKS = {
    "instrument_family": ("labels_instrument_family.json", {
        "label_format": "produced by {}", "include_stop": False}),
    "language": ("labels_language.json", {"include_stop": True}),
    "aqa_yes_no": ("labels_aqa_yes_no.json", {
        "include_stop": True, "length_normalize": False}),
}
# Caption metrics of the held-out captions (PTB-tokenised, as the benchmarks)
CAPTION_METRICS = ("bleu_4", "rouge_l", "cider_d")
# What the demo must reach on the held-out split (README, "Results")
TARGETS = {"instrument_family_accuracy": 0.75, "language_accuracy": 0.9,
           "aqa_yes_no_accuracy": 0.85}
# What each source's test clips hold out (the manifests give the details)
HELD_OUT = {
    "notes": "test notes are rendered with soundfonts no training or "
             "validation note uses, at pitches of each program no training "
             "note has",
    "drums": "test hits come from drum kits training never hears (whole "
             "kits held out; with fewer than 3 kits, kit instruments)",
    "speech": "test recordings (sentences) are never heard in training; "
              "each language has one Asterisk voice, heard in every split",
    "samples": "each Sonic Pi sample is in one split",
    "events": "each freedesktop sound is in one split",
}


def evaluate(pengi, items, save_folder, batch_size=16, beam_size=3,
             max_len=20, show=8):
    """Scores the items; returns ``(metrics dict, printable lines)``."""
    by_task = defaultdict(list)
    for item in items.values():
        by_task[item["eval_task"]].append(item)
    metrics, lines = {}, []
    for task, (label_file, options) in CLOSED_TASKS.items():
        if not by_task.get(task):
            continue
        with open(os.path.join(save_folder, label_file)) as f:
            labels = json.load(f)
        predicted, truth = [], []
        # items of one prompt (the AQA questions differ) are batched together
        by_prompt = defaultdict(list)
        for item in by_task[task]:
            by_prompt[item["prompt"]].append(item)
        for prompt, group in by_prompt.items():
            for start in range(0, len(group), batch_size):
                chunk = group[start:start + batch_size]
                results = pengi.classify_files(
                    [it["wav"] for it in chunk], labels, prompt, **options)
                predicted += [r.predicted[0] for r in results]
                truth += [it["labels"][0] for it in chunk]
        metrics[f"{task}_accuracy"] = accuracy(predicted, truth)
        metrics[f"{task}_items"] = len(truth)
    if by_task.get("aqa_yes_no"):
        sample = by_task["aqa_yes_no"][:show]
        answers = pengi.generate_files([it["wav"] for it in sample],
                                       [it["prompt"] for it in sample],
                                       beam_size=beam_size, max_len=4)
        lines.append("\nanswers (generated | reference):")
        for it, ans in zip(sample, answers):
            lines.append(f"  {it['prompt']:<45s} {ans.text:<6s} | "
                         f"{it['target']}")
    caps = by_task.get("captioning", [])
    if caps:
        candidates = []
        for start in range(0, len(caps), batch_size):
            chunk = caps[start:start + batch_size]
            candidates += [r.text for r in pengi.caption_files(
                [it["wav"] for it in chunk], beam_size=beam_size,
                max_len=max_len)]
        records = [{"task": "captioning", "hypothesis": cand,
                    "target": it["target"],
                    "references": it.get("references")}
                   for it, cand in zip(caps, candidates)]
        scores = score_generations(records, CAPTION_METRICS)
        metrics.update({k: float(v) for k, v in scores.captions.items()
                        if k != "n" and v is not None})
        metrics["captioning_items"] = scores.captions["n"]
        for name, reason in scores.unavailable.items():
            lines.append(f"{name}: not computed ({reason})")
        lines.append("\ncaptions (generated | reference):")
        for it, cand in list(zip(caps, candidates))[:show]:
            lines.append(f"  {cand:<45s} | {it['references'][0]}")
    return metrics, lines


def protocol(save_folder, data_folder):
    """What each split holds, read off the manifests: clips per source,
    the soundfonts of the notes, the drum kits, the voices."""
    splits = {}
    for split in ("train", "valid", "test"):
        items = read_manifest(os.path.join(save_folder, f"{split}.json"),
                              data_root=data_folder)
        clips = {item["clip"]: item for item in items.values()}
        per_source = defaultdict(int)
        for item in clips.values():
            per_source[item["source"]] += 1

        def used(source, key, clips=clips):
            return sorted({c[key] for c in clips.values()
                           if c["source"] == source and key in c})

        splits[split] = {"items": len(items), "clips": dict(per_source),
                         "soundfonts": used("notes", "soundfont"),
                         "drum_kits": used("drums", "kit"),
                         "voices": used("speech", "voice")}
    return {"held_out": HELD_OUT, "splits": splits}


def training_run(train_folder):
    """Seed, epochs and seconds per epoch of the training run, read from
    its folder (``hyperparams.yaml`` and ``train_log.txt``); {} when it is
    not there."""
    run = {}
    hparams = os.path.join(train_folder, "hyperparams.yaml")
    if os.path.isfile(hparams):
        with open(hparams) as f:
            for line in f:
                if line.startswith(("seed:", "number_of_epochs:")):
                    key, value = line.split(":", 1)
                    run[key] = int(value.split("#")[0])
    log = os.path.join(train_folder, "train_log.txt")
    if os.path.isfile(log):
        epochs = []
        with open(log) as f:
            for line in f:
                fields = dict(part.strip().split(": ", 1)
                              for part in line.split(" - ")[0].split(", ")
                              if ": " in part)
                if "epoch" in fields and "seconds" in fields:
                    epochs.append(float(fields["seconds"]))
        run["epochs_trained"] = len(epochs)
        run["epoch_seconds"] = epochs
    return run


def format_table(metrics):
    rows = [(k, v) for k, v in metrics.items() if not k.endswith("_items")]
    width = max(len(k) for k, _ in rows)
    out = [f"{'metric':<{width}s}  value", f"{'-' * width}  -----"]
    for key, value in rows:
        n = metrics.get(key.replace("_accuracy", "_items"))
        extra = f"  ({n} items)" if key.endswith("_accuracy") and n else ""
        out.append(f"{key:<{width}s}  {value:.4f}{extra}")
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pretrained", required=True)
    parser.add_argument("--save_folder", required=True,
                        help="where localsounds_prepare wrote test.json")
    parser.add_argument("--data_folder", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--train_folder", default=None,
                        help="the training run's output folder (seed, "
                        "epochs, seconds per epoch); default: the folder "
                        "above --pretrained")
    parser.add_argument("--stage_seconds", default="",
                        help="seconds of the stages before this one, as "
                        "name=seconds,name=seconds (scripts/demo.sh)")
    parser.add_argument("--started", type=float, default=None,
                        help="epoch seconds when the whole run started "
                        "(for the total)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    started = time.time()
    items = read_manifest(os.path.join(args.save_folder, "test.json"),
                          data_root=args.data_folder)
    pengi = Pengi.from_hparams(source=args.pretrained,
                               savedir=args.pretrained,
                               run_opts={"device": args.device})
    metrics, lines = evaluate(pengi, items, args.save_folder)
    seconds = {name: float(value) for name, value in (
        part.split("=") for part in args.stage_seconds.split(",") if part)}
    seconds["evaluate"] = time.time() - started
    if args.started is not None:
        seconds["total"] = time.time() - args.started
    train_folder = args.train_folder or os.path.dirname(
        os.path.abspath(args.pretrained))
    report = {
        "metrics": metrics,
        "targets": {key: {"target": target,
                          "met": metrics.get(key, 0.0) >= target}
                    for key, target in TARGETS.items()},
        "run": training_run(train_folder),
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
        "protocol": protocol(args.save_folder, args.data_folder),
    }
    print("\n".join(lines))
    print("\nheld-out LocalSounds test split")
    print(format_table(metrics))
    for key, target in report["targets"].items():
        print(f"target {key} >= {target['target']}: "
              + ("met" if target["met"] else "NOT met"))
    print("seconds per stage: " + ", ".join(
        f"{k} {v:.0f}" for k, v in report["seconds"].items()))
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w") as f:
        json.dump(report, f, indent=1)
    print(f"\nwrote {args.output}")


if __name__ == "__main__":
    main()
