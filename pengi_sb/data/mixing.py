"""Mixing several datasets' manifests into one weighted training corpus.

Pengi is pretrained on 17 datasets of very different sizes (AudioSet's
two million clips next to CMU-MOSI's two thousand). A *mixture* says which
manifests to combine and how much of an epoch each dataset gets. The API
is two names:

* :func:`load_mixture` ``(spec) -> (items, weights)``: reads every
  manifest of the spec, prefixes ids with the dataset name
  (``"clotho/abc"``, see :data:`ID_SEPARATOR`) so they stay unique, and
  returns per-item sampling weights such that the items of dataset ``d``
  together weigh ``weight_d / sum(weights)``: a dataset's share of an epoch
  follows its weight, not its size.
* :class:`WeightedEpochSampler` ``(weights, epoch_size, seed)``: draws
  ``epoch_size`` indices with replacement from those weights, reproducibly
  per epoch (``set_epoch``). It is SpeechBrain's
  ``ReproducibleWeightedRandomSampler``; under DDP, ``sb.Brain`` wraps any
  ``sampler`` in ``DistributedSamplerWrapper`` (every rank draws the same
  epoch, then takes its own slice), so nothing else is needed.

A spec is a list of entries, as written in yaml (see
``recipes/Pretrain/hparams/mixture.yaml``)::

    mixture:
      - name: clotho                 # optional: default = manifest stem
        manifest: <folder>/clotho/development.json   # or a list of paths
        data_root: /data/Clotho      # optional: fills "{data_root}"
        weight: 1.0
        task: metadata               # optional: re-prompt every item

``task`` gives every item of the entry that task's prompt (which must
have no ``{slots}``), keeping its target: the paper trains the captions
of WavCaps, MACS, SoundDescs and WavText5K under the auxiliary prompt
"generate metadata". The item's former task is kept in ``source_task``.

Other keys in an entry (``recipe``, ``prepare``, ``templates``...) are
descriptive and ignored here. :func:`read_mixture` reads such a yaml file
(hyperpyyaml, with overrides) and returns its ``mixture`` list.

Example
-------
>>> import os, tempfile
>>> from pengi_sb.data.manifest import make_item, write_manifest
>>> tmp = tempfile.mkdtemp()
>>> big = {f"b{i}": make_item(f"/x/b{i}.wav", 1.0, "captioning",
...                            caption="rain") for i in range(8)}
>>> small = {"s0": make_item("{data_root}/s0.wav", 1.0, "emotion",
...                          emotion="happy")}
>>> write_manifest(big, os.path.join(tmp, "big.json"))
>>> write_manifest(small, os.path.join(tmp, "small.csv"))
>>> items, weights = load_mixture([
...     {"manifest": os.path.join(tmp, "big.json"), "weight": 1.0},
...     {"manifest": os.path.join(tmp, "small.csv"), "weight": 1.0,
...      "data_root": "/data/small", "name": "emo"}])
>>> list(items)[-1], items["emo/s0"]["wav"], items["emo/s0"]["dataset"]
('emo/s0', '/data/small/s0.wav', 'emo')
>>> round(sum(weights[:8]), 6), round(weights[8], 6)
(0.5, 0.5)
>>> sampler = WeightedEpochSampler(weights, epoch_size=1000, seed=3)
>>> drawn = list(sampler)
>>> 400 < drawn.count(8) < 600
True
>>> sampler.set_epoch(1)
>>> list(sampler) != drawn
True

Authors
 * pengi-sb developers 2026
"""

import math
import os
import random

from speechbrain.dataio.sampler import ReproducibleWeightedRandomSampler
from speechbrain.utils.logger import get_logger

from pengi_sb.data.manifest import ManifestError, read_manifest
from pengi_sb.tasks import get_template

logger = get_logger(__name__)

__all__ = [
    "ID_SEPARATOR",
    "LengthGroupedBatchSampler",
    "MixtureError",
    "WeightedEpochSampler",
    "load_mixture",
    "read_mixture",
]

