"""The linear-probe recipe loop: each protocol run probed on frozen embeddings.

Every ``recipes/<Dataset>/finetune/linear_probe.py`` calls :func:`main`;
the task folder's ``hparams/linear_probe*.yaml`` holds what its benchmark
changes (the prepare function, the data protocol: the dataset's official
folds as cross-validation, its train/valid/test splits, or stratified
k-fold where it defines none; single- or multi-label) and takes the rest
(the probe's options ``probe_epochs``, ``probe_lr``,
``probe_weight_decays``...) from ``recipes/hparams/linear_probe_common.yaml``
(see :mod:`pengi_sb.benchmark.recipe_yaml`).

Every clip is embedded once by the frozen audio encoder (cached in
``<output_folder>/embeddings``), a logistic regression is trained per run
(:mod:`pengi_sb.benchmark.linear_probe`), and ``results.json`` /
``results.md`` report each run's test accuracy (mAP for multi-label tasks)
and their mean and standard deviation.

Authors
 * pengi-sb developers 2026
"""

import sys

from pengi_sb.benchmark.linear_probe import (
    ProbeConfig,
    run_linear_probe,
    write_probe_report,
)
from pengi_sb.benchmark.protocols import load_runs
from pengi_sb.benchmark.recipe import (
    load_labels,
    load_model,
    prepare_data,
    recipe_hparams,
)


def run(hparams, run_opts):
    """Probes every run of the protocol and writes the report.

    Arguments
    ---------
    hparams : dict
        The loaded hparams (:func:`pengi_sb.benchmark.recipe.recipe_hparams`).
    run_opts : dict
        SpeechBrain's run options (``--debug`` caps the probe's epochs at
        ``debug_epochs``).

    Returns
    -------
    dict
        The report (:func:`pengi_sb.benchmark.linear_probe.run_linear_probe`).
    """
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


def main(argv=None, script_file=None):
    """The command line of ``recipes/<Dataset>/finetune/linear_probe.py``.

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
