"""Tar shards of a (mixed) corpus, and a resumable streaming reader.

Training on millions of clips over several machines reads the corpus as
a few thousand large sequential files instead of millions of small ones.
This module writes such shards and streams them back, split over DDP
ranks and DataLoader workers, with a position that survives a restart.

Writing (``python -m pengi_sb.data.shards write``, or :func:`write_shards`)
-------------------------------------------------------------------------
Every manifest item is read with :func:`pengi_sb.data.audio.load_audio`
(resampled to ``sample_rate``, mono) and cut into windows of
``window_seconds`` (:func:`pengi_sb.data.audio.window_waveform`, a hop of
``hop_seconds``, the last window ending at the last sample); a clip
shorter than a window is stored as is and tiled when read. Each window is
one sample of a WebDataset-format tar (plain USTAR, written with
:mod:`tarfile`)::

    <key>.json   the item's fields (task, prompt, target, labels, ...)
                 + id, item_id, window, windows, sample_rate, num_samples
    <key>.flac   16-bit FLAC      (--format flac)
    <key>.pcm    16-bit little-endian samples (--format pcm)

Each dataset of a mixture gets its own shards ``<dataset>-NNNNNN.tar``
(items shuffled with ``seed`` first), each with a ``.idx`` sidecar (the
byte offset of every sample, int64), and ``index.json`` lists the shards,
their sample counts, the datasets with their weights, and the items
whose audio could not be read (skipped, with the reason).

Reading (:class:`ShardStream`, :class:`ShardLoader`)
----------------------------------------------------
An epoch is a deterministic function of ``(seed, epoch)``:

1. quotas: dataset ``d`` (``N_d`` samples) contributes ``n_d`` samples,
   ``epoch_size`` split by the weights (default: the index's mixture
   weights; one dataset alone: every sample once). Its samples are cut
   into blocks (``block_size`` consecutive samples of a shard) and laid
   out as an endless sequence of passes, each pass a new permutation of
   the blocks. With ``n_d < N_d``, epoch ``e`` takes samples
   ``[e n_d, (e + 1) n_d)`` of that sequence: a down-weighted dataset is
   covered over several epochs without repeats. With ``n_d >= N_d`` an
   epoch gets ``n_d // N_d`` whole passes (each in a fresh order) plus
   the remainder taken the same way: each sample ``k`` or ``k + 1``
   times per epoch;
2. the blocks of all datasets are shuffled together, then cut into
   ``world_size`` equal parts (padded by wrapping around, as
   ``DistributedSampler`` does, so that every rank gets the same number
   of samples and batches) and each part into ``num_workers`` parts;
3. each (rank, worker) reads its blocks in order (one seek per block,
   then sequential reads) through a shuffle buffer of ``buffer_size``
   samples whose random picks are seeded by ``(seed, epoch, rank,
   worker)``.

The order of every (rank, worker) is therefore known from indices alone.
The position saved in a checkpoint is the number of samples each worker
of each rank *delivered to the training loop* (counted in the main
process by :class:`ShardLoader`, so samples prefetched by workers but not
used are not counted); on resume each worker replays its order from the
sample indices, skips what was delivered, re-reads only the samples that
were sitting in the shuffle buffer, and goes on: no sample is repeated or
lost. Resuming needs the same shards, options, world size and number of
workers (checked, with a clear error).

:class:`ShardStream` is a SpeechBrain recoverable (save/load hooks, every
rank saves its own position), so ``checkpointer.add_recoverable(
"train_stream", stream)`` is all a recipe needs. Its samples are dicts in
the form of :class:`pengi_sb.data.pipeline.PengiDataset` examples before
tokenisation: ``id``, ``sig`` (``[1, window]`` float32), ``task``,
``prompt``, ``target``, ``references`` and the manifest's other fields;
pass ``transform`` to add token ids in the workers.

Example
-------
>>> import os, tempfile
>>> from itertools import islice
>>> from pengi_sb.data.manifest import make_item
>>> tmp = tempfile.mkdtemp()
>>> import numpy as np, soundfile
>>> for i in range(4):
...     soundfile.write(os.path.join(tmp, f"{i}.wav"),
...                     np.full(8000 * (i + 1), 0.1, "float32"), 8000)
>>> items = {f"c{i}": make_item(os.path.join(tmp, f"{i}.wav"), i + 1.0,
...                             "captioning", caption=f"clip {i}")
...          for i in range(4)}
>>> index = write_shards(items, os.path.join(tmp, "shards"),
...                      sample_rate=8000, window_seconds=2.0,
...                      items_per_shard=3)
>>> index["total"], len(index["shards"])
(6, 2)
>>> stream = ShardStream(os.path.join(tmp, "shards"), seed=1)
>>> ids = sorted(x["id"] for x in stream)
>>> ids
['c0', 'c1', 'c2@0', 'c2@1', 'c3@0', 'c3@1']
>>> stream.state_dict()["epoch"], stream.state_dict()["delivered"]
(1, {})
>>> first = [x["id"] for x in islice(stream, 2)]
>>> stream.state_dict()["delivered"]
{'0': 2}
>>> rest = [x["id"] for x in ShardStream(
...     os.path.join(tmp, "shards"), seed=1, state=stream.state_dict())]
>>> sorted(first + rest) == ids
True

Authors
 * pengi-sb developers 2026
"""

