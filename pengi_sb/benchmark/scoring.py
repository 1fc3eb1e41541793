"""Scores a manifest split with a loaded Pengi, for every downstream task.

One function, :func:`evaluate_items`, scores the items of one split with a
loaded :class:`pengi_sb.inference.Pengi` for every kind of downstream task
of the paper:

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

Generated captions and answers are scored by
:func:`pengi_sb.metrics.generation.score_generations` (the scoring that
training and the held-out evaluation use too). Audio is read in batches
(:class:`~pengi_sb.benchmark.batches.AudioBatches`); files that cannot be
read are skipped, counted and listed in the report, which
:func:`pengi_sb.benchmark.report.write_report` writes.

Example
-------
>>> phrase_in("produced by bass, pitch 50, velocity 25", "pitch 5")
False
>>> phrase_in("produced by bass, pitch 50, velocity 25", "pitch 50")
True

Authors
 * pengi-sb developers 2026
"""

import re
from dataclasses import asdict

import numpy as np
import torch
from speechbrain.utils.logger import get_logger

from pengi_sb.benchmark.batches import AudioBatches
from pengi_sb.benchmark.config import EvaluationError
from pengi_sb.metrics.classification import multilabel_map
from pengi_sb.metrics.generation import (
    answer_type,
    check_caption_tools,
    score_generations,
)
from pengi_sb.metrics.retrieval import retrieval_metrics

logger = get_logger(__name__)

__all__ = [
    "check_metric_tools",
    "close_ended_metrics",
    "evaluate_items",
    "label_targets",
    "phrase_in",
]


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
    results = pengi.classify_batch(batch.wavs, batch.wav_lens, candidates,
                                   config.prompt, **options)
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


def _score_generated(task_type, items, ids, texts, config):
    """Metrics and unavailable metrics of generated captions or answers."""
    records = [{"task": task_type, "hypothesis": text,
                "target": items[item_id].get("target"),
                "references": items[item_id].get("references"),
                "answers": items[item_id].get("answers"),
                "answer_type": items[item_id].get("answer_type")}
               for item_id, text in zip(ids, texts, strict=True)]
    scores = score_generations(
        records, config.caption_metrics,
        tokenize=bool(config.caption_tokenize), java_path=config.java_path,
        spice_dir=config.spice_dir)
    if task_type == "captioning":
        return scores.captions, scores.unavailable
    return scores.answers, {}


def _captioning(pengi, items, batches, config):
    ids, texts = _generate(pengi, items, batches, config)
    values, unavailable = _score_generated("captioning", items, ids, texts,
                                           config)
    refs = [items[i].get("references") or [items[i]["target"]] for i in ids]
    predictions = {i: {"generated": t, "references": r}
                   for i, t, r in zip(ids, texts, refs, strict=True)}
    return ids, {"generation": values}, {"generation": predictions}, \
        unavailable


def _aqa(pengi, items, batches, config):
    ids, texts = _generate(pengi, items, batches, config)
    values, _ = _score_generated("aqa", items, ids, texts, config)
    predictions = {
        i: {"generated": t, "answer": items[i]["target"],
            "answers": items[i].get("answers") or [items[i]["target"]],
            "answer_type": answer_type(items[i])}
        for i, t in zip(ids, texts, strict=True)}
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


def check_metric_tools(config):
    """Fails early (before any audio is scored or any model trained) when
    the task's caption metrics cannot run: no Java, no pycocoevalcap
    (:func:`pengi_sb.metrics.generation.check_caption_tools`; SPICE is
    optional).

    Arguments
    ---------
    config : TaskConfig
        The task (only ``captioning`` needs tools).
    """
    if config.task_type == "captioning":
        check_caption_tools(config.caption_metrics,
                            tokenize=config.caption_tokenize,
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
