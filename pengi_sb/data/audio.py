"""Audio into Pengi: waveform -> mono at the model rate -> model windows
-> one embedding per clip; the one path of inference, training and
evaluation.

::

    file (load_audio) or tensor rows (waveforms_from_batch)
      -> prepare_waveform: mono float32 [T] at the model rate
      -> window_waveform: windows [W, length] of one clip
      -> stack_windows: windows [N, length] of all clips + owner [N]
      -> embed_windows: encoder over the windows, average_windows per clip
         -> [B, D]

* Channels are averaged (the original flattened them one after another).
* Clips shorter than a window are tiled by repetition and cut, as the
  original loader did.
* Longer clips are never randomly cropped in evaluation and inference:
  the **window mode** (``window_mode``, one name everywhere: the
  ``Pengi`` interface, ``PengiDataset`` and the recipes' hparams) picks
  deterministic windows. ``"mean"`` (the default, :data:`DEFAULT_WINDOW_MODE`)
  = every window of a hop of half a window, including one ending at the
  last sample, whose embeddings are averaged; ``"first"`` / ``"centre"`` =
  one window. (Training draws one seeded random window instead:
  :mod:`pengi_sb.data.pipeline`.)

Example
-------
>>> wav = torch.arange(10.0)
>>> tile_to_length(wav, 25).shape
torch.Size([25])
>>> window_waveform(torch.zeros(100), 40, mode="mean").shape
torch.Size([4, 40])
>>> window_waveform(torch.zeros(100), 40, mode="centre").shape
torch.Size([1, 40])
>>> windows, owner = stack_windows([torch.zeros(2, 40), torch.ones(1, 40)])
>>> windows.shape, owner.tolist()
(torch.Size([3, 40]), [0, 0, 1])
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

# File extensions of the formats the audio path reads (libsndfile: WAV,
# FLAC, Ogg Vorbis and Opus, MP3, AIFF); MP4 / AAC (.m4a) is not one.
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3", ".opus", ".aiff",
                    ".aif")
WINDOW_MODES = ("mean", "first", "centre")
DEFAULT_WINDOW_MODE = "mean"


class AudioError(ValueError):
    """An audio file or tensor that cannot be used; the message names it."""


def open_audio(path):
    """Opens ``path`` for reading (whole or in blocks), or raises a clear
    :class:`AudioError` naming it (missing, empty, not decodable).

    Arguments
    ---------
    path : str
        Any format libsndfile reads.

    Returns
    -------
    soundfile.SoundFile
        Open for reading (close it, or use it in a ``with`` block).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise AudioError(f"audio file {path} does not exist")
    if os.path.getsize(path) == 0:
        raise AudioError(f"audio file {path} is empty (0 bytes)")
    try:
        return soundfile.SoundFile(path)
    except (RuntimeError, soundfile.LibsndfileError) as err:
        raise AudioError(
            f"audio file {path} cannot be decoded ({err}); it is corrupt or "
            "not audio: convert it to wav/flac"
        ) from None


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
    with open_audio(path) as f:
        rate = f.samplerate
        seconds = f.frames / max(rate, 1)
        if seconds > max_seconds:
            raise AudioError(
                f"audio file {path} lasts {seconds:.0f} s, more than "
                f"max_seconds={max_seconds:.0f}: split it into shorter files "
                "or raise max_seconds"
            )
        first = min(int((start or 0.0) * rate), f.frames)
        last = int(stop * rate) if stop is not None else f.frames
        try:
            f.seek(first)
            data = f.read(max(0, min(last, f.frames) - first),
                          dtype="float32", always_2d=True)
        except (RuntimeError, soundfile.LibsndfileError) as err:
            raise AudioError(
                f"audio file {path} cannot be read: {err}") from None
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