import argparse
import io
import json
import math
import multiprocessing
import os
import random
import re
import tarfile
import zlib
from typing import NamedTuple

import numpy as np
import soundfile
import torch
from speechbrain.utils.checkpoints import (
    mark_as_loader,
    mark_as_saver,
    register_checkpoint_hooks,
)
from speechbrain.utils.logger import get_logger
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from pengi_sb.data.audio import (
    AudioError,
    load_audio,
    tile_to_length,
    window_waveform,
)
from pengi_sb.data.manifest import read_manifest

logger = get_logger(__name__)

__all__ = [
    "FORMATS",
    "INDEX_FILE",
    "ShardError",
    "ShardLoader",
    "ShardStream",
    "item_windows",
    "keep_examples",
    "read_index",
    "window_example",
    "write_shards",
]

FORMATS = ("flac", "pcm")
INDEX_FILE = "index.json"
INDEX_VERSION = 1
PCM_SCALE = 32768.0
# Manifest fields replaced by the window's own (the audio is cut already).
SOURCE_FIELDS = ("wav", "duration", "start", "stop")


class ShardError(ValueError):
    """Shards or a stream position that cannot be used; says what to do."""


# ---------------------------------------------------------------- windows
def item_windows(item, sample_rate, window, hop=None):
    """Reads one manifest item and cuts it into model windows.

    Arguments
    ---------
    item : dict
        A manifest item (``wav``; optional ``start``, ``stop``).
    sample_rate : int
        Rate the audio is resampled to.
    window : int
        Window length in samples.
    hop : int, optional
        Hop between windows (default: one window, no overlap; the last
        window ends at the last sample).

    Returns
    -------
    list of torch.Tensor
        ``[window]`` tensors, or one shorter tensor (the whole clip, to be
        tiled by :func:`window_example`) when the clip is shorter.

    Raises
    ------
    pengi_sb.data.audio.AudioError
        Unusable audio (the message names the file).
    """
    wav = load_audio(item["wav"], sample_rate, start=item.get("start"),
                     stop=item.get("stop"))
    if wav.shape[-1] <= window:
        return [wav]
    return list(window_waveform(wav, window, mode="mean", hop=hop or window))


def window_example(fields, wav, window):
    """The sample dict a reader yields for one window.

    Arguments
    ---------
    fields : dict
        The window's fields (as stored in ``<key>.json``).
    wav : torch.Tensor
        ``[T]`` samples, ``T <= window`` (tiled to ``window``).
    window : int
        Window length in samples.

    Returns
    -------
    dict
        ``fields`` + ``sig`` ``[1, window]`` and ``references`` (None when
        the item has none), the form of a
        :class:`pengi_sb.data.pipeline.PengiDataset` example before tokenisation.
    """
    example = dict(fields)
    example["sig"] = tile_to_length(wav, window).unsqueeze(0)
    example.setdefault("references", None)
    return example


def _window_fields(item_id, item, k, n, samples, sample_rate):
    fields = {k2: v for k2, v in item.items() if k2 not in SOURCE_FIELDS}
    fields.update(
        id=item_id if n == 1 else f"{item_id}@{k}",
        item_id=item_id,
        window=k,
        windows=n,
        source_wav=item["wav"],
        duration=samples / sample_rate,
        sample_rate=sample_rate,
        num_samples=samples,
    )
    return fields


def _quantize(wav):
    data = np.clip(np.round(wav.numpy() * PCM_SCALE), -PCM_SCALE,
                   PCM_SCALE - 1)
    return data.astype("<i2")


def _encode(wav, sample_rate, fmt):
    data = _quantize(wav)
    if fmt == "pcm":
        return data.tobytes()
    buf = io.BytesIO()
    soundfile.write(buf, data, sample_rate, format="FLAC", subtype="PCM_16")
    return buf.getvalue()


def _decode(data, fmt, name):
    try:
        if fmt == "pcm":
            samples = np.frombuffer(data, dtype="<i2").astype(np.float32)
            return torch.from_numpy(samples / np.float32(PCM_SCALE))
        samples, _ = soundfile.read(io.BytesIO(data), dtype="float32")
        return torch.from_numpy(samples)
    except (RuntimeError, soundfile.LibsndfileError, ValueError) as err:
        raise ShardError(f"sample {name} cannot be decoded ({err}); the "
                         "shard is damaged: write it again") from None


def _encode_item(task):
    """Pool worker: one item -> ("ok", id, [(fields, bytes)]) or error."""
    item_id, item, sample_rate, window, hop, fmt = task
    try:
        wavs = item_windows(item, sample_rate, window, hop)
    except AudioError as err:
        return "error", item_id, str(err)
    out = []
    for k, wav in enumerate(wavs):
        fields = _window_fields(item_id, item, k, len(wavs), wav.shape[-1],
                                sample_rate)
        out.append((fields, _encode(wav, sample_rate, fmt)))
    return "ok", item_id, out


