"""Tests of pengi_sb.data.shards: writing tar shards and streaming them back."""

import collections
import itertools
import json
import os
import tarfile

import numpy as np
import pytest
import torch
from speechbrain.utils.checkpoints import Checkpointer

from pengi_sb.data.manifest import make_item, write_manifest
from pengi_sb.data.shards import (
    ShardError,
    ShardLoader,
    ShardStream,
    epoch_blocks,
    item_windows,
    main,
    read_index,
    slot_samples,
    write_shards,
)
from tests.audio_fixtures import write_clip

RATE = 8000
WINDOW_S = 1.0


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
            wavs = item_windows(item, RATE, int(WINDOW_S * RATE))
        except ValueError:
            continue
        for k, wav in enumerate(wavs):
            out[item_id if len(wavs) == 1 else f"{item_id}@{k}"] = wav
    return out


@pytest.fixture(scope="module", params=["flac", "pcm"])
def shards(request, corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"shards_{request.param}")
    index = write_shards(corpus, str(out), sample_rate=RATE,
                         window_seconds=WINDOW_S, fmt=request.param,
                         items_per_shard=4, seed=3)
    return str(out), index


def test_index_counts_and_skipped(shards, corpus):
    folder, index = shards
    expected = _expected_windows(corpus)
    assert index["total"] == len(expected) == 15
    assert sum(s["count"] for s in index["shards"]) == 15
    assert [s["count"] for s in index["shards"]] == [4, 4, 4, 3]
    assert {s["id"] for s in index["skipped"]} == {"missing", "broken"}
    assert all(s["error"] for s in index["skipped"])
    assert index["datasets"]["data"]["items"] == 9
    assert read_index(folder)["total"] == 15


def test_tar_layout_is_webdataset(shards):
    folder, index = shards
    fmt = index["format"]
    with tarfile.open(os.path.join(folder, index["shards"][0]["path"])) as t:
        names = t.getnames()
    assert len(names) == 8
    keys = [n.split(".", 1)[0] for n in names]
    assert keys[0::2] == keys[1::2]
    assert [n.split(".", 1)[1] for n in names[:2]] == ["json", fmt]
    offsets = np.fromfile(os.path.join(
        folder, index["shards"][0]["path"] + ".idx"), dtype="<i8")
    assert len(offsets) == 4 and offsets[0] == 0


def test_every_window_once_with_audio_and_fields(shards, corpus):
    folder, index = shards
    expected = _expected_windows(corpus)
    stream = ShardStream(folder, seed=5, buffer_size=4)
    seen = collections.Counter()
    for ex in stream:
        seen[ex["id"]] += 1
        assert ex["sig"].shape == (1, int(WINDOW_S * RATE))
        assert ex["sig"].dtype == torch.float32
        ref = expected[ex["id"]]
        n = ref.shape[-1]
        assert ex["num_samples"] == n
        # 16-bit storage: within one quantisation step (+ clipping margin)
        assert torch.allclose(ex["sig"][0, :n], ref, atol=1.0 / 32768 + 1e-6)
        item = corpus[ex["item_id"]]
        for key in ("task", "prompt", "target"):
            assert ex[key] == item[key]
        if item["task"] == "sound_event":
            assert ex["labels"] == item["labels"]
    assert seen == collections.Counter(dict.fromkeys(expected, 1))


def test_short_clip_is_tiled(shards, corpus):
    folder, _ = shards
    ex = next(x for x in ShardStream(folder) if x["id"] == "c0")
    n = ex["num_samples"]
    assert n == int(0.4 * RATE)
    assert torch.equal(ex["sig"][0, n:2 * n], ex["sig"][0, :n])


def test_epochs_differ_and_repeat(shards):
    folder, _ = shards
    stream = ShardStream(folder, seed=1, buffer_size=8, block_size=2)
    first = [x["id"] for x in stream]
    second = [x["id"] for x in stream]
    assert sorted(first) == sorted(second) and first != second
    stream.set_epoch(0)
    assert [x["id"] for x in stream] == first


@pytest.mark.parametrize("world, workers", [(2, 2), (3, 1), (1, 3)])
def test_slots_cover_epoch_exactly(shards, world, workers):
    folder, index = shards
    index = read_index(folder)
    for epoch in range(3):
        blocks = epoch_blocks(index, epoch, seed=7, block_size=3)
        got = collections.Counter()
        sizes = []
        for rank in range(world):
            n_rank = 0
            for w in range(workers):
                s, o = slot_samples(blocks, rank, world, w, workers)
                got.update(zip(s.tolist(), o.tolist(), strict=True))
                n_rank += len(s)
            sizes.append(n_rank)
        assert len(set(sizes)) == 1  # same number of samples per rank
        every = {(s, o) for s, sh in enumerate(index["shards"])
                 for o in range(sh["count"])}
        assert set(got) == every
        # 15 samples: padding only when the world size does not divide
        assert sum(got.values()) == sizes[0] * world
        assert sum(got.values()) - 15 == (-15) % world


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
    write_shards(items, str(tmp_path / "sh"), sample_rate=RATE,
                 window_seconds=WINDOW_S, fmt="pcm", items_per_shard=7,
                 datasets=datasets)
    return read_index(str(tmp_path / "sh"))