ID_SEPARATOR = "/"
"""Stands between the dataset name and the item id in mixed ids."""

# torch.multinomial draws from at most 2**24 categories.
MAX_ITEMS = 2**24


class MixtureError(ValueError):
    """A mixture spec that cannot be used; the message names the entry."""


def read_mixture(path, overrides=None, key="mixture"):
    """Reads a mixture yaml (hyperpyyaml) and returns its list of entries.

    Arguments
    ---------
    path : str
        A yaml file with a ``mixture:`` list (placeholders such as
        ``manifest_folder`` are filled through ``overrides``).
    overrides : dict or str, optional
        Hyperpyyaml overrides (``{"manifest_folder": "..."}``).
    key : str
        The top-level key holding the list.

    Returns
    -------
    list of dict
    """
    from hyperpyyaml import load_hyperpyyaml

    if not os.path.isfile(path):
        raise MixtureError(f"mixture file {path} does not exist")
    with open(path, encoding="utf-8") as f:
        conf = load_hyperpyyaml(f, overrides or {})
    if key not in conf or not isinstance(conf[key], list):
        raise MixtureError(
            f"mixture file {path}: needs a top-level '{key}:' list of "
            "{manifest, weight, ...} entries"
        )
    return conf[key]


def load_mixture(spec):
    """Combines the manifests of a mixture spec, with sampling weights.

    Arguments
    ---------
    spec : list of dict
        Entries ``{"manifest": path or list of paths, "weight": float,
        "data_root": str (optional), "name": str (optional)}``; a str is
        read as a mixture yaml file with :func:`read_mixture`. Entries of
        weight 0 are skipped.

    Returns
    -------
    items : dict
        ``{"<name>/<id>": item}`` in spec order, then manifest order. Each
        item keeps its fields; ``dataset`` is set to the entry name when
        the manifest had none, and ``mixture`` always holds the entry name.
    weights : list of float
        One per item, in the order of ``items``; they sum to 1 and the
        items of each entry sum to ``weight / total weight``.

    Raises
    ------
    MixtureError
        Missing manifest or weight, negative weights, duplicate names,
        empty mixtures, ``{data_root}`` paths without a ``data_root``.
    """
    if isinstance(spec, str):
        spec = read_mixture(spec)
    if not isinstance(spec, (list, tuple)) or not spec:
        raise MixtureError(
            "a mixture spec is a non-empty list of {manifest, weight} entries"
        )
    entries = [_check_entry(i, e) for i, e in enumerate(spec)]
    names = [e["name"] for e in entries]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise MixtureError(
            f"mixture: dataset name(s) {dupes} appear more than once; give "
            "each entry a distinct 'name'"
        )
    entries = [e for e in entries if e["weight"] > 0]
    total = sum(e["weight"] for e in entries)
    if total <= 0:
        raise MixtureError("mixture: every entry has weight 0")
    items, weights = {}, []
    for entry in entries:
        part = _read_entry(entry)
        share = entry["weight"] / total
        for item_id, item in part.items():
            items[f"{entry['name']}{ID_SEPARATOR}{item_id}"] = item
            weights.append(share / len(part))
        logger.info("mixture: %s, %d items, %.1f%% of an epoch",
                    entry["name"], len(part), 100 * share)
    if len(items) > MAX_ITEMS:
        raise MixtureError(
            f"mixture: {len(items)} items, more than {MAX_ITEMS} that "
            "torch.multinomial can draw from; shard the corpus instead "
            "(python -m pengi_sb.data.shards write)"
        )
    return items, weights


