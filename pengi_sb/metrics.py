"""Evaluation metrics of the Pengi benchmarks.

Pengi is evaluated with:

* audio captioning (AudioCaps, Clotho): SPIDEr, plus BLEU-1..4, METEOR,
  ROUGE-L, CIDEr-D and SPICE, see :func:`caption_metrics`;
* audio question answering (ClothoAQA): exact-match accuracy after answer
  normalisation, see :func:`aqa_accuracy`;
* single-label classification: accuracy, see :func:`accuracy` and, per
  class, :class:`ClassificationReport`;
* multi-label classification (FSD50K, AudioSet): macro mAP, see
  :func:`multilabel_map`;
* text-to-audio and audio-to-text retrieval: R@1, R@5, R@10 and mAP@10,
  see :func:`retrieval_metrics`.

The caption metrics use the field's standard code rather than a rewrite:
``pycocoevalcap`` (the COCO caption evaluation code that the DCASE task 6
baselines and ``aac-metrics`` reproduce) for BLEU, ROUGE-L and CIDEr-D,
its ``meteor-1.5.jar`` for METEOR, its Stanford PTB tokenizer jar for the
tokenisation, and the SPICE jar for SPICE. ``pycocoevalcap``'s ``Cider``
class is the CIDEr-D formula (clipped n-gram counts, Gaussian length
penalty with sigma = 6, scaled by 10) and gives the same numbers as
``aac-metrics``' ``cider_d``. Install them with ``pip install
pycocoevalcap`` (the ``metrics`` extra of pengi-sb); the jars need Java 8
or newer. SPICE (and so SPIDEr) also needs Stanford CoreNLP 3.6.0, which
no package registry ships: see :func:`find_spice`.

Everything takes plain Python lists, numpy arrays or torch tensors.

Example
-------
>>> accuracy(["dog", "cat", "rain"], ["dog", "cat", "wind"])
0.6666666666666666
>>> aqa_accuracy(["Yes.", "a red car"], [["yes"], ["red car", "car"]])
{'accuracy': 1.0, 'n': 2}

Authors
 * pengi-sb developers 2026
"""

import json
import math
import os
import re
import shutil
import string
import subprocess
import tempfile
import time
from typing import NamedTuple

import numpy as np
from speechbrain.utils.logger import get_logger
from speechbrain.utils.metric_stats import ClassificationStats

logger = get_logger(__name__)

CAPTION_METRICS = (
    "bleu_1",
    "bleu_2",
    "bleu_3",
    "bleu_4",
    "meteor",
    "rouge_l",
    "cider_d",
    "spice",
    "spider",
)
"""Names :func:`caption_metrics` knows, in its default output order."""

PTB_PUNCTUATIONS = frozenset(
    ["''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?",
     "!", ",", ":", "-", "--", "...", ";"]
)
"""Tokens that the COCO / DCASE evaluation drops after PTB tokenisation."""

SPICE_JAR = "spice-1.0.jar"
CORENLP_JARS = (
    "stanford-corenlp-3.6.0.jar",
    "stanford-corenlp-3.6.0-models.jar",
)
"""The Stanford CoreNLP 3.6.0 jars SPICE needs and no registry ships."""

SPICE_LIB_JARS = CORENLP_JARS + (
    "ejml-0.23.jar",
    "slf4j-api-1.7.12.jar",
    "slf4j-simple-1.7.21.jar",
    "lmdbjni-0.4.6.jar",
    "lmdbjni-linux64-0.4.6.jar",
    "fst-2.47.jar",
    "jackson-core-2.5.3.jar",
    "javassist-3.19.0-GA.jar",
    "objenesis-2.4.jar",
    "guava-19.0.jar",
    "json-simple-1.1.1.jar",
    "Meteor-1.5.jar",
    "SceneGraphParser-1.0.jar",
)
"""Files ``spice-1.0.jar``'s manifest loads from its ``lib/`` folder."""

CORENLP_URL = (
    "https://nlp.stanford.edu/software/stanford-corenlp-full-2015-12-09.zip"
)
SPICE_DIR_ENV = "PENGI_SB_SPICE_DIR"
"""Environment variable naming a folder with ``spice-1.0.jar`` and ``lib/``."""

_JAVA_MEMORY_METEOR = "2G"
_JAVA_MEMORY_SPICE = "8G"
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION_TABLE = str.maketrans("", "", string.punctuation)


# ---------------------------------------------------------------------------
# Input checks shared by every metric
# ---------------------------------------------------------------------------


def _as_list(values, name):
    """Returns ``values`` (list, tuple, numpy array, tensor) as a list."""
    if isinstance(values, (str, bytes)):
        raise TypeError(
            f"{name} must be a sequence of items, not a single string "
            f"({values!r}); wrap it in a list"
        )
    if hasattr(values, "detach"):  # torch tensor
        values = values.detach().cpu().numpy()
    if isinstance(values, np.ndarray):
        if values.ndim == 0:
            raise TypeError(f"{name} must be a sequence, got a scalar")
        return values.tolist()
    try:
        return list(values)
    except TypeError:
        raise TypeError(
            f"{name} must be a list, tuple, numpy array or tensor, got "
            f"{type(values).__name__}"
        ) from None


