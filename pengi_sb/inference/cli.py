"""Command line: ``pengi-sb SUBCOMMAND FILES ...``, one subcommand per task.

::

    pengi-sb caption clips/*.wav --source pretrained/pengi_base
    pengi-sb answer a.wav b.wav --question "is someone speaking?"
    pengi-sb classify *.wav --labels dog rain "car horn" --output out.csv
    pengi-sb generate a.wav --prompt "generate metadata" --method greedy
    pengi-sb continue a.wav --prompt "generate audio caption" --text "a dog"
    pengi-sb describe a.wav
    pengi-sb embed *.wav --output embeddings.jsonl
    pengi-sb retrieve *.wav --texts "a dog barks" "rain on a roof"
    pengi-sb timeline field.flac --task caption --output field.srt
    pengi-sb serve --source pretrained/pengi_base      # the web page
    find clips -name '*.wav' | pengi-sb caption --files-from - --output c.jsonl

``--source`` (a pretrained folder or a Hugging Face repo ``owner/name``)
is required unless ``PENGI_SOURCE`` is set. ``--device auto`` (the default)
takes CUDA, then Apple's MPS, then the CPU; ``--precision bf16|fp16`` runs
the model under autocast (the front end and log-probabilities stay fp32).

Each file is read once. Files run in batches (``--batch-size``) and the
rows of a batch are written (JSON lines, flushed; or CSV when ``--output``
ends in ``.csv``) as soon as it finishes, so an interrupted run keeps what
it did and ``--resume`` runs only the files not yet in ``--output``. A file
that cannot be read, or a batch that fails (e.g. a prompt too long for the
context), is reported on stderr and in the output's ``error`` column; the
other files still run. Exit codes: 0 every file done, 1 some files skipped,
2 usage error, 130 interrupted.

Adding a subcommand is one function that registers its parser
(``add_<name>(subparsers)``, setting ``handler``) plus its name in
:data:`SUBCOMMANDS`.

Authors
 * pengi-sb developers 2026
"""

import argparse
import csv
import json
import os
import sys

from pengi_sb import __version__
from pengi_sb.inference.loading import (
    UsageError,
    add_model_options,
    load_model,
)

# torch, tqdm and the model are imported where they are used, so that
# ``--help`` and usage errors answer at once

EXIT_OK, EXIT_SKIPPED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


# ------------------------------------------------------------ shared options
def _add_file_options(parser):
    """Inputs, batching and output of the per-file subcommands."""
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="audio files (wav, flac, ogg, mp3...)")
    group = parser.add_argument_group("input and output")
    group.add_argument("--files-from", metavar="LIST", default=None,
                       help="read file paths from LIST, one per line "
                       "('-': standard input)")
    group.add_argument("--batch-size", type=int, default=8,
                       help="files decoded together (default: 8)")
    group.add_argument("--output", "-o", default=None,
                       help="results.jsonl or results.csv (default: JSON "
                       "lines on standard output)")
    group.add_argument("--resume", action="store_true",
                       help="keep the rows already in --output and run only "
                       "the files missing there (or that failed)")
    add_model_options(parser)


def _add_generation_options(parser, method=True):
    group = parser.add_argument_group("decoding")
    if method:
        group.add_argument("--method", default="beam",
                           choices=("beam", "greedy", "sample"),
                           help="decoding (default: beam)")
    group.add_argument("--beam-size", type=int, default=3,
                       help="beams of --method beam (default: 3)")
    group.add_argument("--max-len", type=int, default=30,
                       help="most generated tokens (default: 30)")
    group.add_argument("--temperature", type=float, default=1.0,
                       help="divides the logits (default: 1.0)")
    group.add_argument("--seed", type=int, default=None,
                       help="random seed of --method sample")


def _generation(args, method_key="method"):
    """Decoding keyword arguments of the ``Pengi`` methods."""
    options = {"max_len": args.max_len, "beam_size": args.beam_size,
               "temperature": args.temperature, "seed": args.seed}
    if method_key == "method":
        options["method"] = args.method
    return options


