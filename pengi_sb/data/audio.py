"""Audio input: any file soundfile reads, any rate, any channel count ->
mono float32 at the model rate, cut into the model's fixed-length windows.

* Channels are averaged (the original flattened them one after another).
* Clips shorter than a window are tiled by repetition and cut, as the
  original loader did.
* Longer clips are never randomly cropped: :func:`window_waveform` returns
  deterministic windows: ``"mean"`` (default) = every window of a hop of
  half a window, including one ending at the last sample, whose
  embeddings the caller averages; ``"first"`` / ``"centre"`` = one window.

Example
-------
>>> wav = torch.arange(10.0)
>>> tile_to_length(wav, 25).shape
torch.Size([25])
>>> window_waveform(torch.zeros(100), 40, mode="mean").shape
torch.Size([4, 40])
>>> window_waveform(torch.zeros(100), 40, mode="centre").shape
torch.Size([1, 40])
>>> average_windows(torch.tensor([[1.0], [3.0], [5.0]]), torch.tensor([0, 0, 1]), 2)
tensor([[2.],
        [5.]])

Authors
 * pengi-sb developers 2026
"""

import math
import os

import numpy as np
import soundfile
import torch
import torchaudio
from speechbrain.utils.logger import get_logger

logger = get_logger(__name__)

WINDOW_MODES = ("mean", "first", "centre")


class AudioError(ValueError):
    """An audio file or tensor that cannot be used; the message names it."""


def load_audio(path, sample_rate, max_seconds=3600.0, start=None, stop=None):
    """Reads ``path`` -> mono float32 ``[T]`` at ``sample_rate``.

    Arguments
    ---------
    path : str
        Any format libsndfile reads (wav, flac, ogg, mp3...).
    sample_rate : int
        Target rate; other rates are resampled.
    max_seconds : float
        Longer files are refused (split them first): a guard against
        loading hours of audio into memory by mistake.
    start, stop : float, optional
        Segment to read, in seconds.

    Raises
    ------
    AudioError
        Missing, empty, unreadable, too long, or non-finite audio.
    """
    if not os.path.isfile(path):
        raise AudioError(f"audio file {path} does not exist")
    if os.path.getsize(path) == 0:
        raise AudioError(f"audio file {path} is empty (0 bytes)")
    try:
        info = soundfile.info(path)
    except (RuntimeError, soundfile.LibsndfileError) as err:
        raise AudioError(
            f"audio file {path} cannot be decoded ({err}); it is corrupt or "
            "not audio: convert it to wav/flac"
        ) from None
    seconds = info.frames / max(info.samplerate, 1)
    if seconds > max_seconds:
        raise AudioError(
            f"audio file {path} lasts {seconds:.0f} s, more than "
            f"max_seconds={max_seconds:.0f}: split it into shorter files or "
            "raise max_seconds"
        )
    first = int((start or 0.0) * info.samplerate)
    last = int(stop * info.samplerate) if stop is not None else -1
    try:
        data, rate = soundfile.read(path, start=first, stop=last if last >= 0
                                    else None, dtype="float32",
                                    always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as err:
        raise AudioError(f"audio file {path} cannot be read: {err}") from None
    if data.shape[0] == 0:
        raise AudioError(f"audio file {path} holds no samples"
                         + (f" in [{start}, {stop}] s" if start or stop else ""))
    wav = torch.from_numpy(np.ascontiguousarray(data.mean(axis=1)))
    return prepare_waveform(wav, rate, sample_rate, name=path)


def prepare_waveform(wav, rate, sample_rate, name="waveform"):
    """Checks a tensor and brings it to mono ``[T]`` at ``sample_rate``.

    ``wav`` may be ``[T]`` or ``[channels, T]`` (channels are averaged).
    """
    wav = torch.as_tensor(wav, dtype=torch.float32)
    if wav.dim() == 2:
        wav = wav.mean(dim=0)
    if wav.dim() != 1:
        raise AudioError(f"{name}: expected [T] or [channels, T] samples, "
                         f"got shape {tuple(wav.shape)}")
    if wav.numel() == 0:
        raise AudioError(f"{name} holds no samples")
    if not bool(torch.isfinite(wav).all()):
        raise AudioError(f"{name} contains NaN or infinite samples")
    if rate != sample_rate:
        wav = torchaudio.functional.resample(wav, rate, sample_rate)
    if float(wav.abs().max()) == 0.0:
        logger.warning("%s is digital silence", name)
    return wav


def tile_to_length(wav, length):
    """Repeats ``wav [T]`` until it is ``length`` long, then cuts."""
    if wav.shape[-1] >= length:
        return wav[..., :length]
    repeats = math.ceil(length / wav.shape[-1])
    return wav.repeat(repeats)[:length]


def window_waveform(wav, length, mode="mean", hop=None):
    """Cuts ``wav [T]`` into model windows ``[W, length]``.

    Arguments
    ---------
    wav : torch.Tensor
        ``[T]`` samples at the model rate.
    length : int
        Window length in samples (7 s at 44.1 kHz for the release models).
    mode : str
        ``"mean"``: overlapping windows (hop = ``hop`` or half a window),
        the last one ending at the last sample; the caller averages their
        embeddings. ``"first"``: the first window. ``"centre"``: the window
        in the middle. Short clips always give one tiled window.
    hop : int, optional
        Hop between windows for ``"mean"``.
    """
    if mode not in WINDOW_MODES:
        raise ValueError(f"window mode must be one of {WINDOW_MODES}, "
                         f"not '{mode}'")
    if wav.shape[-1] <= length:
        return tile_to_length(wav, length).unsqueeze(0)
    if mode == "first":
        return wav[:length].unsqueeze(0)
    if mode == "centre":
        start = (wav.shape[-1] - length) // 2
        return wav[start:start + length].unsqueeze(0)
    hop = hop or length // 2
    starts = list(range(0, wav.shape[-1] - length + 1, hop))
    if starts[-1] + length < wav.shape[-1]:
        starts.append(wav.shape[-1] - length)
    return torch.stack([wav[s:s + length] for s in starts])


def average_windows(embeddings, owner, n_clips):
    """Mean of the window embeddings of each clip.

    Arguments
    ---------
    embeddings : torch.Tensor
        ``[W, D]``, one row per window.
    owner : torch.Tensor
        ``[W]`` clip index of each window.
    n_clips : int
        Number of clips.

    Returns
    -------
    torch.Tensor
        ``[n_clips, D]``.
    """
    total = embeddings.new_zeros(n_clips, embeddings.shape[-1])
    total.index_add_(0, owner, embeddings)
    counts = torch.bincount(owner, minlength=n_clips).unsqueeze(-1)
    return total / counts.to(total.dtype)