def _init_pool_worker():
    torch.set_num_threads(1)


# ---------------------------------------------------------------- writing
class _ShardWriter:
    """Writes one dataset's samples into ``<prefix>-NNNNNN.tar`` files."""

    def __init__(self, folder, dataset, fmt, max_bytes, max_items):
        self.folder, self.dataset, self.fmt = folder, dataset, fmt
        self.prefix = _safe_name(dataset)
        self.max_bytes, self.max_items = max_bytes, max_items
        self.shards, self.serial = [], 0
        self.tar = None

    def _open(self):
        name = f"{self.prefix}-{len(self.shards):06d}.tar"
        self.path = os.path.join(self.folder, name)
        self.tar = tarfile.open(self.path, "w", format=tarfile.USTAR_FORMAT)
        self.offsets = []
        self.shards.append({"path": name, "dataset": self.dataset})

    def _add(self, name, data):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = 0
        info.mode = 0o644
        self.tar.addfile(info, io.BytesIO(data))

    def add(self, fields, audio):
        if self.tar is None:
            self._open()
        key = f"{self.prefix}_{self.serial:09d}"
        self.serial += 1
        fields = dict(fields, key=key)
        self.offsets.append(self.tar.offset)
        self._add(f"{key}.json", json.dumps(fields, ensure_ascii=False)
                  .encode("utf-8"))
        self._add(f"{key}.{self.fmt}", audio)
        if len(self.offsets) >= (self.max_items or math.inf) or (
            self.tar.offset >= self.max_bytes
        ):
            self.close()

    def close(self):
        if self.tar is None:
            return
        self.tar.close()
        np.asarray(self.offsets, dtype="<i8").tofile(self.path + ".idx")
        self.shards[-1].update(count=len(self.offsets),
                               bytes=os.path.getsize(self.path))
        self.tar = None


def _safe_name(name):
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(name)) or "data"


def write_shards(items, out_dir, sample_rate=44100, window_seconds=7.0,
                 hop_seconds=None, fmt="flac", shard_size_mb=256.0,
                 items_per_shard=None, datasets=None, seed=0, shuffle=True,
                 num_workers=0, overwrite=False):
    """Writes items (a manifest or a mixture) into tar shards + index.

    Arguments
    ---------
    items : dict
        ``{id: item}`` with absolute audio paths (``read_manifest(path,
        data_root)`` or :func:`pengi_sb.data.mixing.load_mixture`).
    out_dir : str
        Output folder (created); holds the shards and ``index.json``.
    sample_rate : int
        Rate of the stored audio (the model's rate: no resampling later).
    window_seconds : float
        Window length.
    hop_seconds : float, optional
        Hop between the windows of a long clip (default: a window).
    fmt : str
        ``"flac"`` or ``"pcm"`` (16-bit).
    shard_size_mb : float
        A shard is closed once it reaches this size.
    items_per_shard : int, optional
        ... or this many samples (windows).
    datasets : dict, optional
        ``{name: weight}``; items are grouped by their ``mixture`` field
        (set by ``load_mixture``). Default: one dataset, weight 1.
    seed : int
        Seed of the item order inside each dataset's shards.
    shuffle : bool
        Shuffle the items (else keep the manifest order).
    num_workers : int
        Processes that read, resample and encode audio (0: in-process).
    overwrite : bool
        Replace shards already in ``out_dir``.

    Returns
    -------
    dict
        The index (also written to ``out_dir/index.json``).
    """
    if fmt not in FORMATS:
        raise ShardError(f"format must be one of {FORMATS}, not '{fmt}'")
    if os.path.exists(os.path.join(out_dir, INDEX_FILE)) and not overwrite:
        raise ShardError(
            f"{out_dir} holds shards already ({INDEX_FILE}); choose another "
            "--out folder or pass --overwrite"
        )
    os.makedirs(out_dir, exist_ok=True)
    window = int(round(window_seconds * sample_rate))
    hop = int(round((hop_seconds or window_seconds) * sample_rate))
    if window <= 0 or hop <= 0:
        raise ShardError("window_seconds and hop_seconds must be > 0")
    groups = {}
    for item_id, item in items.items():
        name = item.get("mixture", "data") if datasets else "data"
        groups.setdefault(name, []).append(item_id)
    datasets = datasets or {"data": 1.0}
    unknown = sorted(set(groups) - set(datasets))
    if unknown:
        raise ShardError(f"items of dataset(s) {unknown} have no weight")
    index = {
        "version": INDEX_VERSION, "format": fmt, "sample_rate": sample_rate,
        "window_samples": window, "hop_samples": hop, "shards": [],
        "datasets": {}, "skipped": [], "total": 0,
    }
    pool = None
    if num_workers > 0:
        pool = multiprocessing.get_context("fork").Pool(
            num_workers, initializer=_init_pool_worker)
    try:
        for name in sorted(groups):
            ids = list(groups[name])
            if shuffle:
                random.Random(f"{seed}/write/{name}").shuffle(ids)
            writer = _ShardWriter(out_dir, name, fmt,
                                  shard_size_mb * 2**20, items_per_shard)
            tasks = ((i, items[i], sample_rate, window, hop, fmt)
                     for i in ids)
            results = (pool.imap(_encode_item, tasks, chunksize=4) if pool
                       else map(_encode_item, tasks))
            n_items = n_windows = 0
            for status, item_id, payload in results:
                if status == "error":
                    logger.warning("shards: skipping item '%s': %s",
                                   item_id, payload)
                    index["skipped"].append({
                        "id": item_id, "wav": items[item_id]["wav"],
                        "error": payload})
                    continue
                n_items += 1
                for fields, audio in payload:
                    writer.add(fields, audio)
                    n_windows += 1
            writer.close()
            index["shards"].extend(writer.shards)
            index["datasets"][name] = {
                "weight": float(datasets[name]), "items": n_items,
                "windows": n_windows,
                "shards": [s["path"] for s in writer.shards]}
            index["total"] += n_windows
            logger.info("shards: %s: %d items -> %d windows in %d shards",
                        name, n_items, n_windows, len(writer.shards))
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    if index["skipped"]:
        logger.warning("shards: %d item(s) skipped (unreadable audio), "
                       "listed under 'skipped' in %s", len(index["skipped"]),
                       os.path.join(out_dir, INDEX_FILE))
    if index["total"] == 0:
        raise ShardError("no item could be read: nothing was written")
    with open(os.path.join(out_dir, INDEX_FILE), "w", encoding="utf-8") as f:
        json.dump(index, f, indent=1, ensure_ascii=False)
    return index


