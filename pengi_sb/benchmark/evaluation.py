"""Benchmark evaluation of Pengi on prepared manifests (zero-shot or tuned).

One function, :func:`evaluate_items`, scores a manifest split with a loaded
:class:`pengi_sb.inference.Pengi` for every kind of downstream task of the
paper:

================  ===========================================================
task_type         what is measured
================  ===========================================================
classification    single-label accuracy, with each close-ended method:
                  ``likelihood`` (the label's log-probability as the
                  continuation of the prefix) and ``text`` (generate, then
                  match the text to the labels; the paper's method)
multilabel        mAP of the label scores, and top-1 accuracy (the best
                  label is one of the clip's labels), both methods
captioning        BLEU-1..4, METEOR, ROUGE-L, CIDEr-D, and SPICE / SPIDEr
                  when the Stanford CoreNLP jars are installed (otherwise
                  reported as unavailable, with the reason)
aqa               exact-match accuracy against the majority answer (and
                  against any annotator's answer), per question type
                  (yes/no, open)
retrieval         text-to-audio and audio-to-text R@1/5/10 and mAP@10
================  ===========================================================

Audio is read in batches (a ``DataLoader``); files that cannot be read are
skipped, counted and listed in the report. :func:`write_report` writes
``results.json`` and ``results.md`` (our numbers beside the paper's).

The rest of this module is the plumbing every benchmark recipe shares
(``recipes/common/*.py``): reading the hparams the SpeechBrain way with the
dataset's prepare module importable (:func:`recipe_hparams`), running the
prepare step (:func:`prepare_data`), loading the model (:func:`load_model`)
and a split (:func:`load_split`).

Example
-------
>>> config = TaskConfig(task_type="classification", prompt="this is a sound of")
>>> config.methods
('likelihood', 'text')
>>> phrase_in("produced by bass, pitch 50, velocity 25", "pitch 5")
False
>>> phrase_in("produced by bass, pitch 50, velocity 25", "pitch 50")
True

Authors
 * pengi-sb developers 2026
"""

import json
import math
import os
import re
import sys
from dataclasses import asdict, dataclass, fields

import numpy as np
import torch
from speechbrain.utils.logger import get_logger

from pengi_sb.data.audio import AudioError, load_audio
from pengi_sb.data.manifest import read_manifest
from pengi_sb.metrics import (
    aqa_accuracy,
    caption_metrics,
    multilabel_map,
    normalize_answer,
    retrieval_metrics,
)
from pengi_sb.prepare.cli import LABELS_FILE

logger = get_logger(__name__)

__all__ = [
    "TASK_TYPES",
    "AudioBatches",
    "Run",
    "TaskConfig",
    "build_runs",
    "check_metric_tools",
    "close_ended_metrics",
    "evaluate_items",
    "kfold_partition",
    "label_targets",
    "format_table",
    "load_labels",
    "load_model",
    "load_runs",
    "load_split",
    "phrase_in",
    "prepare_data",
    "recipe_hparams",
    "write_report",
]

TASK_TYPES = ("classification", "multilabel", "captioning", "aqa",
              "retrieval")
METHODS = ("likelihood", "text")
TEXT_MATCHES = ("embedding", "phrase")
DEFAULT_CAPTION_METRICS = ("bleu_1", "bleu_2", "bleu_3", "bleu_4", "meteor",
                           "rouge_l", "cider_d", "spice", "spider")
SPICE_METRICS = ("spice", "spider")


class EvaluationError(ValueError):
    """A benchmark that cannot be scored as configured; says why."""


# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------


