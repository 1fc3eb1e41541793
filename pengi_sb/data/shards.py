"""WebDataset shards of a (mixed) corpus: written with ``webdataset``, read
by index with ``wids``, in a resumable, rank-exact epoch order.

The tar format, its writer and its indexed reader are the webdataset
project's; this module adds what is Pengi's: model windows with their
manifest fields, the mixture quotas of an epoch, and an epoch order that
every rank computes alone and SpeechBrain's checkpointer resumes
mid-epoch. ``recipes/Pretrain/SHARDS.md`` explains the choices.

* Writing (:func:`write_shards`, ``python -m pengi_sb.data.shards
  write``): each item is resampled, cut into windows, and each window
  written by ``webdataset.ShardWriter`` as ``<key>.json`` (the item's
  fields + ``id``, ``item_id``, ``window``, ``num_samples``...) and
  ``<key>.flac`` or ``<key>.npy`` (16-bit), one dataset per run of
  shards ``<dataset>-NNNNNN.tar``; ``index.json`` is a ``wids`` shard
  index (``wids_version``, ``shardlist`` of ``url`` / ``nsamples``)
  whose ``pengi`` entry holds the rate, window, mixture weights and the
  skipped items.
* Reading: :class:`ShardDataset` (sample ``i`` of the index, through
  ``wids``' memory-mapped tar index; shards local, ``file://``, or
  downloaded once from ``http(s)://`` / ``pipe:`` URLs) ordered by
  :class:`ShardSampler` (quotas per dataset, blocks of a shard shuffled
  together, ``ceil(total / world_size)`` consecutive positions per
  rank), through :func:`make_shard_loader` (SpeechBrain's
  ``SaveableDataLoader``: the checkpoint holds the batches delivered,
  skipped on recovery without reading them).

Example
-------
>>> import os, tempfile
>>> import numpy as np, soundfile
>>> from pengi_sb.data.manifest import make_item
>>> tmp = tempfile.mkdtemp()
>>> for i in range(4):
...     soundfile.write(os.path.join(tmp, f"{i}.wav"),
...                     np.full(8000 * (i + 1), 0.1, "float32"), 8000)
>>> items = {f"c{i}": make_item(os.path.join(tmp, f"{i}.wav"), i + 1.0,
...                             "captioning", caption=f"clip {i}")
...          for i in range(4)}
>>> index = write_shards(items, os.path.join(tmp, "shards"),
...                      sample_rate=8000, window_seconds=2.0,
...                      items_per_shard=3)
>>> index["pengi"]["total"], [s["nsamples"] for s in index["shardlist"]]
(6, [3, 3])
>>> dataset = ShardDataset(os.path.join(tmp, "shards"))
>>> sampler = ShardSampler(dataset.index, seed=1)
>>> sorted(dataset[i]["id"] for i in sampler)
['c0', 'c1', 'c2@0', 'c2@1', 'c3@0', 'c3@1']
>>> dataset[0]["sig"].shape
torch.Size([1, 16000])

Authors
 * pengi-sb developers 2026
"""

import argparse
import contextlib
import hashlib
import io
import json
import multiprocessing
import os
import random
import re
import shutil
import zlib

import numpy as np
import soundfile
import torch
from speechbrain.dataio.dataloader import make_dataloader
from speechbrain.utils.checkpoints import (
    mark_as_loader,
    mark_as_saver,
    register_checkpoint_hooks,
)
from speechbrain.utils.logger import get_logger
from torch.utils.data import Dataset, Sampler

try:
    import webdataset
    from wids.wids import IndexedTarSamples
    from wids.wids_lru import LRUCache
except ImportError as err:  # webdataset >= 1.0 no longer ships wids
    raise ImportError(
        f"pengi_sb.data.shards needs webdataset 0.2.x, which includes wids "
        f"({err}): pip install 'webdataset>=0.2.111,<1'") from err

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
    "ShardDataset",
    "ShardError",
    "ShardSampler",
    "epoch_blocks",
    "item_windows",
    "make_shard_loader",
    "rank_indices",
    "read_index",
    "window_example",
    "write_shards",
]

