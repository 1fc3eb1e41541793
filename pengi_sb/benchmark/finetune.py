"""The fine-tuning recipe loop: protocol runs trained with PengiBrain.

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

One call trains one run of the protocol (``run_name``). With
``--run_name all`` (:func:`run_all`), one call trains every run
(``all_runs``, or every run of the protocol: ESC-50's 5 folds,
UrbanSound8K's 10...), each from the same ``pretrained_source`` into its
own ``<output_folder>/<run>`` as a single call would, and writes their
scores with the mean and standard deviation of every metric into
``<output_folder>/results.json`` and ``results.md``
(:func:`pengi_sb.benchmark.report.write_runs_report`, as the linear probe).
A run whose ``evaluation/results.json`` exists is reused, an interrupted
one resumes from its checkpoints, and a run that fails is reported while
the others go on (:class:`RunsFailedError` at the end names it).

Example
-------
>>> from pengi_sb.benchmark.protocols import Run
>>> runs = [Run("fold1", {}, {}, {}), Run("fold2", {}, {}, {})]
>>> select_run(runs, "fold2").name, select_run(runs, None).name
('fold2', 'fold1')
>>> [r.name for r in runs_to_train(runs, {"all_runs": None})]
['fold1', 'fold2']
>>> [r.name for r in runs_to_train(runs, {"all_runs": ["fold2"]})]
['fold2']

Authors
 * pengi-sb developers 2026
"""

import gc
import json
import os
import sys

import ruamel.yaml
import speechbrain as sb
import torch
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
from pengi_sb.benchmark.recipe_yaml import load_recipe_yaml
from pengi_sb.benchmark.report import (
    is_metric,
    summarize_runs,
    write_report,
    write_runs_report,
)
from pengi_sb.benchmark.scoring import check_metric_tools, evaluate_items
from pengi_sb.data.audio import window_mode_from_hparams
from pengi_sb.data.pipeline import PengiDataset
from pengi_sb.text.tokenizers import tokenizers_from_hparams
from pengi_sb.training.brain import PengiBrain
from pengi_sb.training.export import export_pretrained

logger = get_logger(__name__)

# The run_name that trains every run of the protocol
ALL_RUNS = "all"
# Where a run's scores are written, under its output folder (present: the
# run is finished)
RUN_RESULTS = os.path.join("evaluation", "results.json")


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
        f"{[r.name for r in runs]} (or '{ALL_RUNS}' for every run)"
    )


def runs_to_train(runs, hparams):
    """The runs ``--run_name all`` trains.

    Arguments
    ---------
    runs : list of Run
        The protocol's runs.
    hparams : dict
        ``all_runs``: the names of the runs to train (``None``: every run
        of the protocol).

    Returns
    -------
    list of Run

    Raises
    ------
    EvaluationError
        A name of ``all_runs`` that is not a run of the protocol.
    """
    names = hparams.get("all_runs")
    if names is None:
        return list(runs)
    return [select_run(runs, name) for name in dict.fromkeys(names)]


def limit_protocol(hparams, names):
    """The protocol keys with explicit runs (``protocol: runs``) limited to
    the runs ``names``, so that only their splits are read (TUT2017's fold
    runs need no evaluation set); other protocols, an unknown or missing
    name (left to :func:`select_run` to report): unchanged.

    Arguments
    ---------
    hparams : dict
        The hparams (``protocol``, ``runs``).
    names : list of str or None
        The runs to train (``None``: every run).

    Returns
    -------
    dict

    Example
    -------
    >>> hparams = {"protocol": "runs", "runs": [
    ...     {"name": "fold1", "train": ["a"], "test": ["b"]},
    ...     {"name": "evaluation", "train": ["a", "b"], "test": ["test"]}]}
    >>> [r["name"] for r in limit_protocol(hparams, ["fold1"])["runs"]]
    ['fold1']
    >>> len(limit_protocol(hparams, ["fold9"])["runs"])
    2
    """
    if hparams.get("protocol") != "runs" or names is None:
        return hparams
    names = {str(name) for name in names}
    kept = [r for r in hparams["runs"] if str(r["name"]) in names]
    if len(kept) != len(names):
        return hparams
    return {**hparams, "runs": kept}


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
    _init_ddp(run_opts)
    config = TaskConfig.from_hparams(hparams)
    if hparams.get("evaluate_tuned", True):
        check_metric_tools(config)
    paths = prepare_data(hparams)
    name = hparams.get("run_name")
    chosen = select_run(
        load_runs(limit_protocol(hparams, None if name is None else [name]),
                  paths), name)
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