@dataclass
class TaskConfig:
    """How one benchmark is scored (the task keys of a recipe's hparams).

    Arguments
    ---------
    task_type : str
        One of :data:`TASK_TYPES`.
    prompt : str
        The paper's template prompt; ``{field}`` slots are filled from each
        item (``question: {question}`` for AQA).
    label_template : str
        How a class label is written in the model's output
        (``{label}``, or ``produced by {label}`` for NSynth families);
        what the likelihood scores and the text matching compares.
    methods : tuple of str
        Close-ended methods to run: ``likelihood`` and / or ``text``.
    primary_method : str
        The method whose number stands beside the paper's (``text``: the
        paper matched generated text to the labels).
    text_match : str
        ``embedding``: rank labels by sentence-embedding similarity to the
        generated text; ``phrase``: labels whose text occurs in the
        generated text (as whole words) come first, then the others, each
        group by similarity (for outputs that hold several fields, such as
        NSynth's ``produced by bass, pitch 50, velocity 25``).
    text_encoder : str, optional
        Sentence encoder for the text method (default: the model's own
        prompt encoder).
    include_stop : bool
        Likelihood: score the stop token after the label (the label ends
        the output).
    metric : str
        The benchmark's metric name (``accuracy``, ``mAP``, ``spider``,
        ``text_to_audio_R@1``...), the one compared with the paper.
    caption_metrics : tuple of str
        Caption metrics to compute (SPICE and SPIDEr are attempted and
        reported as unavailable when their jars are missing).
    caption_tokenize : bool
        PTB-tokenise captions before scoring (the standard; needs Java).
    spice_dir, java_path : str, optional
        Where SPICE and Java are (see :mod:`pengi_sb.metrics`).
    search, beam_size, max_len : str, int, int
        Decoding of generated text (``beam`` or ``greedy``; the text
        method of close-ended tasks always uses beam search, greedy with
        ``beam_size`` 1).
    batch_size : int
        Clips per batch.
    num_workers : int
        Audio loading processes.
    text_batch_size : int
        Texts embedded at once (retrieval).
    """

    task_type: str
    prompt: str = ""
    label_template: str = "{label}"
    methods: tuple = METHODS
    primary_method: str = "text"
    text_match: str = "embedding"
    text_encoder: str = None
    include_stop: bool = True
    metric: str = "accuracy"
    caption_metrics: tuple = DEFAULT_CAPTION_METRICS
    caption_tokenize: bool = True
    spice_dir: str = None
    java_path: str = None
    search: str = "beam"
    beam_size: int = 3
    max_len: int = 30
    batch_size: int = 16
    num_workers: int = 0
    text_batch_size: int = 256

    def __post_init__(self):
        if self.task_type not in TASK_TYPES:
            raise EvaluationError(
                f"task_type '{self.task_type}' is not one of {TASK_TYPES}"
            )
        self.methods = tuple(
            [self.methods] if isinstance(self.methods, str) else self.methods
        )
        odd = [m for m in self.methods if m not in METHODS]
        if odd or not self.methods:
            raise EvaluationError(
                f"methods {list(self.methods)}: choose among {METHODS}"
            )
        if self.primary_method not in self.methods:
            self.primary_method = self.methods[0]
        if self.text_match not in TEXT_MATCHES:
            raise EvaluationError(
                f"text_match '{self.text_match}' is not one of {TEXT_MATCHES}"
            )
        if "{label}" not in self.label_template:
            raise EvaluationError(
                f"label_template '{self.label_template}' has no {{label}} "
                "slot"
            )
        if self.search not in ("beam", "greedy"):
            raise EvaluationError(
                f"search must be 'beam' or 'greedy', not '{self.search}'"
            )
        self.caption_metrics = tuple(self.caption_metrics)
        for name in ("beam_size", "max_len", "batch_size", "text_batch_size"):
            if int(getattr(self, name)) < 1:
                raise EvaluationError(f"{name} must be at least 1")
        if self.metric not in self.measured():
            raise EvaluationError(
                f"metric '{self.metric}' is not measured for task_type "
                f"'{self.task_type}': choose among {self.measured()}"
            )

    def measured(self):
        """Names of the metrics this task type reports."""
        if self.task_type == "classification":
            return ["accuracy"]
        if self.task_type == "multilabel":
            return ["accuracy", "mAP"]
        if self.task_type == "captioning":
            return list(self.caption_metrics)
        if self.task_type == "aqa":
            return ["accuracy", "accuracy_yes_no", "accuracy_open",
                    "accuracy_any_annotator"]
        return [f"{d}_{m}" for d in ("text_to_audio", "audio_to_text")
                for m in ("R@1", "R@5", "R@10", "mAP@10", "mean_rank",
                          "median_rank")]

    @classmethod
    def from_hparams(cls, hparams):
        """The config from a recipe's hparams (keys named as the fields;
        the others are ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in hparams.items() if k in names})

    def generation(self):
        """Decoding options for the inference interface."""
        return {"method": self.search, "beam_size": int(self.beam_size),
                "max_len": int(self.max_len)}


# ---------------------------------------------------------------------------
# Audio batches
# ---------------------------------------------------------------------------


class _ClipDataset(torch.utils.data.Dataset):
    """Manifest items -> ``(id, wav [T] or AudioError message)``."""

    def __init__(self, ids, items, sample_rate):
        self.ids = ids
        self.items = items
        self.sample_rate = sample_rate

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        item_id = self.ids[index]
        item = self.items[item_id]
        try:
            wav = load_audio(item["wav"], self.sample_rate,
                             start=item.get("start"), stop=item.get("stop"))
        except AudioError as err:
            return item_id, str(err)
        return item_id, wav


def _collate(examples):
    return examples


@dataclass
class AudioBatch:
    """Readable clips of one batch, padded: ``wavs [B, T]`` at the model
    rate and ``wav_lens [B]`` relative lengths."""

    ids: list
    wavs: torch.Tensor
    wav_lens: torch.Tensor


class AudioBatches:
    """Iterates over the audio of manifest items in padded batches.

    Unreadable files (missing, empty, corrupt) are left out of the batches
    and recorded in ``skipped`` (``{"id", "wav", "reason"}``).

    Arguments
    ---------
    items : dict
        ``{id: item}`` (``wav`` paths resolved, optional ``start``/``stop``).
    sample_rate : int
        The model's rate.
    batch_size : int
        Items per batch (before skipping).
    num_workers : int
        DataLoader processes reading the audio.
    max_batches : int, optional
        Stop after this many batches (``--debug``).
    """

    def __init__(self, items, sample_rate, batch_size, num_workers=0,
                 max_batches=None):
        self.items = items
        self.ids = list(items)
        if max_batches is not None:
            self.ids = self.ids[:int(max_batches) * int(batch_size)]
        self.loader = torch.utils.data.DataLoader(
            _ClipDataset(self.ids, items, int(sample_rate)),
            batch_size=int(batch_size), shuffle=False,
            num_workers=int(num_workers), collate_fn=_collate,
        )
        self.skipped = []

    def __iter__(self):
        self.skipped = []
        for examples in self.loader:
            ids, wavs = [], []
            for item_id, wav in examples:
                if isinstance(wav, str):
                    logger.warning("skipping item '%s': %s", item_id, wav)
                    self.skipped.append({"id": item_id,
                                         "wav": self.items[item_id]["wav"],
                                         "reason": wav})
                    continue
                ids.append(item_id)
                wavs.append(wav)
            if not ids:
                continue
            longest = max(w.shape[0] for w in wavs)
            padded = torch.zeros(len(wavs), longest)
            for i, wav in enumerate(wavs):
                padded[i, :wav.shape[0]] = wav
            lens = torch.tensor([w.shape[0] / longest for w in wavs],
                                dtype=torch.float64)
            yield AudioBatch(ids, padded, lens)

    @property
    def n_selected(self):
        """Items this iterator reads (all, or the first ``max_batches``)."""
        return len(self.ids)


# ---------------------------------------------------------------------------
# Close-ended tasks
# ---------------------------------------------------------------------------


def phrase_in(text, phrase):
    """Whether ``phrase`` occurs in ``text`` as whole words (any case).

    Arguments
    ---------
    text : str
        Generated text.
    phrase : str
        A label as written in the output.

    Returns
    -------
    bool
    """
    pattern = r"(?<!\w)" + re.escape(phrase.strip().lower()) + r"(?!\w)"
    return re.search(pattern, text.lower()) is not None


def label_targets(items, ids, labels, multilabel):
    """Multi-hot ``[N, C]`` targets of items (their labels are checked).

    Arguments
    ---------
    items : dict
        ``{id: item}`` with ``labels`` lists.
    ids : list of str
        Which items, in row order.
    labels : list of str
        The class list (column order).
    multilabel : bool
        Allow any number of labels per item (else exactly one).

    Returns
    -------
    numpy.ndarray
    """
    index = {label: i for i, label in enumerate(labels)}
    targets = np.zeros((len(ids), len(labels)), dtype=np.int64)
    for row, item_id in enumerate(ids):
        item_labels = items[item_id].get("labels") or []
        unknown = [x for x in item_labels if x not in index]
        if unknown:
            raise EvaluationError(
                f"item '{item_id}' has label(s) {unknown} missing from the "
                "class list (labels.json): re-run the prepare step"
            )
        if not multilabel and len(item_labels) != 1:
            raise EvaluationError(
                f"item '{item_id}' has {len(item_labels)} labels "
                f"{item_labels}, but task_type 'classification' needs one "
                "per item: use task_type 'multilabel'"
            )
        for label in item_labels:
            targets[row, index[label]] = 1
    return targets


def _method_scores(pengi, batch, candidates, config, method):
    """``([B, C] scores in candidate order, generated texts or None)``."""
    options = {"method": method, "include_stop": bool(config.include_stop)}
    if method == "text":
        # classify_batch's ``method`` is the close-ended method: the text is
        # generated with beam search (beam_size 1: greedy)
        options.update(beam_size=int(config.beam_size),
                       max_len=int(config.max_len),
                       text_encoder=config.text_encoder)
    results = pengi.classify_batch(batch.wavs, candidates, config.prompt,
                                   wav_lens=batch.wav_lens, **options)
    order = {text: i for i, text in enumerate(candidates)}
    scores = np.zeros((len(results), len(candidates)))
    generated = []
    for row, result in enumerate(results):
        for text, score in zip(result.labels, result.scores,
                               strict=True):
            scores[row, order[text]] = score
        generated.append(result.generated)
        if method == "text" and config.text_match == "phrase":
            # phrase matches first (cosine similarity lies in [-1, 1])
            hits = [phrase_in(result.generated, c) for c in candidates]
            scores[row] += 2.0 * np.asarray(hits, dtype=np.float64)
    return scores, (generated if method == "text" else None)


def _classification(pengi, items, batches, labels, config):
    multilabel = config.task_type == "multilabel"
    if not labels:
        raise EvaluationError(
            "close-ended evaluation needs the class labels (labels.json of "
            "the prepare step)"
        )
    candidates = [config.label_template.format(label=lab) for lab in labels]
    if len(set(candidates)) != len(candidates):
        raise EvaluationError(
            f"label_template '{config.label_template}' makes identical "
            "label texts"
        )
    # labels are checked before any audio is scored
    every = label_targets(items, batches.ids, labels, multilabel)
    row_of = {item_id: row for row, item_id in enumerate(batches.ids)}
    ids, scores, generated = [], {m: [] for m in config.methods}, {}
    for batch in batches:
        ids += batch.ids
        for method in config.methods:
            s, texts = _method_scores(pengi, batch, candidates, config, method)
            scores[method].append(s)
            if texts is not None:
                generated.update(zip(batch.ids, texts, strict=True))
    if not ids:
        raise EvaluationError("no readable audio: nothing was scored")
    targets = every[[row_of[i] for i in ids]]
    metrics, predictions = {}, {}
    for method in config.methods:
        matrix = np.concatenate(scores[method])
        metrics[method] = close_ended_metrics(matrix, targets, multilabel)
        predictions[method] = {
            item_id: {
                "labels": items[item_id].get("labels", []),
                "ranked": [labels[j] for j in np.argsort(
                    -matrix[row], kind="stable")[:5]],
                **({"generated": generated[item_id]}
                   if method == "text" else {}),
            }
            for row, item_id in enumerate(ids)
        }
    return ids, metrics, predictions, {}


def close_ended_metrics(scores, targets, multilabel):
    """Accuracy (and, multi-label, mAP) of label scores.

    Arguments
    ---------
    scores : numpy.ndarray
        ``[N, C]`` scores (higher: more likely).
    targets : numpy.ndarray
        ``[N, C]`` multi-hot targets.
    multilabel : bool
        Also compute mAP. Accuracy is then the top-1 hit rate (the best
        label is one of the item's labels), over the items with a label.

    Returns
    -------
    dict
        ``accuracy``, ``n`` and, multi-label, ``mAP``, ``mAP_classes``
        (classes with a positive item) and ``n_without_label``.

    Example
    -------
    >>> out = close_ended_metrics(np.array([[0.9, 0.1], [0.3, 0.7]]),
    ...                           np.array([[1, 0], [1, 1]]), True)
    >>> out["accuracy"], out["mAP"]
    (1.0, 1.0)
    """
    top = np.argmax(scores, axis=1)
    hit = targets[np.arange(len(top)), top] == 1
    has_label = targets.sum(axis=1) > 0
    out = {}
    if has_label.any():
        out["accuracy"] = float(hit[has_label].mean())
    out["n"] = int(has_label.sum())
    if multilabel:
        result = multilabel_map(scores, targets)
        out["mAP"] = result.map
        out["mAP_classes"] = len(result.per_class) - len(result.skipped)
        if not has_label.all():
            out["n_without_label"] = int((~has_label).sum())
    return out


# ---------------------------------------------------------------------------
# Open-ended tasks
# ---------------------------------------------------------------------------


def _prompts(items, ids, template):
    prompts = []
    for item_id in ids:
        try:
            prompts.append(template.format(**items[item_id]))
        except KeyError as err:
            raise EvaluationError(
                f"prompt '{template}' needs field {err}, which item "
                f"'{item_id}' does not have"
            ) from None
    return prompts


def _generate(pengi, items, batches, config):
    ids, texts = [], []
    for batch in batches:
        out = pengi.generate_batch(batch.wavs, batch.wav_lens,
                                   _prompts(items, batch.ids, config.prompt),
                                   **config.generation())
        ids += batch.ids
        texts += [r.text.strip() for r in out]
    if not ids:
        raise EvaluationError("no readable audio: nothing was scored")
    return ids, texts


def _captioning(pengi, items, batches, config):
    ids, texts = _generate(pengi, items, batches, config)
    refs = [items[i].get("references") or [items[i]["target"]] for i in ids]
    wanted = [m for m in config.caption_metrics if m not in SPICE_METRICS]
    spice = [m for m in config.caption_metrics if m in SPICE_METRICS]
    values, unavailable = {}, {}
    options = {"tokenize": bool(config.caption_tokenize),
               "java_path": config.java_path}
    if len(ids) < 2:
        reason = ("caption metrics need at least 2 scored clips (CIDEr-D "
                  f"weights come from the corpus); {len(ids)} scored")
        for name in config.caption_metrics:
            values[name], unavailable[name] = None, reason
    else:
        if wanted:
            values.update(caption_metrics(texts, refs, wanted, **options))
        if spice:
            try:
                values.update(caption_metrics(
                    texts, refs, spice, spice_dir=config.spice_dir,
                    **options))
            except (FileNotFoundError, RuntimeError) as err:
                logger.warning("SPICE / SPIDEr not computed: %s", err)
                for name in spice:
                    values[name], unavailable[name] = None, str(err)
    values["n"] = len(ids)
    predictions = {i: {"generated": t, "references": r}
                   for i, t, r in zip(ids, texts, refs, strict=True)}
    return ids, {"generation": values}, {"generation": predictions}, \
        unavailable


def _aqa(pengi, items, batches, config):
    ids, texts = _generate(pengi, items, batches, config)
    majority = [[items[i]["target"]] for i in ids]
    everyone = [items[i].get("answers") or [items[i]["target"]] for i in ids]
    types = [items[i].get("answer_type") or (
        "yes_no" if normalize_answer(items[i]["target"]) in ("yes", "no")
        else "open") for i in ids]
    values = aqa_accuracy(texts, majority, types)
    values["accuracy_any_annotator"] = aqa_accuracy(texts, everyone)[
        "accuracy"]
    predictions = {i: {"generated": t, "answer": m[0], "answers": a,
                       "answer_type": k}
                   for i, t, m, a, k in zip(ids, texts, majority, everyone,
                                            types, strict=True)}
    return ids, {"generation": values}, {"generation": predictions}, {}


def _retrieval(pengi, items, batches, config):
    ids, embeddings = [], []
    for batch in batches:
        embeddings.append(pengi.embed_audio_batch(batch.wavs,
                                                  batch.wav_lens).cpu())
        ids += batch.ids
    if not ids:
        raise EvaluationError("no readable audio: nothing was scored")
    audio = torch.cat(embeddings)
    texts, gt = [], []
    for index, item_id in enumerate(ids):
        refs = items[item_id].get("references") or [items[item_id]["target"]]
        texts += refs
        gt += [index] * len(refs)
    rows = []
    step = int(config.text_batch_size)
    for start in range(0, len(texts), step):
        out = pengi.retrieve(texts[start:start + step],
                             audio_embeddings=audio.to(pengi.device))
        rows.append(out["similarity"].float().cpu())
    similarity = torch.cat(rows).numpy()
    values = retrieval_metrics(similarity, gt)
    values["n_audio"], values["n_text"] = len(ids), len(texts)
    top = np.argsort(-similarity, axis=1, kind="stable")[:, :5]
    predictions = {
        f"text_{k}": {"text": texts[k], "audio": ids[gt[k]],
                      "retrieved": [ids[j] for j in top[k]]}
        for k in range(len(texts))
    }
    return ids, {"retrieval": values}, {"retrieval": predictions}, {}


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def check_metric_tools(config):
    """Fails early (before any audio is scored or any model trained) when
    the caption metrics cannot run: no Java, no pycocoevalcap. SPICE is not
    checked: without it, SPICE and SPIDEr are reported as unavailable.

    Arguments
    ---------
    config : TaskConfig
        The task (only ``captioning`` needs tools).
    """
    if config.task_type != "captioning":
        return
    core = [m for m in config.caption_metrics if m not in SPICE_METRICS]
    if core:
        caption_metrics(["a dog barks", "rain falls"],
                        [["a dog barks"], ["heavy rain"]], core,
                        tokenize=bool(config.caption_tokenize),
                        java_path=config.java_path)


def evaluate_items(pengi, items, config, labels=None, max_batches=None):
    """Scores manifest items with a loaded Pengi.

    Arguments
    ---------
    pengi : pengi_sb.inference.Pengi
        The model.
    items : dict
        ``{id: item}`` of one split, ``{data_root}`` resolved.
    config : TaskConfig
        What to measure and how.
    labels : list of str, optional
        The class labels (close-ended tasks).
    max_batches : int, optional
        Score only the first batches (``--debug``).

    Returns
    -------
    dict
        ``task_type``, ``n_items`` (in the split), ``n_selected`` (read),
        ``n_scored``, ``n_skipped``, ``skipped`` (id, file, reason),
        ``metrics`` (``{method or "generation" / "retrieval": {name:
        value}}``), ``unavailable`` (``{metric: reason}``),
        ``primary`` (``{method, metric, value}``), ``config`` and
        ``predictions`` (per method, per item).
    """
    if not items:
        raise EvaluationError("the split has no items")
    check_metric_tools(config)
    batches = AudioBatches(items, pengi.sample_rate, config.batch_size,
                           config.num_workers, max_batches)
    runner = {
        "classification": _classification, "multilabel": _classification,
        "captioning": _captioning, "aqa": _aqa, "retrieval": _retrieval,
    }[config.task_type]
    if runner is _classification:
        ids, metrics, predictions, unavailable = runner(
            pengi, items, batches, list(labels or []), config)
    else:
        ids, metrics, predictions, unavailable = runner(pengi, items,
                                                        batches, config)
    if batches.skipped:
        logger.warning("%d item(s) skipped: unreadable audio",
                       len(batches.skipped))
    group = config.primary_method if config.task_type in (
        "classification", "multilabel") else next(iter(metrics))
    value = metrics[group].get(config.metric)
    return {
        "task_type": config.task_type,
        "n_items": len(items),
        "n_selected": batches.n_selected,
        "n_scored": len(ids),
        "n_skipped": len(batches.skipped),
        "skipped": batches.skipped,
        "metrics": metrics,
        "unavailable": unavailable,
        "primary": {"method": group, "metric": config.metric,
                    "value": value},
        "config": asdict(config),
        "predictions": predictions,
    }


# ---------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------


def _number(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _paper(value):
    """A published number as printed in the paper (``—`` when none)."""
    return "—" if value is None else str(value)


def format_table(report, benchmark=None):
    """Markdown table of a report, the paper's numbers beside ours.

    Arguments
    ---------
    report : dict
        What :func:`evaluate_items` returns (plus optional ``title``,
        ``source``, ``split`` keys).
    benchmark : dict, optional
        ``dataset``, ``task``, ``metric``, ``pengi``, ``clap``, ``note``:
        the paper's numbers (placed on the primary metric's row).

    Returns
    -------
    str

    Example
    -------
    >>> report = {"metrics": {"text": {"accuracy": 0.5, "n": 4}},
    ...           "primary": {"method": "text", "metric": "accuracy"},
    ...           "unavailable": {}, "n_scored": 4, "n_skipped": 0}
    >>> print(format_table(report, {"pengi": 0.9195, "clap": 0.826}))
    ... # doctest: +NORMALIZE_WHITESPACE
    | method | metric | ours | Pengi (paper) | CLAP (paper) |
    | --- | --- | --- | --- | --- |
    | text | accuracy | 0.5000 | 0.9195 | 0.826 |
    <BLANKLINE>
    4 item(s) scored, 0 skipped (unreadable audio).
    """
    benchmark = benchmark or {}
    primary = report["primary"]
    lines = ["| method | metric | ours | Pengi (paper) | CLAP (paper) |",
             "| --- | --- | --- | --- | --- |"]
    for group, values in report["metrics"].items():
        for name, value in values.items():
            if name == "n" or name.startswith("n_") or name.endswith(
                    "_classes"):
                continue
            is_primary = (group == primary["method"]
                          and name == primary["metric"])
            paper = _paper(benchmark.get("pengi")) if is_primary else ""
            clap = _paper(benchmark.get("clap")) if is_primary else ""
            shown = _number(value)
            if value is None and name in report.get("unavailable", {}):
                shown = "unavailable"
            lines.append(f"| {group} | {name} | {shown} | {paper} | "
                         f"{clap} |")
    lines.append("")
    lines.append(f"{report['n_scored']} item(s) scored, "
                 f"{report['n_skipped']} skipped (unreadable audio).")
    for name, reason in report.get("unavailable", {}).items():
        first = reason.strip().splitlines()[0] if reason.strip() else reason
        lines.append(f"{name}: unavailable ({first})")
    if benchmark.get("note"):
        lines.append(f"Note: {benchmark['note']}")
    return "\n".join(lines)


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return None if math.isnan(value) else value
    if isinstance(value, np.integer):
        return int(value)
    return value


def write_report(report, folder, benchmark=None, title=None, extra=None):
    """Writes ``results.json``, ``results.md`` and ``predictions.json``.

    Arguments
    ---------
    report : dict
        What :func:`evaluate_items` returns.
    folder : str
        The output folder.
    benchmark : dict, optional
        The paper's numbers (see :func:`format_table`).
    title : str, optional
        First line of ``results.md``.
    extra : dict, optional
        More keys for ``results.json`` (model source, split, manifest).

    Returns
    -------
    dict
        ``{"json": path, "markdown": path, "predictions": path}``.
    """
    os.makedirs(folder, exist_ok=True)
    summary = {k: v for k, v in report.items() if k != "predictions"}
    summary["benchmark"] = dict(benchmark or {})
    summary.update(extra or {})
    paths = {
        "json": os.path.join(folder, "results.json"),
        "markdown": os.path.join(folder, "results.md"),
        "predictions": os.path.join(folder, "predictions.json"),
    }
    with open(paths["json"], "w", encoding="utf-8") as f:
        json.dump(_json_safe(summary), f, indent=1, ensure_ascii=False)
    with open(paths["predictions"], "w", encoding="utf-8") as f:
        json.dump(_json_safe(report.get("predictions", {})), f, indent=1,
                  ensure_ascii=False)
    heading = title or "Pengi evaluation"
    details = ", ".join(f"{k}: {v}" for k, v in (extra or {}).items())
    with open(paths["markdown"], "w", encoding="utf-8") as f:
        f.write(f"# {heading}\n\n")
        if details:
            f.write(f"{details}\n\n")
        f.write(format_table(report, benchmark) + "\n")
    logger.info("results written to %s", paths["json"])
    return paths


# ---------------------------------------------------------------------------
# Recipe plumbing shared by recipes/common/*.py
# ---------------------------------------------------------------------------


def _add_recipe_paths(script_file, hparams_file):
    """Puts the dataset folder (``recipes/<Dataset>``, holding its
    ``*_prepare.py``) on ``sys.path``: the folder above the script as
    called (the task folder's symlink) and the folder above the hparams
    file's task folder."""
    candidates = []
    if script_file:
        candidates.append(os.path.dirname(os.path.dirname(
            os.path.abspath(script_file))))
    candidates.append(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(hparams_file)))))
    added = []
    for folder in candidates:
        if not os.path.isdir(folder) or folder in added:
            continue
        if any(name.endswith("_prepare.py") for name in os.listdir(folder)):
            if folder not in sys.path:
                sys.path.insert(0, folder)
            added.append(folder)
    return added


