#!/usr/bin/env python3
"""Recipe: zero-shot evaluation of a pretrained Pengi on one benchmark.

Every ``recipes/<Dataset>/zeroshot/evaluate.py`` is a symlink to this
script; what differs between benchmarks (prepare function, split, prompt,
task type, metric, the paper's number) is in the task folder's
``hparams/*.yaml``. Steps: prepare the dataset's manifests (its
``<dataset>_prepare.py``), load the model, score the split with
:func:`pengi_sb.benchmark.evaluation.evaluate_items`, write ``results.json``,
``results.md`` (our number beside the paper's) and ``predictions.json``
in ``output_folder``.

To run::

    python recipes/ESC50/zeroshot/evaluate.py \\
        recipes/ESC50/zeroshot/hparams/zeroshot.yaml \\
        --data_folder /data/ESC-50-master \\
        --pretrained_source pretrained/pengi_base

``--debug`` scores only the first ``debug_batches`` batches; any hparam
can be overridden (``--batch_size 32 --methods "[text]"``).

Authors
 * pengi-sb developers 2026
"""

import sys

from pengi_sb.benchmark.evaluation import (
    TaskConfig,
    evaluate_items,
    load_labels,
    load_model,
    load_split,
    prepare_data,
    recipe_hparams,
    write_report,
)


def main(argv=None):
    """Runs the evaluation; returns the report (a dict)."""
    argv = sys.argv[1:] if argv is None else argv
    hparams, run_opts, overrides, hparams_file = recipe_hparams(argv,
                                                                __file__)
    config = TaskConfig.from_hparams(hparams)
    paths = prepare_data(hparams)
    items = load_split(paths, hparams["split"], hparams["data_folder"])
    labels = None
    if config.task_type in ("classification", "multilabel"):
        labels = load_labels(hparams["manifest_folder"])
    pengi = load_model(hparams, run_opts)
    report = evaluate_items(
        pengi, items, config, labels,
        max_batches=run_opts["debug_batches"] if run_opts["debug"] else None,
    )
    benchmark = hparams.get("benchmark", {})
    write_report(
        report, hparams["output_folder"], benchmark,
        title=f"Pengi zero-shot: {benchmark.get('dataset', '')} "
        f"{benchmark.get('task', '')}".strip(),
        extra={"model": str(hparams["pretrained_source"]),
               "split": hparams["split"],
               "debug": bool(run_opts["debug"])},
    )
    return report


if __name__ == "__main__":
    main()
