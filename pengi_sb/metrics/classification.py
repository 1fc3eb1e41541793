"""Classification metrics: accuracy, per-class report, average precision, mAP.

* single-label classification: :func:`accuracy` and, per class,
  :class:`ClassificationReport`;
* multi-label classification (FSD50K, AudioSet): macro mAP,
  :func:`multilabel_map`.

Example
-------
>>> accuracy(["dog", "cat", "rain"], ["dog", "cat", "wind"])
0.6666666666666666

Authors
 * pengi-sb developers 2026
"""

import math
from typing import NamedTuple

import numpy as np
from speechbrain.utils.logger import get_logger
from speechbrain.utils.metric_stats import ClassificationStats

from pengi_sb.metrics.inputs import as_array, as_list, check_same_length

logger = get_logger(__name__)

__all__ = [
    "ClassificationReport",
    "MultilabelMAP",
    "accuracy",
    "average_precision",
    "multilabel_map",
]


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
    predictions = as_list(predictions, "predictions")
    if predictions and isinstance(predictions[0], (list, tuple)):
        predictions = as_array(predictions, "predictions", 2).argmax(axis=1)
        predictions = predictions.tolist()
    targets = as_list(targets, "targets")
    check_same_length(predictions, targets, "predictions", "targets")
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
    scores = as_array(scores, "scores", 1)
    targets = as_array(targets, "targets", 1)
    check_same_length(scores, targets, "scores", "targets")
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
    scores = as_array(scores, "scores", 2)
    targets = as_array(targets, "targets", 2)
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
            labels = as_list(labels, "labels")
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
        predictions = as_list(predictions, "predictions")
        targets = as_list(targets, "targets")
        check_same_length(predictions, targets, "predictions", "targets")
        if ids is None:
            start = len(self.ids)
            ids = [str(start + i) for i in range(len(targets))]
        ids = as_list(ids, "ids")
        check_same_length(predictions, ids, "predictions", "ids")
        if categories is not None:
            categories = as_list(categories, "categories")
            check_same_length(
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