def recipe_hparams(argv, script_file=None):
    """Parses a recipe command line, loads its hparams and creates its
    experiment directory (``output_folder``, with the hparams and overrides
    saved in it).

    ``python <recipe>/<script>.py <recipe>/hparams/x.yaml --key value
    [--device ...] [--debug]``: SpeechBrain's ``parse_arguments``; the
    dataset's prepare module (``recipes/<Dataset>/*_prepare.py``) is made
    importable first, so that the hparams' ``!name:<dataset>_prepare...``
    resolves.

    Arguments
    ---------
    argv : list of str
        The arguments (without the program name).
    script_file : str, optional
        The script's path as called (a recipe's symlink).

    Returns
    -------
    (dict, RunOptions, str, str)
        ``(hparams, run_opts, overrides, hparams_file)``.
    """
    import speechbrain as sb
    from hyperpyyaml import load_hyperpyyaml

    hparams_file, run_opts, overrides = sb.parse_arguments(list(argv))
    _add_recipe_paths(script_file, hparams_file)
    with open(hparams_file, encoding="utf-8") as fin:
        hparams = load_hyperpyyaml(fin, overrides)
    sb.create_experiment_directory(
        experiment_directory=hparams["output_folder"],
        hyperparams_to_save=hparams_file,
        overrides=overrides,
    )
    return hparams, run_opts, overrides, hparams_file