def waveforms_from_batch(wavs, wav_lens=None, rate=None, sample_rate=None):
    """A padded batch -> one mono waveform ``[T_i]`` per clip at the model
    rate (each row cut to its length, then :func:`prepare_waveform`).

    Arguments
    ---------
    wavs : torch.Tensor
        ``[B, T]`` samples (``[T]``: one clip; ``[B, channels, T]``:
        channels are averaged), at ``rate``.
    wav_lens : torch.Tensor, optional
        ``[B]`` relative lengths in (0, 1], as in SpeechBrain (default: all
        1).
    rate : int, optional
        Sample rate of ``wavs``; default ``sample_rate`` (no resampling).
    sample_rate : int
        The model's rate.

    Returns
    -------
    list of torch.Tensor
        ``B`` tensors ``[T_i]`` at ``sample_rate``, on the CPU.

    Example
    -------
    >>> out = waveforms_from_batch(torch.ones(2, 8), torch.tensor([1.0, 0.5]),
    ...                            sample_rate=16000)
    >>> [w.shape[0] for w in out]
    [8, 4]
    >>> out = waveforms_from_batch(torch.ones(1, 300), None, rate=48000,
    ...                            sample_rate=16000)
    >>> out[0].shape
    torch.Size([100])
    """
    wavs = torch.as_tensor(wavs)
    if wavs.dim() == 1:
        wavs = wavs.unsqueeze(0)
    if wavs.dim() not in (2, 3):
        raise AudioError(f"expected a batch of waveforms [B, T] (or [B, "
                         f"channels, T]), got shape {tuple(wavs.shape)}")
    if wav_lens is None:
        wav_lens = torch.ones(wavs.shape[0])
    elif isinstance(wav_lens, str) or not hasattr(wav_lens, "__len__"):
        raise TypeError(
            f"wav_lens must be the relative lengths of the batch (a tensor "
            f"of {wavs.shape[0]} values in (0, 1]) or None, not "
            f"{wav_lens!r}: the arguments of a task come after wav_lens")
    if len(wav_lens) != wavs.shape[0]:
        raise ValueError(f"{wavs.shape[0]} waveforms but {len(wav_lens)} "
                         "relative lengths in wav_lens")
    out = []
    for i, (wav, rel) in enumerate(zip(wavs, wav_lens, strict=True)):
        n = int(round(float(rel) * wav.shape[-1]))
        out.append(prepare_waveform(wav[..., :n].cpu(), rate or sample_rate,
                                    sample_rate, f"batch item {i}"))
    return out


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
    check_window_mode(mode)
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


def check_window_mode(mode, name="window_mode"):
    """Returns ``mode`` when it is a window mode, else raises ValueError."""
    if mode not in WINDOW_MODES:
        raise ValueError(f"{name} must be one of {WINDOW_MODES}, not "
                         f"{mode!r}")
    return mode


def window_mode_from_hparams(hparams):
    """The ``window_mode`` of recipe hparams (default
    :data:`DEFAULT_WINDOW_MODE`), checked.

    Raises
    ------
    ValueError
        For the old key ``eval_window`` (renamed ``window_mode``), so that
        an old yaml is not silently read with the default.

    Example
    -------
    >>> window_mode_from_hparams({"window_mode": "centre"})
    'centre'
    >>> window_mode_from_hparams({})
    'mean'
    """
    if "eval_window" in hparams:
        raise ValueError(
            "the hparams key 'eval_window' was renamed 'window_mode' (the "
            "same values: mean, first, centre): rename it in your yaml")
    return check_window_mode(hparams.get("window_mode", DEFAULT_WINDOW_MODE))


def stack_windows(windows):
    """The windows of several clips as one batch.

    Arguments
    ---------
    windows : list of torch.Tensor
        Per clip, its windows ``[W_i, length]``.

    Returns
    -------
    (torch.Tensor, torch.Tensor)
        ``windows [N, length]`` (``N = sum W_i``, clip by clip) and
        ``owner [N]``, the clip index of each window.
    """
    counts = torch.tensor([w.shape[0] for w in windows])
    owner = torch.repeat_interleave(torch.arange(len(windows)), counts)
    return torch.cat(windows, dim=0), owner


def embed_windows(encode, windows, owner, n_clips, batch_size=None):
    """Audio embeddings of clips from their windows: the one place where
    window embeddings become clip embeddings.

    Arguments
    ---------
    encode : callable
        ``windows [n, length]`` -> ``[n, D]`` (``PengiModel.encode_audio``).
    windows : torch.Tensor
        ``[N, length]``, as :func:`stack_windows` gives them.
    owner : torch.Tensor
        ``[N]`` clip index of each window.
    n_clips : int
        Number of clips ``B``.
    batch_size : int, optional
        Most windows encoded in one call (default: all at once).

    Returns
    -------
    torch.Tensor
        ``[B, D]``: a clip's embedding, or the mean of its windows'
        embeddings when it has several.

    Example
    -------
    >>> encode = lambda w: w[:, :1] * 2
    >>> windows = torch.tensor([[1.0, 0.0], [3.0, 0.0], [5.0, 0.0]])
    >>> embed_windows(encode, windows, torch.tensor([0, 0, 1]), 2, 2)
    tensor([[ 4.],
            [10.]])
    """
    step = batch_size or max(windows.shape[0], 1)
    embeddings = torch.cat([encode(windows[s:s + step])
                            for s in range(0, windows.shape[0], step)])
    if windows.shape[0] == n_clips:  # one window each: nothing to average
        return embeddings
    return average_windows(embeddings, owner.to(embeddings.device), n_clips)


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
