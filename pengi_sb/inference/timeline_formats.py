"""Timeline files: writing and reading segments as SRT, WebVTT, JSON lines
or CSV.

* ``.srt`` / ``.vtt``: subtitles of one audio file (a media player shows
  each segment's text under the audio while it plays); times to the
  millisecond, text on one line.
* ``.jsonl`` / ``.csv``: every field of every segment, of any number of
  files (a ``file`` column), times as written by Python (exact round trip).

Example
-------
>>> from pengi_sb.inference.timeline import Segment
>>> segments = [Segment(0.0, 3.5, "a dog barks"),
...             Segment(3.5, 7.25, "rain falls")]
>>> print(to_srt(segments))
1
00:00:00,000 --> 00:00:03,500
a dog barks
<BLANKLINE>
2
00:00:03,500 --> 00:00:07,250
rain falls
<BLANKLINE>
>>> [(s.start, s.end, s.text) for s in from_vtt(to_vtt(segments))]
[(0.0, 3.5, 'a dog barks'), (3.5, 7.25, 'rain falls')]

Authors
 * pengi-sb developers 2026
"""

import csv
import dataclasses
import io
import json
import os

from pengi_sb.inference.timeline import Segment

FORMATS = (".srt", ".vtt", ".jsonl", ".csv")
FIELDS = [f.name for f in dataclasses.fields(Segment)]
CSV_COLUMNS = ["file"] + [f for f in FIELDS if f != "file"]


class TimelineFormatError(ValueError):
    """A timeline file that cannot be written or parsed; the message says
    where and why."""


def format_timestamp(seconds, decimal=","):
    """``seconds`` -> ``"HH:MM:SS,mmm"`` (``decimal="."`` for WebVTT).

    Example
    -------
    >>> format_timestamp(3725.5), format_timestamp(0.0015, ".")
    ('01:02:05,500', '00:00:00.002')
    """
    ms = int(round(float(seconds) * 1000))
    if ms < 0:
        raise TimelineFormatError(f"negative time {seconds} s")
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{ms:03d}"


def parse_timestamp(text):
    """``"HH:MM:SS,mmm"``, ``"HH:MM:SS.mmm"`` or ``"MM:SS.mmm"`` ->
    seconds.

    Example
    -------
    >>> parse_timestamp("01:02:05,500"), parse_timestamp("02:05.250")
    (3725.5, 125.25)
    """
    parts = text.strip().replace(",", ".").split(":")
    try:
        if len(parts) not in (2, 3):
            raise ValueError
        values = [int(p) for p in parts[:-1]] + [float(parts[-1])]
    except ValueError:
        raise TimelineFormatError(f"not a subtitle time: {text!r} (expected "
                                  "HH:MM:SS,mmm)") from None
    seconds = 0.0
    for value in values:
        seconds = seconds * 60 + value
    return round(seconds, 3)


def _one_line(text):
    return " ".join(str(text).split())


def to_srt(segments):
    """SubRip subtitles of one file's segments."""
    _one_file(segments, "SRT")
    cues = [f"{i}\n{format_timestamp(s.start)} --> "
            f"{format_timestamp(s.end)}\n{_one_line(s.text)}\n"
            for i, s in enumerate(segments, 1)]
    return "\n".join(cues)


def to_vtt(segments):
    """WebVTT subtitles of one file's segments (text escaped as the format
    asks: ``&``, ``<``, ``>``)."""
    _one_file(segments, "WebVTT")
    cues = [f"{format_timestamp(s.start, '.')} --> "
            f"{format_timestamp(s.end, '.')}\n{_vtt_escape(s.text)}\n"
            for s in segments]
    return "\n".join(["WEBVTT\n"] + cues)