def _check_entry(index, entry):
    where = f"mixture entry {index}"
    if not isinstance(entry, dict):
        raise MixtureError(f"{where}: must be a mapping, not {entry!r}")
    manifests = entry.get("manifest")
    if isinstance(manifests, str):
        manifests = [manifests]
    if not manifests or not all(isinstance(m, str) for m in manifests):
        raise MixtureError(
            f"{where}: needs 'manifest': a manifest path or a list of them"
        )
    name = entry.get("name") or os.path.splitext(
        os.path.basename(manifests[0]))[0]
    where = f"mixture entry {index} ('{name}')"
    if ID_SEPARATOR in str(name):
        raise MixtureError(f"{where}: a name may not contain "
                           f"'{ID_SEPARATOR}'")
    if "weight" not in entry:
        raise MixtureError(f"{where}: needs a sampling 'weight'")
    try:
        weight = float(entry["weight"])
    except (TypeError, ValueError):
        raise MixtureError(
            f"{where}: weight {entry['weight']!r} is not a number"
        ) from None
    if not math.isfinite(weight) or weight < 0:
        raise MixtureError(f"{where}: weight must be >= 0, got {weight}")
    task = entry.get("task")
    if task is not None:
        try:
            template = get_template(task)
        except KeyError as err:
            raise MixtureError(f"{where}: {err.args[0]}") from None
        if any(f"{{{n}}}" in template.prompt for n in template.fields()):
            raise MixtureError(
                f"{where}: task '{task}' has a prompt with slots "
                f"('{template.prompt}'); only tasks with a fixed prompt can "
                "re-prompt a whole dataset"
            )
    return {"name": str(name), "manifests": list(manifests),
            "weight": weight, "data_root": entry.get("data_root"),
            "task": task}


def _read_entry(entry):
    part = {}
    for path in entry["manifests"]:
        try:
            items = read_manifest(path, data_root=entry["data_root"])
        except ManifestError as err:
            raise MixtureError(
                f"mixture entry '{entry['name']}': {err}"
            ) from err
        for item_id, item in items.items():
            if "{data_root}" in item["wav"]:
                raise MixtureError(
                    f"mixture entry '{entry['name']}', manifest {path}, item "
                    f"'{item_id}': the audio path uses {{data_root}}; give the "
                    "entry a 'data_root' (the dataset's folder)"
                )
            if item_id in part:
                raise MixtureError(
                    f"mixture entry '{entry['name']}': item id '{item_id}' "
                    f"occurs in two of its manifests ({path})"
                )
            item.setdefault("dataset", entry["name"])
            if entry["task"] and item["task"] != entry["task"]:
                item["source_task"] = item["task"]
                item["task"] = entry["task"]
                item["prompt"] = get_template(entry["task"]).prompt
            item["mixture"] = entry["name"]
            part[item_id] = item
    return part


class WeightedEpochSampler(ReproducibleWeightedRandomSampler):
    """Draws a fixed-size epoch of indices from per-item weights.

    SpeechBrain's ``ReproducibleWeightedRandomSampler`` with replacement:
    the epoch is a function of ``(seed, epoch)`` only, so every DDP rank
    draws the same list and ``DistributedSamplerWrapper`` (which
    ``sb.Brain`` puts around any sampler under DDP) gives each rank a
    disjoint slice of it. Call ``set_epoch`` before each epoch (``Brain.fit``
    does it).

    Arguments
    ---------
    weights : sequence of float
        One weight per dataset item (from :func:`load_mixture`).
    epoch_size : int
        Items per epoch (over all ranks).
    seed : int
        Base seed; epoch ``e`` uses ``seed + e``.
    epoch : int
        The epoch to start at.
    replacement : bool
        Draw with replacement (the mixture's shares hold whatever the
        datasets' sizes). ``False``: each item at most once per epoch (with
        one dataset and ``epoch_size`` its size, a permutation: every item
        every epoch).

    Example
    -------
    >>> s = WeightedEpochSampler([0.0, 1.0, 3.0], epoch_size=8, seed=1)
    >>> len(s), 0 in list(s)
    (8, False)
    >>> from speechbrain.dataio.sampler import DistributedSamplerWrapper
    >>> ranks = [list(DistributedSamplerWrapper(s, num_replicas=2, rank=r,
    ...                                         shuffle=False))
    ...          for r in (0, 1)]
    >>> sorted(ranks[0] + ranks[1]) == sorted(s)
    True
    """

    def __init__(self, weights, epoch_size, seed=129491412, epoch=0,
                 replacement=True):
        if int(epoch_size) <= 0:
            raise ValueError(f"epoch_size must be > 0, got {epoch_size}")
        weights = [float(w) for w in weights]
        if not weights or any(w < 0 or not math.isfinite(w)
                              for w in weights):
            raise ValueError(
                "weights must be a non-empty list of finite values >= 0"
            )
        if not any(w > 0 for w in weights):
            raise ValueError("at least one weight must be > 0")
        drawable = sum(w > 0 for w in weights)
        if not replacement and int(epoch_size) > drawable:
            raise ValueError(
                f"epoch_size={epoch_size} without replacement needs as many "
                f"items of weight > 0, there are {drawable}: lower "
                "epoch_size or draw with replacement")
        super().__init__(weights, int(epoch_size), replacement=replacement,
                         seed=seed, epoch=epoch)