def prepare_data(hparams):
    """Runs the hparams' ``prepare`` on the main process.

    Reads ``prepare`` (``!name:<dataset>_prepare.prepare_x`` with its
    options), ``data_folder``, ``manifest_folder`` and ``skip_prep``.

    Returns
    -------
    dict
        ``{split: manifest path}``.
    """
    from speechbrain.utils.distributed import run_on_main

    kwargs = {"data_folder": hparams["data_folder"],
              "save_folder": hparams["manifest_folder"],
              "skip_prep": hparams.get("skip_prep", False)}
    run_on_main(hparams["prepare"], kwargs=kwargs)
    return hparams["prepare"](**{**kwargs, "skip_prep": True})


def load_labels(manifest_folder):
    """The class labels written by the prepare step (``labels.json``)."""
    path = os.path.join(manifest_folder, LABELS_FILE)
    if not os.path.isfile(path):
        raise EvaluationError(
            f"{path} does not exist: run the prepare step (skip_prep: False)"
        )
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_split(paths, split, data_folder):
    """Items of one prepared split, ``{data_root}`` set to the data folder.

    Arguments
    ---------
    paths : dict
        ``{split: manifest path}`` from :func:`prepare_data`.
    split : str
        The split's name.
    data_folder : str
        The dataset folder.

    Returns
    -------
    dict
    """
    if split not in paths:
        raise EvaluationError(
            f"split '{split}' is not one the prepare step writes: "
            f"{sorted(paths)}"
        )
    return read_manifest(paths[split], data_root=data_folder)


