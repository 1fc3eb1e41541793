#!/usr/bin/env python3
"""Summarises demo runs of several seeds: per metric the value of each
seed, the mean, the standard deviation and the lowest, and whether each
target is met by the mean and by every seed.

Each run is a ``heldout_metrics.json`` that ``scripts/demo.sh --seed N``
writes (``results/LocalSounds/seed<N>/``). Usage::

    python recipes/LocalSounds/summarize_seeds.py results/LocalSounds/seed*/heldout_metrics.json \\
        [--output results/LocalSounds/seeds_summary.json]

Example
-------
>>> runs = [{"run": {"seed": s}, "metrics": {"language_accuracy": v},
...          "seconds": {"total": 600.0}}
...         for s, v in ((1, 0.9), (2, 0.95))]
>>> table = summarize(runs, {"language_accuracy": 0.9})
>>> table["language_accuracy"]["mean"], table["language_accuracy"]["every_seed_met"]
(0.925, True)

Authors
 * pengi-sb developers 2026
"""

import argparse
import json
import os
import sys
import statistics

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from evaluate_heldout import TARGETS  # noqa: E402

SHOWN = ("instrument_family_accuracy", "language_accuracy",
         "aqa_yes_no_accuracy", "bleu_4", "rouge_l", "cider_d")


def summarize(runs, targets=TARGETS):
    """``{metric: {"seeds": {seed: value}, "mean", "std", "min"[, "target",
    "mean_met", "every_seed_met"]}}`` plus ``"total_minutes"``."""
    table = {}
    for key in [k for k in SHOWN if all(k in r["metrics"] for r in runs)]:
        values = [r["metrics"][key] for r in runs]
        row = {"seeds": {str(r["run"].get("seed")): v
                         for r, v in zip(runs, values)},
               "mean": statistics.fmean(values),
               "std": statistics.pstdev(values), "min": min(values)}
        if key in targets:
            row.update(target=targets[key],
                       mean_met=row["mean"] >= targets[key],
                       every_seed_met=row["min"] >= targets[key])
        table[key] = row
    minutes = [r["seconds"]["total"] / 60 for r in runs
               if "total" in r.get("seconds", {})]
    if minutes:
        table["total_minutes"] = {"mean": statistics.fmean(minutes),
                                  "max": max(minutes)}
    return table


def format_summary(table):
    """The table as aligned text lines."""
    lines = [f"{'metric':28s} {'seeds':>28s} {'mean':>7s} {'std':>6s} "
             f"{'min':>6s}  target"]
    for key, row in table.items():
        if key == "total_minutes":
            continue
        seeds = " ".join(f"{v:.3f}" for v in row["seeds"].values())
        target = ""
        if "target" in row:
            target = (f">= {row['target']}: mean "
                      f"{'met' if row['mean_met'] else 'NOT met'}, every "
                      f"seed {'met' if row['every_seed_met'] else 'NOT met'}")
        lines.append(f"{key:28s} {seeds:>28s} {row['mean']:7.3f} "
                     f"{row['std']:6.3f} {row['min']:6.3f}  {target}")
    if "total_minutes" in table:
        t = table["total_minutes"]
        lines.append(f"whole demo: {t['mean']:.1f} min on average, "
                     f"{t['max']:.1f} at most")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", help="heldout_metrics.json files")
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    runs = []
    for path in args.runs:
        with open(path) as f:
            runs.append(json.load(f))
    table = summarize(runs)
    print("\n".join(format_summary(table)))
    if args.output:
        with open(args.output, "w") as f:
            json.dump(table, f, indent=1)
        print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
