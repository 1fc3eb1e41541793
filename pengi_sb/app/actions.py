"""What each button of the web app does, without the web page.

Every function takes the loaded :class:`~pengi_sb.inference.Pengi` and the
page's plain values (a file path, texts, numbers) and returns plain values
(texts, tables, matplotlib figures), so they run and are tested without
Gradio. A problem the user can fix (no clip, unreadable audio, too long a
prompt, no labels) raises :class:`AppError` whose message is shown on the
page; :func:`user_message` turns any exception into such a message.

Example
-------
>>> parse_labels("dog\\nrain\\n\\ncar horn")
['dog', 'rain', 'car horn']
>>> parse_labels("dog, rain, car horn")
['dog', 'rain', 'car horn']
>>> DEFAULTS
{'method': 'beam', 'max_len': 30, 'beam_size': 3, 'temperature': 1.0}
>>> generation_options("greedy", 5, 0.7, 20, 0)
{'method': 'greedy', 'max_len': 20, 'temperature': 0.7}
>>> rows = ranking_rows(["rain", "dog"], [-0.5, -1.5], "likelihood")
>>> [(r[1], round(r[2], 3)) for r in rows]
[('rain', 0.731), ('dog', 0.269)]
>>> parse_hop("", 7.0) is None, parse_hop("2.5", 7.0)
(True, 2.5)
>>> parse_hop("soon", 7.0)
Traceback (most recent call last):
    ...
pengi_sb.app.actions.AppError: hop must be a number of seconds, not 'soon'
>>> user_message(AppError("give a clip first"))
'give a clip first'
>>> with reading("/uploads/x1/a.wav"):
...     raise AudioError("audio file /uploads/x1/a.wav is empty (0 bytes)")
Traceback (most recent call last):
    ...
pengi_sb.app.actions.AppError: audio file a.wav is empty (0 bytes)

Authors
 * pengi-sb developers 2026
"""

import contextlib
import dataclasses
import inspect
import math
import os
import tempfile

from speechbrain.utils.logger import get_logger

from pengi_sb.app.views import (
    audio_figure,
    label_chart,
    timeline_figure,
    waveform_envelope,
)
from pengi_sb.data.audio import AudioError
from pengi_sb.data.long_audio import audio_seconds, read_blocks
from pengi_sb.decoding.search import decode
from pengi_sb.inference.interface import CLASSIFY_PROMPT
from pengi_sb.inference.timeline_formats import (
    format_timestamp,
    write_timeline,
)
from pengi_sb.text.tokenizers import PromptTooLongError

logger = get_logger(__name__)

METHODS = ("beam", "greedy", "sample")
# The page's initial generation options: the decoder's own defaults, so
# that a click with untouched options gives what the Python API gives
DEFAULTS = {name: param.default for name, param in
            inspect.signature(decode).parameters.items()
            if name in ("method", "beam_size", "temperature", "max_len")}
SCORINGS = ("likelihood", "text")
# Timeline tasks as the page names them, and what their texts are
TIMELINE_TASKS = {"caption": "caption", "sound events": "sound_events",
                  "classify": "classify"}
TIMELINE_TEXTS = {"caption": "caption", "sound_events": "sound events",
                  "classify": "labels"}
TIMELINE_DOWNLOADS = (".srt", ".vtt", ".csv")


class AppError(ValueError):
    """A problem the user can fix; its message is shown on the page."""


def user_message(err):
    """The text the page shows for ``err``: the message of an error the
    user can fix, a one-line summary (no stack trace) of anything else,
    whose traceback goes to the server log."""
    if isinstance(err, (AppError, AudioError, PromptTooLongError)):
        return str(err)
    if isinstance(err, (ValueError, KeyError, TypeError)):
        return f"{err}".strip("'\"")
    logger.exception("unexpected error in the web app", exc_info=err)
    return (f"Unexpected error ({type(err).__name__}: {err}); details are "
            "in the server log. The page still works: try another clip or "
            "setting.")


def require_clip(path):
    """``path``, or AppError when no clip was given."""
    if not path:
        raise AppError("No audio yet: upload a file or record a clip first.")
    return path


@contextlib.contextmanager
def reading(path):
    """Checks a clip was given; an unreadable clip becomes an AppError
    naming the file as the user knows it (its name, not the server's upload
    folder)."""
    require_clip(path)
    try:
        yield path
    except AudioError as err:
        raise AppError(str(err).replace(
            os.path.dirname(path) + os.sep, "")) from None