def load_model(hparams, run_opts=None, trainable=False):
    """Loads ``pretrained_source`` (a pretrained folder or a Hugging Face
    repo) as a :class:`~pengi_sb.inference.Pengi`.

    Arguments
    ---------
    hparams : dict
        Reads ``pretrained_source``, ``pretrained_savedir``,
        ``window_mode`` (default ``mean``) and ``encode_batch_size``.
    run_opts : RunOptions or dict, optional
        ``--device`` and the other run options.
    trainable : bool
        Keep the parameters trainable (fine-tuning).

    Returns
    -------
    pengi_sb.inference.Pengi
    """
    from pengi_sb.inference import Pengi

    return Pengi.from_hparams(
        source=hparams["pretrained_source"],
        savedir=hparams["pretrained_savedir"],
        run_opts=run_opts,
        freeze_params=not trainable,
        window_mode=hparams.get("window_mode", "mean"),
        encode_batch_size=int(hparams.get("encode_batch_size", 16)),
    )



# ---------------------------------------------------------------------------
# Data protocols: which splits train, select and test (probes, fine-tuning)
# ---------------------------------------------------------------------------

PROTOCOLS = ("splits", "folds", "kfold", "runs")


@dataclass
class Run:
    """One train / valid / test division of the prepared items."""

    name: str
    train: dict
    valid: dict
    test: dict


