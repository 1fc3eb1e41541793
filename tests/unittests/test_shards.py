"""Tests of pengi_sb.data.shards: writing WebDataset shards, reading them
back by index (local, file://, pipe:, http://), the epoch plan, resume."""

import collections
import contextlib
import functools
import http.server
import io
import itertools
import json
import os
import shutil
import tarfile
import threading

import numpy as np
import pytest
import soundfile
import torch
import webdataset
from speechbrain.utils.checkpoints import Checkpointer

from pengi_sb.data.manifest import make_item, write_manifest
from pengi_sb.data.shards import (
    ShardDataset,
    ShardError,
    ShardSampler,
    epoch_blocks,
    item_windows,
    main,
    make_shard_loader,
    rank_indices,
    read_index,
    write_shards,
)
from tests.audio_fixtures import write_clip

RATE = 8000
WINDOW_S = 1.0
WINDOW = int(RATE * WINDOW_S)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Clips of 0.4 to 2.5 s (1-3 windows), one stereo at 16 kHz, and two
    unusable files."""
    root = tmp_path_factory.mktemp("corpus")
    items = {}
    for i, seconds in enumerate([0.4, 1.0, 1.5, 2.5, 0.7, 2.0, 1.2, 0.9]):
        path = write_clip(str(root / f"c{i}.wav"), seconds, RATE,
                          freq=200 + 50 * i, seed=i)
        items[f"c{i}"] = make_item(path, seconds, "sound_event",
                                   events=[f"event{i}", "noise"])
    stereo = write_clip(str(root / "stereo.wav"), 1.3, 16000, channels=2)
    items["stereo"] = make_item(stereo, 1.3, "captioning", caption="a tone",
                                references=None)
    items["missing"] = make_item(str(root / "nope.wav"), 1.0, "captioning",
                                 caption="gone")
    (root / "broken.wav").write_bytes(b"RIFF0000WAVEjunk")
    items["broken"] = make_item(str(root / "broken.wav"), 1.0, "captioning",
                                caption="broken")
    return items


def _expected_windows(items):
    out = {}
    for item_id, item in items.items():
        try:
            wavs = item_windows(item, RATE, WINDOW)
        except ValueError:
            continue
        for k, wav in enumerate(wavs):
            out[item_id if len(wavs) == 1 else f"{item_id}@{k}"] = wav
    return out


@pytest.fixture(scope="module", params=["flac", "npy"])
def shards(request, corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"shards_{request.param}")
    index = write_shards(corpus, str(out), sample_rate=RATE,
                         window_seconds=WINDOW_S, fmt=request.param,
                         items_per_shard=4, seed=3)
    return str(out), index


def _check_example(ex, expected, corpus):
    """The sample's audio and fields are the item's."""
    ref = expected[ex["id"]]
    n = ref.shape[-1]
    assert ex["num_samples"] == n and ex["sample_rate"] == RATE
    # 16-bit storage: within one quantisation step (+ clipping margin)
    assert torch.allclose(ex["sig"][0, :n], ref, atol=1.0 / 32768 + 1e-6)
    item = corpus[ex["item_id"]]
    for key in ("task", "prompt", "target", "labels"):
        assert ex.get(key) == item.get(key)


def test_index_is_a_wids_index(shards, corpus):
    folder, index = shards
    meta = index["pengi"]
    assert meta["total"] == len(_expected_windows(corpus)) == 15
    assert [s["nsamples"] for s in index["shardlist"]] == [4, 4, 4, 3]
    assert [s["url"] for s in index["shardlist"]] == [
        f"data-{k:06d}.tar" for k in range(4)]
    assert {s["id"] for s in meta["skipped"]} == {"missing", "broken"}
    assert all(s["error"] for s in meta["skipped"])
    assert meta["datasets"]["data"]["items"] == 9
    assert sorted(os.listdir(folder)) == sorted(
        ["index.json"] + [s["url"] for s in index["shardlist"]])  # no sidecar
    from wids import ShardListDataset

    with contextlib.redirect_stderr(io.StringIO()):
        wids_view = ShardListDataset(os.path.join(folder, "index.json"),
                                     transformations=[])
    assert len(wids_view) == 15


def test_plain_webdataset_reads_every_sample_and_field(shards, corpus):
    """Any webdataset user reads the shards with the library's own
    reader and decoders: json and npy by its default decoder, flac as
    bytes for soundfile."""
    folder, index = shards
    fmt = index["pengi"]["format"]
    expected = _expected_windows(corpus)
    urls = [os.path.join(folder, s["url"]) for s in index["shardlist"]]
    seen = collections.Counter()
    for sample in webdataset.WebDataset(urls, shardshuffle=False).decode():
        fields = sample["json"]
        assert sorted(k for k in sample if not k.startswith("__")) == sorted(
            ["json", fmt])
        data = (sample["npy"].astype(np.float32) / 32768 if fmt == "npy"
                else soundfile.read(io.BytesIO(sample["flac"]),
                                    dtype="float32")[0])
        ex = dict(fields, sig=torch.from_numpy(data)[None])
        _check_example(ex, expected, corpus)
        assert fields["source_wav"] == corpus[fields["item_id"]]["wav"]
        seen[fields["id"]] += 1
    assert seen == collections.Counter(dict.fromkeys(expected, 1))
    with tarfile.open(urls[0]) as tar:  # <key>.json + <key>.<format>
        names = tar.getnames()
    assert sorted(names) == sorted(f"data_{k:09d}.{ext}" for k in range(4)
                                   for ext in ("json", fmt))


def test_dataset_reads_every_window_with_audio_and_fields(shards, corpus):
    folder, _ = shards
    expected = _expected_windows(corpus)
    dataset = ShardDataset(folder)
    sampler = ShardSampler(dataset.index, seed=5)
    seen = collections.Counter()
    for i in sampler:
        ex = dataset[i]
        assert ex["sig"].shape == (1, WINDOW)
        assert ex["sig"].dtype == torch.float32
        _check_example(ex, expected, corpus)
        seen[ex["id"]] += 1
    assert seen == collections.Counter(dict.fromkeys(expected, 1))
    short = next(dataset[i] for i in range(len(dataset))
                 if dataset[i]["id"] == "c0")
    n = short["num_samples"]
    assert n == int(0.4 * RATE)
    assert torch.equal(short["sig"][0, n:2 * n], short["sig"][0, :n])
    with pytest.raises(IndexError):
        dataset[15]


def test_epochs_differ_and_repeat(shards):
    folder, _ = shards
    sampler = ShardSampler(read_index(folder), seed=1, block_size=2,
                           shuffle_blocks=3)
    sampler.set_epoch(0)
    first = list(sampler)
    sampler.set_epoch(1)
    second = list(sampler)
    assert sorted(first) == sorted(second) == list(range(15))
    assert first != second
    sampler.set_epoch(0)
    assert list(sampler) == first


@pytest.mark.parametrize("world", [1, 2, 3, 4])
def test_ranks_cover_epoch_exactly(shards, world):
    folder, _ = shards
    index = read_index(folder)
    for epoch in range(3):
        got, sizes = collections.Counter(), []
        for rank in range(world):
            sampler = ShardSampler(index, seed=7, block_size=3,
                                   rank=rank, world_size=world)
            sampler.set_epoch(epoch)
            mine = list(sampler)
            assert len(mine) == len(sampler)
            got.update(mine)
            sizes.append(len(mine))
        assert len(set(sizes)) == 1  # the same number of samples per rank
        assert set(got) == set(range(15))
        # padding (a repeat) only when the world size does not divide
        assert sum(got.values()) - 15 == (-15) % world


def test_blocks_stay_together_in_shuffle_groups():
    blocks = [(0, 4), (20, 24), (8, 12), (30, 34)]
    rng = np.random.default_rng(0)
    order = rank_indices(blocks, 0, 1, 2, rng).tolist()
    assert sorted(order[:8]) == [0, 1, 2, 3, 20, 21, 22, 23]
    assert sorted(order[8:]) == [8, 9, 10, 11, 30, 31, 32, 33]


def _two_set_index(tmp_path, sizes, weights):
    items, datasets = {}, {}
    for name, n in sizes.items():
        for i in range(n):
            path = write_clip(str(tmp_path / name / f"{i}.wav"), 0.2, RATE,
                              seed=i)
            item = make_item(path, 0.2, "captioning", caption=f"{name} {i}")
            item["mixture"] = name
            items[f"{name}/{i}"] = item
        datasets[name] = weights[name]
    return write_shards(items, str(tmp_path / "sh"), sample_rate=RATE,
                        window_seconds=WINDOW_S, fmt="npy",
                        items_per_shard=7, datasets=datasets)


def test_mixture_quotas_cycles_and_repeats(tmp_path):
    index = _two_set_index(tmp_path, {"big": 40, "small": 6},
                           {"big": 1.0, "small": 1.0})
    dataset_of = [s["dataset"] for s in index["shardlist"]
                  for _ in range(s["nsamples"])]
    per_epoch = []
    for epoch in range(4):
        blocks = epoch_blocks(index, epoch, seed=2, epoch_size=20,
                              block_size=3)
        got = collections.Counter(i for lo, hi in blocks
                                  for i in range(lo, hi))
        per_epoch.append(got)
        by_set = collections.Counter()
        for i, n in got.items():
            by_set[dataset_of[i]] += n
        assert by_set == {"big": 10, "small": 10}
        small = [n for i, n in got.items() if dataset_of[i] == "small"]
        assert len(small) == 6 and set(small) <= {1, 2}  # spread evenly
    big = [{i for i in e if dataset_of[i] == "big"} for e in per_epoch]
    # 40 big samples, 10 per epoch: four epochs cover them, no repeat
    assert sum(len(b) for b in big) == 40 and len(set().union(*big)) == 40
    whole = epoch_blocks(index, 0, weights="size", block_size=0)
    assert len(whole) == len(index["shardlist"])


def _loader(folder, batch_size=3, num_workers=2, **options):
    dataset = ShardDataset(folder)
    sampler = ShardSampler(dataset.index, **options)
    return make_shard_loader(dataset, sampler, batch_size=batch_size,
                             num_workers=num_workers), sampler


def _ids(batches):
    return [x["id"] for batch in batches for x in batch]


def test_resume_mid_epoch_with_workers_and_checkpointer(shards, tmp_path):
    folder, _ = shards
    options = {"seed": 4, "block_size": 2, "shuffle_blocks": 2}
    loader, sampler = _loader(folder, **options)
    sampler.set_epoch(1)
    full = _ids(loader)
    assert len(full) == 15 and len(set(full)) == 15
    loader, sampler = _loader(folder, **options)
    ckpt = Checkpointer(str(tmp_path / "ckpt"),
                        {"loader": loader, "sampler": sampler})
    sampler.set_epoch(1)
    it = iter(loader)
    taken = _ids(itertools.islice(it, 3))
    ckpt.save_checkpoint(end_of_epoch=False)
    taken_after = _ids(it)  # trained on, then killed: not in the checkpoint
    assert taken + taken_after == full
    loader, sampler = _loader(folder, **options)
    Checkpointer(str(tmp_path / "ckpt"), {
        "loader": loader, "sampler": sampler}).recover_if_possible()
    assert sampler.epoch == 1
    rest = _ids(loader)
    assert taken + rest == full
    assert _ids(loader) == full  # the next pass starts from the beginning
    assert len(loader) == 5


def test_mid_epoch_checkpoint_with_other_options_is_refused(shards, tmp_path):
    folder, _ = shards
    loader, sampler = _loader(folder, num_workers=0, seed=1)
    ckpt = Checkpointer(str(tmp_path / "c"), {"loader": loader,
                                              "sampler": sampler})
    next(iter(loader))
    ckpt.save_checkpoint(end_of_epoch=False)
    for options in ({"seed": 2}, {"seed": 1, "rank": 0, "world_size": 2}):
        loader, sampler = _loader(folder, num_workers=0, **options)
        with pytest.raises(ShardError, match="other shards or options"):
            Checkpointer(str(tmp_path / "c"), {
                "loader": loader, "sampler": sampler}).recover_if_possible()
    with pytest.raises(ShardError, match="does not apply"):
        make_shard_loader(ShardDataset(folder), sampler, shuffle=True)


def test_file_pipe_and_template_urls(shards, tmp_path):
    folder, index = shards
    names = [s["url"] for s in index["shardlist"]]
    by_file = ShardDataset("file://" + folder)
    assert by_file.urls[0] == os.path.join(folder, names[0])
    reference = [by_file[i]["id"] for i in range(15)]
    piped = ShardDataset(
        f"pipe:cat {folder}/index.json",
        url_template=f"pipe:cat {folder}/{{name}}",
        cache_dir=str(tmp_path / "cache"), open_shards=1,
        keep_downloads=False)
    assert piped.urls[1] == f"pipe:cat {folder}/{names[1]}"
    assert [piped[i]["id"] for i in range(15)] == reference
    # one shard open at a time: the others' downloads are deleted
    assert len(os.listdir(tmp_path / "cache")) == 1
    with pytest.raises(ShardError, match="url_template"):
        ShardDataset(f"pipe:cat {folder}/index.json")
    broken = ShardDataset(folder, url_template="pipe:cat /nonexistent/{name}",
                          cache_dir=str(tmp_path / "cache2"))
    with pytest.raises(ShardError, match="cannot fetch shard"):
        broken[0]


@pytest.mark.skipif(shutil.which("curl") is None,
                    reason="webdataset fetches http(s) URLs with curl")
def test_http_urls(shards):
    """A local HTTP server (127.0.0.1 only) serves the shard folder."""
    folder, _ = shards
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=folder)
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        cache = os.path.join(folder, "..", "http_cache_" + os.path.basename(
            folder))
        remote = ShardDataset(f"{url}/index.json", cache_dir=cache)
        assert remote.urls[0] == f"{url}/data-000000.tar"
        local = ShardDataset(folder)
        for i in range(len(local)):
            assert torch.equal(remote[i]["sig"], local[i]["sig"])
        shutil.rmtree(cache)
    finally:
        server.shutdown()
        server.server_close()


def test_missing_and_damaged_shards_are_named(shards, tmp_path):
    folder, index = shards
    names = [s["url"] for s in index["shardlist"]]
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    os.remove(copy / names[1])
    with pytest.raises(ShardError, match="1 shard.*data-000001.tar"):
        ShardDataset(str(copy))
    shutil.copy(os.path.join(folder, names[3]), copy / names[1])  # 3 of 4
    with pytest.raises(ShardError, match="holds 3 samples, its index 4"):
        ShardDataset(str(copy))[4]
    (copy / "index.json").write_text(json.dumps({"version": 1,
                                                 "shards": []}))
    with pytest.raises(ShardError, match="write them again"):
        read_index(str(copy))
    with pytest.raises(ShardError, match="no shard index"):
        read_index(str(tmp_path / "nothing"))


def test_cli_manifest_mixture_and_info(tmp_path, corpus, capsys):
    kept = {k: v for k, v in corpus.items() if k.startswith("c")}
    root = os.path.dirname(kept["c0"]["wav"])
    portable = {k: dict(v, wav=v["wav"].replace(root, "{data_root}"))
                for k, v in kept.items()}
    write_manifest(portable, str(tmp_path / "m.json"))
    with pytest.raises(ShardError, match="--data_root"):
        main(["write", "--manifest", str(tmp_path / "m.json"), "--out",
              str(tmp_path / "x")])
    index = main(["write", "--manifest", str(tmp_path / "m.json"),
                  "--data_root", root, "--out", str(tmp_path / "a"),
                  "--sample_rate", str(RATE), "--window_seconds", "1",
                  "--format", "npy", "--num_workers", "2"])
    assert index["pengi"]["total"] == 13
    again = write_shards(kept, str(tmp_path / "b"), sample_rate=RATE,
                         window_seconds=1.0, fmt="npy")
    assert again["shardlist"] == index["shardlist"]
    for s in index["shardlist"]:  # the pool writes the same bytes
        with open(tmp_path / "a" / s["url"], "rb") as f1, open(
                tmp_path / "b" / s["url"], "rb") as f2:
            assert f1.read() == f2.read()
    with pytest.raises(ShardError, match="--overwrite"):
        main(["write", "--manifest", str(tmp_path / "m.json"),
              "--data_root", root, "--out", str(tmp_path / "a")])
    (tmp_path / "mix.yaml").write_text(
        "folder: !PLACEHOLDER\n"
        "mixture:\n"
        "  - {name: one, manifest: !ref <folder>/m.json, weight: 3,\n"
        f"     data_root: {root}}}\n"
        "  - {name: two, manifest: !ref <folder>/m.json, weight: 1,\n"
        f"     data_root: {root}, task: metadata}}\n")
    mixed = main(["write", "--mixture", str(tmp_path / "mix.yaml"),
                  "--mixture_overrides", f"{{folder: {tmp_path}}}",
                  "--out", str(tmp_path / "mix"), "--sample_rate",
                  str(RATE), "--window_seconds", "1",
                  "--shard_size_mb", "0.01"])
    assert mixed["pengi"]["datasets"]["one"]["weight"] == pytest.approx(0.75)
    assert mixed["pengi"]["total"] == 26
    assert len(mixed["shardlist"]) > 2  # split by size
    assert all(s["url"].startswith(("one-", "two-"))
               for s in mixed["shardlist"])
    dataset = ShardDataset(str(tmp_path / "mix"))
    sampler = ShardSampler(dataset.index, epoch_size=40)
    got = collections.Counter(dataset[i]["mixture"] for i in sampler)
    assert got == {"one": 30, "two": 10}
    main(["info", str(tmp_path / "mix")])
    assert "26 samples" in capsys.readouterr().out