def _as_array(values, name, ndim, dtype=np.float64):
    """Returns ``values`` as a numpy array with ``ndim`` dimensions."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    try:
        array = np.asarray(values, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"{name} must be numeric with {ndim} dimension(s): {err}"
        ) from None
    if array.ndim != ndim:
        raise ValueError(
            f"{name} must have {ndim} dimension(s), got shape {array.shape}"
        )
    return array


def _check_same_length(first, second, first_name, second_name):
    """Raises ``ValueError`` on empty inputs or different lengths."""
    if len(first) == 0:
        raise ValueError(f"{first_name} is empty: there is nothing to score")
    if len(first) != len(second):
        raise ValueError(
            f"{first_name} has {len(first)} items but {second_name} has "
            f"{len(second)}: give one {second_name} entry per item"
        )


# ---------------------------------------------------------------------------
# Classification, AQA, mAP
# ---------------------------------------------------------------------------


def accuracy(predictions, targets):
    """Fraction of items whose prediction equals the target.

    Arguments
    ---------
    predictions : list, numpy array or torch tensor
        One predicted label per item (strings or integers), or scores of
        shape [N, C], reduced with argmax over the classes.
    targets : list, numpy array or torch tensor
        One target label per item.

    Returns
    -------
    float
        The accuracy in [0, 1].

    Example
    -------
    >>> accuracy([0, 2, 1, 1], [0, 1, 1, 1])
    0.75
    >>> import torch
    >>> accuracy(torch.tensor([[0.1, 0.9], [0.8, 0.2]]), torch.tensor([1, 1]))
    0.5
    """
    predictions = _as_list(predictions, "predictions")
    if predictions and isinstance(predictions[0], (list, tuple)):
        predictions = _as_array(predictions, "predictions", 2).argmax(axis=1)
        predictions = predictions.tolist()
    targets = _as_list(targets, "targets")
    _check_same_length(predictions, targets, "predictions", "targets")
    correct = sum(p == t for p, t in zip(predictions, targets))
    return correct / len(targets)


def average_precision(scores, targets):
    """Average precision of one class (the area under its PR curve).

    ``sum_k (R_k - R_{k-1}) P_k`` over the distinct score thresholds,
    which is what ``sklearn.metrics.average_precision_score`` computes
    (tied scores form one threshold).

    Arguments
    ---------
    scores : sequence of float
        The score of every item for this class.
    targets : sequence of {0, 1}
        Whether the item belongs to the class.

    Returns
    -------
    float
        The average precision, ``nan`` if no item is positive.

    Example
    -------
    >>> average_precision([0.9, 0.8, 0.7, 0.1], [1, 0, 1, 0])
    0.8333333333333333
    """
    scores = _as_array(scores, "scores", 1)
    targets = _as_array(targets, "targets", 1)
    _check_same_length(scores, targets, "scores", "targets")
    n_positive = targets.sum()
    if n_positive == 0:
        return math.nan
    order = np.argsort(-scores, kind="stable")
    sorted_scores = scores[order]
    true_positives = np.cumsum(targets[order])
    # Last index of each group of tied scores: one threshold per group.
    last = np.r_[np.nonzero(np.diff(sorted_scores))[0], len(scores) - 1]
    true_positives = true_positives[last]
    precision = true_positives / (last + 1)
    recall_gain = np.diff(np.r_[0.0, true_positives]) / n_positive
    return float(np.sum(recall_gain * precision))


class MultilabelMAP(NamedTuple):
    """What :func:`multilabel_map` returns."""

    map: float
    """Macro mean of the per-class average precisions that exist."""
    per_class: list
    """Average precision of every class, ``nan`` for skipped classes."""
    skipped: list
    """Indices of the classes without any positive item (left out)."""


def multilabel_map(scores, targets):
    """Macro mean average precision of multi-label scores (FSD50K, AudioSet).

    Each class's average precision is computed over all items (as
    ``sklearn.metrics.average_precision_score(targets, scores,
    average=None)``), then averaged over classes. Classes that have no
    positive item have no average precision: they are left out of the
    mean and listed in ``skipped``.

    Arguments
    ---------
    scores : array-like, shape [N, C]
        Scores (probabilities, logits or similarities) per item and class.
    targets : array-like, shape [N, C]
        Multi-hot targets (0/1 or booleans).

    Returns
    -------
    MultilabelMAP
        ``(map, per_class, skipped)``.

    Example
    -------
    >>> result = multilabel_map(
    ...     [[0.9, 0.2, 0.1], [0.3, 0.8, 0.4], [0.6, 0.1, 0.2]],
    ...     [[1, 0, 0], [0, 1, 0], [0, 1, 0]],
    ... )
    >>> round(result.map, 4), result.skipped
    (0.9167, [2])
    >>> [round(ap, 4) for ap in result.per_class]
    [1.0, 0.8333, nan]
    """
    scores = _as_array(scores, "scores", 2)
    targets = _as_array(targets, "targets", 2)
    if scores.shape != targets.shape:
        raise ValueError(
            f"scores has shape {scores.shape} but targets has shape "
            f"{targets.shape}: both must be [items, classes]"
        )
    if scores.shape[0] == 0 or scores.shape[1] == 0:
        raise ValueError(
            f"scores has shape {scores.shape}: need at least one item and "
            "one class"
        )
    if not np.all(np.isfinite(scores)):
        raise ValueError("scores contains nan or inf values")
    if not np.all((targets == 0) | (targets == 1)):
        raise ValueError("targets must be multi-hot: only 0 and 1 allowed")
    per_class = [
        average_precision(scores[:, c], targets[:, c])
        for c in range(scores.shape[1])
    ]
    skipped = [c for c, ap in enumerate(per_class) if math.isnan(ap)]
    kept = [ap for ap in per_class if not math.isnan(ap)]
    if not kept:
        raise ValueError(
            "no class has a positive target: mAP is undefined (are the "
            "targets all zero?)"
        )
    if skipped:
        logger.info(
            "mAP: %d of %d classes have no positive item and are skipped",
            len(skipped),
            len(per_class),
        )
    return MultilabelMAP(float(np.mean(kept)), per_class, skipped)


def normalize_answer(text):
    """Normalises an answer for exact matching (SQuAD / ClothoAQA style).

    Lower case, punctuation removed, articles (a, an, the) removed, white
    space collapsed.

    Arguments
    ---------
    text : str
        A predicted or accepted answer.

    Returns
    -------
    str
        The normalised answer.

    Example
    -------
    >>> normalize_answer("  The Dog's bark!")
    'dogs bark'
    """
    text = str(text).lower().translate(_PUNCTUATION_TABLE)
    return " ".join(_ARTICLES.sub(" ", text).split())


def aqa_question_types(answers_per_item):
    """Question type of every item: ``yes_no`` or ``open``.

    ClothoAQA's binary questions are the ones whose answers are yes/no.

    Arguments
    ---------
    answers_per_item : list
        Per item, the accepted answer or a list of accepted answers.

    Returns
    -------
    list of str
        ``"yes_no"`` where every accepted answer is yes or no, otherwise
        ``"open"``.

    Example
    -------
    >>> aqa_question_types([["yes", "Yes"], ["a bird"], "no"])
    ['yes_no', 'open', 'yes_no']
    """
    types = []
    for answers in _answer_lists(answers_per_item):
        normalized = {normalize_answer(a) for a in answers}
        types.append("yes_no" if normalized <= {"yes", "no"} else "open")
    return types


def _answer_lists(answers_per_item):
    """Per item, the list of accepted answers (a lone string is wrapped)."""
    lists = []
    for index, answers in enumerate(
        _as_list(answers_per_item, "answers_per_item")
    ):
        if isinstance(answers, str):
            answers = [answers]
        answers = list(answers)
        if not answers:
            raise ValueError(
                f"item {index} has no accepted answer: give at least one"
            )
        lists.append(answers)
    return lists


def aqa_accuracy(predictions, answers_per_item, question_types=None):
    """Audio question answering accuracy (exact match after normalisation).

    A prediction is correct when its :func:`normalize_answer` form equals
    that of any accepted answer of the item.

    Arguments
    ---------
    predictions : list of str
        The generated answer per item.
    answers_per_item : list
        Per item, the accepted answer (str) or a list of accepted answers.
    question_types : list of str, optional
        A type per item (for example from :func:`aqa_question_types`):
        the accuracy is then also reported per type.

    Returns
    -------
    dict
        ``accuracy`` and ``n`` (the number of items); with
        ``question_types``, also ``accuracy_<type>`` and ``n_<type>`` for
        every type.

    Example
    -------
    >>> answers = [["yes"], ["no"], ["dog", "a dog"], ["rain"]]
    >>> result = aqa_accuracy(["Yes", "yes", "The dog.", "thunder"], answers,
    ...                       aqa_question_types(answers))
    >>> result["accuracy"], result["accuracy_yes_no"], result["n_open"]
    (0.5, 0.5, 2)
    """
    predictions = _as_list(predictions, "predictions")
    answers = _answer_lists(answers_per_item)
    _check_same_length(predictions, answers, "predictions", "answers_per_item")
    correct = [
        normalize_answer(p) in {normalize_answer(a) for a in accepted}
        for p, accepted in zip(predictions, answers)
    ]
    result = {"accuracy": sum(correct) / len(correct), "n": len(correct)}
    if question_types is not None:
        question_types = _as_list(question_types, "question_types")
        _check_same_length(
            predictions, question_types, "predictions", "question_types"
        )
        for kind in sorted(set(question_types)):
            hits = [c for c, t in zip(correct, question_types) if t == kind]
            result[f"accuracy_{kind}"] = sum(hits) / len(hits)
            result[f"n_{kind}"] = len(hits)
    return result


def _sorted_labels(labels):
    """Labels sorted naturally, or by their text when types are mixed."""
    try:
        return sorted(labels)
    except TypeError:
        return sorted(labels, key=str)


class ClassificationReport(ClassificationStats):
    """Per-class accuracy of a single-label classification benchmark.

    SpeechBrain's :class:`~speechbrain.utils.metric_stats.ClassificationStats`
    (overall and class-wise accuracy, confusion, ``write_stats``) with
    input checks, tensors accepted, optional ids, a fixed label set and
    the balanced (macro) accuracy. Predictions outside ``labels`` (free
    text that matched no class) count as wrong and are counted.

    Arguments
    ---------
    labels : list of str, optional
        The benchmark's classes. Classes without test items are then
        reported too (with ``nan`` accuracy) and unknown targets raise.

    Example
    -------
    >>> report = ClassificationReport(labels=["dog", "cat", "bird"])
    >>> report.append(None, ["dog", "cat", "dog", "car"],
    ...               ["dog", "dog", "dog", "cat"])
    >>> report.per_class_accuracy()
    {'bird': nan, 'cat': 0.0, 'dog': 0.6666666666666666}
    >>> summary = report.summarize()
    >>> summary["accuracy"], summary["balanced_accuracy"]
    (0.5, 0.3333333333333333)
    >>> summary["unknown_predictions"]
    1
    """

    def __init__(self, labels=None):
        super().__init__()
        if labels is not None:
            labels = _as_list(labels, "labels")
            if len(set(labels)) != len(labels):
                raise ValueError("labels contains duplicates")
        self.labels = labels

    def append(self, ids, predictions, targets, categories=None):
        """Adds a batch of predictions and targets.

        Arguments
        ---------
        ids : list of str or None
            Item ids; ``None`` numbers the items.
        predictions : list or tensor
            The predicted label per item.
        targets : list or tensor
            The target label per item.
        categories : list, optional
            An extra grouping, as in ``ClassificationStats``.
        """
        predictions = _as_list(predictions, "predictions")
        targets = _as_list(targets, "targets")
        _check_same_length(predictions, targets, "predictions", "targets")
        if ids is None:
            start = len(self.ids)
            ids = [str(start + i) for i in range(len(targets))]
        ids = _as_list(ids, "ids")
        _check_same_length(predictions, ids, "predictions", "ids")
        if categories is not None:
            categories = _as_list(categories, "categories")
            _check_same_length(
                predictions, categories, "predictions", "categories"
            )
        if self.labels is not None:
            unknown = _sorted_labels(set(targets) - set(self.labels))
            if unknown:
                raise ValueError(
                    f"targets {unknown} are not in the report's labels"
                )
        super().append(ids, predictions, targets, categories)

    def per_class_accuracy(self):
        """Accuracy (recall) of every target class.

        Returns
        -------
        dict
            Label -> accuracy, ``nan`` for labels without items.
        """
        if not self.ids:
            raise ValueError("the report is empty: append items first")
        counts = {}
        for prediction, target in zip(self.predictions, self.targets):
            total, correct = counts.get(target, (0, 0))
            counts[target] = (total + 1, correct + (prediction == target))
        labels = _sorted_labels(self.labels if self.labels else counts)
        return {
            label: (
                counts[label][1] / counts[label][0]
                if label in counts else math.nan
            )
            for label in labels
        }

    def summarize(self, field=None):
        """``ClassificationStats.summarize`` plus three entries.

        ``balanced_accuracy`` (mean of the per-class accuracies of the
        classes that have items), ``per_class_accuracy`` (see
        :meth:`per_class_accuracy`) and ``unknown_predictions`` (how many
        predictions are outside ``labels``; 0 without labels).

        Arguments
        ---------
        field : str, optional
            Return only this entry.

        Returns
        -------
        dict or value
            All entries, or the one named by ``field``.
        """
        per_class = self.per_class_accuracy()
        super().summarize()
        present = [acc for acc in per_class.values() if not math.isnan(acc)]
        self.summary["balanced_accuracy"] = sum(present) / len(present)
        self.summary["per_class_accuracy"] = per_class
        self.summary["unknown_predictions"] = (
            0 if self.labels is None
            else sum(p not in self.labels for p in self.predictions)
        )
        if field is not None:
            return self.summary[field]
        return self.summary


# ---------------------------------------------------------------------------
# Retrieval
# ---------------------------------------------------------------------------


def _ranks(similarity):
    """0-based rank of every column for every row (stable descending)."""
    order = np.argsort(-similarity, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(similarity.shape[0])[:, None]
    ranks[rows, order] = np.arange(similarity.shape[1])[None, :]
    return ranks


def retrieval_metrics(similarity, text_to_audio_gt, ks=(1, 5, 10), map_k=10):
    """Text-to-audio and audio-to-text retrieval metrics.

    The conventions of the DCASE 2022 task 6b and CLAP evaluations
    (Clotho, AudioCaps): every text (caption) has one relevant audio; an
    audio has as relevant texts all its captions.

    * text-to-audio: for each text, the rank r (1-based) of its audio
      among all audios; R@k is the fraction of texts with r <= k and
      mAP@k the mean of 1/r (0 when r > k).
    * audio-to-text: for each audio, the ranks of its captions among all
      texts; R@k counts the audio when its best-ranked caption is within
      the top k; AP@k is ``sum_i i / r_i / n_relevant`` over its
      captions ranked within the top k (r_1 < r_2 < ...), as in CLAP.
      Audios without any caption are left out of this direction.

    Ties are broken by index (a stable sort), so that scores are
    reproducible.

    Arguments
    ---------
    similarity : array-like, shape [n_text, n_audio]
        Similarity of every text to every audio (higher is closer).
    text_to_audio_gt : sequence of int
        Index of the relevant audio of every text.
    ks : tuple of int
        The cut-offs of recall.
    map_k : int
        The cut-off of mAP.

    Returns
    -------
    dict
        ``text_to_audio_R@k``, ``text_to_audio_mAP@<map_k>``,
        ``text_to_audio_mean_rank``, ``text_to_audio_median_rank`` and the
        same for ``audio_to_text`` (its ranks being each audio's best).

    Example
    -------
    >>> sim = [[0.9, 0.1, 0.3],   # text 0 -> audio 0 ranked 1st
    ...        [0.2, 0.8, 0.1],   # text 1 -> audio 1 ranked 1st
    ...        [0.7, 0.15, 0.5],  # text 2 -> audio 1 ranked 3rd
    ...        [0.1, 0.2, 0.6]]   # text 3 -> audio 2 ranked 1st
    >>> out = retrieval_metrics(sim, [0, 1, 1, 2], ks=(1, 2), map_k=2)
    >>> out["text_to_audio_R@1"], out["text_to_audio_mAP@2"]
    (0.75, 0.75)
    >>> out["audio_to_text_R@1"], round(out["audio_to_text_mAP@2"], 4)
    (1.0, 0.8333)
    """
    similarity = _as_array(similarity, "similarity", 2)
    n_text, n_audio = similarity.shape
    gt = _as_list(text_to_audio_gt, "text_to_audio_gt")
    if n_text == 0 or n_audio == 0:
        raise ValueError(
            f"similarity has shape {similarity.shape}: need at least one "
            "text and one audio"
        )
    if len(gt) != n_text:
        raise ValueError(
            f"similarity has {n_text} rows (texts) but text_to_audio_gt has "
            f"{len(gt)} entries: give the audio index of every text"
        )
    if not np.all(np.isfinite(similarity)):
        raise ValueError("similarity contains nan or inf values")
    for index, audio in enumerate(gt):
        if not _is_index(audio, n_audio):
            raise ValueError(
                f"text_to_audio_gt[{index}] = {audio!r} is not an audio "
                f"index in [0, {n_audio})"
            )
    gt = np.asarray(gt, dtype=np.int64)
    ks = tuple(int(k) for k in ks)
    if not ks or min(ks) < 1 or map_k < 1:
        raise ValueError("ks and map_k must be positive integers")

    results = {}
    # text -> audio: one relevant audio per text
    t2a = _ranks(similarity)[np.arange(n_text), gt]
    results.update(_rank_stats("text_to_audio", t2a, ks))
    results[f"text_to_audio_mAP@{map_k}"] = float(
        np.mean(np.where(t2a < map_k, 1.0 / (t2a + 1), 0.0))
    )

    # audio -> text: every caption of the audio is relevant
    a2t_ranks = _ranks(similarity.T)
    best, average_precisions = [], []
    for audio in range(n_audio):
        relevant = np.nonzero(gt == audio)[0]
        if relevant.size == 0:
            continue
        ranks = np.sort(a2t_ranks[audio, relevant])
        best.append(ranks[0])
        hits = ranks[ranks < map_k]
        average_precisions.append(
            float(np.sum(np.arange(1, hits.size + 1) / (hits + 1)))
            / relevant.size
        )
    if len(best) < n_audio:
        logger.warning(
            "audio-to-text retrieval: %d of %d audios have no caption and "
            "are left out",
            n_audio - len(best),
            n_audio,
        )
    results.update(_rank_stats("audio_to_text", np.asarray(best), ks))
    results[f"audio_to_text_mAP@{map_k}"] = float(np.mean(average_precisions))
    return results


def _is_index(value, size):
    """Whether ``value`` is an integer in [0, size)."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return isinstance(value, (int, np.integer)) and 0 <= value < size


def _rank_stats(prefix, ranks, ks):
    """R@k, mean and median rank (1-based, CLAP style) of 0-based ranks."""
    stats = {f"{prefix}_R@{k}": float(np.mean(ranks < k)) for k in ks}
    stats[f"{prefix}_mean_rank"] = float(np.mean(ranks) + 1)
    stats[f"{prefix}_median_rank"] = float(np.floor(np.median(ranks)) + 1)
    return stats


# ---------------------------------------------------------------------------
# Caption metrics: external tools
# ---------------------------------------------------------------------------


def find_java(java_path=None):
    """Path of the Java executable the caption metrics run.

    Arguments
    ---------
    java_path : str, optional
        An explicit executable; else ``$JAVA_HOME/bin/java``, else
        ``java`` on the ``PATH``.

    Returns
    -------
    str
        The executable's path.

    Example
    -------
    >>> find_java("/nonexistent/java")
    Traceback (most recent call last):
     ...
    RuntimeError: Java executable '/nonexistent/java' does not exist...
    """
    if java_path is not None:
        if not os.path.isfile(java_path):
            raise RuntimeError(
                f"Java executable '{java_path}' does not exist or is not a "
                "file: pass the path of a Java (8 or newer) 'java' binary"
            )
        return str(java_path)
    java_home = os.environ.get("JAVA_HOME")
    if java_home and os.path.isfile(os.path.join(java_home, "bin", "java")):
        return os.path.join(java_home, "bin", "java")
    found = shutil.which("java")
    if found is None:
        raise RuntimeError(
            "Java is not installed (no 'java' on the PATH and no "
            "$JAVA_HOME/bin/java), but the PTB tokenizer, METEOR and SPICE "
            "are Java programs. Install a Java runtime, 8 or newer (for "
            "example 'apt-get install default-jre-headless'), or pass "
            "java_path; BLEU, ROUGE-L and CIDEr-D alone run without Java "
            "with tokenize=False"
        )
    return found


def _pycocoevalcap_dir():
    """Folder of the installed ``pycocoevalcap`` package."""
    try:
        import pycocoevalcap
    except ImportError:
        raise ImportError(
            "the caption metrics need the 'pycocoevalcap' package (the COCO "
            "caption evaluation code and its jars): pip install "
            "pycocoevalcap (or pip install pengi-sb[metrics])"
        ) from None
    return list(pycocoevalcap.__path__)[0]


def _pycocoevalcap_jar(*parts):
    """Path of a jar shipped with pycocoevalcap; raises if it is missing."""
    path = os.path.join(_pycocoevalcap_dir(), *parts)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"'{path}' is missing from the pycocoevalcap installation: "
            "reinstall it (pip install --force-reinstall pycocoevalcap)"
        )
    return path