def kfold_partition(items, n_folds, seed=0):
    """Deterministic stratified partition of items into ``n_folds`` folds.

    Items are grouped by their first label, each group's ids sorted and
    shuffled with ``seed``, then dealt to the folds in turn (the folds
    continue from one group to the next, so that sizes stay even).

    Arguments
    ---------
    items : dict
        ``{id: item}``.
    n_folds : int
        Number of folds (2 or more, at most the number of items).
    seed : int
        Shuffling seed.

    Returns
    -------
    list of list of str
        The ids of every fold.

    Example
    -------
    >>> items = {f"c{i}": {"labels": ["dog" if i < 4 else "cat"]}
    ...          for i in range(6)}
    >>> [len(f) for f in kfold_partition(items, 3)]
    [2, 2, 2]
    """
    n_folds = int(n_folds)
    if n_folds < 2 or n_folds > len(items):
        raise EvaluationError(
            f"n_folds={n_folds}: need 2 <= n_folds <= {len(items)} (items)"
        )
    groups = {}
    for item_id, item in items.items():
        key = (item.get("labels") or [""])[0]
        groups.setdefault(key, []).append(item_id)
    rng = np.random.default_rng(int(seed))
    folds = [[] for _ in range(n_folds)]
    position = 0
    for key in sorted(groups):
        ids = sorted(groups[key])
        for index in rng.permutation(len(ids)):
            folds[position % n_folds].append(ids[index])
            position += 1
    return folds


