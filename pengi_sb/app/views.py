"""Figures of the web app: what the model hears, label probabilities, and
the timeline of a recording.

All are matplotlib ``Figure`` objects made without pyplot (no global
figure registry to leak, no display backend: Gradio renders them with Agg
into PNG images, so nothing is fetched by the browser).

Example
-------
>>> import torch
>>> from pengi_sb.lobes.frontend import LogMelFrontEnd
>>> fe = LogMelFrontEnd(sample_rate=16000, n_fft=512, hop_length=160,
...                     n_mels=16)
>>> fig = audio_figure(torch.randn(40000), 16000, fe, window=16000)
>>> for ax in fig.axes[:3]:
...     print(ax.get_title().split(":")[0])
Waveform
The model's 4 windows (embeddings averaged)
Log-mel spectrogram (the model input)
>>> window_spans(40000, 16000, "mean")
[(0, 16000), (8000, 24000), (16000, 32000), (24000, 40000)]
>>> fig = label_chart(["dog", "rain"], [0.75, 0.25], "probability")
>>> fig.axes[0].get_xlabel()
'probability'
>>> from pengi_sb.inference.timeline import Segment
>>> env = waveform_envelope(torch.randn(40000).split(7000), 16000, 2.5,
...                         points=100)
>>> [len(part) for part in env]
[100, 100, 100]
>>> fig = timeline_figure([Segment(0.0, 1.25, "dog", ["dog"]),
...                        Segment(1.25, 2.5, "rain", ["rain"])], env)
>>> lane = fig.axes[1]
>>> len(lane.patches), lane.get_xlabel()
(2, 'time (s)')

Authors
 * pengi-sb developers 2026
"""

import math

import torch
from matplotlib.figure import Figure

from pengi_sb.data.audio import window_waveform

# Longest stretch of a clip that is plotted (a long recording is shown from
# its start; the model still hears all of it)
MAX_PLOT_SECONDS = 120.0
WINDOW_COLOURS = ("tab:orange", "tab:green")
# Timeline segments: one colour per distinct text, in order of appearance
SEGMENT_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red",
                   "tab:purple", "tab:brown", "tab:pink", "tab:olive",
                   "tab:cyan", "tab:gray")
NO_LABEL_COLOUR = "lightgray"
MAX_LEGEND = len(SEGMENT_COLOURS)


def window_spans(n_samples, window, mode="mean"):
    """The model windows of a clip, as ``(start, end)`` sample indices.

    The windows :func:`pengi_sb.data.audio.window_waveform` cuts, found by
    cutting the sample indices themselves (so the rule lives in one place).

    Arguments
    ---------
    n_samples : int
        Clip length in samples (at the model rate).
    window : int
        Model window in samples.
    mode : str
        The window mode (``mean``, ``first`` or ``centre``).

    Returns
    -------
    list of (int, int)
        One span per window; a clip no longer than a window has one span
        ``(0, n_samples)`` (the model tiles it to a full window).
    """
    if n_samples <= window:
        return [(0, n_samples)]
    index = torch.arange(n_samples, dtype=torch.int32)
    starts = window_waveform(index, window, mode)[:, 0].tolist()
    return [(s, s + window) for s in starts]


