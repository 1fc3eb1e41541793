"""Data loading speed: WebDataset shards (ShardDataset) vs manifest loading.

Both loaders deliver the same training examples: one dict per model
window (``sig`` ``[1, window]`` at the model rate, plus the item's
texts). Rows:

* ``manifest``: a map-style dataset over the manifest items; each item is
  read with :func:`pengi_sb.data.audio.load_audio` (decoded, resampled to
  the model rate) and cut into windows
  (:func:`pengi_sb.data.shards.item_windows`), in a ``DataLoader``
  (batches of 16 items) with ``num_workers`` workers.
* ``shards flac`` / ``shards npy``: the same items written once with
  :func:`pengi_sb.data.shards.write_shards` (resampled and windowed at
  write time), read back by index (:class:`pengi_sb.data.shards.
  ShardDataset` in the order of a :class:`~pengi_sb.data.shards.
  ShardSampler`, default blocks) through
  :func:`pengi_sb.data.shards.make_shard_loader` (batches of 16 windows)
  with ``num_workers`` workers.

Both collate a batch into one ``[N, window]`` tensor, as training does (a
tensor per example would make worker -> main transfers dominate).

``items/s`` counts delivered windows (training examples) per second of
wall time, from creating the iterator (worker start-up included) to the
end of one pass. The shards are written first, so all files are in the
page cache: this measures decoding, resampling and Python overhead, not
the disk. ``write`` rows give the one-off cost of writing the shards.

The corpus is ``--manifest`` (with ``--data_root``, or the
``data_folder`` recorded in ``prepare_opts.json`` beside it); by default
the LocalSounds training manifest ``results/LocalSounds/save/train.json``
when it exists, else a synthetic corpus of ``--synthetic`` clips
(tone + noise, 0.5 to 12 s, 16/22.05/44.1 kHz) written to a temporary
folder. Usage::

    python benchmarks/data_speed.py [--manifest M] [--limit 1000]
        [--workers 0,2] [--json results.json]

Authors
 * pengi-sb developers 2026
"""

import argparse
import json
import os
import random
import sys
import tempfile
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from pengi_sb.data.manifest import make_item, read_manifest  # noqa: E402
from pengi_sb.data.shards import (  # noqa: E402
    FORMATS,
    ShardDataset,
    ShardSampler,
    item_windows,
    make_shard_loader,
    window_example,
    write_shards,
)

DEFAULT_MANIFEST = os.path.join(ROOT, "results", "LocalSounds", "save",
                                "train.json")


class ManifestWindows(torch.utils.data.Dataset):
    """The plain loader: item -> load_audio + windows, per ``__getitem__``.

    Arguments
    ---------
    items : dict
        Manifest items with absolute paths.
    sample_rate : int
        Model rate.
    window : int
        Window length in samples.
    """

    def __init__(self, items, sample_rate, window):
        self.items = items
        self.ids = list(items)
        self.sample_rate = sample_rate
        self.window = window

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        item_id = self.ids[i]
        item = self.items[item_id]
        wavs = item_windows(item, self.sample_rate, self.window)
        return [window_example(dict(item, id=f"{item_id}@{k}"), wav,
                               self.window) for k, wav in enumerate(wavs)]


def stack_windows(examples):
    """Collate of both loaders: windows -> one ``[N, window]`` tensor (as
    :func:`pengi_sb.data.pipeline.collate_batch` does) and the ids; the
    manifest loader's examples are lists of windows (one list per item)."""
    flat = [w for e in examples for w in (e if isinstance(e, list) else [e])]
    return torch.cat([e["sig"] for e in flat]), [e["id"] for e in flat]


def synthetic_corpus(folder, n, seed=0):
    """``n`` clips of 0.5-12 s at mixed rates; returns manifest items."""
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    from audio_fixtures import write_clip

    rng = random.Random(seed)
    items = {}
    for i in range(n):
        seconds = round(rng.uniform(0.5, 12.0), 2)
        rate = rng.choice([16000, 22050, 44100])
        path = write_clip(os.path.join(folder, f"clip{i:04d}.wav"), seconds,
                          rate, freq=rng.uniform(100, 2000), seed=i)
        items[f"clip{i:04d}"] = make_item(path, seconds, "captioning",
                                          caption=f"synthetic clip {i}")
    return items