def _merge(splits, names, role):
    merged = {}
    for name in names or []:
        if name not in splits:
            raise EvaluationError(
                f"{role} split '{name}' is not a prepared split "
                f"({sorted(splits)})"
            )
        merged.update(splits[name])
    return merged


def protocol_splits(hparams):
    """Names of the prepared splits a protocol reads (see
    :func:`build_runs`)."""
    protocol = hparams.get("protocol", "splits")
    if protocol == "splits":
        return [*hparams.get("train_splits", []),
                *(hparams.get("valid_splits") or []),
                *hparams.get("test_splits", [])]
    if protocol == "folds":
        return list(hparams["folds"])
    if protocol == "kfold":
        return [hparams["kfold_split"]]
    if protocol == "runs":
        return [name for run in hparams["runs"]
                for role in ("train", "valid", "test")
                for name in run.get(role) or []]
    raise EvaluationError(f"protocol '{protocol}' is not one of {PROTOCOLS}")


def build_runs(hparams, splits):
    """The train / valid / test runs of a data protocol.

    ============  =========================================================
    protocol      runs
    ============  =========================================================
    ``splits``    one run: ``train_splits``, ``valid_splits`` (optional),
                  ``test_splits``
    ``folds``     cross-validation over the dataset's official folds
                  (``folds: [fold1, ...]``): each fold is the test set
                  once, the others train (run names: the folds)
    ``kfold``     cross-validation over ``n_folds`` stratified folds of one
                  split (``kfold_split``; ``seed``) for datasets without
                  an official division (runs ``kfold1`` ...)
    ``runs``      explicit runs: ``[{name, train: [..], valid: [..],
                  test: [..]}]``
    ============  =========================================================

    Arguments
    ---------
    hparams : dict
        The protocol keys above.
    splits : dict
        ``{split: {id: item}}`` of the prepared splits.

    Returns
    -------
    list of Run

    Example
    -------
    >>> splits = {f"fold{k}": {f"a{k}": {"labels": ["x"]}} for k in (1, 2, 3)}
    >>> runs = build_runs({"protocol": "folds",
    ...                    "folds": ["fold1", "fold2", "fold3"]}, splits)
    >>> [(r.name, sorted(r.train), sorted(r.test)) for r in runs][0]
    ('fold1', ['a2', 'a3'], ['a1'])
    """
    protocol = hparams.get("protocol", "splits")
    if protocol == "splits":
        runs = [Run("splits",
                    _merge(splits, hparams.get("train_splits"), "train"),
                    _merge(splits, hparams.get("valid_splits"), "valid"),
                    _merge(splits, hparams.get("test_splits"), "test"))]
    elif protocol == "folds":
        folds = list(hparams["folds"])
        runs = [Run(fold, _merge(splits, [f for f in folds if f != fold],
                                 "train"), {}, _merge(splits, [fold], "test"))
                for fold in folds]
    elif protocol == "kfold":
        items = _merge(splits, [hparams["kfold_split"]], "kfold")
        parts = kfold_partition(items, hparams.get("n_folds", 5),
                                hparams.get("seed", 0))
        runs = []
        for k, part in enumerate(parts, start=1):
            test = set(part)
            runs.append(Run(
                f"kfold{k}",
                {i: v for i, v in items.items() if i not in test}, {},
                {i: items[i] for i in part}))
    elif protocol == "runs":
        runs = [Run(str(run["name"]),
                    _merge(splits, run.get("train"), "train"),
                    _merge(splits, run.get("valid"), "valid"),
                    _merge(splits, run.get("test"), "test"))
                for run in hparams["runs"]]
    else:
        raise EvaluationError(
            f"protocol '{protocol}' is not one of {PROTOCOLS}"
        )
    for run in runs:
        if not run.train or not run.test:
            raise EvaluationError(
                f"run '{run.name}' has {len(run.train)} training and "
                f"{len(run.test)} test item(s): both must be non-empty"
            )
    return runs


def load_runs(hparams, paths):
    """Reads the splits a protocol needs and builds its runs.

    Arguments
    ---------
    hparams : dict
        Protocol keys (:func:`build_runs`) and ``data_folder``.
    paths : dict
        ``{split: manifest path}`` from :func:`prepare_data`.

    Returns
    -------
    list of Run
    """
    names = dict.fromkeys(protocol_splits(hparams))
    splits = {name: load_split(paths, name, hparams["data_folder"])
              for name in names}
    return build_runs(hparams, splits)