def _subparser(subparsers, name, summary, examples):
    """A subcommand's parser whose ``--help`` ends with ``examples``."""
    return subparsers.add_parser(
        name, help=summary, description=summary,
        epilog="example:\n" + "\n".join(f"  {e}" for e in examples),
        formatter_class=argparse.RawDescriptionHelpFormatter)


def _text_rows(results):
    return [{"text": r.text, "score": round(r.score, 5)} for r in results]


# --------------------------------------------------------------- subcommands
# Each task function maps one batch (wavs [B, T], wav_lens [B]) to B rows.
def _caption(pengi, args, wavs, lens):
    return _text_rows(pengi.caption_batch(wavs, wav_lens=lens,
                                         **_generation(args)))


def add_caption(subparsers):
    """``pengi-sb caption``: one caption per file."""
    p = _subparser(subparsers, "caption", "caption each audio file",
                   ["pengi-sb caption dog.wav rain.flac --source "
                    "pretrained/pengi_base"])
    _add_file_options(p)
    _add_generation_options(p)
    p.set_defaults(handler=run_files, task=_caption,
                   columns=("text", "score"))


def _answer(pengi, args, wavs, lens):
    return _text_rows(pengi.answer_batch(
        wavs, wav_lens=lens, question=args.question, **_generation(args)))


def add_answer(subparsers):
    """``pengi-sb answer``: an answer to one question about each file."""
    p = _subparser(subparsers, "answer", "answer a question about each file",
                   ['pengi-sb answer street.wav --question "is it raining?"'])
    p.add_argument("--question", "--prompt", dest="question", required=True,
                   help="the question asked about every file")
    _add_file_options(p)
    _add_generation_options(p)
    p.set_defaults(handler=run_files, task=_answer, columns=("text", "score"))


def _generate(pengi, args, wavs, lens):
    prompts = [args.prompt] * wavs.shape[0]
    return _text_rows(pengi.generate_batch(
        wavs, wav_lens=lens, prompts=prompts, **_generation(args)))


def add_generate(subparsers):
    """``pengi-sb generate``: free-prompt generation."""
    p = _subparser(subparsers, "generate", "generate text for a free prompt",
                   ['pengi-sb generate a.wav --prompt "generate metadata" '
                    "--method greedy"])
    p.add_argument("--prompt", required=True,
                   help="the prompt, e.g. 'generate audio caption'")
    _add_file_options(p)
    _add_generation_options(p)
    p.set_defaults(handler=run_files, task=_generate,
                   columns=("text", "score"))


def _continue(pengi, args, wavs, lens):
    texts = [args.text] * wavs.shape[0]
    return _text_rows(pengi.continue_text_batch(
        wavs, wav_lens=lens, prompt=args.prompt, texts=texts,
        **_generation(args)))


def add_continue(subparsers):
    """``pengi-sb continue``: audio-grounded continuation of a text."""
    p = _subparser(subparsers, "continue",
                   "continue a text, grounded in each file",
                   ['pengi-sb continue a.wav --prompt "generate audio caption"'
                    ' --text "a dog"'])
    p.add_argument("--text", required=True, help="the text to continue")
    p.add_argument("--prompt", default="generate audio caption",
                   help="the task prompt before the text (default: "
                   "'generate audio caption')")
    _add_file_options(p)
    _add_generation_options(p)
    p.set_defaults(handler=run_files, task=_continue,
                   columns=("text", "score"))


def _describe(pengi, args, wavs, lens):
    return [{"text": t}
            for t in pengi.describe_batch(wavs, wav_lens=lens,
                                           **_generation(args))]


def add_describe(subparsers):
    """``pengi-sb describe``: the original's three-prompt summary."""
    p = _subparser(subparsers, "describe",
                   "caption, metadata and sound events of each file in one "
                   "text", ["pengi-sb describe a.wav"])
    _add_file_options(p)
    _add_generation_options(p)
    p.set_defaults(handler=run_files, task=_describe, columns=("text",))