def _init_ddp(run_opts):
    """SpeechBrain's DDP group, once (``run_all`` trains several runs)."""
    if not (torch.distributed.is_available()
            and torch.distributed.is_initialized()):
        sb.utils.distributed.ddp_init_group(run_opts)


class RunsFailedError(EvaluationError):
    """Runs of ``--run_name all`` failed (the others were reported).

    Arguments
    ---------
    failed : list of dict
        ``{"name", "error"}`` of each failed run.
    report : dict
        The report of the runs that finished (:func:`run_all`).
    folder : str
        Where the report was written.
    """

    def __init__(self, failed, report, folder):
        names = [f["name"] for f in failed]
        super().__init__(
            f"run(s) {names} failed ({'; '.join(f['error'] for f in failed)})"
            f"; the other runs are reported in {folder}/results.md: the same "
            "command retries the failed run(s) and reuses the finished ones"
        )
        self.failed = failed
        self.report = report
        self.folder = folder


def run_hparams(hparams_file, overrides, name, folder, manifest_folder):
    """The hparams of one run of ``--run_name all``.

    The recipe yaml is loaded anew with the command line's overrides and
    ``run_name``, ``output_folder`` (``folder``) and ``manifest_folder``
    set, so that the run gets its own checkpointer, epoch counter and
    scheduler and the seed is set again (as in a call of its own); its
    experiment directory is created.

    Arguments
    ---------
    hparams_file : str
        The recipe yaml.
    overrides : str
        The command line's overrides (yaml, as
        :func:`pengi_sb.benchmark.recipe.recipe_hparams` returns them).
    name : str
        The run.
    folder : str
        Its output folder.
    manifest_folder : str
        The manifests every run shares.

    Returns
    -------
    dict

    Raises
    ------
    EvaluationError
        A folder of the run (``save_folder``, ``finetuned_folder``) that is
        not inside ``folder`` (given on the command line): the runs would
        share checkpoints.
    """
    given = ruamel.yaml.YAML(typ="safe").load(overrides or "") or {}
    given.update(run_name=name, output_folder=folder,
                 manifest_folder=manifest_folder)
    hparams, routed = load_recipe_yaml(hparams_file, given)
    inside = os.path.abspath(folder) + os.sep
    for key in ("save_folder", "finetuned_folder"):
        if not os.path.abspath(str(hparams[key])).startswith(inside):
            raise EvaluationError(
                f"{key} {hparams[key]} is not inside the run's folder "
                f"{folder}: with run_name {ALL_RUNS} every run writes under "
                f"<output_folder>/<run>; do not set {key} on the command "
                "line")
    sb.create_experiment_directory(experiment_directory=folder,
                                   hyperparams_to_save=hparams_file,
                                   overrides=routed)
    return hparams


def _finished(folder, debug):
    """The saved scores of a finished run (``None`` if it is not)."""
    path = os.path.join(folder, RUN_RESULTS)
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        saved = json.load(f)
    if bool(saved.get("debug")) != bool(debug):
        logger.info("%s was written %s --debug: the run is trained again",
                    path, "with" if saved.get("debug") else "without")
        return None
    return saved


def _run_entry(chosen, folder, saved, reused):
    """One run's row of the report: sizes and its metrics, flattened to
    ``<method>/<metric>``."""
    return {
        "name": chosen.name, "folder": folder, "reused": reused,
        "n_train": len(chosen.train), "n_valid": len(chosen.valid),
        "n_test": len(chosen.test), "n_scored": saved["n_scored"],
        "primary": "{method}/{metric}".format(**saved["primary"]),
        "test": {f"{group}/{name}": value
                 for group, values in saved["metrics"].items()
                 for name, value in values.items() if is_metric(name)},
    }