def read_index(path):
    """Reads ``index.json`` (``path`` is the file or its folder).

    Returns
    -------
    dict
        The index, with ``root`` (the folder of the shards) added.
    """
    if os.path.isdir(path):
        path = os.path.join(path, INDEX_FILE)
    if not os.path.isfile(path):
        raise ShardError(f"no shard index at {path}: write the shards with "
                         "python -m pengi_sb.data.shards write")
    with open(path, encoding="utf-8") as f:
        index = json.load(f)
    if index.get("version") != INDEX_VERSION:
        raise ShardError(f"{path}: unknown index version "
                         f"{index.get('version')}; write the shards again")
    index["root"] = os.path.dirname(os.path.abspath(path))
    return index


# ---------------------------------------------------------------- planning
def _quotas(counts, weights, epoch_size):
    """Samples per dataset: ``epoch_size`` split by weight (largest
    remainder, so that they sum to ``epoch_size``)."""
    names = sorted(n for n in counts if counts[n] > 0 and weights.get(n, 0) > 0)
    if not names:
        raise ShardError("every dataset of the shards is empty or has "
                         "weight 0")
    total = sum(weights[n] for n in names)
    raw = {n: epoch_size * weights[n] / total for n in names}
    quota = {n: int(raw[n]) for n in names}
    rest = epoch_size - sum(quota.values())
    for n in sorted(names, key=lambda n: (quota[n] - raw[n], n))[:rest]:
        quota[n] += 1
    return quota


def _dataset_blocks(shards, shard_ids, block_size):
    return [(s, lo, min(lo + block_size, shards[s]["count"]))
            for s in shard_ids
            for lo in range(0, shards[s]["count"], block_size)]


def _take_cyclic(blocks, start, length):
    """Sub-blocks covering samples ``[start, start + length)`` of the
    endless repetition of ``blocks``."""
    start %= sum(hi - lo for _, lo, hi in blocks)
    i = pos = 0
    while pos + blocks[i][2] - blocks[i][1] <= start:
        pos += blocks[i][2] - blocks[i][1]
        i += 1
    skip, out = start - pos, []
    while length > 0:
        s, lo, hi = blocks[i % len(blocks)]
        a = lo + skip
        b = min(hi, a + length)
        out.append((s, a, b))
        length -= b - a
        skip, i = 0, i + 1
    return out