def _labels(args):
    if args.labels_file:
        try:
            with open(args.labels_file, encoding="utf-8") as f:
                text = f.read()
        except OSError as err:
            raise UsageError(f"--labels-file: {err}") from None
        try:
            return [str(label) for label in json.loads(text)]
        except (json.JSONDecodeError, TypeError):
            return [line.strip() for line in text.splitlines() if line.strip()]
    return args.labels


def _classify(pengi, args, wavs, lens):
    options = {"method": args.method, "top_k": args.top_k,
               "threshold": args.threshold}
    if args.method == "text":
        options.update(_generation(args, method_key=None),
                       search=args.search)
    out = pengi.classify_batch(wavs, wav_lens=lens, labels=args.label_list,
                               prompt=args.prompt, **options)
    return [{"label": r.predicted[0] if r.predicted else None,
             "predicted": r.predicted, "ranking": r.labels[:10],
             "scores": [round(s, 5) for s in r.scores[:10]]} for r in out]


def add_classify(subparsers):
    """``pengi-sb classify``: zero-shot classification among labels."""
    p = _subparser(subparsers, "classify",
                   "rank candidate labels for each file (zero-shot)",
                   ['pengi-sb classify *.wav --labels dog rain "car horn" '
                    "--output out.csv",
                    "pengi-sb classify *.wav --labels-file labels.txt "
                    "--top-k 3"])
    labels = p.add_mutually_exclusive_group(required=True)
    labels.add_argument("--labels", nargs="+", help="candidate labels")
    labels.add_argument("--labels-file", metavar="FILE",
                        help="JSON list, or one label per line")
    p.add_argument("--prompt", default="this is a sound of",
                   help="the prompt the labels continue (default: "
                   "'this is a sound of')")
    p.add_argument("--method", default="likelihood",
                   choices=("likelihood", "text"),
                   help="likelihood of each label, or generate then match "
                   "texts (default: likelihood)")
    p.add_argument("--top-k", type=int, default=None,
                   help="labels predicted per file (default: 1)")
    p.add_argument("--threshold", type=float, default=None,
                   help="predict every label whose probability reaches it")
    p.add_argument("--search", default="beam",
                   choices=("beam", "greedy", "sample"),
                   help="decoding of --method text (default: beam)")
    _add_file_options(p)
    _add_generation_options(p, method=False)
    p.set_defaults(handler=run_files, task=_classify,
                   columns=("label", "predicted", "ranking", "scores"))


def _embed(pengi, args, wavs, lens):
    emb = pengi.embed_audio_batch(wavs, wav_lens=lens).float().cpu()
    return [{"embedding": [round(x, 6) for x in row.tolist()]} for row in emb]


def add_embed(subparsers):
    """``pengi-sb embed``: audio embeddings in Pengi's shared space."""
    p = _subparser(subparsers, "embed",
                   "audio embedding of each file (one vector per row)",
                   ["pengi-sb embed *.wav --output embeddings.jsonl"])
    _add_file_options(p)
    p.set_defaults(handler=run_files, task=_embed, columns=("embedding",))


def _retrieve(pengi, args, wavs, lens):
    emb = pengi.embed_audio_batch(wavs, wav_lens=lens)
    sim = pengi.retrieve(args.texts, audio_embeddings=emb)["similarity"]
    rows = []
    for column in sim.T.float().cpu():  # [n_text] per file
        order = column.argsort(descending=True).tolist()
        rows.append({"ranking": [args.texts[j] for j in order],
                     "scores": [round(float(column[j]), 5) for j in order]})
    return rows


def _retrieve_summary(args, rows):
    """Text-to-audio rows: for each text, the files best first."""
    done = [r for r in rows if "error" not in r]
    out = []
    for text in args.texts:
        scored = sorted(((r["scores"][r["ranking"].index(text)], r["file"])
                         for r in done), reverse=True)[:args.top]
        out.append({"query": text, "files": [f for _, f in scored],
                    "scores": [s for s, _ in scored]})
    return out