def parse_labels(text):
    """Labels typed one per line, or on one line separated by commas."""
    text = (text or "").strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) == 1 and "," in lines[0]:
        lines = [part.strip() for part in lines[0].split(",") if part.strip()]
    return list(dict.fromkeys(lines))  # duplicates once, order kept


def generation_options(method, beam_size, temperature, max_len, seed=None):
    """The decoding keyword arguments of the page's generation options.

    Only the options the chosen method uses are returned (beam size for
    beam search, the seed for sampling).
    """
    if method not in METHODS:
        raise AppError(f"decoding method must be one of {METHODS}, not "
                       f"{method!r}")
    options = {"method": method, "max_len": int(max_len),
               "temperature": float(temperature)}
    if int(max_len) < 1:
        raise AppError("max length must be at least 1 token")
    if float(temperature) <= 0:
        raise AppError("temperature must be above 0")
    if method == "beam":
        options["beam_size"] = int(beam_size)
    if method == "sample" and seed not in (None, ""):
        options["seed"] = int(seed)
    return options


def show_audio(pengi, path):
    """The figure of what the model hears in ``path`` (waveform and log-mel
    spectrogram, model windows marked)."""
    with reading(path):
        wav = pengi.load_audio(path)
    return audio_figure(wav, pengi.sample_rate,
                        pengi.model.audio_encoder.frontend, pengi.window,
                        pengi.window_mode)


def caption(pengi, path, options):
    """The caption of the clip (``Pengi.caption_file``)."""
    with reading(path):
        return pengi.caption_file(path, **options).text


def answer(pengi, path, question, options):
    """The answer to ``question`` about the clip."""
    if not (question or "").strip():
        raise AppError("Type a question about the clip first.")
    with reading(path):
        return pengi.answer_file(path, question.strip(), **options).text


def describe(pengi, path, options):
    """Caption, metadata and sound events of the clip in one text."""
    with reading(path):
        return pengi.describe_file(path, **options)


def generate(pengi, path, prompt, options):
    """Free-prompt generation: the best text and a table of all beams."""
    if not (prompt or "").strip():
        raise AppError("Type a prompt first (e.g. 'generate metadata').")
    with reading(path):
        result = pengi.generate_file(path, prompt.strip(), **options)
    beams = [[i + 1, text, round(score, 4)]
             for i, (text, _, score) in enumerate(result.beams)]
    return result.text, beams


def ranking_rows(labels, scores, scoring):
    """Table rows ``[rank, label, probability or similarity, score]``.

    Likelihood scores (mean log-probabilities) become probabilities over
    the given labels with a softmax; text-method scores are cosine
    similarities and are shown as they are.
    """
    if scoring == "likelihood":
        top = max(scores)
        weights = [math.exp(s - top) for s in scores]
        values = [w / sum(weights) for w in weights]
    else:
        values = list(scores)
    return [[i + 1, label, value, score]
            for i, (label, value, score) in enumerate(
                zip(labels, values, scores, strict=True))]


def require_labels(labels_text):
    """The parsed labels (:func:`parse_labels`), or AppError when fewer
    than two are given."""
    labels = parse_labels(labels_text)
    if len(labels) < 2:
        raise AppError("Give at least two labels, one per line (or "
                       "separated by commas).")
    return labels


def classify(pengi, path, labels_text, scoring, prompt, options):
    """Zero-shot classification of the clip over the user's labels.

    Returns
    -------
    tuple
        ``(markdown ranking, bar chart figure, generated text or "")``.
    """
    labels = require_labels(labels_text)
    if scoring not in SCORINGS:
        raise AppError(f"scoring must be one of {SCORINGS}, not {scoring!r}")
    kwargs = {"method": scoring}
    if scoring == "text":
        kwargs.update({k: v for k, v in options.items() if k != "method"})
        kwargs["search"] = options.get("method", "beam")
    with reading(path):
        result = pengi.classify_files(
            [path], labels, (prompt or "").strip() or CLASSIFY_PROMPT,
            **kwargs)[0]
    rows = ranking_rows(result.labels, result.scores, scoring)
    quantity = ("probability" if scoring == "likelihood"
                else "cosine similarity")
    chart = label_chart([r[1] for r in rows], [r[2] for r in rows], quantity)
    return ranking_markdown(rows, scoring), chart, result.generated or ""


def ranking_markdown(rows, scoring):
    """The ranking as a Markdown table (likelihood: the probability and
    the mean log-probability per token; text: the cosine similarity)."""
    if scoring == "likelihood":
        lines = ["| rank | label | probability | mean log-prob per token |",
                 "|---:|---|---:|---:|"]
        lines += [f"| {rank} | {_cell(label)} | {val:.3f} | {raw:.3f} |"
                  for rank, label, val, raw in rows]
    else:
        lines = ["| rank | label | cosine similarity |", "|---:|---|---:|"]
        lines += [f"| {rank} | {_cell(label)} | {val:.3f} |"
                  for rank, label, val, _ in rows]
    return "\n".join(lines)


