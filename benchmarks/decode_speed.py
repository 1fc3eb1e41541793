"""Decoding speed: the original Pengi decoding vs this project's, on the CPU
or a GPU, in fp32 or half precision.

The full-size ``pengi_base`` architecture with random weights (nothing is
downloaded), 16 clips of 7 s, beam 5, max length 30, fp32 on the CPU by
default (``--device cuda --precision bf16`` for GPU rows: the model runs
under autocast, the front end and the log-probabilities in fp32, as
``Pengi.from_hparams(run_opts={"precision": ...})`` runs it, through
:mod:`pengi_sb.inference.precision`). Rows:

* ``beam5 original``: a faithful re-implementation of the original wrapper:
  all clips' audio and prompt encoded together, then each clip decoded
  alone, the whole prefix + sequence recomputed at every step (no cache)
  (:mod:`pengi_sb.decoding.reference`).
* ``beam5 ours``: the same clips through the batched, KV-cached beam search.
* ``greedy ours``, ``likelihood-50 ours``: greedy decoding, and zero-shot
  classification over the 50 ESC-50 class names by label likelihood (the
  interface's default: each label followed by the stop token).
* ``likelihood-50 no-stop ours``: the same without scoring the stop token
  (``include_stop=False``): 59 instead of 114 label positions per clip.

Each row runs in its own process, so its peak RSS (and on a GPU its peak
allocated memory) is its own. Random weights rarely emit the stop token,
so every beam runs the full 30 steps in both implementations. Usage::

    python benchmarks/decode_speed.py [--clips 16] [--json results.json]
    python benchmarks/decode_speed.py --device cuda --precision bf16

Authors
 * pengi-sb developers 2026
"""

import argparse
import json
import multiprocessing as mp
import os
import resource
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ESC50 = [
    "dog", "rooster", "pig", "cow", "frog", "cat", "hen", "insects",
    "sheep", "crow", "rain", "sea waves", "crackling fire", "crickets",
    "chirping birds", "water drops", "wind", "pouring water",
    "toilet flush", "thunderstorm", "crying baby", "sneezing", "clapping",
    "breathing", "coughing", "footsteps", "laughing", "brushing teeth",
    "snoring", "drinking sipping", "door wood knock", "mouse click",
    "keyboard typing", "door wood creaks", "can opening", "washing machine",
    "vacuum cleaner", "clock alarm", "clock tick", "glass breaking",
    "helicopter", "chainsaw", "siren", "car horn", "engine", "train",
    "church bells", "airplane", "fireworks", "hand saw",
]


def _build(seed=0):
    """Random full-size pengi_base model (eval) and GPT-2 tokenizer."""
    import torch
    from hyperpyyaml import load_hyperpyyaml

    from pengi_sb.text.tokenizers import load_tokenizer

    torch.manual_seed(seed)
    with open(os.path.join(ROOT, "pengi_sb", "hparams",
                           "pengi_base.yaml")) as f:
        hparams = load_hyperpyyaml(f)
    return hparams, hparams["model"].eval(), load_tokenizer("gpt2")


def _prefixes(model, wavs, prompt_ids, prompt_mask):
    """The wrapper's step: audio + prompt prefixes of all clips at once."""
    import torch

    audio = model.audio_prefix(model.encode_audio(wavs))
    prompt = model.prompt_prefix(model.encode_prompt(prompt_ids, prompt_mask))
    return torch.cat([audio, prompt], dim=1)


def _sync(device):
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize(device)