def add_retrieve(subparsers):
    """``pengi-sb retrieve``: texts against audio files, both ways."""
    p = _subparser(subparsers, "retrieve",
                   "rank texts for each file, then files for each text",
                   ['pengi-sb retrieve *.wav --texts "a dog barks" '
                    '"rain on a roof" --top 5'])
    p.add_argument("--texts", nargs="+", required=True,
                   help="the texts to retrieve with")
    p.add_argument("--top", type=int, default=10,
                   help="files listed per text at the end (default: 10)")
    _add_file_options(p)
    p.set_defaults(handler=run_files, task=_retrieve,
                   columns=("ranking", "scores", "query", "files"),
                   summary=_retrieve_summary)


def add_timeline(subparsers):
    """``pengi-sb timeline``: what is heard when, in long recordings."""
    p = _subparser(
        subparsers, "timeline",
        "a timeline of each recording: a caption, sound events or labels "
        "per window, with times (read in blocks: any length)",
        ["pengi-sb timeline field.flac --task caption --output field.srt",
         "pengi-sb timeline *.wav --task classify --labels dog rain "
         '"car horn" --output timeline.csv',
         "pengi-sb timeline a.wav b.wav --task sound_events --output "
         "'subs/{stem}.vtt'"])
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="audio files (wav, flac, ogg, mp3...)")
    p.add_argument("--task", default="caption",
                   choices=("caption", "sound_events", "classify"),
                   help="what each window gets (default: caption)")
    labels = p.add_mutually_exclusive_group()
    labels.add_argument("--labels", nargs="+",
                        help="candidate labels (--task classify)")
    labels.add_argument("--labels-file", metavar="FILE",
                        help="JSON list, or one label per line")
    p.add_argument("--prompt", default=None,
                   help="prompt (default: the task's own)")
    p.add_argument("--window-seconds", type=float, default=None,
                   help="window length (default: the model's clip length)")
    p.add_argument("--hop-seconds", type=float, default=None,
                   help="seconds between windows (default: half a window)")
    p.add_argument("--top-k", type=int, default=None,
                   help="classify: labels predicted per window (default 1)")
    p.add_argument("--threshold", type=float, default=None,
                   help="classify: every label whose probability reaches it")
    group = p.add_argument_group("input and output")
    group.add_argument("--files-from", metavar="LIST", default=None,
                       help="read file paths from LIST, one per line "
                       "('-': standard input)")
    group.add_argument("--output", "-o", default=None,
                       help="out.srt or out.vtt (subtitles; with several "
                       "files name them with {stem}, e.g. 'subs/{stem}.srt'),"
                       " out.jsonl or out.csv (default: JSON lines on "
                       "standard output)")
    add_model_options(p)
    _add_generation_options(p)
    p.set_defaults(handler=run_timeline)


def run_timeline(args, pengi=None, stream=None, stdin=None):
    """Runs ``pengi-sb timeline``; returns (segments, number of failed
    files). Each file's timeline is written when it is done."""
    from pengi_sb.inference.timeline import timeline_file
    from pengi_sb.inference.timeline_formats import (
        TimelineFormatError,
        timeline_format,
        to_jsonl,
        write_timeline,
    )

    files = input_files(args, stdin)
    label_list = _labels(args)
    if args.task == "classify" and not label_list:
        raise UsageError("--task classify needs --labels or --labels-file")
    if args.task != "classify" and label_list:
        raise UsageError(f"--labels apply to --task classify, not "
                         f"--task {args.task}")
    subtitles = False
    if args.output:
        try:
            subtitles = timeline_format(args.output) in (".srt", ".vtt")
        except TimelineFormatError as err:
            raise UsageError(f"--output: {err}") from None
        if subtitles and len(files) > 1 and "{stem}" not in args.output:
            raise UsageError(
                f"--output {args.output}: subtitles hold one recording; with "
                f"{len(files)} files put {{stem}} in the name (e.g. "
                "'subs/{stem}.srt') to write one per file")
    if args.task == "classify":
        options = {"top_k": args.top_k, "threshold": args.threshold}
    else:
        options = _generation(args)
    if pengi is None:
        pengi = load_model(args)
    from tqdm import tqdm

    segments, failed = [], 0
    for path in tqdm(files, unit="file", file=sys.stderr, disable=None):
        try:
            timeline = timeline_file(
                pengi, path, args.task, label_list, prompt=args.prompt,
                window_seconds=args.window_seconds,
                hop_seconds=args.hop_seconds, **options)
        except Exception as err:  # noqa: BLE001 - reported per file
            failed += 1
            print(f"pengi-sb: skipped {path}: {type(err).__name__}: {err}",
                  file=sys.stderr)
            continue
        segments += timeline
        if subtitles:
            stem = os.path.splitext(os.path.basename(path))[0]
            out = args.output.replace("{stem}", stem)
            os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
            write_timeline(out, timeline)
        elif not args.output:
            (stream or sys.stdout).write(to_jsonl(timeline))
    if args.output and not subtitles:
        write_timeline(args.output, segments)
    return segments, failed


