"""Runs the Pretrain recipe (``recipes/Pretrain/train.py``) and writes
what the integration tests check to
``<output_folder>/result_rank<R>.json``: the rank, hashes of the trained
parameters and buffers, where training resumed, the optimizer and
scheduler step counts and the stage statistics.

Usage: the recipe's own command line (``python run_pretrain.py
hparams.yaml --key value ...``), also under ``torchrun``.

With ``PENGI_TEST_HOLD_AFTER_STEP=N`` in the environment, the run stops
still (sleeps) right after the first intra-epoch checkpoint saved at or
after optimizer step N, so that a test can kill it there: without the
hold, a fast machine finishes before the test's kill lands.
"""

import hashlib
import importlib.util
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def parameter_hash(module):
    """SHA-256 over every parameter (name, then bytes), in name order."""
    digest = hashlib.sha256()
    for name, param in sorted(module.named_parameters()):
        digest.update(name.encode())
        digest.update(param.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def buffer_hash(module):
    """SHA-256 over every buffer (BatchNorm statistics...), in name order."""
    digest = hashlib.sha256()
    for name, buffer in sorted(module.named_buffers()):
        digest.update(name.encode())
        digest.update(buffer.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def hold_after_checkpoint(brain_class, min_optimizer_step):
    """Makes ``brain_class`` sleep after saving an intra-epoch checkpoint
    at ``min_optimizer_step`` or later (until it is killed)."""
    save = brain_class._save_intra_epoch_ckpt

    def save_then_hold(self):
        save(self)
        if self.optimizer_step >= min_optimizer_step:
            print(f"holding after optimizer step {self.optimizer_step}",
                  file=sys.stderr, flush=True)
            while True:
                time.sleep(60)

    brain_class._save_intra_epoch_ckpt = save_then_hold


def main():
    hold = os.environ.get("PENGI_TEST_HOLD_AFTER_STEP")
    if hold:
        from pengi_sb.training.brain import PengiBrain
        hold_after_checkpoint(PengiBrain, int(hold))
    spec = importlib.util.spec_from_file_location(
        "pretrain_train", os.path.join(ROOT, "recipes", "Pretrain",
                                       "train.py"))
    recipe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recipe)
    brain = recipe.main(sys.argv[1:])
    rank = int(os.environ.get("RANK", "0"))
    result = {
        "rank": rank,
        "param_hash": parameter_hash(brain.model),
        "buffer_hash": buffer_hash(brain.model),
        "resumed_at": brain.resumed_at,
        "optimizer_step": brain.optimizer_step,
        "scheduler_step": brain.hparams.lr_annealing.n_steps,
        "stage_stats": {stage.name: stats
                        for stage, stats in brain.stage_stats.items()},
    }
    path = os.path.join(brain.hparams.output_folder,
                        f"result_rank{rank}.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