FORMATS = ("flac", "npy")
INDEX_FILE = "index.json"
INDEX_VERSION = 2  # of the "pengi" entry; 1 was the tar + .idx engine
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
        :class:`pengi_sb.data.pipeline.PengiDataset` example before
        tokenisation.
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


def _encode(wav, sample_rate, fmt):
    """``[T]`` float tensor -> the bytes of a ``.flac`` or ``.npy`` member."""
    data = np.clip(np.round(wav.numpy() * PCM_SCALE), -PCM_SCALE,
                   PCM_SCALE - 1).astype("<i2")
    buf = io.BytesIO()
    if fmt == "npy":
        np.save(buf, data)
    else:
        soundfile.write(buf, data, sample_rate, format="FLAC",
                        subtype="PCM_16")
    return buf.getvalue()


def decode_audio(data, fmt):
    """The bytes of a ``.flac`` / ``.npy`` member -> ``[T]`` float32."""
    if fmt == "npy":
        samples = np.load(io.BytesIO(data)).astype(np.float32)
        return torch.from_numpy(samples / np.float32(PCM_SCALE))
    samples, _ = soundfile.read(io.BytesIO(data), dtype="float32")
    return torch.from_numpy(samples)


def _encode_item(task):
    """Pool worker: one item -> ("ok", id, [(fields, bytes)]) or error."""
    item_id, item, sample_rate, window, hop, fmt = task
    try:
        wavs = item_windows(item, sample_rate, window, hop)
    except AudioError as err:
        return "error", item_id, str(err)
    return "ok", item_id, [
        (_window_fields(item_id, item, k, len(wavs), wav.shape[-1],
                        sample_rate), _encode(wav, sample_rate, fmt))
        for k, wav in enumerate(wavs)]


def _init_pool_worker():
    torch.set_num_threads(1)


# ---------------------------------------------------------------- writing
def _safe_name(name):
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(name)) or "data"


class _DatasetWriter:
    """One dataset's ``webdataset.ShardWriter``, opened at its first
    sample (no empty shard), recording each closed shard."""

    def __init__(self, out_dir, name, fmt, max_bytes, max_count):
        self.out_dir, self.name, self.fmt = out_dir, name, fmt
        self.prefix = _safe_name(name)
        self.limits = {"maxsize": max_bytes, "maxcount": max_count}
        self.writer, self.shards, self.serial = None, [], 0

    def _closed(self, fname):
        self.shards.append({"url": os.path.basename(fname),
                            "nsamples": self.writer.count,
                            "filesize": os.path.getsize(fname),
                            "dataset": self.name})

    def add(self, fields, audio):
        if self.writer is None:
            pattern = os.path.join(self.out_dir, f"{self.prefix}-%06d.tar")
            self.writer = webdataset.ShardWriter(
                pattern, **self.limits, post=self._closed, verbose=0,
                encoder=False, mtime=0, user="pengi", group="pengi",
                mode=0o644)
        key = f"{self.prefix}_{self.serial:09d}"
        self.serial += 1
        self.writer.write({
            "__key__": key, self.fmt: audio,
            "json": json.dumps(fields, ensure_ascii=False).encode("utf-8")})

    def close(self):
        if self.writer is not None:
            self.writer.close()
        return self.shards