def _serve(args, **_):
    """Hands the arguments to the web app (:mod:`pengi_sb.app`), imported
    only now: its ``app`` extra (Gradio) is optional."""
    from pengi_sb.app import main as app_main

    return app_main(args.app_args, prog="pengi-sb serve")


def add_serve(subparsers):
    """``pengi-sb serve``: the web app; its options are the app's own."""
    p = subparsers.add_parser(
        "serve", add_help=False,
        help="serve the web page (options: pengi-sb serve --help)",
        description="the web app of pengi_sb.app")
    p.add_argument("app_args", nargs=argparse.REMAINDER)
    p.set_defaults(handler=_serve)


SUBCOMMANDS = [add_caption, add_answer, add_classify, add_describe,
               add_generate, add_continue, add_embed, add_retrieve,
               add_timeline, add_serve]


def build_parser():
    """The ``pengi-sb`` parser: one subparser per :data:`SUBCOMMANDS` entry."""
    parser = argparse.ArgumentParser(
        prog="pengi-sb",
        description="Pengi: audio + text prompt -> text, on audio files.",
        epilog="example:\n  pengi-sb caption dog.wav --source "
        "pretrained/pengi_base\n\n'pengi-sb SUBCOMMAND --help' lists the "
        "subcommand's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version",
                        version=f"pengi-sb {__version__}")
    subparsers = parser.add_subparsers(title="subcommands", dest="command",
                                       metavar="SUBCOMMAND")
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


# ------------------------------------------------------------------ running
def input_files(args, stdin=None):
    """``FILE`` arguments then the ``--files-from`` list (blank lines and
    ``#`` comments ignored)."""
    files = list(args.files)
    if args.files_from:
        if args.files_from == "-":
            lines = (stdin or sys.stdin).read().splitlines()
        else:
            try:
                with open(args.files_from, encoding="utf-8") as f:
                    lines = f.read().splitlines()
            except OSError as err:
                raise UsageError(f"--files-from: {err}") from None
        files += [x.strip() for x in lines
                  if x.strip() and not x.strip().startswith("#")]
    if not files:
        raise UsageError("no audio files: give FILE arguments or "
                         "--files-from LIST")
    return files


def read_rows(path):
    """Rows of an earlier output (JSON lines or CSV); a line cut short by a
    crash is dropped."""
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8", newline="") as f:
        if path.endswith(".csv"):
            rows = []
            for row in csv.DictReader(f):
                rows.append({k: _csv_value(v) for k, v in row.items()
                             if v not in ("", None)})
            return rows
        rows = []
        for line in f:
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return rows


def _csv_value(text):
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass
    try:
        return float(text) if "." in text or "e" in text else int(text)
    except ValueError:
        return text