def _vtt_escape(text):
    return (_one_line(text).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def _vtt_unescape(text):
    return (text.replace("&lt;", "<").replace("&gt;", ">")
            .replace("&amp;", "&"))


def _one_file(segments, kind):
    files = {s.file for s in segments}
    if len(files) > 1:
        raise TimelineFormatError(
            f"{kind} subtitles hold one audio file's timeline, got "
            f"{len(files)} files: write one subtitle file per audio file, "
            "or use .jsonl/.csv")


def _cues(text, kind):
    """``[(time line, text lines)]`` of a subtitle file's cue blocks."""
    cues = []
    for block in text.replace("\r\n", "\n").strip("\ufeff\n").split("\n\n"):
        lines = block.split("\n")
        timing = [i for i, line in enumerate(lines) if "-->" in line]
        if not timing:
            if block.strip() and not block.startswith(("WEBVTT", "NOTE",
                                                       "STYLE", "REGION")):
                raise TimelineFormatError(
                    f"{kind} block without a 'start --> end' line: "
                    f"{block[:60]!r}")
            continue
        i = timing[0]
        cues.append((lines[i], lines[i + 1:]))
    return cues


def _timing(line):
    start, _, end = line.partition("-->")
    # WebVTT may follow the end time with cue settings
    return parse_timestamp(start), parse_timestamp(end.split()[0])


def from_srt(text):
    """SubRip text -> list of :class:`Segment` (times and text)."""
    out = []
    for timing, lines in _cues(text, "SRT"):
        start, end = _timing(timing)
        out.append(Segment(start, end, " ".join(lines).strip()))
    return out


def from_vtt(text):
    """WebVTT text -> list of :class:`Segment` (times and text)."""
    if not text.lstrip("\ufeff").startswith("WEBVTT"):
        raise TimelineFormatError("a WebVTT file starts with 'WEBVTT'")
    out = []
    for timing, lines in _cues(text, "WebVTT"):
        start, end = _timing(timing)
        out.append(Segment(start, end,
                           _vtt_unescape(" ".join(lines).strip())))
    return out


def to_jsonl(segments):
    """One JSON object per segment, every field."""
    return "".join(json.dumps(dataclasses.asdict(s), ensure_ascii=False)
                   + "\n" for s in segments)


def from_jsonl(text):
    """JSON lines -> list of :class:`Segment`."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                out.append(Segment(**json.loads(line)))
            except (json.JSONDecodeError, TypeError) as err:
                raise TimelineFormatError(
                    f"line {n} is not a timeline segment: {err}") from None
    return out


def to_csv(segments):
    """CSV with a header row; ``labels`` as a JSON list, a missing score
    as an empty cell."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS,
                            lineterminator="\n")
    writer.writeheader()
    for s in segments:
        row = dataclasses.asdict(s)
        row["labels"] = json.dumps(row["labels"], ensure_ascii=False)
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


def from_csv(text):
    """CSV (as :func:`to_csv` writes it) -> list of :class:`Segment`."""
    reader = csv.DictReader(io.StringIO(text))
    missing = set(CSV_COLUMNS) - set(reader.fieldnames or [])
    if missing:
        raise TimelineFormatError(f"timeline CSV lacks columns "
                                  f"{sorted(missing)}")
    out = []
    for row in reader:
        def number(key, kind=float, row=row):
            return kind(row[key]) if row[key] != "" else None

        out.append(Segment(
            number("start"), number("end"), row["text"],
            json.loads(row["labels"] or "[]"), number("score"),
            number("windows", int), number("audio_start"),
            number("audio_end"), row["file"] or None))
    return out


WRITERS = {".srt": to_srt, ".vtt": to_vtt, ".jsonl": to_jsonl, ".csv": to_csv}
READERS = {".srt": from_srt, ".vtt": from_vtt, ".jsonl": from_jsonl,
           ".csv": from_csv}


def timeline_format(path):
    """The format of ``path`` from its extension, or a clear error."""
    ext = os.path.splitext(str(path))[1].lower()
    if ext not in WRITERS:
        raise TimelineFormatError(
            f"cannot tell the timeline format of {path}: name it "
            f"{' / '.join('*' + f for f in FORMATS)}")
    return ext


def write_timeline(path, segments):
    """Writes ``segments`` to ``path`` in the format its extension names.

    Arguments
    ---------
    path : str
        ``*.srt``, ``*.vtt`` (one audio file's segments), ``*.jsonl`` or
        ``*.csv`` (segments of any files).
    segments : list of Segment
    """
    text = WRITERS[timeline_format(path)](list(segments))
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def read_timeline(path):
    """Reads a timeline file -> list of :class:`Segment` (subtitles give
    times and text only)."""
    ext = timeline_format(path)
    with open(path, encoding="utf-8", newline="") as f:
        return READERS[ext](f.read())
