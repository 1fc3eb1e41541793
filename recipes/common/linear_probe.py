#!/usr/bin/env python3
"""Recipe: linear probe on frozen Pengi audio embeddings.

Every ``recipes/<Dataset>/finetune/linear_probe.py`` is a symlink to this
script; the task folder's ``hparams/linear_probe*.yaml`` names the prepare
function, the data protocol (the dataset's official folds as
cross-validation, its train/valid/test splits, or stratified k-fold where
it defines none), the task type (single- or multi-label) and the probe's
options (``probe_epochs``, ``probe_lr``, ``probe_weight_decays``...).

Every clip is embedded once by the frozen audio encoder (cached in
``<output_folder>/embeddings``), a logistic regression is trained per run
(:mod:`pengi_sb.benchmark.linear_probe`), and ``results.json`` / ``results.md``
report each run's test accuracy (mAP for multi-label tasks) and their mean
and standard deviation.

To run::

    python recipes/ESC50/finetune/linear_probe.py \\
        recipes/ESC50/finetune/hparams/linear_probe.yaml \\
        --data_folder /data/ESC-50-master \\
        --pretrained_source pretrained/pengi_base

Authors
 * pengi-sb developers 2026
"""

import sys

from pengi_sb.benchmark.evaluation import (
    load_labels,
    load_model,
    load_runs,
    prepare_data,
    recipe_hparams,
)
from pengi_sb.benchmark.linear_probe import (
    ProbeConfig,
    run_linear_probe,
    write_probe_report,
)


def main(argv=None):
    """Runs the probes; returns the report (a dict)."""
    argv = sys.argv[1:] if argv is None else argv
    hparams, run_opts, overrides, hparams_file = recipe_hparams(argv,
                                                                __file__)
    paths = prepare_data(hparams)
    runs = load_runs(hparams, paths)
    labels = load_labels(hparams["manifest_folder"])
    pengi = load_model(hparams, run_opts)
    config = ProbeConfig.from_hparams(
        {**hparams, "probe_device": run_opts["device"]})
    if run_opts["debug"]:
        config.epochs = min(config.epochs, run_opts["debug_epochs"])
    report = run_linear_probe(
        pengi, runs, labels, hparams["task_type"] == "multilabel", config,
        batch_size=hparams["batch_size"],
        num_workers=hparams.get("num_workers", 0),
        output_folder=hparams["output_folder"],
    )
    benchmark = hparams.get("benchmark", {})
    write_probe_report(
        report, hparams["output_folder"], benchmark,
        title=f"Pengi linear probe: {benchmark.get('dataset', '')} "
        f"{benchmark.get('task', '')}".strip(),
        extra={"model": str(hparams["pretrained_source"]),
               "protocol": hparams.get("protocol", "splits"),
               "debug": bool(run_opts["debug"])},
    )
    return report


if __name__ == "__main__":
    main()