class RowWriter:
    """Writes result rows as they come: JSON lines (flushed after each
    batch) or CSV with the subcommand's columns."""

    def __init__(self, output, columns, stream=None, keep=()):
        self.csv = bool(output) and output.endswith(".csv")
        self.file = open(output, "w", encoding="utf-8", newline="") \
            if output else None
        self.out = self.file or stream or sys.stdout
        if self.csv:
            self.writer = csv.DictWriter(
                self.out, fieldnames=["file", *columns, "error"],
                extrasaction="ignore")
            self.writer.writeheader()
        self.write(keep)

    def write(self, rows):
        for row in rows:
            if self.csv:
                self.writer.writerow({k: json.dumps(v, ensure_ascii=False)
                                      if isinstance(v, (list, dict)) else v
                                      for k, v in row.items()})
            else:
                self.out.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.out.flush()

    def close(self):
        if self.file:
            self.file.close()


def _read_batch(pengi, paths):
    """Each file read once: ``(paths, wavs [B, T], lens [B])`` of the
    readable ones, and ``{path: error}`` of the others."""
    import torch

    good, waves, bad = [], [], {}
    for path in paths:
        try:
            waves.append(pengi.load_audio(path))
            good.append(path)
        except Exception as err:  # noqa: BLE001 - reported per file
            bad[path] = str(err)
    if not good:
        return good, None, None, bad
    width = max(w.shape[0] for w in waves)
    wavs = torch.stack([torch.nn.functional.pad(w, (0, width - w.shape[0]))
                        for w in waves])
    lens = torch.tensor([w.shape[0] / width for w in waves])
    return good, wavs, lens, bad


def run_files(args, pengi=None, stream=None, stdin=None):
    """Runs a per-file subcommand; returns (rows, number of failed files).

    Rows are written batch by batch; with ``--resume`` the files already in
    ``--output`` without an error are not run again.
    """
    files = input_files(args, stdin)
    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    if args.resume and not args.output:
        raise UsageError("--resume needs --output (the file to resume)")
    if args.command == "classify":
        args.label_list = _labels(args)
        if not args.label_list:
            raise UsageError("classify: the labels are empty")
    keep = []
    if args.resume:
        keep = [r for r in read_rows(args.output)
                if "file" in r and "error" not in r]
    done = {r["file"] for r in keep}
    todo = [f for f in files if f not in done]
    if pengi is None:
        pengi = load_model(args)
    from tqdm import tqdm

    writer = RowWriter(args.output, args.columns, stream, keep)
    rows, failed = list(keep), 0
    bar = tqdm(total=len(todo), unit="file", file=sys.stderr,
               disable=None)
    try:
        for start in range(0, len(todo), args.batch_size):
            batch = todo[start:start + args.batch_size]
            good, wavs, lens, bad = _read_batch(pengi, batch)
            results = {}
            if good:
                try:
                    results = dict(zip(good, args.task(pengi, args, wavs,
                                                       lens)))
                except Exception as err:  # noqa: BLE001 - reported per file
                    message = f"batch failed: {type(err).__name__}: {err}"
                    bad.update({path: message for path in good})
            new = []
            for path in batch:
                if path in bad:
                    failed += 1
                    print(f"pengi-sb: skipped {path}: {bad[path]}",
                          file=sys.stderr)
                    new.append({"file": path, "error": bad[path]})
                else:
                    new.append({"file": path, **results[path]})
            writer.write(new)
            rows += new
            bar.update(len(batch))
        summary = getattr(args, "summary", None)
        if summary is not None:
            writer.write(summary(args, rows))
    finally:
        bar.close()
        writer.close()
    return rows, failed


def run(args, pengi=None, stream=None, stdin=None):
    """Runs parsed ``args``; returns (rows, number of failed files)."""
    return args.handler(args, pengi=pengi, stream=stream, stdin=stdin)


def main(argv=None):
    """Entry point of ``pengi-sb``; returns the exit code."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if getattr(args, "command", None) == "serve":
        args.app_args = extra + args.app_args  # the app parses its options
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if args.command == "serve":  # the app has its own usage and exit codes
        return args.handler(args)
    try:
        _, failed = run(args)
    except UsageError as err:
        print(f"pengi-sb {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        where = f" in {args.output}; --resume finishes the rest" \
            if getattr(args, "output", None) else ""
        print(f"pengi-sb: interrupted; the finished rows are kept{where}",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_SKIPPED if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
