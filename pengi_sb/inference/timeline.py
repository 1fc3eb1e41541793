"""Timelines of long recordings: what is heard when, window by window.

A file is read block by block (:mod:`pengi_sb.data.long_audio`), cut into
windows of ``window_seconds`` every ``hop_seconds``, and the windows are
encoded ``encode_batch_size`` at a time; each window then gets a caption,
its sound events or its label scores. Memory stays that of one block and
one batch of windows, whatever the file's length.

::

    file -> blocks (soundfile) -> resampled blocks -> windows [N, window]
      -> audio embeddings [N, D] -> caption | sound events | label scores
      -> one Segment per window (captions) or per run of windows with the
         same labels (sound_events, classify)

Times: window ``i`` hears ``[audio_start, audio_end]``; on the timeline it
stands for the stretch from halfway between its centre and the previous
window's centre to halfway to the next one (the first starts at 0, the last
ends at the end of the file), so that segments neither overlap nor leave
gaps, and a change of sound is placed within a hop of where it happens.

Example
-------
>>> windows = [Segment(0.0, 2.0, "dog", ["dog"], -0.1),
...            Segment(1.0, 3.0, "dog", ["dog"], -0.3),
...            Segment(2.0, 4.0, "rain", ["rain"], -0.2)]
>>> for s in build_timeline(windows, merge=True):
...     print(s.start, s.end, s.text, s.windows, round(s.score, 2))
0.0 2.5 dog 2 -0.2
2.5 4.0 rain 1 -0.2

Authors
 * pengi-sb developers 2026
"""

from dataclasses import dataclass, field, replace

from pengi_sb.data.long_audio import BLOCK_SECONDS, iter_windows
from pengi_sb.tasks import get_template

# timeline task -> (template whose prompt it uses, merge equal neighbours)
TASKS = {
    "caption": ("captioning", False),
    "sound_events": ("sound_event", True),
    "classify": (None, True),
}
CLASSIFY_PROMPT = "this is a sound of"


@dataclass
class Segment:
    """A stretch of a recording and what is heard in it.

    Arguments
    ---------
    start, end : float
        Seconds on the timeline (segments of a file neither overlap nor
        leave gaps).
    text : str
        The caption, the sound events (``"dog, rain"``) or the predicted
        label(s) joined by ``", "``.
    labels : list of str
        Sound events or predicted labels (empty for captions).
    score : float, optional
        Mean over the segment's windows of the best hypothesis' score
        (captions, sound events) or of the best label's score (classify:
        its length-normalised log-probability by default).
    windows : int
        Model windows merged into the segment.
    audio_start, audio_end : float, optional
        Seconds of audio its windows heard (windows overlap, so this
        reaches past ``start`` and ``end``).
    file : str, optional
        The audio file.
    """

    start: float
    end: float
    text: str
    labels: list = field(default_factory=list)
    score: float = None
    windows: int = 1
    audio_start: float = None
    audio_end: float = None
    file: str = None


def check_task(task, labels=None):
    """Raises a clear ValueError for an unknown task or misplaced labels."""
    if task not in TASKS:
        raise ValueError(f"timeline task must be one of {sorted(TASKS)}, "
                         f"not {task!r}")
    if task == "classify" and not labels:
        raise ValueError("timeline task 'classify' needs labels: give the "
                         "candidate labels (labels=[...], --labels)")
    if task != "classify" and labels:
        raise ValueError(f"labels only apply to task 'classify', not "
                         f"{task!r}: drop them or use task='classify'")


def window_results(pengi, path, task="caption", labels=None, prompt=None,
                   window_seconds=None, hop_seconds=None,
                   block_seconds=BLOCK_SECONDS, **options):
    """Yields one :class:`Segment` per window of ``path``, in time order.

    Each yielded segment's ``start``/``end`` are its window's times (equal
    to ``audio_start``/``audio_end``); :func:`build_timeline` turns them
    into the timeline.

    Arguments
    ---------
    pengi : pengi_sb.inference.Pengi
        The loaded model.
    path : str
        Audio file of any length, rate and channel count.
    task : str
        ``"caption"``, ``"sound_events"`` or ``"classify"``.
    labels : list of str, optional
        Candidate labels (``classify`` only).
    prompt : str, optional
        Prompt (default: the task's template prompt, or
        ``"this is a sound of"`` for ``classify``).
    window_seconds : float, optional
        Window length (default: the model's clip length, 7 s for the
        release models). A shorter window is tiled to the model's clip
        length, a longer one is heard as the mean of its model windows.
    hop_seconds : float, optional
        Seconds between window starts (default: half a window).
    block_seconds : float
        Seconds of the file read at once.
    **options
        Decoding options (``beam_size``, ``max_len``, ... for captions and
        sound events) or classification options (``method``, ``top_k``,
        ``threshold``, ...), as the file methods take them.
    """
    check_task(task, labels)
    template, _ = TASKS[task]
    if prompt is None:
        prompt = (get_template(template).prompt if template
                  else CLASSIFY_PROMPT)
    rate = pengi.sample_rate
    window_seconds = (float(pengi.hparams.clip_seconds)
                      if window_seconds is None else float(window_seconds))
    hop_seconds = (window_seconds / 2 if hop_seconds is None
                   else float(hop_seconds))
    if window_seconds <= 0 or not 0 < hop_seconds <= window_seconds:
        raise ValueError(
            f"need window_seconds > 0 and 0 < hop_seconds <= window_seconds "
            f"(a longer hop would leave audio unheard), got "
            f"{window_seconds} and {hop_seconds}")
    window = max(1, round(window_seconds * rate))
    hop = max(1, round(hop_seconds * rate))
    for batch in iter_windows(path, rate, window, hop,
                              pengi.encode_batch_size, block_seconds):
        embeddings = encode_windows(pengi, batch.windows)
        results = _decode(pengi, task, embeddings, labels, prompt, options)
        for start, end, result in zip(batch.starts, batch.ends, results):
            yield Segment(start, end, *result, windows=1, audio_start=start,
                          audio_end=end, file=str(path))


