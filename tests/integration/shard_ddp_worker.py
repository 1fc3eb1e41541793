"""One rank of the shard DDP test (run by test_shard_ddp.py).

``torchrun --nproc_per_node=2 shard_ddp_worker.py --shards S --ckpt C
--out O --phase first|resume``, each rank with 2 DataLoader workers:

* ``first``: reads epoch 0 to the end, then epoch 1 for ``--stop_after``
  batches, saves the loader's and the sampler's position with a
  SpeechBrain Checkpointer (an intra-epoch checkpoint), reads one batch
  more (work the checkpoint does not hold) and dies without cleaning up
  (``os._exit``), as a killed job does;
* ``resume``: recovers the checkpoint and reads the rest of epoch 1.

Every rank writes the sample ids it received per epoch to
``O/<phase>_rank<r>.json``. After every batch the ranks all-reduce a
counter, as DDP does, so unequal batch counts would hang the test.
"""

import argparse
import json
import os

import torch
import torch.distributed as dist
from speechbrain.utils.checkpoints import Checkpointer

from pengi_sb.data.shards import ShardDataset, ShardSampler, make_shard_loader


def read(iterator, limit=None):
    ids = []
    for n, batch in enumerate(iterator):
        ids += [x["id"] for x in batch]
        dist.all_reduce(torch.ones(1))
        if limit is not None and n + 1 == limit:
            break
    return ids


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shards", required=True)
    parser.add_argument("--ckpt", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--phase", choices=["first", "resume"], required=True)
    parser.add_argument("--stop_after", type=int, default=2)
    args = parser.parse_args()
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    dataset = ShardDataset(args.shards)
    sampler = ShardSampler(dataset.index, seed=11, block_size=3,
                           shuffle_blocks=2)
    loader = make_shard_loader(dataset, sampler, batch_size=2, num_workers=2)
    checkpointer = Checkpointer(args.ckpt, {"loader": loader,
                                            "sampler": sampler})
    seen = {}
    if args.phase == "first":
        sampler.set_epoch(0)
        seen["0"] = read(loader)
        sampler.set_epoch(1)
        batches = iter(loader)
        seen["1"] = read(batches, limit=args.stop_after)
        checkpointer.save_checkpoint(end_of_epoch=False)
        seen["after_checkpoint"] = read(batches, limit=1)
    else:
        checkpointer.recover_if_possible()
        seen[str(sampler.epoch)] = read(loader)
    with open(os.path.join(args.out, f"{args.phase}_rank{rank}.json"),
              "w") as f:
        json.dump({"seen": seen, "len": len(loader),
                   "epoch": sampler.epoch}, f)
    dist.barrier()
    if args.phase == "first":
        os._exit(0)  # killed: no cleanup, workers and files left as they are
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
