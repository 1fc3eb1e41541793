"""Long recordings: speed and peak memory of ``Pengi.timeline_file`` and
``Pengi.caption_file`` on a 1-minute and a 1-hour file.

The model is ``pengi_small`` (4 s windows at 16 kHz, 6.9M parameters at
its usual vocabulary) with random weights and a SentencePiece vocabulary
learnt from the task prompts: nothing is downloaded, and random weights
cost what trained ones do. The recordings are synthetic 44.1 kHz mono
16-bit WAV files (a gliding tone plus noise), written 60 s at a time.

Rows (each measurement runs in its own process, so that its peak RSS,
``resource.getrusage(RUSAGE_SELF).ru_maxrss``, is its own):

* ``timeline``: ``timeline_file(path, task="caption")``: every window (4 s,
  hop 2 s) captioned by beam search (beam 3, at most ``--max-len`` tokens;
  random weights rarely stop early, so every window costs the same).
* ``caption_file``: ``caption_file(path)``: the embeddings of the same
  windows averaged (``window_mode="mean"``), then one caption.

``windows/s`` counts model windows per second of wall time of the call
(model loading excluded). ``RSS after load`` is the process before the
call, ``peak RSS`` its maximum during the whole process. The check at the
end compares each row's peak RSS on the hour with the minute's: it must
stay within 10%. Usage::

    python benchmarks/long_audio.py [--minutes 1 60] [--max-len 10]
        [--threads 1] [--json results.json]

Authors
 * pengi-sb developers 2026
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

RATE = 44100
CHUNK_SECONDS = 60
MEASUREMENTS = ("timeline", "caption_file")
TOLERANCE = 0.10


def write_recording(path, seconds, seed=0):
    """A ``seconds`` long 44.1 kHz mono WAV, written a minute at a time."""
    import numpy as np
    import soundfile

    rng = np.random.default_rng(seed)
    with soundfile.SoundFile(path, "w", RATE, 1, subtype="PCM_16") as f:
        for start in range(0, int(seconds), CHUNK_SECONDS):
            n = int(min(CHUNK_SECONDS, seconds - start) * RATE)
            t = start + np.arange(n) / RATE
            freq = 300 + 200 * np.sin(2 * np.pi * t / 37.0)
            phase = 2 * np.pi * np.cumsum(freq) / RATE
            wave = 0.3 * np.sin(phase) + 0.03 * rng.standard_normal(n)
            f.write(wave.astype(np.float32))
    return path


def build_model(folder):
    """pengi_small with random weights, exported as a pretrained folder."""
    import torch
    from hyperpyyaml import load_hyperpyyaml

    from pengi_sb.convert import HPARAMS_DIR
    from pengi_sb.data.pipeline import train_tokenizer
    from pengi_sb.tasks import TEMPLATES
    from pengi_sb.training.export import export_pretrained

    torch.manual_seed(0)
    texts = [t.prompt for t in TEMPLATES.values()] + [
        "a dog barks while rain falls on a roof",
        "a man speaks and a car passes by in the street",
        "birds sing in a forest with wind in the trees",
        "music with drums and a piano in a small room",
    ]
    spm = train_tokenizer(texts * 4, os.path.join(folder, "tok"), 64)
    small = os.path.join(HPARAMS_DIR, "pengi_small.yaml")
    overrides = {"vocab_size": 64, "prompt_tokenizer_source": spm,
                 "decoder_tokenizer_source": spm}
    with open(small, encoding="utf-8") as f:
        arch = load_hyperpyyaml(f, overrides)
    return export_pretrained(os.path.join(folder, "model"), small,
                             arch["modules"], overrides, model_key=None,
                             tokenizer_file=spm)


def count_windows(seconds, window_seconds, hop_seconds):
    """Model windows of a ``seconds`` long file (``window_mode="mean"``)."""
    if seconds <= window_seconds:
        return 1
    starts = int((seconds - window_seconds) // hop_seconds) + 1
    covered = (starts - 1) * hop_seconds + window_seconds
    return starts + (1 if covered < seconds - 1e-9 else 0)


def child(measurement, path, model, max_len, threads):
    """One measurement in this process; prints its row as JSON."""
    import torch

    torch.set_num_threads(threads)
    from pengi_sb.data.long_audio import audio_seconds
    from pengi_sb.inference import Pengi

    pengi = Pengi.from_hparams(source=model, savedir=model)
    options = {"max_len": max_len, "beam_size": 3}
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if measurement == "timeline":
        segments = pengi.timeline_file(path, task="caption", **options)
        windows = sum(s.windows for s in segments)
    else:
        pengi.caption_file(path, **options)
        clip = float(pengi.hparams.clip_seconds)
        windows = count_windows(audio_seconds(path), clip, clip / 2)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "measurement": measurement, "file_seconds": audio_seconds(path),
        "windows": windows, "seconds": round(seconds, 2),
        "windows_per_s": round(windows / seconds, 1),
        "rss_after_load_mb": round(loaded / 1024, 1),
        "peak_rss_mb": round(peak / 1024, 1)}))


def run_child(measurement, path, model, args):
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads),
               TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1")
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", measurement,
         path, model, "--max-len", str(args.max_len), "--threads",
         str(args.threads)],
        env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{measurement} on {path} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(rows):
    """Markdown table of the rows and the memory check."""
    lines = ["| measurement | file | windows | seconds | windows/s | "
             "RSS after load (MB) | peak RSS (MB) |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(
            f"| {r['measurement']} | {r['file_seconds'] / 60:g} min | "
            f"{r['windows']} | {r['seconds']} | {r['windows_per_s']} | "
            f"{r['rss_after_load_mb']} | {r['peak_rss_mb']} |")
    verdicts = []
    for m in MEASUREMENTS:
        mine = sorted((r for r in rows if r["measurement"] == m),
                      key=lambda r: r["file_seconds"])
        if len(mine) < 2:
            continue
        short, long = mine[0], mine[-1]
        growth = long["peak_rss_mb"] / short["peak_rss_mb"] - 1
        ok = growth <= TOLERANCE
        verdicts.append((m, growth, ok))
        lines.append("")
        lines.append(
            f"{m}: peak RSS {long['file_seconds'] / 60:g} min vs "
            f"{short['file_seconds'] / 60:g} min: {growth:+.1%} "
            f"({'within' if ok else 'OVER'} {TOLERANCE:.0%})")
    return "\n".join(lines), verdicts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1, 60],
                        help="recording lengths (default: 1 and 60)")
    parser.add_argument("--max-len", type=int, default=10,
                        help="most tokens per caption (default: 10)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads per measurement (default: 1)")
    parser.add_argument("--json", default=None, help="also write the rows")
    parser.add_argument("--child", nargs=3, default=None,
                        metavar=("MEASUREMENT", "FILE", "MODEL"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child, max_len=args.max_len, threads=args.threads)
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        model = build_model(tmp)
        for minutes in args.minutes:
            path = write_recording(os.path.join(tmp, f"{minutes:g}min.wav"),
                                   minutes * 60)
            for measurement in MEASUREMENTS:
                row = run_child(measurement, path, model, args)
                print(json.dumps(row), file=sys.stderr)
                rows.append(row)
            os.remove(path)
    text, verdicts = table(rows)
    print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=1)
    return 0 if all(ok for _, _, ok in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