def _job(row, n_clips, beam, max_len, threads, queue, device="cpu",
         precision="fp32"):
    import torch

    from pengi_sb.decoding.search import beam_search, greedy_search
    from pengi_sb.inference import Pengi
    from pengi_sb.inference.precision import autocast_context
    from pengi_sb.decoding.reference import original_beam_search

    torch.set_num_threads(threads)
    hparams, model, tok = _build()
    model.to(device)
    g = torch.Generator().manual_seed(1)
    wavs = (0.1 * torch.randn(n_clips, 7 * 44100, generator=g)).to(device)
    ids = torch.full((n_clips, 40), 49407, dtype=torch.long)
    ids[:, :5] = torch.tensor([49406, 16896, 5766, 11327, 49407])
    ids = ids.to(device)
    mask = (torch.arange(40) < 5).long().expand(n_clips, -1).to(device)
    stop = tok.stop_token_id
    if device.startswith("cuda"):  # warm-up: CUDA context and kernels
        with torch.inference_mode(), autocast_context(device, precision):
            _prefixes(model, wavs[:1], ids[:1], mask[:1])
        _sync(device)
        torch.cuda.reset_peak_memory_stats(device)
    with torch.inference_mode(), autocast_context(device, precision):
        start = time.perf_counter()
        if row == "beam5 original":
            prefix = _prefixes(model, wavs, ids, mask)
            for b in range(n_clips):
                original_beam_search(model.prefix_lm, prefix[b], beam,
                                     max_len, 1.0, stop)
        elif row == "beam5 ours":
            prefix = _prefixes(model, wavs, ids, mask)
            beam_search(model.prefix_lm, prefix, beam, max_len, 1.0, stop)
        elif row == "greedy ours":
            prefix = _prefixes(model, wavs, ids, mask)
            greedy_search(model.prefix_lm, prefix, max_len, stop)
        elif row.startswith("likelihood-50"):
            # the interface's own path: embed, prefix, score every label
            pengi = Pengi(modules=hparams["modules"], hparams=hparams,
                          run_opts={"device": device,
                                    "precision": precision})
            pengi._tokenizers["decoder"] = tok
            pengi._prompt_prefixes["this is a sound of"] = \
                model.prompt_prefix(model.encode_prompt(ids[:1], mask[:1]))[0]
            pengi._classify(pengi._embed(list(wavs)), ESC50,
                            "this is a sound of",
                            include_stop="no-stop" not in row)
        _sync(device)
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    result = {"row": row, "clips": n_clips, "seconds": seconds,
              "clips_per_s": n_clips / seconds, "peak_rss_gib": peak,
              "device": device, "precision": precision}
    if device.startswith("cuda"):
        result["peak_gpu_gib"] = torch.cuda.max_memory_allocated(device) \
            / 2**30
    queue.put(result)


def measure(row, n_clips, beam=5, max_len=30, threads=None, device="cpu",
            precision="fp32"):
    """Runs one row in a fresh process; returns its result dict."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_job, args=(row, n_clips, beam, max_len,
                                          threads or os.cpu_count(), queue,
                                          device, precision))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=16)
    parser.add_argument("--original-clips", type=int, default=None,
                        help="clips for the original row (default --clips; "
                        "its clips/s is a per-clip rate either way)")
    parser.add_argument("--rows", nargs="+", default=[
        "beam5 original", "beam5 ours", "greedy ours", "likelihood-50 ours",
        "likelihood-50 no-stop ours"])
    parser.add_argument("--device", default="cpu",
                        help="cpu, cuda, cuda:1, mps (default: cpu)")
    parser.add_argument("--precision", default="fp32",
                        choices=("fp32", "bf16", "fp16"),
                        help="autocast dtype of the model (default: fp32)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    if args.device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            parser.error(f"--device {args.device}: CUDA is not available "
                         "on this machine")
    results = []
    for row in args.rows:
        n = args.original_clips if row.endswith("original") and \
            args.original_clips else args.clips
        res = measure(row, n, device=args.device, precision=args.precision)
        results.append(res)
        print(f"  {row}: {res['clips_per_s']:.3f} clips/s", file=sys.stderr)
    by_row = {r["row"]: r for r in results}
    speedup = None
    if "beam5 original" in by_row and "beam5 ours" in by_row:
        speedup = (by_row["beam5 ours"]["clips_per_s"]
                   / by_row["beam5 original"]["clips_per_s"])
    where = (f"{os.cpu_count()} CPU threads" if args.device == "cpu" else
             args.device)
    print(f"\nfull-size pengi_base, random weights, 7 s clips, "
          f"{args.precision}, {where}")
    gpu = "peak_gpu_gib" in results[0]
    print(f"{'row':28s} {'clips':>5s} {'seconds':>9s} {'clips/s':>9s} "
          f"{'peak RSS GiB':>13s}" + (f" {'peak GPU GiB':>13s}" if gpu
                                       else ""))
    for r in results:
        print(f"{r['row']:28s} {r['clips']:5d} {r['seconds']:9.2f} "
              f"{r['clips_per_s']:9.3f} {r['peak_rss_gib']:13.2f}"
              + (f" {r['peak_gpu_gib']:13.2f}" if gpu else ""))
    if speedup:
        print(f"speedup beam5 (ours / original): {speedup:.1f}x")
    if args.json:
        ours = by_row.get("beam5 ours", results[0])
        with open(args.json, "w") as f:
            json.dump({"rows": results, "speedup_beam5": speedup,
                       "device": args.device, "precision": args.precision,
                       "peak_rss_gib": ours["peak_rss_gib"]}, f, indent=1)


if __name__ == "__main__":
    main()
