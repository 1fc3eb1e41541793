"""The fine-tuning recipe loop: one protocol run trained with PengiBrain.

Every ``recipes/<Dataset>/finetune/train.py`` calls :func:`main`; the task
folder's ``hparams/finetune*.yaml`` holds what its benchmark changes (the
prepare function, the data protocol and the run to train, the task's
evaluation keys) and takes the rest from
``recipes/hparams/finetune_common.yaml`` (the trainable parts, the
optimisation, checkpoints; see :mod:`pengi_sb.benchmark.recipe_yaml`).

Steps: prepare the manifests; load ``pretrained_source`` with trainable
parameters (the modules not in ``trainable_modules`` are frozen; inside the
listed ones, what the model definition freezes stays frozen: GPT-2 and the
CLIP text tower in the paper's models); train with
:class:`pengi_sb.training.brain.PengiBrain` (next-token cross-entropy on the
task's template targets, checkpoints that resume mid-epoch); test the best
checkpoint (loss, token accuracy); write the tuned model as a pretrained
folder (``finetuned_folder``); score it on the run's test items with the
benchmark's metric (:func:`pengi_sb.benchmark.scoring.evaluate_items`) into
``<output_folder>/evaluation/results.json``.

Example
-------
>>> from pengi_sb.benchmark.protocols import Run
>>> runs = [Run("fold1", {}, {}, {}), Run("fold2", {}, {}, {})]
>>> select_run(runs, "fold2").name, select_run(runs, None).name
('fold2', 'fold1')

Authors
 * pengi-sb developers 2026
"""

import os
import sys

import speechbrain as sb
from speechbrain.utils.distributed import if_main_process
from speechbrain.utils.logger import get_logger

from pengi_sb.benchmark.config import EvaluationError, TaskConfig
from pengi_sb.benchmark.protocols import load_runs
from pengi_sb.benchmark.recipe import (
    load_labels,
    load_model,
    prepare_data,
    recipe_hparams,
)
from pengi_sb.benchmark.report import write_report
from pengi_sb.benchmark.scoring import check_metric_tools, evaluate_items
from pengi_sb.data.audio import window_mode_from_hparams
from pengi_sb.data.pipeline import PengiDataset
from pengi_sb.text.tokenizers import tokenizers_from_hparams
from pengi_sb.training.brain import PengiBrain
from pengi_sb.training.export import export_pretrained

logger = get_logger(__name__)


def select_run(runs, name):
    """The run of the protocol called ``name``.

    Arguments
    ---------
    runs : list of Run
        The protocol's runs (:func:`pengi_sb.benchmark.protocols.load_runs`).
    name : str or None
        The hparams' ``run_name`` (``None``: the first run).

    Returns
    -------
    Run

    Raises
    ------
    EvaluationError
        ``name`` is not one of the runs (the error lists them).
    """
    if name is None:
        return runs[0]
    for run in runs:
        if run.name == str(name):
            return run
    raise EvaluationError(
        f"run_name '{name}' is not a run of the protocol: "
        f"{[r.name for r in runs]}"
    )


def freeze_except(pengi, trainable):
    """Freezes every module of the model not named in ``trainable``.

    Arguments
    ---------
    pengi : pengi_sb.inference.Pengi
        The loaded model (``pengi.mods``).
    trainable : list of str
        The hparams' ``trainable_modules``.

    Raises
    ------
    EvaluationError
        A name that is not a module of the model.
    """
    unknown = sorted(set(trainable) - set(pengi.mods))
    if unknown:
        raise EvaluationError(
            f"trainable_modules {unknown} are not modules of the model "
            f"({sorted(pengi.mods)})"
        )
    for name, module in pengi.mods.items():
        if name not in trainable:
            module.requires_grad_(False)


def dataio_prepare(hparams, pengi, run):
    """The run's PengiDatasets, with the model's tokenizers.

    Arguments
    ---------
    hparams : dict
        The recipe's hparams (``max_target_tokens``, ``window_mode``,
        ``seed``).
    pengi : pengi_sb.inference.Pengi
        The model being tuned (its tokenizers, rate and window).
    run : Run
        The run's train / valid / test items.

    Returns
    -------
    (dict, TextTokenizer)
        ``{role: PengiDataset}`` for the roles that have items, and the
        target tokenizer (PengiBrain decodes with it).
    """
    prompt_tok, target_tok = tokenizers_from_hparams(
        vars(pengi.hparams), root=pengi.hparams.savedir)
    common = {
        "prompt_tokenizer": prompt_tok,
        "target_tokenizer": target_tok,
        "sample_rate": pengi.sample_rate,
        "clip_seconds": pengi.hparams.clip_seconds,
        "prompt_max_length": pengi.hparams.prompt_max_length,
        "max_target_tokens": hparams.get("max_target_tokens"),
        "window_mode": window_mode_from_hparams(hparams),
        "seed": hparams["seed"],
    }
    datasets = {}
    for role, items in (("train", run.train), ("valid", run.valid),
                        ("test", run.test)):
        if items:
            datasets[role] = PengiDataset(items, train=role == "train",
                                          name=f"{run.name} {role}", **common)
    return datasets, target_tok


