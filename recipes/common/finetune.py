#!/usr/bin/env python3
"""Recipe: fine-tuning a pretrained Pengi on one benchmark (PengiBrain).

Every ``recipes/<Dataset>/finetune/train.py`` is a symlink to this script;
the task folder's ``hparams/finetune*.yaml`` holds what differs: the
prepare function, the data protocol (official folds, splits, k-fold) and
which of its runs to train (``run_name``), the trainable parts, the
optimisation, and the task's evaluation keys (as in the zero-shot yaml).

Steps: prepare the manifests; load ``pretrained_source`` with trainable
parameters (the parts not in ``trainable_modules`` are frozen; inside the
listed ones, what the model definition freezes stays frozen: GPT-2 and the
CLIP text tower in the paper's models); train with
:class:`pengi_sb.training.brain.PengiBrain` (next-token cross-entropy on the
task's template targets, checkpoints that resume mid-epoch); test the best
checkpoint (loss, token accuracy); write the tuned model as a pretrained
folder (``finetuned_folder``); score it on the run's test items with the
benchmark's metric (:func:`pengi_sb.benchmark.evaluation.evaluate_items`), into
``<output_folder>/evaluation/results.json``.

To run::

    python recipes/ESC50/finetune/train.py \\
        recipes/ESC50/finetune/hparams/finetune.yaml \\
        --data_folder /data/ESC-50-master \\
        --pretrained_source pretrained/pengi_base [--run_name fold5]

Authors
 * pengi-sb developers 2026
"""

import os
import sys

import speechbrain as sb
from speechbrain.utils.distributed import if_main_process
from speechbrain.utils.logger import get_logger

from pengi_sb.training.brain import PengiBrain
from pengi_sb.data.pipeline import PengiDataset, load_tokenizers
from pengi_sb.benchmark.evaluation import (
    EvaluationError,
    TaskConfig,
    check_metric_tools,
    evaluate_items,
    load_labels,
    load_model,
    load_runs,
    prepare_data,
    recipe_hparams,
    write_report,
)
from pengi_sb.training.export import export_pretrained

logger = get_logger(__name__)


def select_run(runs, name):
    """The run called ``name`` (``None``: the first)."""
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
    """Freezes every module of the model not named in ``trainable``."""
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
    """PengiDatasets of the run, with the model's tokenizers."""
    prompt_tok, target_tok = load_tokenizers(vars(pengi.hparams),
                                             root=pengi.hparams.savedir)
    common = {
        "prompt_tokenizer": prompt_tok,
        "target_tokenizer": target_tok,
        "sample_rate": pengi.sample_rate,
        "clip_seconds": pengi.hparams.clip_seconds,
        "prompt_max_length": pengi.hparams.prompt_max_length,
        "max_target_tokens": hparams.get("max_target_tokens"),
        "eval_window": hparams.get("eval_window", "mean"),
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
    """Writes the tuned model as a pretrained folder."""
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


def main(argv=None):
    """Runs the recipe; returns ``(brain, evaluation report or None)``."""
    argv = sys.argv[1:] if argv is None else argv
    hparams, run_opts, overrides, hparams_file = recipe_hparams(argv,
                                                                __file__)
    sb.utils.distributed.ddp_init_group(run_opts)
    config = TaskConfig.from_hparams(hparams)
    if hparams.get("evaluate_tuned", True):
        check_metric_tools(config)
    paths = prepare_data(hparams)
    run = select_run(load_runs(hparams, paths), hparams.get("run_name"))
    logger.info("run %s: %d train, %d valid, %d test item(s)", run.name,
                len(run.train), len(run.valid), len(run.test))

    pengi = load_model(hparams, run_opts, trainable=True)
    freeze_except(pengi, hparams["trainable_modules"])
    datasets, target_tok = dataio_prepare(hparams, pengi, run)
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
            tuned = load_model({**hparams, "pretrained_source": folder,
                                "pretrained_savedir": folder}, run_opts)
            labels = None
            if config.task_type in ("classification", "multilabel"):
                labels = load_labels(hparams["manifest_folder"])
            report = evaluate_items(
                tuned, run.test, config, labels,
                max_batches=run_opts["debug_batches"]
                if run_opts["debug"] else None,
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
    sb.utils.distributed.ddp_barrier()
    return brain, report


if __name__ == "__main__":
    main()
