"""Command line: ``pengi-sb caption|answer|classify|describe|generate FILES``.

::

    pengi-sb caption clips/*.wav --source pretrained/pengi_base
    pengi-sb answer a.wav b.wav --prompt "is someone speaking?"
    pengi-sb classify *.wav --labels dog rain "car horn" --output out.csv
    pengi-sb generate a.wav --prompt "generate metadata" --method greedy

Files are processed in batches (``--batch-size``) with a progress bar. A file
that cannot be read (missing, empty, corrupt, not audio) is reported on
stderr and in the output (``error`` column) and skipped; the other files
still run. The exit code is 0 when every file succeeded, 1 when some were
skipped, 2 on a usage error.

Authors
 * pengi-sb developers 2026
"""

import argparse
import csv
import json
import sys

from tqdm import tqdm

from pengi_sb.data.audio import AudioError

COMMANDS = ("caption", "answer", "classify", "describe", "generate")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="pengi-sb",
        description="Pengi: audio + text prompt -> text, on audio files.")
    parser.add_argument("command", choices=COMMANDS)
    parser.add_argument("files", nargs="+", help="audio files")
    parser.add_argument("--source", default="pretrained/pengi_base",
                        help="pretrained folder or Hugging Face repo")
    parser.add_argument("--savedir", default=None,
                        help="where to keep fetched files (default: source)")
    parser.add_argument("--prompt", default=None,
                        help="question (answer), prompt (generate, classify)")
    parser.add_argument("--labels", nargs="+", default=None,
                        help="candidate labels (classify)")
    parser.add_argument("--labels-file", default=None,
                        help="JSON list or one label per line (classify)")
    parser.add_argument("--method", default=None,
                        help="beam|greedy|sample (generation) or "
                        "likelihood|text (classify)")
    parser.add_argument("--top-k", type=int, default=None,
                        help="classify: labels to return per file")
    parser.add_argument("--beam-size", type=int, default=3)
    parser.add_argument("--max-len", type=int, default=30)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--window-mode", default="mean",
                        choices=("mean", "first", "centre"))
    parser.add_argument("--output", default=None,
                        help="results.jsonl or results.csv (default: stdout "
                        "as JSON lines)")
    return parser


def _labels(args):
    if args.labels_file:
        with open(args.labels_file, encoding="utf-8") as f:
            text = f.read()
        try:
            return list(json.loads(text))
        except json.JSONDecodeError:
            return [line.strip() for line in text.splitlines() if line.strip()]
    return args.labels


def _run_batch(pengi, args, paths):
    """Results (dicts) for readable files of one batch."""
    gen = {"max_len": args.max_len, "temperature": args.temperature,
           "beam_size": args.beam_size}
    if args.method and args.command != "classify":
        gen["method"] = args.method
    if args.command == "caption":
        out = pengi.caption_files(paths, **gen)
        return [{"text": r.text, "score": r.score} for r in out]
    if args.command == "answer":
        out = pengi.answer_files(paths, args.prompt, **gen)
        return [{"text": r.text, "score": r.score} for r in out]
    if args.command == "generate":
        out = pengi.generate_files(paths, args.prompt, **gen)
        return [{"text": r.text, "score": r.score} for r in out]
    if args.command == "describe":
        return [{"text": t} for t in pengi.describe_files(paths, **gen)]
    opts = {"method": args.method or "likelihood", "top_k": args.top_k}
    if opts["method"] == "text":
        opts.update(gen)
    out = pengi.classify_files(paths, _labels(args),
                               args.prompt or "this is a sound of", **opts)
    return [{"label": r.predicted[0] if r.predicted else None,
             "predicted": r.predicted, "ranking": r.labels[:10],
             "scores": [round(s, 5) for s in r.scores[:10]]} for r in out]


def _readable(pengi, paths):
    """Splits paths into loadable ones and ``{path: error}``."""
    good, bad = [], {}
    for path in paths:
        try:
            pengi.load_audio(path)
            good.append(path)
        except AudioError as err:
            bad[path] = str(err)
    return good, bad


def run(args, pengi=None, stream=None):
    """Runs a parsed command; returns (rows, number of failed files)."""
    if args.command in ("answer", "generate") and not args.prompt:
        raise SystemExit(f"pengi-sb {args.command}: --prompt is required")
    if args.command == "classify" and not _labels(args):
        raise SystemExit("pengi-sb classify: --labels or --labels-file is "
                         "required")
    if pengi is None:
        from pengi_sb.inference import Pengi

        pengi = Pengi.from_hparams(
            source=args.source, savedir=args.savedir or args.source,
            run_opts={"device": args.device}, window_mode=args.window_mode)
    rows, failed = [], 0
    bar = tqdm(total=len(args.files), unit="file", file=sys.stderr)
    for start in range(0, len(args.files), args.batch_size):
        batch = args.files[start:start + args.batch_size]
        good, bad = _readable(pengi, batch)
        results = dict(zip(good, _run_batch(pengi, args, good))) if good \
            else {}
        for path in batch:
            if path in bad:
                failed += 1
                print(f"pengi-sb: skipped {path}: {bad[path]}",
                      file=sys.stderr)
                rows.append({"file": path, "error": bad[path]})
            else:
                rows.append({"file": path, **results[path]})
        bar.update(len(batch))
    bar.close()
    _write(rows, args.output, stream or sys.stdout)
    return rows, failed


def _write(rows, output, stream):
    if output and output.endswith(".csv"):
        columns = ["file"] + sorted({k for r in rows for k in r} - {"file"})
        with open(output, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: json.dumps(v) if isinstance(v, list) else v
                                 for k, v in row.items()})
        return
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(lines)
    else:
        stream.write(lines)


def main(argv=None):
    args = build_parser().parse_args(argv)
    _, failed = run(args)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