def export_tuned(hparams, pengi, hparams_file):
    """Writes the tuned model as a pretrained folder.

    Arguments
    ---------
    hparams : dict
        The recipe's hparams (``finetuned_folder``, ``pretrained_source``).
    pengi : pengi_sb.inference.Pengi
        The tuned model.
    hparams_file : str
        The recipe yaml (recorded in ``finetuned_from.txt``).

    Returns
    -------
    str
        The folder (loadable with ``Pengi.from_hparams(source=...)``).
    """
    source_yaml = os.path.join(pengi.hparams.savedir, "hyperparams.yaml")
    tokenizer = None
    if pengi.hparams.decoder_tokenizer == "sentencepiece":
        tokenizer = os.path.join(pengi.hparams.savedir,
                                 pengi.hparams.decoder_tokenizer_source)
    out = export_pretrained(hparams["finetuned_folder"], source_yaml,
                            dict(pengi.mods), model_key=None,
                            tokenizer_file=tokenizer)
    with open(os.path.join(out, "finetuned_from.txt"), "w",
              encoding="utf-8") as f:
        f.write(f"{hparams['pretrained_source']}\n{hparams_file}\n")
    return out


def evaluate_tuned(hparams, run_opts, run, config, folder):
    """Scores the exported model on the run's test items and writes the
    report into ``<output_folder>/evaluation``.

    Returns
    -------
    dict
        The report of :func:`pengi_sb.benchmark.scoring.evaluate_items`.
    """
    tuned = load_model({**hparams, "pretrained_source": folder,
                        "pretrained_savedir": folder}, run_opts)
    labels = None
    if config.task_type in ("classification", "multilabel"):
        labels = load_labels(hparams["manifest_folder"])
    report = evaluate_items(
        tuned, run.test, config, labels,
        max_batches=run_opts["debug_batches"] if run_opts["debug"] else None,
    )
    benchmark = hparams.get("benchmark", {})
    write_report(
        report, os.path.join(hparams["output_folder"], "evaluation"),
        benchmark,
        title=f"Pengi fine-tuned: {benchmark.get('dataset', '')} "
        f"{benchmark.get('task', '')} ({run.name})",
        extra={"model": folder, "run": run.name,
               "debug": bool(run_opts["debug"])},
    )
    return report


def run(hparams, run_opts, hparams_file):
    """Trains, tests, exports and scores one run of the protocol.

    Arguments
    ---------
    hparams : dict
        The loaded hparams (:func:`pengi_sb.benchmark.recipe.recipe_hparams`).
    run_opts : dict
        SpeechBrain's run options (device, debug...).
    hparams_file : str
        The recipe yaml.

    Returns
    -------
    (PengiBrain, dict or None)
        The brain and the tuned model's report (``None`` on other
        processes than the main one, or with ``evaluate_tuned: False``).
    """
    sb.utils.distributed.ddp_init_group(run_opts)
    config = TaskConfig.from_hparams(hparams)
    if hparams.get("evaluate_tuned", True):
        check_metric_tools(config)
    paths = prepare_data(hparams)
    chosen = select_run(load_runs(hparams, paths), hparams.get("run_name"))
    logger.info("run %s: %d train, %d valid, %d test item(s)", chosen.name,
                len(chosen.train), len(chosen.valid), len(chosen.test))

    pengi = load_model(hparams, run_opts, trainable=True)
    freeze_except(pengi, hparams["trainable_modules"])
    datasets, target_tok = dataio_prepare(hparams, pengi, chosen)
    hparams["checkpointer"].add_recoverable("model", pengi.model)
    brain = PengiBrain(
        modules={"model": pengi.model},
        opt_class=hparams["opt_class"],
        hparams=hparams,
        run_opts=run_opts,
        checkpointer=hparams["checkpointer"],
        tokenizer=target_tok,
    )
    brain.fit(
        hparams["epoch_counter"],
        datasets["train"],
        datasets.get("valid"),
        train_loader_kwargs=hparams["train_dataloader_opts"],
        valid_loader_kwargs=hparams["valid_dataloader_opts"],
    )
    brain.evaluate(datasets["test"], min_key="loss",
                   test_loader_kwargs=hparams["valid_dataloader_opts"])

    report = None
    if if_main_process():
        folder = export_tuned(hparams, pengi, hparams_file)
        if hparams.get("evaluate_tuned", True):
            report = evaluate_tuned(hparams, run_opts, chosen, config, folder)
    sb.utils.distributed.ddp_barrier()
    return brain, report


def main(argv=None, script_file=None):
    """The command line of ``recipes/<Dataset>/finetune/train.py``.

    Arguments
    ---------
    argv : list of str, optional
        ``<hparams yaml> [--key value ...] [--debug] [--device ...]``
        (default: ``sys.argv[1:]``).
    script_file : str, optional
        The calling script (named in errors).

    Returns
    -------
    (PengiBrain, dict or None)
        See :func:`run`.
    """
    argv = sys.argv[1:] if argv is None else argv
    hparams, run_opts, _, hparams_file = recipe_hparams(argv, script_file)
    return run(hparams, run_opts, hparams_file)
