"""The learning-rate schedule of Pengi training: linear warm-up, then cosine.

Example
-------
>>> sched = WarmupCosineScheduler(lr=1.0, warmup_steps=2, total_steps=6)
>>> [round(sched.calculate_lr(s), 3) for s in range(1, 7)]
[0.5, 1.0, 0.854, 0.5, 0.146, 0.0]

Authors
 * pengi-sb developers 2026
"""

import math

import torch
from speechbrain.utils import checkpoints

__all__ = ["WarmupCosineScheduler"]


@checkpoints.register_checkpoint_hooks
class WarmupCosineScheduler:
    """Linear warm-up to ``lr``, then cosine decay to ``min_lr``, per step.

    Called once per optimizer step, before it (``scheduler(optimizer)``
    sets the learning rate of the coming step ``n``):
    ``lr * n / warmup_steps`` for ``n <= warmup_steps``, then
    ``min_lr + (lr - min_lr) * (1 + cos(pi * p)) / 2`` with
    ``p = (n - warmup_steps) / (total_steps - warmup_steps)`` (clipped to 1).

    Arguments
    ---------
    lr : float
        Peak learning rate.
    warmup_steps : int
        Steps of linear warm-up.
    total_steps : int, optional
        Steps at which the cosine reaches ``min_lr``; ``None`` lets
        :class:`PengiBrain` set it from the epoch length and the number of
        epochs when training starts.
    min_lr : float
        Final learning rate.
    """

    def __init__(self, lr, warmup_steps, total_steps=None, min_lr=0.0):
        if lr <= 0 or warmup_steps < 0 or min_lr < 0 or min_lr > lr:
            raise ValueError(
                f"need lr > 0, warmup_steps >= 0, 0 <= min_lr <= lr "
                f"(got lr={lr}, warmup_steps={warmup_steps}, min_lr={min_lr})"
            )
        self.lr = float(lr)
        self.warmup_steps = int(warmup_steps)
        self.total_steps = None if total_steps is None else int(total_steps)
        self.min_lr = float(min_lr)
        self.n_steps = 0

    def calculate_lr(self, step):
        """Learning rate of optimizer step ``step`` (1-based)."""
        if step <= self.warmup_steps:
            return self.lr * step / max(1, self.warmup_steps)
        if self.total_steps is None:
            raise RuntimeError("WarmupCosineScheduler.total_steps is not set")
        span = max(1, self.total_steps - self.warmup_steps)
        progress = min(1.0, (step - self.warmup_steps) / span)
        cosine = 0.5 * (1.0 + math.cos(math.pi * progress))
        return self.min_lr + (self.lr - self.min_lr) * cosine

    def __call__(self, optimizer):
        """Advances one step and sets the optimizer's learning rate.

        Returns
        -------
        (float, float)
            The learning rate before and after the update.
        """
        old = optimizer.param_groups[0]["lr"]
        self.n_steps += 1
        new = self.calculate_lr(self.n_steps)
        for group in optimizer.param_groups:
            group["lr"] = new
        return old, new

    @checkpoints.mark_as_saver
    def save(self, path):
        """Saves the step count and the schedule."""
        torch.save({"n_steps": self.n_steps, "lr": self.lr,
                    "warmup_steps": self.warmup_steps,
                    "total_steps": self.total_steps,
                    "min_lr": self.min_lr}, path)

    @checkpoints.mark_as_loader
    def load(self, path, end_of_epoch=False):
        """Restores what :meth:`save` wrote."""
        del end_of_epoch
        state = torch.load(path)
        self.n_steps = int(state["n_steps"])
        self.lr = float(state["lr"])
        self.warmup_steps = int(state["warmup_steps"])
        self.total_steps = state["total_steps"]
        self.min_lr = float(state["min_lr"])