def encode_windows(pengi, windows):
    """Audio embeddings ``[N, D]`` of timeline windows ``[N, window]``.

    Each window is heard as a clip, through the interface's one audio
    path (its model windows, or the window tiled when it is shorter,
    encoded ``encode_batch_size`` at a time and averaged; the model's
    precision), as ``caption_batch`` would hear it.
    """
    return pengi._embed(list(windows))


def _decode(pengi, task, embeddings, labels, prompt, options):
    """Per window ``(text, labels, score)``."""
    if task == "classify":
        results = pengi.classify_embeddings(embeddings, labels, prompt,
                                            **options)
        return [(", ".join(r.predicted), list(r.predicted),
                 _predicted_score(r)) for r in results]
    results = pengi.generate_embeddings(embeddings, prompt, **options)
    if task == "sound_events":
        return [(r.text, _events(r.text), r.score) for r in results]
    return [(r.text, [], r.score) for r in results]


def _predicted_score(result):
    """Mean score of the predicted labels of a ClassificationResult."""
    scores = dict(zip(result.labels, result.scores))
    chosen = [scores[label] for label in result.predicted]
    return sum(chosen) / len(chosen) if chosen else None


def _events(text):
    """``"dog, rain"`` -> ``["dog", "rain"]``."""
    return [e.strip() for e in text.split(",") if e.strip()]


def build_timeline(window_segments, merge):
    """Window results -> timeline segments.

    Arguments
    ---------
    window_segments : list of Segment
        One per window of one file, in time order, with the window's times
        as ``start``/``end`` (:func:`window_results`).
    merge : bool
        Merge neighbouring windows with the same labels (as a set) into
        one segment; False keeps one segment per window (captions).

    Returns
    -------
    list of Segment
        Covering ``[0, end of the last window]`` without overlap.
    """
    segments = list(window_segments)
    centres = [(s.start + s.end) / 2 for s in segments]
    edges = [segments[0].start] if segments else []
    edges += [(a + b) / 2 for a, b in zip(centres, centres[1:])]
    edges += [segments[-1].end] if segments else []
    timeline = []
    for i, seg in enumerate(segments):
        seg = replace(seg, start=edges[i], end=edges[i + 1],
                      audio_start=seg.start, audio_end=seg.end)
        last = timeline[-1] if timeline else None
        if (merge and last is not None
                and sorted(last.labels) == sorted(seg.labels)):
            timeline[-1] = _merged(last, seg)
        else:
            timeline.append(seg)
    return timeline


def _merged(a, b):
    """One segment from two neighbours with the same labels."""
    n = a.windows + b.windows
    score = (None if a.score is None or b.score is None
             else (a.score * a.windows + b.score * b.windows) / n)
    return replace(a, end=b.end, score=score, windows=n,
                   audio_end=b.audio_end)


def timeline_file(pengi, path, task="caption", labels=None, prompt=None,
                  window_seconds=None, hop_seconds=None,
                  block_seconds=BLOCK_SECONDS, **options):
    """The timeline of one file: a list of :class:`Segment`.

    Captions keep one segment per window; sound events and labels merge
    neighbouring windows that agree. Arguments as
    :func:`window_results`.
    """
    _, merge = TASKS.get(task, (None, False))
    return build_timeline(
        window_results(pengi, path, task, labels, prompt, window_seconds,
                       hop_seconds, block_seconds, **options), merge)


def timeline_files(pengi, paths, task="caption", labels=None, **options):
    """Timelines of several files: one list of segments per file (each
    file is read and decoded on its own, so memory stays bounded)."""
    if isinstance(paths, str):
        raise TypeError("pass a list of paths to timeline_files (or use "
                        "timeline_file)")
    return [timeline_file(pengi, p, task, labels, **options) for p in paths]
