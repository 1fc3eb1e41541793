"""Training speed of the full-size Pengi on the CPU: one training step.

The ``pengi_base`` release architecture with random weights
(``pengi_sb/hparams/pengi_base.yaml``, nothing downloaded), GPT-2 and the CLIP
text model frozen as in the paper, batch 4 (7 s clips at 44.1 kHz, the 40-token
prompt the release pads to, 24 target tokens), fp32. A step is
``PengiBrain.fit_batch``: forward, target-only cross-entropy, backward,
gradient clipping and the AdamW update of the 134.5M trainable parameters.

Reported: samples/s (median step time of ``--steps`` steps after one
warm-up step), the process's peak RSS, the FLOPs of one step (forward and
backward, counted by ``torch.utils.flop_counter``: matrix products,
convolutions and attention; element-wise work is not counted) and the
achieved FLOP/s as a fraction of this machine's fp32 matmul peak, measured
in the same process with ``torch.matmul`` of 2048 x 2048 matrices. Usage::

    python benchmarks/train_speed.py [--batch 4] [--steps 3] [--json out.json]

Authors
 * pengi-sb developers 2026
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def matmul_peak(n=2048, repeats=10):
    """Best fp32 FLOP/s of an ``n x n`` matrix product on this machine."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.matmul(a, b)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best


def build_brain(batch_size, seed=0):
    """A PengiBrain over a random pengi_base, and a synthetic batch."""
    from hyperpyyaml import load_hyperpyyaml

    from pengi_sb.training.brain import PengiBrain
    from pengi_sb.training.scheduler import WarmupCosineScheduler
    from pengi_sb.data.pipeline import PengiBatch

    torch.manual_seed(seed)
    with open(os.path.join(ROOT, "pengi_sb", "hparams",
                           "pengi_base.yaml")) as f:
        hparams = load_hyperpyyaml(f)
    model = hparams["model"]
    brain = PengiBrain(
        modules={"model": model},
        opt_class=lambda params: torch.optim.AdamW(params, lr=1e-4),
        hparams={"lr_annealing": WarmupCosineScheduler(1e-4, 10, 1000)},
        run_opts={"device": "cpu", "max_grad_norm": 1.0,
                  "noprogressbar": True},
    )
    brain.init_optimizers()
    brain.modules.train()
    samples = int(round(hparams["sample_rate"] * hparams["clip_seconds"]))
    prompt_len, target_len = hparams["prompt_max_length"], 24
    vocab = hparams["gpt2_config"]["vocab_size"]
    prompt_ids = torch.full((batch_size, prompt_len), 49407)  # CLIP eot
    prompt_ids[:, 0] = 49406  # CLIP sot
    prompt_ids[:, 1:4] = torch.randint(1000, 40000, (batch_size, 3))
    prompt_mask = (torch.arange(prompt_len) < 5).long().expand(
        batch_size, -1).clone()
    batch = PengiBatch(
        ids=[str(i) for i in range(batch_size)],
        wav=0.1 * torch.randn(batch_size, samples),
        wav_owner=torch.arange(batch_size),
        prompt_ids=prompt_ids, prompt_mask=prompt_mask,
        target_ids=torch.randint(0, vocab, (batch_size, target_len)),
        target_mask=torch.ones(batch_size, target_len, dtype=torch.long),
    )
    return brain, model, batch


def step_flops(brain, batch):
    """FLOPs of one training step (forward + backward)."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        brain.fit_batch(batch)
    return counter.get_total_flops()


def measure(batch_size=4, steps=3):
    """Runs the benchmark; returns a dict of results."""
    peak = matmul_peak()
    brain, model, batch = build_brain(batch_size)
    brain.fit_batch(batch)  # warm-up
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        loss = brain.fit_batch(batch)
        times.append(time.perf_counter() - start)
    flops = step_flops(brain, batch)
    step = statistics.median(times)
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {
        "batch": batch_size,
        "steps": steps,
        "parameters_total_M": total / 1e6,
        "parameters_trainable_M": trainable / 1e6,
        "step_times_s": times,
        "step_time_s": step,
        "samples_per_s": batch_size / step,
        "flops_per_step_G": flops / 1e9,
        "achieved_gflops": flops / step / 1e9,
        "matmul_peak_gflops": peak / 1e9,
        "fraction_of_peak": flops / step / peak,
        "peak_rss_GiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        / 1024**2,
        "loss": float(loss),
        "torch_threads": torch.get_num_threads(),
        "load_average_1min": os.getloadavg()[0],
        "torch": torch.__version__,
    }


def table(r):
    """The results as a markdown table."""
    rows = [
        ("parameters (trainable / total)",
         f"{r['parameters_trainable_M']:.1f}M / "
         f"{r['parameters_total_M']:.1f}M"),
        (f"step time, median of {r['steps']} (s)",
         f"{r['step_time_s']:.2f}  ("
         + ", ".join(f"{t:.2f}" for t in r["step_times_s"]) + ")"),
        ("samples/s", f"{r['samples_per_s']:.3f}"),
        ("FLOPs per step, fwd + bwd (GFLOP)", f"{r['flops_per_step_G']:.0f}"),
        ("achieved (GFLOP/s)", f"{r['achieved_gflops']:.1f}"),
        ("fp32 matmul peak, 2048^3 (GFLOP/s)",
         f"{r['matmul_peak_gflops']:.1f}"),
        ("fraction of matmul peak", f"{100 * r['fraction_of_peak']:.1f} %"),
        ("peak RSS (GiB)", f"{r['peak_rss_GiB']:.2f}"),
        ("torch threads / 1-min load average",
         f"{r['torch_threads']} / {r['load_average_1min']:.2f}"),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"pengi_base, one training step, batch {r['batch']}, fp32, "
             "GPT-2 + CLIP frozen",
             f"| {'metric'.ljust(width)} | value |",
             f"| {'-' * width} | ----- |"]
    lines += [f"| {name.ljust(width)} | {value} |" for name, value in rows]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--json", default=None, help="write results here")
    args = parser.parse_args(argv)
    result = measure(args.batch, args.steps)
    print(table(result))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