def epoch_blocks(index, epoch, seed=0, epoch_size=None, weights="index",
                 block_size=32):
    """The blocks ``(shard, lo, hi)`` of one epoch, in epoch order.

    Arguments
    ---------
    index : dict
        From :func:`read_index`.
    epoch : int
        The epoch.
    seed : int
        Base seed.
    epoch_size : int, optional
        Samples per epoch (default: every sample of the shards).
    weights : str or dict
        ``"index"`` (the mixture weights written in the index),
        ``"size"`` (every sample once per epoch when ``epoch_size`` is
        None) or ``{dataset: weight}``.
    block_size : int
        Consecutive samples of a shard that stay together.

    Returns
    -------
    list of (int, int, int)
    """
    shards = index["shards"]
    per_set = {}
    for s, shard in enumerate(shards):
        if shard["count"]:
            per_set.setdefault(shard["dataset"], []).append(s)
    counts = {d: sum(shards[s]["count"] for s in ss)
              for d, ss in per_set.items()}
    if weights == "size" and epoch_size is None:
        quota = dict(counts)
    else:
        if weights == "index":
            w = {d: index["datasets"][d]["weight"] for d in counts}
        elif weights == "size":
            w = dict(counts)
        else:
            w = {d: float(weights.get(d, 0.0)) for d in counts}
        quota = _quotas(counts, w, epoch_size or index["total"])
    out = []
    for d in sorted(quota):
        blocks = _dataset_blocks(shards, per_set[d], block_size)
        # Whole passes (each sample once, in a fresh order), then the
        # remainder from an endless sequence of passes that goes on from
        # epoch to epoch: each sample comes k or k + 1 times per epoch.
        passes, rest = divmod(quota[d], counts[d])
        for k in range(passes):
            order = list(blocks)
            random.Random(f"{seed}/pass/{d}/{epoch}/{k}").shuffle(order)
            out.extend(order)
        cycle, offset = divmod(epoch * rest, counts[d])
        while rest > 0:
            order = list(blocks)
            random.Random(f"{seed}/cycle/{d}/{cycle}").shuffle(order)
            take = min(rest, counts[d] - offset)
            out.extend(_take_cyclic(order, offset, take))
            rest -= take
            cycle, offset = cycle + 1, 0
    random.Random(f"{seed}/epoch/{epoch}").shuffle(out)
    return out


def _split(length, parts, k):
    """``[start, stop)`` of part ``k`` of ``length`` split in ``parts``."""
    base, extra = divmod(length, parts)
    start = k * base + min(k, extra)
    return start, start + base + (1 if k < extra else 0)


def slot_samples(blocks, rank, world_size, worker, num_workers):
    """The ``(shard, offset)`` arrays one (rank, worker) reads, in order.

    Every rank gets ``ceil(total / world_size)`` samples (the last rank
    wraps around to the first samples of the epoch when ``total`` does
    not divide), split between workers as evenly as possible.
    """
    total = sum(hi - lo for _, lo, hi in blocks)
    per_rank = -(-total // world_size)
    a, b = _split(per_rank, num_workers, worker)
    start = (rank * per_rank + a) % total
    mine = _take_cyclic(blocks, start, b - a) if b > a else []
    if not mine:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    shard = np.concatenate([np.full(hi - lo, s) for s, lo, hi in mine])
    offset = np.concatenate([np.arange(lo, hi) for _, lo, hi in mine])
    return shard.astype(np.int64), offset.astype(np.int64)


def emission_order(n, buffer_size, rng):
    """Order in which a shuffle buffer emits ``n`` sequential arrivals.

    The buffer holds up to ``buffer_size`` arrivals; each step emits a
    random one of them (``rng``) and takes in the next arrival. Being a
    function of indices only, it can be replayed to resume.

    Example
    -------
    >>> emission_order(5, 1, random.Random(0))
    [0, 1, 2, 3, 4]
    >>> sorted(emission_order(50, 8, random.Random(0))) == list(range(50))
    True
    """
    order, buf, nxt = [], [], 0
    size = max(int(buffer_size), 1)
    while nxt < n or buf:
        while nxt < n and len(buf) < size:
            buf.append(nxt)
            nxt += 1
        j = rng.randrange(len(buf))
        buf[j], buf[-1] = buf[-1], buf[j]
        order.append(buf.pop())
    return order


# ---------------------------------------------------------------- reading
def _dist_rank_world():
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))


class _ShardReader:
    """Reads samples by (shard, offset), sequentially within a run."""

    def __init__(self, index):
        self.index = index
        self.fmt = index["format"]
        self.offsets = {}
        self.file = self.tar = None
        self.at = (None, None)

    def _offsets(self, s):
        if s not in self.offsets:
            path = os.path.join(self.index["root"],
                                self.index["shards"][s]["path"]) + ".idx"
            self.offsets[s] = np.fromfile(path, dtype="<i8")
        return self.offsets[s]

    def read(self, s, offset):
        """Raw ``(fields, audio bytes)`` of sample ``offset`` of shard
        ``s``."""
        if self.at != (s, offset):
            self.close()
            path = os.path.join(self.index["root"],
                                self.index["shards"][s]["path"])
            self.file = open(path, "rb")
            self.file.seek(int(self._offsets(s)[offset]))
            self.tar = tarfile.TarFile(fileobj=self.file, mode="r")
        name = f"{self.index['shards'][s]['path']} sample {offset}"
        members = []
        for _ in range(2):
            member = self.tar.next()
            if member is None:
                raise ShardError(f"{name}: the shard ends early; it is "
                                 "truncated: write it again")
            members.append(member)
        by_ext = {m.name.rsplit(".", 1)[-1]: m for m in members}
        if set(by_ext) != {"json", self.fmt}:
            raise ShardError(f"{name}: expected <key>.json and "
                             f"<key>.{self.fmt}, found "
                             f"{[m.name for m in members]}")
        fields = json.loads(self.tar.extractfile(by_ext["json"]).read())
        audio = self.tar.extractfile(by_ext[self.fmt]).read()
        self.tar.members = []
        self.at = (s, offset + 1)
        return fields, audio, name

    def close(self):
        if self.file is not None:
            self.file.close()
        self.file = self.tar = None
        self.at = (None, None)