def write_shards(items, out_dir, sample_rate=44100, window_seconds=7.0,
                 hop_seconds=None, fmt="flac", shard_size_mb=256.0,
                 items_per_shard=None, datasets=None, seed=0, shuffle=True,
                 num_workers=0, overwrite=False):
    """Writes items (a manifest or a mixture) into shards + ``index.json``.

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
        ``"flac"`` or ``"npy"`` (16-bit samples either way).
    shard_size_mb : float
        A shard is closed once it reaches this size...
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
        Processes that read, resample and encode audio (0: in-process);
        the bytes written are the same for any number.
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
            "--out folder or pass --overwrite")
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
    meta = {"version": INDEX_VERSION, "format": fmt,
            "sample_rate": sample_rate, "window_samples": window,
            "hop_samples": hop, "datasets": {}, "skipped": [], "total": 0}
    shardlist = []
    pool = None
    if num_workers > 0:
        pool = multiprocessing.get_context("fork").Pool(
            num_workers, initializer=_init_pool_worker)
    try:
        for name in sorted(groups):
            ids = list(groups[name])
            if shuffle:
                random.Random(f"{seed}/write/{name}").shuffle(ids)
            writer = _DatasetWriter(out_dir, name, fmt,
                                    shard_size_mb * 2**20,
                                    items_per_shard or 10**12)
            tasks = ((i, items[i], sample_rate, window, hop, fmt)
                     for i in ids)
            results = (pool.imap(_encode_item, tasks, chunksize=4) if pool
                       else map(_encode_item, tasks))
            n_items = n_windows = 0
            for status, item_id, payload in results:
                if status == "error":
                    logger.warning("shards: skipping item '%s': %s",
                                   item_id, payload)
                    meta["skipped"].append({
                        "id": item_id, "wav": items[item_id]["wav"],
                        "error": payload})
                    continue
                n_items += 1
                for fields, audio in payload:
                    writer.add(fields, audio)
                    n_windows += 1
            shards = writer.close()
            shardlist.extend(shards)
            meta["datasets"][name] = {
                "weight": float(datasets[name]), "items": n_items,
                "windows": n_windows, "shards": [s["url"] for s in shards]}
            meta["total"] += n_windows
            logger.info("shards: %s: %d items -> %d windows in %d shards",
                        name, n_items, n_windows, len(shards))
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    if meta["skipped"]:
        logger.warning("shards: %d item(s) skipped (unreadable audio), "
                       "listed under 'skipped' in %s", len(meta["skipped"]),
                       os.path.join(out_dir, INDEX_FILE))
    if meta["total"] == 0:
        raise ShardError("no item could be read: nothing was written")
    index = {"__kind__": "wids-shard-index-v1", "wids_version": 1,
             "name": os.path.basename(os.path.abspath(out_dir)),
             "shardlist": shardlist, "pengi": meta}
    with open(os.path.join(out_dir, INDEX_FILE), "w", encoding="utf-8") as f:
        json.dump(index, f, indent=1, ensure_ascii=False)
    return index


# ---------------------------------------------------------------- URLs
def _is_remote(url):
    return url.startswith("pipe:") or "://" in url and not url.startswith(
        "file://")


def _local_path(url):
    return re.sub(r"^file://", "", url)


def read_index(source, url_template=None):
    """Reads a shard index and resolves its shard URLs.

    Arguments
    ---------
    source : str
        A shard folder, its ``index.json``, a ``file://`` or
        ``http(s)://`` URL of the index, or a ``pipe:`` command that
        prints it.
    url_template : str, optional
        How a shard's name becomes its URL, with ``{name}``, e.g.
        ``"pipe:aws s3 cp s3://bucket/pretrain/{name} -"``. Default: the
        shard's name beside the index (a ``pipe:`` index needs one).

    Returns
    -------
    dict
        The index; every ``shardlist`` entry gets its resolved ``url``
        (the written name stays in ``name``).
    """
    if not _is_remote(source):
        path = _local_path(source)
        if os.path.isdir(path):
            path = os.path.join(path, INDEX_FILE)
        if not os.path.isfile(path):
            raise ShardError(f"no shard index at {path}: write the shards "
                             "with python -m pengi_sb.data.shards write")
        with open(path, encoding="utf-8") as f:
            index = json.load(f)
        base = os.path.dirname(os.path.abspath(path))
    else:
        try:
            with webdataset.gopen(source, "rb") as f:
                index = json.loads(f.read().decode("utf-8"))
        except (OSError, ValueError) as err:
            raise ShardError(f"cannot read the shard index {source} "
                             f"({err}): check the URL or command") from None
        base = None if source.startswith("pipe:") else source.rsplit("/", 1)[0]
    meta = index.get("pengi", {})
    if index.get("wids_version") != 1 or meta.get("version") != INDEX_VERSION:
        raise ShardError(
            f"{source}: not a shard index of this version (the shards were "
            "written by another pengi_sb or tool): write them again with "
            "python -m pengi_sb.data.shards write")
    for shard in index["shardlist"]:
        name = shard.setdefault("name", shard["url"])
        if url_template:
            shard["url"] = url_template.format(name=name)
        elif not (_is_remote(name) or os.path.isabs(_local_path(name))):
            if base is None:
                raise ShardError(
                    f"the shard index {source} comes from a pipe: command, "
                    "so its shard names have no folder: pass url_template "
                    "(e.g. 'pipe:aws s3 cp s3://bucket/pretrain/{name} -')")
            shard["url"] = (os.path.join(base, name) if not _is_remote(base)
                            else f"{base}/{name}")
    return index


# ---------------------------------------------------------------- reading
class ShardDataset(Dataset):
    """Sample ``i`` of a shard index, read by ``wids``' indexed tar reader.

    Arguments
    ---------
    index : str or dict
        A shard folder / index URL (see :func:`read_index`) or an index
        it returned.
    transform : callable, optional
        Applied to every sample dict (e.g. tokenisation; runs in the
        DataLoader workers).
    url_template : str, optional
        See :func:`read_index`.
    cache_dir : str, optional
        Where remote shards (``http(s)://``, ``pipe:``) are downloaded
        (default: ``$PENGI_SHARD_CACHE``, else ``<tmp>/pengi_shards``).
        Local shards are read in place.
    open_shards : int
        Shards kept open (memory-mapped) per process; at least the
        sampler's ``shuffle_blocks`` + 1.
    keep_downloads : bool
        Keep a downloaded shard when it leaves the open set (else it is
        deleted, and downloaded again when needed).
    """

    def __init__(self, index, transform=None, url_template=None,
                 cache_dir=None, open_shards=16, keep_downloads=True):
        self.index = (index if isinstance(index, dict)
                      else read_index(index, url_template))
        meta = self.index["pengi"]
        self.format, self.window = meta["format"], meta["window_samples"]
        self.sample_rate = meta["sample_rate"]
        self.urls = [s["url"] for s in self.index["shardlist"]]
        self.ends = np.cumsum([s["nsamples"] for s in self.index["shardlist"]])
        missing = [u for u in self.urls
                   if not _is_remote(u) and not os.path.isfile(_local_path(u))]
        if missing:
            raise ShardError(f"{len(missing)} shard(s) of the index are "
                             f"missing, e.g. {missing[:3]}: copy the whole "
                             "shard folder")
        self.transform = transform
        self.cache_dir = cache_dir or os.environ.get(
            "PENGI_SHARD_CACHE", os.path.join(
                os.environ.get("TMPDIR", "/tmp"), "pengi_shards"))
        self.open_shards = int(open_shards)
        self.keep_downloads = keep_downloads
        self._open = self._pid = None

    def __len__(self):
        return int(self.ends[-1])

    def __getstate__(self):
        # open memory maps stay in their process; workers open their own
        return dict(self.__dict__, _open=None, _pid=None)

    def _release(self, url, shard):
        shard.close()
        if _is_remote(url) and not self.keep_downloads:
            with contextlib.suppress(FileNotFoundError):  # another worker's
                os.remove(shard.path)

    def _download(self, url):
        digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", url.rsplit("/", 1)[-1])[-60:]
        local = os.path.join(self.cache_dir, f"{digest}_{name}")
        if not os.path.isfile(local):
            os.makedirs(self.cache_dir, exist_ok=True)
            part = f"{local}.{os.getpid()}.part"
            try:
                with webdataset.gopen(url, "rb") as src, open(part,
                                                              "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            except Exception as err:
                if os.path.exists(part):
                    os.remove(part)
                raise ShardError(f"cannot fetch shard {url} ({err}): check "
                                 "the URL, the command or the network") \
                    from None
            os.replace(part, local)  # atomic: concurrent readers agree
        return local

    def shard(self, s):
        """Shard ``s`` as ``wids.IndexedTarSamples`` (opened, downloaded
        first when remote)."""
        if self._pid != os.getpid():
            if self._open is not None:  # a forked worker: the parent's
                self._open.release_handler = None
            self._open = LRUCache(self.open_shards, self._release)
            self._pid = os.getpid()
        url = self.urls[s]
        if url not in self._open:
            path = self._download(url) if _is_remote(url) else _local_path(
                url)
            expected = self.index["shardlist"][s]["nsamples"]
            tar = IndexedTarSamples(path=path)
            if len(tar) != expected:
                tar.close()
                raise ShardError(
                    f"shard {url} holds {len(tar)} samples, its index "
                    f"{expected}: it is damaged or from another write; "
                    "write the shards again")
            self._open[url] = tar
        return self._open[url]

    def __getitem__(self, i):
        if not 0 <= i < len(self):
            raise IndexError(f"sample {i} of {len(self)}")
        s = int(np.searchsorted(self.ends, i, side="right"))
        offset = int(i - (self.ends[s - 1] if s else 0))
        raw = self.shard(s)[offset]
        try:
            fields = json.loads(raw[".json"].getvalue())
            wav = decode_audio(raw[f".{self.format}"].getvalue(),
                               self.format)
        except (KeyError, ValueError, RuntimeError,
                soundfile.LibsndfileError) as err:
            raise ShardError(
                f"sample {offset} ({raw['__key__']}) of {self.urls[s]} "
                f"cannot be decoded ({err!r}); the shard is damaged: write "
                "it again") from None
        example = window_example(fields, wav, self.window)
        return self.transform(example) if self.transform else example


# ---------------------------------------------------------------- epoch plan
def _quotas(counts, weights, epoch_size):
    """Samples per dataset: ``epoch_size`` split by weight (largest
    remainder, so that they sum to ``epoch_size``)."""
    names = sorted(n for n in counts
                   if counts[n] > 0 and weights.get(n, 0) > 0)
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


def _take_cyclic(blocks, start, length):
    """Sub-blocks ``(lo, hi)`` covering positions ``[start, start +
    length)`` of the endless repetition of ``blocks``."""
    start %= sum(hi - lo for lo, hi in blocks)
    i = pos = 0
    while pos + blocks[i][1] - blocks[i][0] <= start:
        pos += blocks[i][1] - blocks[i][0]
        i += 1
    skip, out = start - pos, []
    while length > 0:
        lo, hi = blocks[i % len(blocks)]
        a = lo + skip
        b = min(hi, a + length)
        out.append((a, b))
        length -= b - a
        skip, i = 0, i + 1
    return out


def epoch_blocks(index, epoch, seed=0, epoch_size=None, weights="index",
                 block_size=32):
    """The blocks ``(lo, hi)`` (sample indices of the index) of one epoch,
    in epoch order, all ranks together.

    Arguments
    ---------
    index : dict
        From :func:`read_index` (or :func:`write_shards`).
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
        Consecutive samples of a shard that stay together (0: whole
        shards).

    Returns
    -------
    list of (int, int)
    """
    per_set, start = {}, 0
    for shard in index["shardlist"]:
        n = shard["nsamples"]
        step = block_size or n or 1
        per_set.setdefault(shard["dataset"], []).extend(
            (lo, min(lo + step, start + n)) for lo in range(start, start + n,
                                                            step))
        start += n
    counts = {d: sum(hi - lo for lo, hi in b) for d, b in per_set.items()}
    counts = {d: n for d, n in counts.items() if n}
    if weights == "size" and epoch_size is None:
        quota = dict(counts)
    else:
        if weights == "index":
            w = {d: index["pengi"]["datasets"][d]["weight"] for d in counts}
        elif weights == "size":
            w = dict(counts)
        else:
            w = {d: float(weights.get(d, 0.0)) for d in counts}
        quota = _quotas(counts, w, epoch_size or sum(counts.values()))
    out = []
    for d in sorted(quota):
        blocks = per_set[d]
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


def rank_indices(blocks, rank, world_size, shuffle_blocks, rng):
    """The sample indices one rank reads in an epoch, in order.

    Every rank gets ``ceil(total / world_size)`` consecutive positions of
    the epoch (the last one wraps around to the first samples when
    ``total`` does not divide); the samples of each group of
    ``shuffle_blocks`` consecutive blocks are shuffled with ``rng``.

    Example
    -------
    >>> blocks = [(0, 3), (10, 12), (5, 7)]
    >>> rank_indices(blocks, 1, 2, 1, random.Random(0)).tolist()
    [11, 5, 6, 0]
    """
    total = sum(hi - lo for lo, hi in blocks)
    per_rank = -(-total // world_size)
    mine = _take_cyclic(blocks, rank * per_rank, per_rank)
    parts = []
    for g in range(0, len(mine), max(int(shuffle_blocks), 1)):
        group = np.concatenate([np.arange(lo, hi) for lo, hi in
                                mine[g:g + max(int(shuffle_blocks), 1)]])
        if shuffle_blocks > 1:
            rng.shuffle(group)
        parts.append(group)
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def _dist_rank_world():
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))


@register_checkpoint_hooks
class ShardSampler(Sampler):
    """This rank's sample indices of a shard index for one epoch (see the
    module docstring for the plan); a SpeechBrain recoverable (epoch and
    a fingerprint of the options; the position is the loader's).

    Arguments
    ---------
    index : dict
        ``ShardDataset.index`` (or :func:`read_index`).
    epoch_size : int, optional
        Samples per epoch, all ranks together (default: all samples).
    weights : str or dict
        ``"index"`` (mixture weights of the index), ``"size"`` or
        ``{dataset: weight}``.
    seed : int
        Seed of the epoch plans.
    block_size : int
        Consecutive samples of a shard kept together (0: whole shards,
        for remote shards read once per epoch).
    shuffle_blocks : int
        Blocks whose samples are shuffled together (and the shards a
        reader has open at a time).
    rank, world_size : int, optional
        Default: from ``torch.distributed`` when initialised, else the
        ``RANK`` / ``WORLD_SIZE`` environment variables, else 0 / 1.
    """

    def __init__(self, index, epoch_size=None, weights="index", seed=0,
                 block_size=32, shuffle_blocks=8, rank=None, world_size=None):
        super().__init__()
        self.index, self.epoch_size, self.weights = index, epoch_size, weights
        self.seed, self.block_size = int(seed), int(block_size)
        self.shuffle_blocks = int(shuffle_blocks)
        dist_rank, dist_world = _dist_rank_world()
        self.rank = dist_rank if rank is None else int(rank)
        self.world_size = dist_world if world_size is None else int(world_size)
        if not 0 <= self.rank < self.world_size:
            raise ShardError(f"rank {self.rank} outside world size "
                             f"{self.world_size}")
        self.epoch = 0
        self._plan = (None, None)

    def set_epoch(self, epoch):
        """Selects the epoch of the next iteration (``sb.Brain.fit`` calls
        it when the sampler is the Brain's ``train_sampler``)."""
        self.epoch = int(epoch)

    def indices(self):
        """This rank's indices of the current epoch (cached)."""
        if self._plan[0] != self.epoch:
            blocks = epoch_blocks(self.index, self.epoch, self.seed,
                                  self.epoch_size, self.weights,
                                  self.block_size)
            rng = np.random.default_rng(
                zlib.crc32(f"{self.seed}/{self.epoch}/{self.rank}".encode()))
            self._plan = (self.epoch, rank_indices(
                blocks, self.rank, self.world_size, self.shuffle_blocks, rng))
        return self._plan[1]

    def __iter__(self):
        return iter(self.indices().tolist())

    def __len__(self):
        total = self.epoch_size or sum(
            s["nsamples"] for s in self.index["shardlist"])
        return -(-total // self.world_size)

    def fingerprint(self):
        """Hash of everything the epoch plans depend on."""
        key = json.dumps([
            [(s["name"] if "name" in s else s["url"], s["nsamples"])
             for s in self.index["shardlist"]],
            self.epoch_size, self.weights, self.seed, self.block_size,
            self.shuffle_blocks, self.world_size,
        ], sort_keys=True, default=str)
        return zlib.crc32(key.encode("utf-8"))

    @mark_as_saver
    def _save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"epoch": self.epoch, "fingerprint": self.fingerprint(),
                       "world_size": self.world_size}, f)

    @mark_as_loader
    def _load(self, path, end_of_epoch=False):
        with open(path, encoding="utf-8") as f:
            state = json.load(f)
        if end_of_epoch:
            return  # the next epoch may use other options
        if state["fingerprint"] != self.fingerprint():
            raise ShardError(
                "the checkpoint stopped mid-epoch over other shards or "
                "options (epoch_size, weights, seed, block_size, "
                f"shuffle_blocks, world size {state['world_size']}): resume "
                "with the same ones, or from an end-of-epoch checkpoint")
        self.epoch = int(state["epoch"])


def make_shard_loader(dataset, sampler, **loader_kwargs):
    """SpeechBrain's ``SaveableDataLoader`` over a shard dataset: register
    it (and the sampler) with the checkpointer to resume mid-epoch.

    Arguments
    ---------
    dataset : ShardDataset
        The samples.
    sampler : ShardSampler
        This rank's order.
    **loader_kwargs
        DataLoader arguments (``batch_size``, ``num_workers``,
        ``collate_fn``...); keep ``batch_size`` when resuming (the
        position is saved in batches). Default collate: the list of
        sample dicts.

    Returns
    -------
    speechbrain.dataio.dataloader.SaveableDataLoader
    """
    for key in ("shuffle", "batch_sampler"):
        if loader_kwargs.get(key):
            raise ShardError(f"'{key}' does not apply to shards: the "
                             "ShardSampler orders the epoch")
    loader_kwargs.pop("shuffle", None)
    loader_kwargs.setdefault("collate_fn", _keep_examples)
    return make_dataloader(dataset, sampler=sampler, **loader_kwargs)


def _keep_examples(examples):
    return examples


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
        description="Write a manifest or a mixture into WebDataset shards, "
                    "or describe shards.")
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
    i.add_argument("index", help="shard folder or index URL")
    i.add_argument("--url_template", default=None)
    args = parser.parse_args(argv)
    if args.command == "info":
        index = read_index(args.index, args.url_template)
        meta = index["pengi"]
        print(f"{meta['total']} samples in {len(index['shardlist'])} shards, "
              f"{meta['format']}, {meta['sample_rate']} Hz, windows of "
              f"{meta['window_samples']} samples")
        for name, d in meta["datasets"].items():
            print(f"  {name}: weight {d['weight']:.4g}, {d['items']} items, "
                  f"{d['windows']} windows, {len(d['shards'])} shards")
        print(f"  skipped items: {len(meta['skipped'])}")
        return index
    items, datasets = _items_from_args(args)
    index = write_shards(
        items, args.out, sample_rate=args.sample_rate,
        window_seconds=args.window_seconds, hop_seconds=args.hop_seconds,
        fmt=args.format, shard_size_mb=args.shard_size_mb,
        items_per_shard=args.items_per_shard, datasets=datasets,
        seed=args.seed, shuffle=not args.keep_order,
        num_workers=args.num_workers, overwrite=args.overwrite)
    meta = index["pengi"]
    print(f"wrote {meta['total']} samples in {len(index['shardlist'])} "
          f"shards to {args.out}; {len(meta['skipped'])} item(s) skipped")
    for bad in meta["skipped"]:
        print(f"  skipped {bad['id']}: {bad['error']}")
    return index


if __name__ == "__main__":
    main()