def _spice_candidate_dirs(spice_dir):
    """Folders searched for ``spice-1.0.jar`` + ``lib/``, in order."""
    if spice_dir is not None:
        return [str(spice_dir)]
    dirs = []
    if os.environ.get(SPICE_DIR_ENV):
        dirs.append(os.environ[SPICE_DIR_ENV])
    try:
        dirs.append(os.path.join(_pycocoevalcap_dir(), "spice"))
    except ImportError:
        pass
    cache = os.environ.get("AAC_METRICS_CACHE_PATH") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    dirs.append(os.path.join(cache, "aac-metrics", "spice"))
    return dirs


def _missing_spice_files(folder):
    """Files of a SPICE installation missing from ``folder``."""
    wanted = [SPICE_JAR] + [os.path.join("lib", j) for j in SPICE_LIB_JARS]
    return [
        name for name in wanted
        if not os.path.isfile(os.path.join(folder, name))
    ]


def find_spice(spice_dir=None):
    """Folder of a complete SPICE installation (``spice-1.0.jar`` + ``lib/``).

    Searched: ``spice_dir`` if given; else the folder named by the
    ``PENGI_SB_SPICE_DIR`` environment variable, ``pycocoevalcap/spice``
    and aac-metrics' cache (``$AAC_METRICS_CACHE_PATH`` or ``~/.cache``,
    then ``aac-metrics/spice``). ``pycocoevalcap`` ships SPICE without the
    Stanford CoreNLP 3.6.0 jars, which no package registry has.

    Arguments
    ---------
    spice_dir : str, optional
        A folder holding ``spice-1.0.jar`` and ``lib/``.

    Returns
    -------
    str
        The first complete folder.

    Example
    -------
    >>> find_spice("/nonexistent")
    Traceback (most recent call last):
     ...
    FileNotFoundError: SPICE (needed for SPICE and SPIDEr) is not installed...
    """
    searched = []
    for folder in _spice_candidate_dirs(spice_dir):
        missing = _missing_spice_files(folder)
        if not missing:
            return folder
        searched.append(f"  {folder}: missing {', '.join(missing)}")
    raise FileNotFoundError(
        "SPICE (needed for SPICE and SPIDEr) is not installed in any "
        "searched folder:\n" + "\n".join(searched) + "\n"
        f"SPICE needs {SPICE_JAR} with its lib/ folder, including the "
        f"Stanford CoreNLP 3.6.0 jars ({', '.join(CORENLP_JARS)}), which "
        f"no package registry ships. Get them from {CORENLP_URL} (extract "
        "those two jars from the zip into <folder>/lib/), or run "
        "'python -m pycocoevalcap.spice.get_stanford_models' from a "
        "writable pycocoevalcap install, or 'aac-metrics-download'. Then "
        f"pass spice_dir=<folder> or set {SPICE_DIR_ENV}=<folder>. Without "
        "them, leave 'spice' and 'spider' out of metrics"
    )