def run_all(hparams, run_opts, hparams_file, overrides):
    """Trains every run of the protocol and reports them together.

    Each run (:func:`runs_to_train`) is trained, tested, exported and
    scored by :func:`run` into ``<output_folder>/<run>``, with the hparams
    of a call of its own (:func:`run_hparams`); a run whose scores exist
    there is reused, an interrupted one resumes from its checkpoints. A
    run that fails is logged and the others go on. Then
    ``<output_folder>/results.json`` and ``results.md`` hold every run's
    metrics and their mean and standard deviation.

    Arguments
    ---------
    hparams : dict
        The loaded hparams (``run_name: all``).
    run_opts : dict
        SpeechBrain's run options.
    hparams_file : str
        The recipe yaml.
    overrides : str
        The command line's overrides (reapplied to every run).

    Returns
    -------
    dict
        ``runs`` (name, folder, sizes, ``reused``, ``test``: the metrics
        as ``<method>/<metric>``), ``mean``, ``std``, ``primary`` (the
        benchmark's metric) and ``failed``.

    Raises
    ------
    RunsFailedError
        After the report is written, when runs failed.
    """
    if not hparams.get("evaluate_tuned", True):
        raise EvaluationError(
            f"run_name {ALL_RUNS} reports the tuned models' scores: it needs "
            "evaluate_tuned: True")
    _init_ddp(run_opts)
    config = TaskConfig.from_hparams(hparams)
    check_metric_tools(config)
    paths = prepare_data(hparams)
    runs = runs_to_train(
        load_runs(limit_protocol(hparams, hparams.get("all_runs")), paths),
        hparams)
    base = hparams["output_folder"]
    logger.info("training %d run(s) into %s: %s", len(runs), base,
                [r.name for r in runs])
    done, failed = [], []
    for chosen in runs:
        folder = os.path.join(base, chosen.name)
        saved = _finished(folder, run_opts["debug"])
        reused = saved is not None
        if reused:
            logger.info("run %s finished before: its scores are reused (%s)",
                        chosen.name, os.path.join(folder, RUN_RESULTS))
        else:
            try:
                run(run_hparams(hparams_file, overrides, chosen.name, folder,
                                hparams["manifest_folder"]),
                    run_opts, hparams_file)
                saved = _finished(folder, run_opts["debug"])
                if saved is None:
                    raise EvaluationError(
                        f"{os.path.join(folder, RUN_RESULTS)} was not "
                        "written")
            except Exception as err:  # the other runs go on
                logger.exception("run %s failed", chosen.name)
                failed.append({"name": chosen.name,
                               "error": f"{type(err).__name__}: {err}"})
                continue
            finally:
                gc.collect()
                if torch.cuda.is_available():
                    torch.cuda.empty_cache()
        done.append(_run_entry(chosen, folder, saved, reused))

    mean, std = summarize_runs(done)
    primary = (done[0]["primary"] if done
               else f"{config.primary_method}/{config.metric}")
    report = {"runs": done, "mean": mean, "std": std, "primary": primary,
              "failed": failed}
    if if_main_process():
        _write_all_report(report, hparams, run_opts)
    sb.utils.distributed.ddp_barrier()
    if failed:
        raise RunsFailedError(failed, report, base)
    return report


def _write_all_report(report, hparams, run_opts):
    """``results.json`` / ``results.md`` of :func:`run_all`."""
    benchmark = hparams.get("benchmark", {})
    primary = report["primary"]
    notes = []
    if report["mean"].get(primary) is not None:
        notes.append(f"Primary metric {primary}: "
                     f"{report['mean'][primary]:.4f} ± "
                     f"{report['std'][primary]:.4f} over "
                     f"{len(report['runs'])} run(s).")
    notes.append("Pengi (paper): " + ("—" if benchmark.get("pengi") is None
                                      else str(benchmark["pengi"])))
    if benchmark.get("note"):
        notes.append(f"Note: {benchmark['note']}")
    for fail in report["failed"]:
        notes.append(f"Failed: {fail['name']} ({fail['error']}); the same "
                     "command trains it again.")
    write_runs_report(
        report, hparams["output_folder"], benchmark,
        title=f"Pengi fine-tuned: {benchmark.get('dataset', '')} "
        f"{benchmark.get('task', '')} (every run)",
        extra={"model": str(hparams["pretrained_source"]),
               "protocol": hparams.get("protocol", "splits"),
               "debug": bool(run_opts["debug"])},
        columns=[("train", "n_train"), ("test", "n_test"),
                 ("scored", "n_scored")],
        notes=notes)


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
    (PengiBrain or None, dict or None)
        See :func:`run`; with ``--run_name all``, ``None`` and the report
        of :func:`run_all`.
    """
    argv = sys.argv[1:] if argv is None else argv
    hparams, run_opts, overrides, hparams_file = recipe_hparams(
        argv, script_file)
    if str(hparams.get("run_name")) == ALL_RUNS:
        return None, run_all(hparams, run_opts, hparams_file, overrides)
    return run(hparams, run_opts, hparams_file)
