"""Shard reading under DDP: 2 CPU ranks (gloo) x 2 DataLoader workers.

Checks that an epoch delivers every sample exactly once across ranks and
workers, with the same number of batches on every rank, and that a run
killed mid-epoch and restarted from a SpeechBrain checkpoint (a new
torchrun) delivers exactly the rest of the epoch.
"""

import collections
import json
import os
import subprocess
import sys

import pytest

from pengi_sb.data.manifest import make_item
from pengi_sb.data.shards import write_shards
from tests.audio_fixtures import write_clip

WORKER = os.path.join(os.path.dirname(__file__), "shard_ddp_worker.py")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _torchrun(args, timeout=150):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone",
           "--nproc_per_node=2", WORKER, *args]
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run(cmd, capture_output=True, text=True,
                            timeout=timeout, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def _load(folder, phase):
    out = []
    for rank in range(2):
        with open(os.path.join(folder, f"{phase}_rank{rank}.json")) as f:
            out.append(json.load(f))
    return out


@pytest.fixture(scope="module")
def shard_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("ddp_corpus")
    items = {}
    # 26 windows: 18 one-window clips + 4 two-window clips
    for i, seconds in enumerate([0.5] * 18 + [1.5] * 4):
        path = write_clip(str(root / f"{i}.wav"), seconds, 8000, seed=i)
        items[f"clip{i}"] = make_item(path, seconds, "captioning",
                                      caption=f"clip {i}")
    index = write_shards(items, str(root / "shards"), sample_rate=8000,
                         window_seconds=1.0, fmt="flac", items_per_shard=5)
    assert index["pengi"]["total"] == 26
    return str(root / "shards")


def test_ddp_epoch_exactly_once_and_resume(shard_folder, tmp_path):
    out, ckpt = tmp_path / "out", tmp_path / "ckpt"
    out.mkdir()
    common = ["--shards", shard_folder, "--ckpt", str(ckpt), "--out",
              str(out)]
    _torchrun([*common, "--phase", "first", "--stop_after", "2"])
    first = _load(out, "first")
    every = collections.Counter()
    for rank in first:
        every.update(rank["seen"]["0"])
    assert len(every) == 26 and set(every.values()) == {1}
    assert len(first[0]["seen"]["0"]) == len(first[1]["seen"]["0"]) == 13
    assert first[0]["len"] == first[1]["len"] == 7
    # stopped after 2 batches of 2 per rank in epoch 1
    assert [len(r["seen"]["1"]) for r in first] == [4, 4]
    assert os.path.isfile(next(ckpt.glob("CKPT*")) / "sampler.ckpt")
    _torchrun([*common, "--phase", "resume"])
    resumed = _load(out, "resume")
    epoch1 = collections.Counter()
    for before, after in zip(first, resumed, strict=True):
        assert after["epoch"] == 1
        epoch1.update(before["seen"]["1"])
        epoch1.update(after["seen"]["1"])
        assert len(before["seen"]["1"]) + len(after["seen"]["1"]) == 13
        # the batch read after the checkpoint (lost with the kill) comes
        # again first
        assert after["seen"]["1"][:2] == before["seen"]["after_checkpoint"]
    assert len(epoch1) == 26 and set(epoch1.values()) == {1}
    # a new epoch is a new order
    assert first[0]["seen"]["1"] != first[0]["seen"]["0"][:4]