class ShardStream(IterableDataset):
    """Streams the samples of tar shards; resumable, split per rank and
    DataLoader worker (see the module docstring for the epoch plan).

    Arguments
    ---------
    index : str
        The shard folder or its ``index.json``.
    epoch_size : int, optional
        Samples per epoch, all ranks together (default: all samples).
    weights : str or dict
        ``"index"`` (mixture weights of the index), ``"size"`` or
        ``{dataset: weight}``.
    seed : int
        Seed of the epoch plans and shuffle buffers.
    buffer_size : int
        Shuffle buffer of each worker, in samples: it holds that many
        encoded windows (7 s at 44.1 kHz: about 0.3 MB in FLAC, 0.6 MB
        in PCM each) per worker.
    block_size : int
        Consecutive samples of a shard read together (one seek each);
        blocks of all datasets are shuffled before they reach a worker,
        so this and the buffer set how well an epoch is mixed.
    rank, world_size : int, optional
        Default: from ``torch.distributed`` when initialised, else the
        ``RANK`` / ``WORLD_SIZE`` environment variables, else 0 / 1.
    transform : callable, optional
        Applied to every sample dict in the worker (e.g. tokenisation).
    state : dict, optional
        A :meth:`state_dict` to start from.
    """

    def __init__(self, index, epoch_size=None, weights="index", seed=0,
                 buffer_size=256, block_size=32, rank=None, world_size=None,
                 transform=None, state=None):
        super().__init__()
        self.index = read_index(index)
        missing = [s["path"] for s in self.index["shards"] for ext in (
            "", ".idx") if not os.path.isfile(
                os.path.join(self.index["root"], s["path"] + ext))]
        if missing:
            raise ShardError(
                f"{len(missing)} shard(s) of {self.index['root']} are missing "
                f"(with their .idx), e.g. {missing[:3]}: copy the whole "
                "shard folder"
            )
        self.epoch_size = epoch_size
        self.weights = weights
        self.seed = int(seed)
        self.buffer_size = int(buffer_size)
        self.block_size = int(block_size)
        dist_rank, dist_world = _dist_rank_world()
        self.rank = dist_rank if rank is None else int(rank)
        self.world_size = dist_world if world_size is None else int(world_size)
        if not 0 <= self.rank < self.world_size:
            raise ShardError(f"rank {self.rank} outside world size "
                             f"{self.world_size}")
        self.transform = transform
        self.window = int(self.index["window_samples"])
        self.epoch = 0
        self.delivered = {}
        self.num_workers = None
        self._loader_driven = False
        self._plan_cache = None
        if state is not None:
            self.load_state_dict(state)

    # -- position -------------------------------------------------------
    def fingerprint(self):
        """Hash of everything the epoch plans depend on."""
        key = json.dumps([
            [(s["path"], s["count"]) for s in self.index["shards"]],
            self.epoch_size, self.weights, self.seed, self.buffer_size,
            self.block_size, self.world_size,
        ], sort_keys=True, default=str)
        return zlib.crc32(key.encode("utf-8"))

    def set_epoch(self, epoch):
        """Selects the epoch of the next iteration (a new epoch starts
        from its beginning; the current one keeps its position)."""
        if int(epoch) != self.epoch:
            self.epoch = int(epoch)
            self.delivered = {}

    def mark_delivered(self, worker, position, num_workers):
        """Records that ``worker``'s sample ``position`` reached the
        training loop (:class:`ShardLoader` calls it for every batch)."""
        self._check_workers(num_workers)
        self.num_workers = num_workers
        key = str(int(worker))
        self.delivered[key] = max(self.delivered.get(key, 0), position + 1)

    def finish_epoch(self):
        """Marks the current epoch done: the next iteration starts the
        next epoch."""
        self.epoch += 1
        self.delivered = {}

    def state_dict(self):
        """Where the next iteration starts (JSON-serialisable)."""
        return {
            "epoch": self.epoch, "delivered": dict(self.delivered),
            "num_workers": self.num_workers, "rank": self.rank,
            "world_size": self.world_size, "fingerprint": self.fingerprint(),
        }

    def load_state_dict(self, state):
        """Resumes from a :meth:`state_dict` (same shards and options)."""
        if state["fingerprint"] != self.fingerprint():
            raise ShardError(
                "the saved stream position belongs to other shards or "
                "options (epoch_size, weights, seed, buffer_size, "
                "block_size, world size): resume with the same ones, or "
                "start without the checkpoint's stream state"
            )
        if state["rank"] != self.rank:
            raise ShardError(f"the saved stream position is rank "
                             f"{state['rank']}'s, this is rank {self.rank}")
        self.epoch = int(state["epoch"])
        self.delivered = {str(k): int(v)
                          for k, v in state["delivered"].items()}
        self.num_workers = state["num_workers"]

    def _check_workers(self, num_workers):
        if self.delivered and self.num_workers not in (None, num_workers):
            raise ShardError(
                f"the stream position was saved with num_workers="
                f"{self.num_workers}; resume with the same number of "
                f"DataLoader workers (not {num_workers})"
            )

    @mark_as_saver
    def _save(self, path):
        if self.rank != 0:
            path = f"{path}.rank{self.rank}"
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.state_dict(), f)

    @mark_as_loader
    def _load(self, path, end_of_epoch=False):
        del end_of_epoch  # the state is always "where the next epoch starts"
        if self.rank != 0:
            path = f"{path}.rank{self.rank}"
        if not os.path.isfile(path):
            raise ShardError(
                f"no stream position for rank {self.rank} in the "
                f"checkpoint ({path}): it was saved with another world size"
            )
        with open(path, encoding="utf-8") as f:
            self.load_state_dict(json.load(f))

    # -- plan -----------------------------------------------------------
    def _blocks(self, epoch):
        if self._plan_cache is None or self._plan_cache[0] != epoch:
            blocks = epoch_blocks(self.index, epoch, self.seed,
                                  self.epoch_size, self.weights,
                                  self.block_size)
            self._plan_cache = (epoch, blocks)
        return self._plan_cache[1]

    def __len__(self):
        total = sum(hi - lo for _, lo, hi in self._blocks(self.epoch))
        return -(-total // self.world_size)

    def worker_length(self, worker, num_workers):
        """Samples ``worker`` of this rank yields in a full epoch."""
        a, b = _split(len(self), num_workers, worker)
        return b - a

    # -- iteration ------------------------------------------------------
    def __iter__(self):
        info = get_worker_info()
        worker, num_workers = (0, 1) if info is None else (info.id,
                                                           info.num_workers)
        in_main = info is None
        if in_main:
            self._check_workers(num_workers)
        epoch = self.epoch
        skip = self.delivered.get(str(worker), 0)
        shard, offset = slot_samples(self._blocks(epoch), self.rank,
                                     self.world_size, worker, num_workers)
        rng = random.Random(
            f"{self.seed}/buffer/{epoch}/{self.rank}/{worker}")
        order = emission_order(len(shard), self.buffer_size, rng)
        if skip > len(order):
            raise ShardError(f"stream position {skip} beyond the "
                             f"{len(order)} samples of worker {worker}")
        emitted = np.zeros(len(order), dtype=bool)
        emitted[order[:skip]] = True
        remaining = order[skip:]
        reader = _ShardReader(self.index)
        payload, nxt = {}, min(remaining) if remaining else 0
        try:
            for pos, want in enumerate(remaining, start=skip):
                while want not in payload:
                    if not emitted[nxt]:
                        payload[nxt] = reader.read(int(shard[nxt]),
                                                   int(offset[nxt]))
                    nxt += 1
                fields, audio, name = payload.pop(want)
                example = window_example(
                    fields, _decode(audio, self.index["format"], name),
                    self.window)
                example["shard_worker"] = worker
                example["shard_pos"] = pos
                example["shard_workers"] = num_workers
                if self.transform is not None:
                    example = self.transform(example)
                if in_main and not self._loader_driven:
                    self.mark_delivered(worker, pos, num_workers)
                yield example
        finally:
            reader.close()
        if in_main and not self._loader_driven:
            self.finish_epoch()


register_checkpoint_hooks(ShardStream, save_on_main_only=False)


class _Marked(NamedTuple):
    batch: object
    worker: int
    position: int
    num_workers: int


def keep_examples(examples):
    """The default collate of :class:`ShardLoader`: the list of sample
    dicts as is (their fields differ between tasks)."""
    return examples


class _MarkingCollate:
    """Wraps a collate function: the batch travels with the worker and
    the last stream position it holds (read in the main process)."""

    def __init__(self, collate_fn):
        self.collate_fn = collate_fn

    def __call__(self, examples):
        group = [examples] if isinstance(examples, dict) else examples
        return _Marked(self.collate_fn(examples), group[-1]["shard_worker"],
                       max(e["shard_pos"] for e in group),
                       group[-1]["shard_workers"])


class ShardLoader(DataLoader):
    """A DataLoader over a :class:`ShardStream` that counts, in the main
    process, the samples each worker delivered (the stream's position).

    Arguments
    ---------
    stream : ShardStream
        The stream (register *it* with the checkpointer).
    collate_fn : callable, optional
        Batch collation (default: :func:`keep_examples`, the list of
        dicts), e.g. :func:`pengi_sb.data.pipeline.collate_batch` after a
        tokenising ``transform``.
    **kwargs
        DataLoader arguments (``batch_size``, ``num_workers``...);
        ``persistent_workers`` must stay False (workers read the position
        when they start).
    """

    def __init__(self, stream, collate_fn=None, **kwargs):
        if kwargs.get("persistent_workers"):
            raise ShardError("ShardLoader needs persistent_workers=False: "
                             "workers read the stream position at start")
        for key in ("shuffle", "sampler", "batch_sampler"):
            if kwargs.get(key):
                raise ShardError(f"ShardLoader: '{key}' does not apply; the "
                                 "stream shuffles (buffer_size, seed)")
        self.stream = stream
        super().__init__(stream, collate_fn=_MarkingCollate(
            collate_fn or keep_examples), **kwargs)

    def __len__(self):
        workers = max(self.num_workers, 1)
        sizes = [self.stream.worker_length(w, workers)
                 for w in range(workers)]
        if self.batch_size is None:
            return sum(sizes)
        if self.drop_last:
            return sum(n // self.batch_size for n in sizes)
        return sum(-(-n // self.batch_size) for n in sizes)

    def __iter__(self):
        stream = self.stream
        stream._check_workers(max(self.num_workers, 1))
        stream._loader_driven = True
        try:
            for marked in super().__iter__():
                stream.mark_delivered(marked.worker, marked.position,
                                      marked.num_workers)
                yield marked.batch
        finally:
            stream._loader_driven = False
        stream.finish_epoch()


# ---------------------------------------------------------------- CLI
def _items_from_args(args):
    if args.mixture:
        from pengi_sb.data.mixing import load_mixture, read_mixture

        spec = read_mixture(args.mixture, args.mixture_overrides)
        items, item_weights = load_mixture(spec)
        datasets = {}
        for item, w in zip(items.values(), item_weights, strict=True):
            datasets[item["mixture"]] = datasets.get(item["mixture"], 0) + w
        return items, datasets
    items = read_manifest(args.manifest, data_root=args.data_root)
    for item_id, item in items.items():
        if "{data_root}" in item["wav"]:
            raise ShardError(f"manifest {args.manifest}, item '{item_id}': "
                             "the audio path uses {data_root}; pass "
                             "--data_root")
    return items, None


def main(argv=None):
    """``python -m pengi_sb.data.shards write|info ...``"""
    parser = argparse.ArgumentParser(
        prog="python -m pengi_sb.data.shards",
        description="Write a manifest or a mixture into tar shards, or "
                    "describe shards.")
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write", help="write shards")
    src = w.add_mutually_exclusive_group(required=True)
    src.add_argument("--manifest", help="a .json/.csv manifest")
    src.add_argument("--mixture", help="a mixture yaml (pengi_sb.data.mixing)")
    w.add_argument("--data_root", help="fills {data_root} of --manifest")
    w.add_argument("--mixture_overrides", default=None,
                   help="yaml overrides of the mixture file, e.g. "
                        "'{manifest_folder: m, corpus_folder: c}'")
    w.add_argument("--out", required=True, help="output folder")
    w.add_argument("--sample_rate", type=int, default=44100)
    w.add_argument("--window_seconds", type=float, default=7.0)
    w.add_argument("--hop_seconds", type=float, default=None)
    w.add_argument("--format", choices=FORMATS, default="flac")
    w.add_argument("--shard_size_mb", type=float, default=256.0)
    w.add_argument("--items_per_shard", type=int, default=None)
    w.add_argument("--seed", type=int, default=0)
    w.add_argument("--keep_order", action="store_true",
                   help="do not shuffle the items before writing")
    w.add_argument("--num_workers", type=int, default=0)
    w.add_argument("--overwrite", action="store_true")
    i = sub.add_parser("info", help="describe shards")
    i.add_argument("folder")
    args = parser.parse_args(argv)
    if args.command == "info":
        index = read_index(args.folder)
        print(f"{index['total']} samples in {len(index['shards'])} shards, "
              f"{index['format']}, {index['sample_rate']} Hz, windows of "
              f"{index['window_samples']} samples")
        for name, d in index["datasets"].items():
            print(f"  {name}: weight {d['weight']:.4g}, {d['items']} items, "
                  f"{d['windows']} windows, {len(d['shards'])} shards")
        print(f"  skipped items: {len(index['skipped'])}")
        return index
    items, datasets = _items_from_args(args)
    index = write_shards(
        items, args.out, sample_rate=args.sample_rate,
        window_seconds=args.window_seconds, hop_seconds=args.hop_seconds,
        fmt=args.format, shard_size_mb=args.shard_size_mb,
        items_per_shard=args.items_per_shard, datasets=datasets,
        seed=args.seed, shuffle=not args.keep_order,
        num_workers=args.num_workers, overwrite=args.overwrite)
    print(f"wrote {index['total']} samples in {len(index['shards'])} shards "
          f"to {args.out}; {len(index['skipped'])} item(s) skipped")
    for bad in index["skipped"]:
        print(f"  skipped {bad['id']}: {bad['error']}")
    return index


if __name__ == "__main__":
    main()