def _run_java(command, what):
    """Runs a Java program; raises with its error output if it fails."""
    try:
        completed = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True,
            check=False,
        )
    except OSError as err:
        raise RuntimeError(
            f"{what}: could not start Java ({command[0]}): {err}"
        ) from None
    if completed.returncode != 0:
        raise RuntimeError(
            f"{what} failed (exit {completed.returncode}): "
            f"{completed.stderr.decode(errors='replace')[-2000:]}"
        )
    return completed.stdout.decode("utf-8")


def _one_line(text):
    """The text with line breaks turned into spaces."""
    return " ".join(text.splitlines()) if text else ""


def ptb_tokenize(sentences, java_path=None):
    """Tokenises like the COCO / DCASE caption evaluation.

    Stanford's PTB tokenizer (``stanford-corenlp-3.4.1.jar`` from
    pycocoevalcap) with lower-casing, then the punctuation tokens of
    :data:`PTB_PUNCTUATIONS` removed. Line breaks inside a sentence become
    spaces.

    Arguments
    ---------
    sentences : list of str
        The sentences.
    java_path : str, optional
        The Java executable (see :func:`find_java`).

    Returns
    -------
    list of str
        Each sentence's tokens joined by single spaces.

    Example
    -------
    >>> ptb_tokenize(["A dog barks, then a car passes."])  # doctest: +SKIP
    ['a dog barks then a car passes']
    """
    sentences = [_one_line(s) for s in _as_list(sentences, "sentences")]
    if not sentences:
        return []
    java = find_java(java_path)
    jar = _pycocoevalcap_jar("tokenizer", "stanford-corenlp-3.4.1.jar")
    with tempfile.TemporaryDirectory(prefix="pengi_ptb_") as tmp:
        path = os.path.join(tmp, "sentences.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(sentences))
        output = _run_java(
            [java, "-cp", jar, "edu.stanford.nlp.process.PTBTokenizer",
             "-preserveLines", "-lowerCase", "-encoding", "utf-8", path],
            "PTB tokenizer",
        )
    lines = output.split("\n")
    if len(lines) != len(sentences):
        raise RuntimeError(
            f"PTB tokenizer returned {len(lines)} lines for "
            f"{len(sentences)} sentences"
        )
    return [
        " ".join(t for t in line.rstrip().split(" ")
                 if t and t not in PTB_PUNCTUATIONS)
        for line in lines
    ]


def _meteor(candidates, references, java):
    """METEOR 1.5 (pycocoevalcap's jar): corpus score and per-item scores."""
    jar = _pycocoevalcap_jar("meteor", "meteor-1.5.jar")
    command = [
        java, "-Duser.language=en", "-Duser.country=US", "-jar",
        f"-Xmx{_JAVA_MEMORY_METEOR}", jar, "-", "-", "-stdio", "-l", "en",
        "-norm",
    ]

    def clean(text):
        return _one_line(text).replace("|||", "").replace("  ", " ")

    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            command, cwd=os.path.dirname(jar), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=errors,
        )

        def send(line):
            process.stdin.write((line + "\n").encode("utf-8"))
            process.stdin.flush()

        def receive():
            answer = process.stdout.readline().decode("utf-8").strip()
            if not answer:
                process.kill()
                process.wait()
                errors.seek(0)
                raise RuntimeError(
                    "METEOR (meteor-1.5.jar) stopped: "
                    + errors.read().decode(errors="replace")[-2000:]
                )
            return answer

        try:
            stats = []
            for cand, refs in zip(candidates, references):
                send(" ||| ".join(
                    ["SCORE"] + [clean(r) for r in refs] + [clean(cand)]
                ))
                stats.append(receive())
            send("EVAL ||| " + " ||| ".join(stats))
            per_item = [float(receive()) for _ in candidates]
            corpus = float(receive())
        finally:
            if process.poll() is None:
                process.stdin.close()
                process.kill()
            process.wait()
    return corpus, per_item