def test_mixture_quotas_cycles_and_repeats(tmp_path):
    index = _two_set_index(tmp_path, {"big": 40, "small": 6},
                           {"big": 1.0, "small": 1.0})
    shards = index["shards"]
    per_epoch = []
    for epoch in range(4):
        blocks = epoch_blocks(index, epoch, seed=2, epoch_size=20,
                              block_size=3)
        got = collections.Counter()
        for s, lo, hi in blocks:
            for o in range(lo, hi):
                got[(shards[s]["dataset"], s, o)] += 1
        per_epoch.append(got)
        by_set = collections.Counter()
        for (name, _, _), n in got.items():
            by_set[name] += n
        assert by_set == {"big": 10, "small": 10}
        small = [n for (name, _, _), n in got.items() if name == "small"]
        assert len(small) == 6 and set(small) <= {1, 2}  # spread evenly
    big = [{k for k in e if k[0] == "big"} for e in per_epoch]
    # 40 big samples, 10 per epoch: four epochs cover them, no repeat
    assert sum(len(b) for b in big) == 40 and len(set().union(*big)) == 40


def test_resume_in_process(shards):
    folder, _ = shards
    stream = ShardStream(folder, seed=9, buffer_size=5, block_size=2)
    stream.set_epoch(2)
    first = [x["id"] for x in itertools.islice(stream, 7)]
    state = json.loads(json.dumps(stream.state_dict()))
    assert state["epoch"] == 2 and state["delivered"] == {"0": 7}
    resumed = ShardStream(folder, seed=9, buffer_size=5, block_size=2,
                          state=state)
    rest = [x["id"] for x in resumed]
    full = ShardStream(folder, seed=9, buffer_size=5, block_size=2)
    full.set_epoch(2)
    assert first + rest == [x["id"] for x in full]
    assert resumed.state_dict()["epoch"] == 3


def test_resume_loader_workers_with_checkpointer(shards, tmp_path):
    folder, _ = shards
    options = {"seed": 4, "buffer_size": 3, "block_size": 2}

    def loader(stream):
        return ShardLoader(stream, batch_size=3, num_workers=2)

    stream = ShardStream(folder, **options)
    full = [x["id"] for batch in loader(stream) for x in batch]
    assert len(full) == 15 and len(set(full)) == 15
    assert stream.epoch == 1
    taken = []
    for batch in itertools.islice(loader(stream), 3):
        taken += [x["id"] for x in batch]
    ckpt = Checkpointer(str(tmp_path / "ckpt"), {"stream": stream})
    ckpt.save_checkpoint(end_of_epoch=False)
    fresh = ShardStream(folder, **options)
    recovered = Checkpointer(str(tmp_path / "ckpt"), {"stream": fresh})
    recovered.recover_if_possible()
    assert fresh.epoch == 1 and sum(fresh.delivered.values()) == 9
    rest = [x["id"] for batch in loader(fresh) for x in batch]
    assert sorted(taken + rest) == sorted(full)
    assert len(taken + rest) == 15
    assert fresh.epoch == 2
    with pytest.raises(ShardError, match="num_workers=2"):
        moved = ShardStream(folder, **options, state=stream.state_dict())
        list(ShardLoader(moved, batch_size=3, num_workers=0))


def test_loader_len_matches_batches(shards):
    folder, _ = shards
    stream = ShardStream(folder, world_size=3, rank=1)
    loader = ShardLoader(stream, batch_size=2, num_workers=2)
    assert len(stream) == 5
    assert len(loader) == len(list(loader)) == 3


def test_state_from_other_options_is_refused(shards):
    folder, _ = shards
    state = ShardStream(folder, seed=1).state_dict()
    with pytest.raises(ShardError, match="other shards or options"):
        ShardStream(folder, seed=2, state=state)
    rank0 = ShardStream(folder, seed=1, rank=0, world_size=2).state_dict()
    with pytest.raises(ShardError, match="rank 0's, this is rank 1"):
        ShardStream(folder, seed=1, rank=1, world_size=2, state=rank0)
    with pytest.raises(ShardError, match="other shards or options"):
        ShardStream(folder, seed=1, rank=0, world_size=3, state=rank0)


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
                  "--format", "pcm", "--num_workers", "2"])
    assert index["total"] == 13
    again = write_shards(kept, str(tmp_path / "b"), sample_rate=RATE,
                         window_seconds=1.0, fmt="pcm")
    assert [s["count"] for s in again["shards"]] == [
        s["count"] for s in index["shards"]]
    for s in index["shards"]:  # the pool writes the same bytes
        with open(tmp_path / "a" / s["path"], "rb") as f1, open(
                tmp_path / "b" / s["path"], "rb") as f2:
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
    assert mixed["datasets"]["one"]["weight"] == pytest.approx(0.75)
    assert mixed["total"] == 26
    assert len(mixed["shards"]) > 2  # split by size
    assert all(s["path"].startswith(("one-", "two-"))
               for s in mixed["shards"])
    stream = ShardStream(str(tmp_path / "mix"), epoch_size=40)
    got = collections.Counter(x["mixture"] for x in stream)
    assert got == {"one": 30, "two": 10}
    main(["info", str(tmp_path / "mix")])
    assert "26 samples" in capsys.readouterr().out


def test_missing_shard_is_named(shards, tmp_path):
    folder, index = shards
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in os.listdir(folder):
        if name != index["shards"][1]["path"]:
            (copy / name).write_bytes(open(os.path.join(folder, name),
                                           "rb").read())
    with pytest.raises(ShardError, match="1 shard.*data-000001.tar"):
        ShardStream(str(copy))
