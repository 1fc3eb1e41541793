"""Reads LocalSounds' source audio and writes corpus clips (mono, resampled,
cropped, padded, 16-bit).

Every clip of the corpus is written as ``<data_folder>/<source>/<clip_id>.wav``
(:func:`clip_path`), mono PCM_16 at the corpus ``sample_rate``, between
``min_seconds`` (padded with silence) and ``max_seconds`` (cut) long.

Example
-------
>>> import numpy as np
>>> wave = np.r_[np.zeros(8000), np.ones(100)].astype(np.float32)
>>> len(trim_leading_silence(wave, 16000))  # 50 ms are kept before the sound
900
>>> clip = finish_clip(np.ones(100, np.float32), 8000, 16000, 4.0, 0.5)
>>> len(clip), round(float(clip.max()), 4)
(8000, 0.99)

Authors
 * pengi-sb developers 2026
"""

import os

import numpy as np
import soundfile
import torch
import torchaudio
from speechbrain.utils.logger import get_logger

__all__ = [
    "DECODE_ERRORS",
    "clip_path",
    "convert_clip",
    "finish_clip",
    "read_mono",
    "trim_leading_silence",
    "write_clip",
    "write_recorded",
]

logger = get_logger(__name__)

# What soundfile raises for a file it cannot decode.
DECODE_ERRORS = (RuntimeError, soundfile.LibsndfileError)


def clip_path(data_folder, clip):
    """Where the wav of ``clip`` is written.

    Arguments
    ---------
    data_folder : str
        The corpus audio folder.
    clip : Clip
        A planned clip.

    Returns
    -------
    str
        ``<data_folder>/<source>/<clip_id>.wav``.
    """
    return os.path.join(data_folder, clip.source, f"{clip.clip_id}.wav")


def read_mono(path, max_seconds, trim=False):
    """Reads at most ``max_seconds`` of ``path`` as mono float32.

    Arguments
    ---------
    path : str
        An audio file soundfile can read.
    max_seconds : float
        How much is kept.
    trim : bool
        Start at the first sound (:func:`trim_leading_silence`); 2 s more
        are read so that a silent start does not shorten the clip.

    Returns
    -------
    numpy.ndarray
        ``[samples]``, float32.
    int
        The file's sample rate.
    """
    info = soundfile.info(path)
    sr = info.samplerate
    lookahead = 2.0 if trim else 0.0
    frames = min(info.frames, int((max_seconds + lookahead) * sr))
    data, sr = soundfile.read(
        path, frames=frames, dtype="float32", always_2d=True
    )
    wave = data.mean(axis=1)
    if trim:
        wave = trim_leading_silence(wave, sr)
    return wave[: int(max_seconds * sr)], sr


def trim_leading_silence(wave, sr, below_db=40.0, keep_seconds=0.05):
    """Drops the start of ``wave`` before its first sound.

    Arguments
    ---------
    wave : numpy.ndarray
        ``[samples]``.
    sr : int
        Its sample rate.
    below_db : float
        Samples more than this far below the peak are silence.
    keep_seconds : float
        Silence kept before the first sound.

    Returns
    -------
    numpy.ndarray
        ``[samples']``; ``wave`` itself when it is all zeros.
    """
    peak = float(np.abs(wave).max()) if wave.size else 0.0
    if peak == 0.0:
        return wave
    loud = np.nonzero(np.abs(wave) > peak * 10 ** (-below_db / 20))[0]
    start = max(0, int(loud[0]) - int(keep_seconds * sr))
    return wave[start:]


def finish_clip(wave, sr, sample_rate, max_seconds, min_seconds):
    """Resamples, crops, pads and keeps a clip below full scale.

    Arguments
    ---------
    wave : numpy.ndarray
        ``[samples]`` at ``sr``.
    sr : int
        Its sample rate.
    sample_rate : int
        The corpus rate.
    max_seconds, min_seconds : float
        Longer clips are cut, shorter ones padded with zeros.

    Returns
    -------
    numpy.ndarray
        ``[samples']`` float32 at ``sample_rate``, peak at most 0.99.
    """
    if sr != sample_rate:
        wave = torchaudio.functional.resample(
            torch.from_numpy(np.ascontiguousarray(wave)), sr, sample_rate
        ).numpy()
    wave = wave[: int(round(max_seconds * sample_rate))]
    short = int(round(min_seconds * sample_rate)) - len(wave)
    if short > 0:
        wave = np.concatenate([wave, np.zeros(short, dtype=wave.dtype)])
    peak = float(np.abs(wave).max())
    if peak > 0.99:
        wave = wave * (0.99 / peak)
    return wave.astype(np.float32)


def write_clip(wave, path, sample_rate):
    """Writes ``wave`` as a mono 16-bit wav; returns its duration.

    Arguments
    ---------
    wave : numpy.ndarray
        ``[samples]``.
    path : str
        The wav to write (its folder is made).
    sample_rate : int
        The rate written in the header.

    Returns
    -------
    float
        Seconds.
    """
    os.makedirs(os.path.dirname(path), exist_ok=True)
    soundfile.write(path, wave, sample_rate, subtype="PCM_16")
    return len(wave) / sample_rate


def convert_clip(src, dst, opts, trim=False):
    """Writes ``src`` as a corpus clip at ``dst``; returns its duration.

    Arguments
    ---------
    src : str
        A source recording.
    dst : str
        The clip to write.
    opts : dict
        The preparation options (``sample_rate``, ``max_seconds``,
        ``min_seconds``).
    trim : bool
        Start at the first sound.

    Returns
    -------
    float or None
        None (and a logged reason) for a file that cannot be decoded or
        is silent, so that one bad system file does not stop the build.
    """
    try:
        wave, sr = read_mono(src, opts["max_seconds"], trim=trim)
    except DECODE_ERRORS as err:
        logger.warning("LocalSounds: skipping %s (cannot decode: %s)", src,
                       err)
        return None
    if wave.size == 0 or not np.any(wave):
        logger.warning("LocalSounds: skipping %s (empty or silent)", src)
        return None
    wave = finish_clip(wave, sr, opts["sample_rate"], opts["max_seconds"],
                       opts["min_seconds"])
    return write_clip(wave, dst, opts["sample_rate"])


def write_recorded(clips, opts, trim=False):
    """Converts recorded clips (speech, drums, samples, events).

    Arguments
    ---------
    clips : list of Clip
        Planned clips whose ``fields["path"]`` is the source recording.
    opts : dict
        The preparation options (``data_folder`` and those of
        :func:`convert_clip`).
    trim : bool
        Start each clip at its first sound (speech).

    Returns
    -------
    list of Clip
        Those written, with their ``duration``; clips that cannot be
        decoded are dropped.
    """
    kept = []
    for clip in clips:
        dst = clip_path(opts["data_folder"], clip)
        duration = convert_clip(clip.fields["path"], dst, opts, trim=trim)
        if duration is not None:
            clip.duration = duration
            kept.append(clip)
    return kept