def load_corpus(args, tmp):
    """The benchmark corpus: (description, items)."""
    manifest = args.manifest or (
        DEFAULT_MANIFEST if os.path.isfile(DEFAULT_MANIFEST) else None)
    if manifest is None:
        print(f"no --manifest and no {DEFAULT_MANIFEST}: writing a synthetic "
              f"corpus of {args.synthetic} clips", file=sys.stderr)
        return (f"synthetic ({args.synthetic} clips)",
                synthetic_corpus(os.path.join(tmp, "audio"), args.synthetic))
    data_root = args.data_root
    opts = os.path.join(os.path.dirname(manifest), "prepare_opts.json")
    if data_root is None and os.path.isfile(opts):
        with open(opts, encoding="utf-8") as f:
            data_root = json.load(f).get("data_folder")
    items = read_manifest(manifest, data_root=data_root)
    if any("{data_root}" in it["wav"] for it in items.values()):
        sys.exit(f"{manifest} uses {{data_root}}: pass --data_root")
    return manifest, items


def timed_pass(loader):
    """(windows delivered, seconds) of one full pass over ``loader``."""
    start = time.perf_counter()
    n = 0
    for sig, _ in loader:
        n += sig.shape[0]
    return n, time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--manifest", default=None)
    parser.add_argument("--data_root", default=None)
    parser.add_argument("--synthetic", type=int, default=500,
                        help="clips of the synthetic corpus")
    parser.add_argument("--limit", type=int, default=1000,
                        help="items used (a seeded sample; 0: all)")
    parser.add_argument("--sample_rate", type=int, default=44100)
    parser.add_argument("--window_seconds", type=float, default=7.0)
    parser.add_argument("--workers", default="0,2")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--write_workers", type=int, default=2)
    parser.add_argument("--json", default=None, help="write the rows here")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    workers = [int(w) for w in args.workers.split(",")]
    formats = [f for f in args.formats.split(",") if f]
    window = int(round(args.window_seconds * args.sample_rate))
    with tempfile.TemporaryDirectory() as tmp:
        corpus, items = load_corpus(args, tmp)
        if args.limit and len(items) > args.limit:
            keep = sorted(random.Random(0).sample(sorted(items), args.limit))
            items = {k: items[k] for k in keep}
        rows, written = [], {}
        for fmt in formats:
            start = time.perf_counter()
            index = write_shards(
                items, os.path.join(tmp, fmt), sample_rate=args.sample_rate,
                window_seconds=args.window_seconds, fmt=fmt,
                shard_size_mb=64, num_workers=args.write_workers)
            seconds = time.perf_counter() - start
            size = sum(s["filesize"] for s in index["shardlist"]) / 2**20
            written[fmt] = size
            rows.append({"loader": f"write {fmt}", "workers":
                         args.write_workers,
                         "items": index["pengi"]["total"],
                         "seconds": seconds, "mb": size})
        for w in workers:
            loader = torch.utils.data.DataLoader(
                ManifestWindows(items, args.sample_rate, window),
                batch_size=args.batch_size, num_workers=w,
                collate_fn=stack_windows)
            n, seconds = timed_pass(loader)
            rows.append({"loader": "manifest", "workers": w, "items": n,
                         "seconds": seconds})
            for fmt in formats:
                dataset = ShardDataset(os.path.join(tmp, fmt))
                loader = make_shard_loader(
                    dataset, ShardSampler(dataset.index, seed=0),
                    batch_size=args.batch_size, num_workers=w,
                    collate_fn=stack_windows)
                n, seconds = timed_pass(loader)
                rows.append({"loader": f"shards {fmt}", "workers": w,
                             "items": n, "seconds": seconds,
                             "mb": written[fmt]})
    base = {r["workers"]: r["items"] / r["seconds"] for r in rows
            if r["loader"] == "manifest"}
    print(f"corpus: {corpus}; {len(items)} items, "
          f"{rows[-1]['items']} windows of {args.window_seconds:g} s at "
          f"{args.sample_rate} Hz; {os.cpu_count()} CPU cores")
    print(f"| {'loader':<12} | workers | items | seconds | items/s | "
          f"vs manifest | shards MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        r["items_per_s"] = r["items"] / r["seconds"]
        ratio = (f"{r['items_per_s'] / base[r['workers']]:.1f}x"
                 if r["loader"].startswith("shards") and r["workers"] in base
                 else "")
        mb = f"{r['mb']:.0f}" if "mb" in r else ""
        print(f"| {r['loader']:<12} | {r['workers']} | {r['items']} | "
              f"{r['seconds']:.2f} | {r['items_per_s']:.0f} | {ratio} | "
              f"{mb} |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"corpus": corpus, "items": len(items),
                       "sample_rate": args.sample_rate,
                       "window_seconds": args.window_seconds,
                       "cpu_count": os.cpu_count(), "rows": rows}, f,
                      indent=1)
    return rows


if __name__ == "__main__":
    main()