def _spice(candidates, references, java, spice_dir):
    """SPICE 1.0 (``-subset`` mode): mean F-score and per-item F-scores."""
    jar = os.path.join(spice_dir, SPICE_JAR)
    with tempfile.TemporaryDirectory(prefix="pengi_spice_") as tmp:
        in_path = os.path.join(tmp, "input.json")
        out_path = os.path.join(tmp, "output.json")
        cache = os.path.join(tmp, "cache")
        os.makedirs(cache)
        with open(in_path, "w", encoding="utf-8") as f:
            json.dump(
                [
                    {"image_id": i, "test": cand, "refs": list(refs)}
                    for i, (cand, refs) in enumerate(
                        zip(candidates, references)
                    )
                ],
                f,
            )
        _run_java(
            [java, "-jar", f"-Xmx{_JAVA_MEMORY_SPICE}", jar, in_path,
             "-cache", cache, "-out", out_path, "-subset", "-silent"],
            "SPICE",
        )
        with open(out_path, encoding="utf-8") as f:
            results = json.load(f)
    by_id = {item["image_id"]: item["scores"]["All"]["f"] for item in results}
    if sorted(by_id) != list(range(len(candidates))):
        raise RuntimeError(
            f"SPICE returned scores for {len(by_id)} of {len(candidates)} "
            "items"
        )
    per_item = []
    for i in range(len(candidates)):
        try:
            per_item.append(float(by_id[i]))
        except (TypeError, ValueError):
            per_item.append(math.nan)
    return float(np.mean(per_item)), per_item