class LengthGroupedBatchSampler:
    """Batches of items of similar length, from another sampler's epoch.

    A batch is padded to its longest target, so batches mixing "yes" with
    25-token descriptions spend most of the language model on padding.
    This takes the epoch ``sampler`` draws (a :class:`WeightedEpochSampler`:
    the mixture's shares are kept), cuts it into pools of ``pool_batches``
    batches, sorts each pool by ``lengths`` and cuts it into batches of
    ``batch_size`` items, then shuffles the batches (seeded by ``seed`` and
    the epoch). Every batch keeps ``batch_size`` items, so the audio
    encoder's work and the learning rate's meaning do not change. Under
    DDP, ``sb.Brain`` wraps it like any batch sampler (each rank takes its
    own batches). Use it as the loader's ``batch_sampler``.

    Arguments
    ---------
    sampler : WeightedEpochSampler
        Gives the epoch's items; its ``set_epoch`` is called from this
        one's.
    lengths : sequence of int
        A length per dataset item (target tokens).
    batch_size : int
        Items per batch.
    pool_batches : int
        Batches sorted together: more gives more uniform lengths, fewer
        keeps batches more mixed.
    seed : int
        Seed of the batch order.

    Example
    -------
    >>> lengths = [1, 9, 2, 8, 1, 9, 2, 8]
    >>> sampler = WeightedEpochSampler([1.0] * 8, epoch_size=8, seed=0,
    ...                                replacement=False)
    >>> batches = LengthGroupedBatchSampler(sampler, lengths, batch_size=2)
    >>> [sorted(lengths[i] for i in b) for b in sorted(
    ...     batches, key=lambda b: lengths[b[0]])]
    [[1, 1], [2, 2], [8, 8], [9, 9]]
    >>> len(batches), sorted(i for b in batches for i in b) == list(range(8))
    (4, True)
    """

    def __init__(self, sampler, lengths, batch_size, pool_batches=32,
                 seed=0):
        if int(batch_size) <= 0 or int(pool_batches) <= 0:
            raise ValueError("batch_size and pool_batches must be > 0")
        self.sampler = sampler
        self.lengths = list(lengths)
        self.batch_size = int(batch_size)
        self.pool_batches = int(pool_batches)
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch):
        """Selects the epoch (of the items drawn and of the batch order)."""
        self.epoch = int(epoch)
        if hasattr(self.sampler, "set_epoch"):
            self.sampler.set_epoch(epoch)

    def _batches(self):
        drawn = list(self.sampler)
        pool = self.batch_size * self.pool_batches
        batches = []
        for start in range(0, len(drawn), pool):
            chunk = sorted(drawn[start:start + pool],
                           key=lambda i: self.lengths[i])
            batches += [chunk[k:k + self.batch_size]
                        for k in range(0, len(chunk), self.batch_size)]
        random.Random(f"{self.seed}-{self.epoch}").shuffle(batches)
        return batches

    def __iter__(self):
        return iter(self._batches())

    def __len__(self):
        n = len(self.sampler)
        pool = self.batch_size * self.pool_batches
        full, rest = divmod(n, pool)
        return full * self.pool_batches + math.ceil(rest / self.batch_size)