def _cell(text):
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def parse_hop(value, window_seconds):
    """The hop typed on the page in seconds, or None (empty: half a
    window); AppError unless ``0 < hop <= window_seconds``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        hop = float(value)
    except (TypeError, ValueError):
        raise AppError(f"hop must be a number of seconds, not {value!r}"
                       ) from None
    if not 0 < hop <= window_seconds:  # also refuses NaN
        raise AppError(f"hop must be above 0 and at most the "
                       f"{window_seconds:g} s window (a longer hop would "
                       f"leave audio unheard), not {hop:g}")
    return hop


def timeline_segments(pengi, path, task, labels_text, hop, options):
    """The clip's timeline (``Pengi.timeline_file``) for the page's values.

    Arguments
    ---------
    pengi : pengi_sb.inference.Pengi
        The model.
    path : str
        The clip.
    task : str
        ``caption``, ``sound_events`` (or the page's ``sound events``) or
        ``classify``.
    labels_text : str
        The labels (``classify`` only; ignored otherwise), parsed as the
        Classify tab parses them.
    hop : float or str, optional
        Seconds between windows (:func:`parse_hop`; empty: half a window).
    options : dict
        Generation options (captions, sound events; classify scores each
        label's likelihood).

    Returns
    -------
    list of pengi_sb.inference.timeline.Segment
    """
    task = TIMELINE_TASKS.get(task, task)
    if task not in TIMELINE_TEXTS:
        raise AppError(f"timeline task must be one of "
                       f"{tuple(TIMELINE_TASKS)}, not {task!r}")
    labels = require_labels(labels_text) if task == "classify" else None
    hop = parse_hop(hop, float(pengi.hparams.clip_seconds))
    kwargs = {} if task == "classify" else dict(options)
    with reading(path):
        return pengi.timeline_file(path, task=task, labels=labels,
                                   hop_seconds=hop, **kwargs)


def timeline_markdown(segments, task):
    """The segments as a Markdown table: number, start and end
    (``HH:MM:SS.mmm``), text (caption, sound events or labels), score."""
    what = TIMELINE_TEXTS[TIMELINE_TASKS.get(task, task)]
    lines = [f"| # | start | end | {what} | score |",
             "|---:|---|---|---|---:|"]
    for i, seg in enumerate(segments, 1):
        score = "" if seg.score is None else f"{seg.score:.3f}"
        lines.append(f"| {i} | {format_timestamp(seg.start, '.')} | "
                     f"{format_timestamp(seg.end, '.')} | "
                     f"{_cell(seg.text) or '–'} | {score} |")
    return "\n".join(lines)


def timeline_downloads(segments, path, out_dir):
    """Writes the segments as ``.srt``, ``.vtt`` and ``.csv`` files named
    after the clip (``beep.srt`` beside ``beep.wav`` is what media players
    look for) in ``out_dir``; the segments' ``file`` is the clip's name,
    not the server's upload path. Returns the three paths."""
    name = os.path.basename(path)
    stem = os.path.splitext(name)[0] or "timeline"
    named = [dataclasses.replace(seg, file=name) for seg in segments]
    os.makedirs(out_dir, exist_ok=True)
    paths = [os.path.join(out_dir, stem + ext) for ext in TIMELINE_DOWNLOADS]
    for out in paths:
        write_timeline(out, named)
    return paths


def timeline(pengi, path, task, labels_text, hop, options, out_dir=None):
    """The Timeline tab: what is heard when in the clip.

    Arguments as :func:`timeline_segments`; ``out_dir`` is where the
    downloads are written (default: a new temporary folder).

    Returns
    -------
    tuple
        ``(markdown table of the segments, timeline figure, [.srt, .vtt,
        .csv paths])``.
    """
    segments = timeline_segments(pengi, path, task, labels_text, hop,
                                 options)
    with reading(path):  # the waveform, block by block (any length)
        envelope = waveform_envelope(
            read_blocks(path, pengi.sample_rate), pengi.sample_rate,
            audio_seconds(path))
    task = TIMELINE_TASKS.get(task, task)
    figure = timeline_figure(segments, envelope, TIMELINE_TEXTS[task])
    if out_dir is None:
        out_dir = tempfile.mkdtemp(prefix="pengi-timeline-")
    files = timeline_downloads(segments, path, out_dir)
    return timeline_markdown(segments, task), figure, files