@torch.inference_mode()
def audio_figure(wav, sample_rate, frontend, window, mode="mean"):
    """Waveform and log-mel spectrogram of a clip, model windows marked.

    Arguments
    ---------
    wav : torch.Tensor
        ``[T]`` mono samples at the model rate (what the model reads).
    sample_rate : int
        The model rate.
    frontend : torch.nn.Module
        The model's log-mel front end: ``[B, T]`` -> ``[B, frames, mels]``
        with a ``hop_length`` attribute.
    window : int
        The model window in samples (7 s for the release models).
    mode : str
        The model's window mode; for clips longer than a window a lane
        between the plots shows each window as a bar.

    Returns
    -------
    matplotlib.figure.Figure
    """
    wav = wav.detach().float().cpu()
    total = wav.shape[-1]
    shown = wav[: int(MAX_PLOT_SECONDS * sample_rate)]
    device = next(frontend.parameters()).device
    mel = frontend(shown.unsqueeze(0).to(device))[0].cpu()  # [frames, mels]
    seconds = shown.shape[-1] / sample_rate
    hop_seconds = frontend.hop_length / sample_rate

    spans = window_spans(total, window, mode) if total > window else []
    fig = Figure(figsize=(9, 5.0 if spans else 4.6), layout="constrained")
    if spans:
        ax_wave, ax_win, ax_mel = fig.subplots(
            3, 1, sharex=True, height_ratios=(3, 1, 4))
    else:
        ax_wave, ax_mel = fig.subplots(2, 1, sharex=True)
    step = max(1, shown.shape[-1] // 20000)  # at most ~20k points drawn
    times = torch.arange(0, shown.shape[-1], step) / sample_rate
    ax_wave.plot(times.numpy(), shown[::step].numpy(), linewidth=0.6,
                 color="tab:blue")
    ax_wave.set_ylabel("amplitude")
    ax_wave.set_title(_wave_title(total, sample_rate, window, shown))
    image = ax_mel.imshow(
        mel.T.numpy(), origin="lower", aspect="auto", cmap="magma",
        extent=(0.0, mel.shape[0] * hop_seconds, 0, mel.shape[1]))
    fig.colorbar(image, ax=ax_mel, label="dB", pad=0.01)
    ax_mel.set_ylabel("mel bin")
    ax_mel.set_xlabel("time (s)")
    ax_mel.set_title(f"Log-mel spectrogram (the model input): "
                     f"{mel.shape[1]} mel bins, hop "
                     f"{hop_seconds * 1000:.0f} ms")
    ax_wave.set_xlim(0.0, seconds)
    if spans:
        _draw_windows(ax_win, spans, sample_rate)
    return fig


def _draw_windows(ax, spans, sample_rate):
    """One bar per model window, on two alternating rows (they overlap by
    half a window)."""
    gap = 0.02 * (spans[0][1] - spans[0][0])  # windows of a row touch
    for k, (start, end) in enumerate(spans):
        row = k % 2
        ax.barh(row, (end - start - 2 * gap) / sample_rate,
                left=(start + gap) / sample_rate, height=0.7,
                color=WINDOW_COLOURS[row], alpha=0.85)
        if len(spans) <= 24:
            ax.text((start + end) / 2 / sample_rate, row, f"{k + 1}",
                    ha="center", va="center", fontsize=7, color="white")
    ax.set_ylim(1.6, -0.6)
    ax.set_yticks([])
    ax.set_ylabel("windows", rotation=0, ha="right", va="center")
    if len(spans) > 1:
        title = f"The model's {len(spans)} windows (embeddings averaged)"
    else:
        title = "The model's one window (window mode first/centre)"
    ax.set_title(title, fontsize=9)


def _wave_title(total, sample_rate, window, shown):
    """The waveform's title: length, and how the model windows the clip."""
    length = total / sample_rate
    win = window / sample_rate
    title = f"Waveform: {length:.2f} s at {sample_rate} Hz"
    if total <= window:
        return title + f" (repeated to fill the model's {win:g} s window)"
    title += f", cut into the model's {win:g} s windows"
    if shown.shape[-1] < total:
        title += f" (first {MAX_PLOT_SECONDS:g} s shown)"
    return title


def label_chart(labels, values, quantity):
    """Horizontal bar chart of one value per label, best at the top.

    Arguments
    ---------
    labels : list of str
        Labels, best first.
    values : list of float
        Their probabilities (or similarities), same order.
    quantity : str
        What the values are (the x axis label).

    Returns
    -------
    matplotlib.figure.Figure
    """
    height = 0.9 + 0.38 * len(labels)
    fig = Figure(figsize=(7, height), layout="constrained")
    ax = fig.subplots()
    rows = list(range(len(labels)))[::-1]
    bars = ax.barh(rows, values, color="tab:blue")
    ax.set_yticks(rows, labels)
    ax.bar_label(bars, fmt="%.3f", padding=3)
    ax.set_xlabel(quantity)
    low = min(0.0, min(values))
    ax.set_xlim(low, max(1.0, max(values)) * 1.15)
    ax.set_title(f"Labels ranked by {quantity}")
    return fig


@torch.inference_mode()
def waveform_envelope(blocks, sample_rate, seconds, points=2000):
    """The min and max of a recording over ``points`` equal stretches,
    from its blocks (memory of one block, whatever the length).

    Arguments
    ---------
    blocks : iterable of torch.Tensor
        The recording as consecutive mono blocks ``[n]``
        (:func:`pengi_sb.data.long_audio.read_blocks`).
    sample_rate : int
        Their rate.
    seconds : float
        The recording's length (sets the stretch length).
    points : int
        Stretches wanted; a short recording gives fewer (one sample each).

    Returns
    -------
    tuple of torch.Tensor
        ``(times, low, high)``: each stretch's start in seconds, its
        minimum and maximum.
    """
    per = max(1, math.ceil(seconds * sample_rate / points))
    lows, highs, rest = [], [], torch.zeros(0)
    for block in blocks:
        data = torch.cat([rest, block.detach().float().cpu().reshape(-1)])
        n = data.shape[0] // per * per
        chunks = data[:n].view(-1, per)
        lows.append(chunks.min(dim=1).values)
        highs.append(chunks.max(dim=1).values)
        rest = data[n:]
    if rest.numel():
        lows.append(rest.min().view(1))
        highs.append(rest.max().view(1))
    low = torch.cat(lows) if lows else torch.zeros(0)
    high = torch.cat(highs) if highs else torch.zeros(0)
    times = torch.arange(low.shape[0], dtype=torch.float64) * per / sample_rate
    return times, low, high


def _count(segments):
    """``"1 segment"``, ``"4 segments"``."""
    return f"{len(segments)} segment{'' if len(segments) == 1 else 's'}"


def segment_colours(segments):
    """One colour per distinct segment text (``{text: colour}``), in order
    of appearance; segments without text are grey."""
    colours = {}
    for seg in segments:
        if seg.text not in colours:
            k = sum(1 for t in colours if t)
            colours[seg.text] = (SEGMENT_COLOURS[k % len(SEGMENT_COLOURS)]
                                 if seg.text else NO_LABEL_COLOUR)
    return colours


def timeline_figure(segments, envelope=None, what="text"):
    """A recording's timeline: its waveform, and one coloured span per
    segment on the same time axis.

    Arguments
    ---------
    segments : list of pengi_sb.inference.timeline.Segment
        One file's timeline (:meth:`pengi_sb.inference.Pengi.timeline_file`).
    envelope : tuple, optional
        ``(times, low, high)`` of :func:`waveform_envelope`; without it the
        figure shows the segments only.
    what : str
        What the segments' texts are (``caption``, ``sound events``,
        ``labels``), for the title.

    Returns
    -------
    matplotlib.figure.Figure
        With a waveform axis (when ``envelope`` is given) above the lane
        of segments; the spans are also shaded on the waveform.
    """
    colours = segment_colours(segments)
    end = max([s.end for s in segments] or [0.0])
    if envelope is not None and len(envelope[0]):
        end = max(end, float(envelope[0][-1]))
        fig = Figure(figsize=(9, 3.8), layout="constrained")
        ax_wave, ax = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
        times, low, high = (t.numpy() for t in envelope)
        ax_wave.fill_between(times, low, high, step="post", linewidth=0.4,
                             color="0.3", edgecolor="0.3")
        for seg in segments:
            ax_wave.axvspan(seg.start, seg.end, color=colours[seg.text],
                            alpha=0.15, linewidth=0)
        ax_wave.set_ylabel("amplitude")
        ax_wave.set_title(f"Timeline of {_count(segments)} "
                          f"({what}) over {end:.2f} s")
    else:
        fig = Figure(figsize=(9, 1.8), layout="constrained")
        ax = fig.subplots()
        ax.set_title(f"Timeline of {_count(segments)} ({what})")
    for seg in segments:
        ax.barh(0, seg.end - seg.start, left=seg.start, height=0.8,
                color=colours[seg.text], edgecolor="white", linewidth=0.8)
        # about 110 characters of 7-point text fit across the lane
        room = int(110 * (seg.end - seg.start) / max(end, 1e-9))
        if room >= 6:
            text = (seg.text if len(seg.text) <= room
                    else seg.text[: room - 1] + "…")
            ax.text((seg.start + seg.end) / 2, 0, text or "–",
                    ha="center", va="center", fontsize=7, clip_on=True)
    ax.set_ylim(-0.6, 0.6)
    ax.set_yticks([])
    ax.set_xlim(0.0, end or 1.0)
    ax.set_xlabel("time (s)")
    shown = [t for t in colours if t]
    if 0 < len(shown) <= MAX_LEGEND:
        from matplotlib.patches import Patch

        handles = [Patch(color=colours[t], label=t if len(t) <= 40
                         else t[:39] + "…") for t in shown]
        fig.legend(handles=handles, loc="outside lower center",
                   ncols=min(len(handles), 3), fontsize=7, frameon=False)
    return fig
