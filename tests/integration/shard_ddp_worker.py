"""One rank of the ShardStream DDP test (run by test_shard_ddp.py).

``torchrun --nproc_per_node=2 shard_ddp_worker.py --shards S --ckpt C
--out O --phase first|resume``:

* ``first``: reads epoch 0 to the end, then epoch 1 for ``--stop_after``
  batches, saves the stream position with a SpeechBrain Checkpointer
  (an intra-epoch checkpoint) and exits;
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

from pengi_sb.data.shards import ShardLoader, ShardStream


def read(loader, limit=None):
    ids = []
    for n, batch in enumerate(loader):
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
    stream = ShardStream(args.shards, seed=11, buffer_size=4, block_size=3)
    loader = ShardLoader(stream, batch_size=2, num_workers=2)
    checkpointer = Checkpointer(args.ckpt, {"stream": stream})
    seen = {}
    if args.phase == "first":
        seen["0"] = read(loader)
        seen["1"] = read(loader, limit=args.stop_after)
        checkpointer.save_checkpoint(end_of_epoch=False)
    else:
        checkpointer.recover_if_possible()
        epoch = stream.epoch
        seen[str(epoch)] = read(loader)
    with open(os.path.join(args.out, f"{args.phase}_rank{rank}.json"),
              "w") as f:
        json.dump({"seen": seen, "len": len(loader),
                   "state": stream.state_dict()}, f)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
