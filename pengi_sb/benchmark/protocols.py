"""Data protocols: which prepared splits train, select and test a model.

The linear probe and fine-tuning read their train / valid / test
divisions (:class:`Run`) from a protocol (:func:`build_runs`): the
dataset's official splits, cross-validation over its official folds, or
stratified k-fold (:func:`kfold_partition`) for datasets without one.

Authors
 * pengi-sb developers 2026
"""

from dataclasses import dataclass

import numpy as np

from pengi_sb.benchmark.config import EvaluationError
from pengi_sb.benchmark.recipe import load_split

__all__ = [
    "PROTOCOLS",
    "Run",
    "build_runs",
    "kfold_partition",
    "load_runs",
    "protocol_splits",
]

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