def _check_captions(candidates, references):
    """Validates caption inputs; returns them as lists of str."""
    candidates = _as_list(candidates, "candidates")
    references = _as_list(references, "references")
    _check_same_length(candidates, references, "candidates", "references")
    for index, cand in enumerate(candidates):
        if not isinstance(cand, str):
            raise TypeError(
                f"candidates[{index}] is {type(cand).__name__}, not str"
            )
    checked = []
    for index, refs in enumerate(references):
        if isinstance(refs, str):
            raise TypeError(
                f"references[{index}] is a string: each item needs a list "
                "of reference captions (wrap a single one as [caption])"
            )
        refs = _as_list(refs, f"references[{index}]")
        if not refs:
            raise ValueError(f"references[{index}] has no reference caption")
        if not all(isinstance(r, str) for r in refs):
            raise TypeError(f"references[{index}] must contain only str")
        checked.append(refs)
    return candidates, checked


def caption_metrics(
    candidates,
    references,
    metrics=CAPTION_METRICS,
    tokenize=True,
    java_path=None,
    spice_dir=None,
    return_per_item=False,
):
    """Captioning metrics (BLEU-1..4, METEOR, ROUGE-L, CIDEr-D, SPICE, SPIDEr).

    The DCASE / aac-metrics evaluation: candidates and references are PTB
    tokenised (lower-cased, punctuation dropped), then scored with the
    COCO caption evaluation code (``pycocoevalcap``): BLEU with the
    "closest" reference length, ROUGE-L (beta 1.2), CIDEr-D (sigma 6,
    x10, document frequencies from the references of the whole corpus,
    so at least two items are needed), METEOR 1.5 (corpus score), SPICE
    (mean F-score) and SPIDEr = (CIDEr-D + SPICE) / 2.

    Arguments
    ---------
    candidates : list of str
        The generated caption per item.
    references : list of list of str
        The reference captions per item (any number >= 1).
    metrics : sequence of str
        Names from :data:`CAPTION_METRICS`. SPICE and SPIDEr need the
        Stanford CoreNLP 3.6.0 jars (see :func:`find_spice`); leave them
        out where those are not installed.
    tokenize : bool
        PTB-tokenise first (needs Java). Only turn off for text that is
        already tokenised.
    java_path : str, optional
        The Java executable (see :func:`find_java`).
    spice_dir : str, optional
        Folder with ``spice-1.0.jar`` and ``lib/`` (see
        :func:`find_spice`).
    return_per_item : bool
        Also return the per-item scores (METEOR's corpus score is not
        their mean).

    Returns
    -------
    dict or (dict, dict)
        Metric name -> corpus score (float), in the order of ``metrics``;
        with ``return_per_item``, also metric name -> list of per-item
        scores.

    Example
    -------
    >>> cands = ["a dog barks", "rain falls on a roof"]
    >>> refs = [["a dog is barking", "a dog barks loudly"],
    ...         ["rain falls on a tin roof", "heavy rain"]]
    >>> scores = caption_metrics(cands, refs, ("bleu_1", "rouge_l", "cider_d"),
    ...                          tokenize=False)
    >>> {name: round(value, 4) for name, value in scores.items()}
    {'bleu_1': 0.7788, 'rouge_l': 0.865, 'cider_d': 3.713}
    >>> scores = caption_metrics(cands, refs, ("meteor", "cider_d"))
    ... # doctest: +SKIP
    >>> {name: round(value, 4) for name, value in scores.items()}
    ... # doctest: +SKIP
    {'meteor': 0.395, 'cider_d': 3.713}
    """
    candidates, references = _check_captions(candidates, references)
    if isinstance(metrics, str):
        metrics = (metrics,)
    metrics = tuple(metrics)
    unknown = [m for m in metrics if m not in CAPTION_METRICS]
    if unknown or not metrics:
        raise ValueError(
            f"unknown caption metrics {unknown}: choose from "
            f"{list(CAPTION_METRICS)}"
        )
    wanted = set(metrics)
    if "spider" in wanted:
        wanted |= {"cider_d", "spice"}
    if "cider_d" in wanted and len(candidates) < 2:
        raise ValueError(
            "CIDEr-D (and SPIDEr) need at least 2 items: its n-gram "
            "weights come from the references of the whole corpus, so "
            "score the whole test set at once"
        )
    # Fail fast on what is missing, before any slow step runs.
    spice_folder = find_spice(spice_dir) if "spice" in wanted else None
    needs_java = tokenize or bool(wanted & {"meteor", "spice"})
    java = find_java(java_path) if needs_java else None
    if tokenize or wanted - {"spice"}:
        _pycocoevalcap_dir()

    if tokenize:
        start = time.perf_counter()
        candidates = ptb_tokenize(candidates, java)
        flat = ptb_tokenize([r for refs in references for r in refs], java)
        tokenized, offset = [], 0
        for refs in references:
            tokenized.append(flat[offset:offset + len(refs)])
            offset += len(refs)
        references = tokenized
        logger.debug("PTB tokenisation: %.2f s", time.perf_counter() - start)

    corpus, per_item = {}, {}
    if wanted & {"bleu_1", "bleu_2", "bleu_3", "bleu_4"}:
        from pycocoevalcap.bleu.bleu_scorer import BleuScorer

        scorer = BleuScorer(n=4)
        for cand, refs in zip(candidates, references):
            scorer += (cand, refs)
        scores, item_scores = scorer.compute_score(option="closest", verbose=0)
        for n in range(4):
            corpus[f"bleu_{n + 1}"] = float(scores[n])
            per_item[f"bleu_{n + 1}"] = [float(s) for s in item_scores[n]]
    if "rouge_l" in wanted:
        from pycocoevalcap.rouge.rouge import Rouge

        rouge = Rouge()
        per_item["rouge_l"] = [
            float(rouge.calc_score([cand], refs))
            for cand, refs in zip(candidates, references)
        ]
        corpus["rouge_l"] = float(np.mean(per_item["rouge_l"]))
    if "cider_d" in wanted:
        from pycocoevalcap.cider.cider_scorer import CiderScorer

        scorer = CiderScorer(n=4, sigma=6.0)
        for cand, refs in zip(candidates, references):
            scorer += (cand, refs)
        score, item_scores = scorer.compute_score()
        corpus["cider_d"] = float(score)
        per_item["cider_d"] = [float(s) for s in item_scores]
    if "meteor" in wanted:
        start = time.perf_counter()
        corpus["meteor"], per_item["meteor"] = _meteor(
            candidates, references, java
        )
        logger.debug("METEOR: %.2f s", time.perf_counter() - start)
    if "spice" in wanted:
        corpus["spice"], per_item["spice"] = _spice(
            candidates, references, java, spice_folder
        )
    if "spider" in wanted:
        corpus["spider"] = (corpus["cider_d"] + corpus["spice"]) / 2
        per_item["spider"] = [
            (c + s) / 2 for c, s in zip(per_item["cider_d"], per_item["spice"])
        ]

    corpus = {name: corpus[name] for name in metrics}
    if return_per_item:
        return corpus, {name: per_item[name] for name in metrics}
    return corpus
