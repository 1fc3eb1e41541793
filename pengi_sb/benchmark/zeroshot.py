"""The zero-shot recipe loop: a benchmark split scored by a pretrained Pengi.

Every ``recipes/<Dataset>/zeroshot/evaluate.py`` calls :func:`main`; the
task folder's ``hparams/zeroshot*.yaml`` holds what its benchmark changes
(prepare function, split, prompt, task type, metric, the paper's numbers)
and takes the rest from ``recipes/hparams/zeroshot_common.yaml`` (see
:mod:`pengi_sb.benchmark.recipe_yaml`).

Steps: prepare the dataset's manifests (its ``<dataset>_prepare.py``), load
the model, score the split with
:func:`pengi_sb.benchmark.scoring.evaluate_items`, write ``results.json``,
``results.md`` (our number beside the paper's) and ``predictions.json`` in
``output_folder``. ``--debug`` scores only the first ``debug_batches``
batches; any hparam can be overridden (``--batch_size 32 --methods
"[text]"``).

Authors
 * pengi-sb developers 2026
"""

import sys

from pengi_sb.benchmark.config import TaskConfig
from pengi_sb.benchmark.recipe import (
    load_labels,
    load_model,
    load_split,
    prepare_data,
    recipe_hparams,
)
from pengi_sb.benchmark.report import write_report
from pengi_sb.benchmark.scoring import evaluate_items


def run(hparams, run_opts):
    """Scores the hparams' split and writes the report.

    Arguments
    ---------
    hparams : dict
        The loaded hparams (:func:`pengi_sb.benchmark.recipe.recipe_hparams`).
    run_opts : dict
        SpeechBrain's run options (device, debug...).

    Returns
    -------
    dict
        The report (:func:`pengi_sb.benchmark.scoring.evaluate_items`).
    """
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


def main(argv=None, script_file=None):
    """The command line of ``recipes/<Dataset>/zeroshot/evaluate.py``.

    Arguments
    ---------
    argv : list of str, optional
        ``<hparams yaml> [--key value ...] [--debug] [--device ...]``
        (default: ``sys.argv[1:]``).
    script_file : str, optional
        The calling script (named in errors).

    Returns
    -------
    dict
        The report (see :func:`run`).
    """
    argv = sys.argv[1:] if argv is None else argv
    hparams, run_opts, _, _ = recipe_hparams(argv, script_file)
    return run(hparams, run_opts)
