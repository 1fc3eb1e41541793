"""Long recordings in bounded memory: a file is read in soundfile blocks,
resampled block by block, and cut into model windows that come out in
batches with their start and end times.

Peak memory depends on the block and window sizes, never on the file's
length, so an hour of audio needs no more than a minute does.

* :class:`BlockResampler` resamples a stream of blocks. Each block is
  resampled together with enough samples of its neighbours (the sinc
  kernel's reach, rounded up to whole resampling periods) that the
  concatenated output equals ``torchaudio.functional.resample`` of the
  whole signal to float32 rounding.
* :func:`read_blocks` reads any file soundfile reads, mixes each block to
  mono and resamples it to the model rate: the same samples as
  :func:`pengi_sb.data.audio.load_audio`, without holding the file.
* :func:`iter_windows` cuts that stream into the windows of
  :func:`pengi_sb.data.audio.window_waveform` (``mode="mean"``: a hop
  apart, plus one ending at the last sample; a short file gives one tiled
  window) and yields them ``batch_size`` at a time.

Example
-------
>>> import torchaudio
>>> signal = torch.randn(10_000)
>>> resampler = BlockResampler(44100, 16000)
>>> parts = [resampler.push(block) for block in signal.split(3001)]
>>> streamed = torch.cat(parts + [resampler.flush()])
>>> whole = torchaudio.functional.resample(signal, 44100, 16000)
>>> streamed.shape == whole.shape, bool((streamed - whole).abs().max() < 1e-5)
(True, True)

Authors
 * pengi-sb developers 2026
"""

import math
from dataclasses import dataclass

import numpy as np
import soundfile
import torch
import torchaudio
from speechbrain.utils.logger import get_logger

from pengi_sb.data.audio import AudioError, open_audio, tile_to_length

logger = get_logger(__name__)

# Seconds of the source file read at once. A file no longer than one block
# is resampled in one call, exactly as load_audio resamples it.
BLOCK_SECONDS = 60.0
# torchaudio.functional.resample's defaults, which load_audio uses
LOWPASS_FILTER_WIDTH = 6
ROLLOFF = 0.99


class BlockResampler:
    """Resamples a signal that arrives in blocks of any size.

    Output sample ``j`` of ``torchaudio.functional.resample`` depends on
    the input within the kernel's reach around ``j * orig / new``. The
    resampler keeps that many input samples of context on each side
    (``context`` whole periods of ``orig / gcd`` samples, so that every
    resampled piece starts on the same kernel phase as the whole signal
    would) and hands out each output sample once, as soon as its right
    context has arrived.

    Arguments
    ---------
    orig_rate : int
        Rate of the blocks pushed in.
    new_rate : int
        Rate of the output.

    Example
    -------
    >>> resampler = BlockResampler(48000, 32000)
    >>> resampler.push(torch.zeros(4800)).shape  # minus the right context
    torch.Size([3188])
    >>> resampler.flush().shape  # the rest: 3200 samples in all
    torch.Size([12])
    """

    def __init__(self, orig_rate, new_rate):
        if int(orig_rate) <= 0 or int(new_rate) <= 0:
            raise ValueError(f"sample rates must be positive, got "
                             f"{orig_rate} -> {new_rate}")
        self.orig_rate, self.new_rate = int(orig_rate), int(new_rate)
        gcd = math.gcd(self.orig_rate, self.new_rate)
        # one period: `orig` input samples give `new` output samples
        self.orig, self.new = self.orig_rate // gcd, self.new_rate // gcd
        # the kernel's reach in input samples (torchaudio's formula)
        width = math.ceil(LOWPASS_FILTER_WIDTH * self.orig
                          / (min(self.orig, self.new) * ROLLOFF))
        # periods of context: output period k reads inputs
        # [k * orig - width, (k + 1) * orig + width)
        self.context = math.ceil((width + self.orig) / self.orig) + 1
        self._buffer = torch.zeros(0)
        self._buffer_start = 0  # input index of _buffer[0], a period start
        self._done = 0  # output periods handed out so far

    def _resample(self, wav):
        return torchaudio.functional.resample(
            wav, self.orig_rate, self.new_rate,
            lowpass_filter_width=LOWPASS_FILTER_WIDTH, rolloff=ROLLOFF)

    def push(self, block, last=False):
        """Adds ``block [n]``; returns the output ready so far ``[m]``.

        With ``last=True`` the stream ends with this block and all the
        remaining output is returned (a whole signal pushed at once as
        the last block is resampled in one call, exactly as
        ``torchaudio.functional.resample`` does).
        """
        block = torch.as_tensor(block, dtype=torch.float32)
        if self.orig_rate == self.new_rate:
            return block
        self._buffer = torch.cat([self._buffer, block])
        end = self._buffer_start + self._buffer.shape[0]
        first = self._buffer_start // self.orig
        if last:
            out = self._buffer.new_zeros(0)
            if self._buffer.numel():
                out = self._resample(self._buffer)[
                    (self._done - first) * self.new:]
            self._buffer = self._buffer.new_zeros(0)
            return out
        ready = (end - self.context * self.orig) // self.orig
        if ready <= self._done:
            return self._buffer.new_zeros(0)
        out = self._resample(self._buffer)
        out = out[(self._done - first) * self.new:(ready - first) * self.new]
        self._done = ready
        keep = max(0, (ready - self.context) * self.orig)
        self._buffer = self._buffer[keep - self._buffer_start:].clone()
        self._buffer_start = keep
        return out

    def flush(self):
        """Ends the stream; returns the remaining output ``[m]``."""
        return self.push(torch.zeros(0), last=True)


def audio_seconds(path):
    """Duration of ``path`` in seconds, from its header (nothing decoded).

    Example
    -------
    >>> audio_seconds("missing.wav")
    Traceback (most recent call last):
    ...
    pengi_sb.data.audio.AudioError: audio file missing.wav does not exist
    """
    with open_audio(path) as f:
        return f.frames / max(f.samplerate, 1)


def read_blocks(path, sample_rate, block_seconds=BLOCK_SECONDS):
    """Yields ``path`` as mono float32 blocks ``[n]`` at ``sample_rate``.

    Concatenated, the blocks equal ``load_audio(path, sample_rate)`` to
    float32 rounding (exactly, for a file no longer than one block), while
    at most two blocks of the file are held (the one being resampled, with
    the resampler's context, and the next).

    Arguments
    ---------
    path : str
        Any format libsndfile reads, any channel count and rate.
    sample_rate : int
        Output rate.
    block_seconds : float
        Seconds of the file read at once.

    Raises
    ------
    AudioError
        Missing, empty, unreadable or sample-less files, and non-finite
        samples (the message gives the time).
    """
    if block_seconds <= 0:
        raise ValueError(f"block_seconds must be positive, not "
                         f"{block_seconds}")
    with open_audio(path) as f:
        rate = f.samplerate
        resampler = BlockResampler(rate, sample_rate)
        frames = max(1, int(block_seconds * rate))
        read, peak = 0, 0.0
        block = _read_block(f, frames, path, read)
        while block is not None:
            if not bool(torch.isfinite(block).all()):
                raise AudioError(f"audio file {path} contains NaN or "
                                 f"infinite samples after {read / rate:.1f} s")
            read += block.shape[0]
            peak = max(peak, float(block.abs().max()))
            # one block ahead: the last block ends the resampler's stream
            following = _read_block(f, frames, path, read)
            out = resampler.push(block, last=following is None)
            if out.numel():
                yield out
            block = following
        if read == 0:
            raise AudioError(f"audio file {path} holds no samples")
    if peak == 0.0:
        logger.warning("%s is digital silence", path)


def _read_block(f, frames, path, read):
    """The next block of open file ``f`` mixed to mono ``[n]``, or None at
    the end."""
    try:
        data = f.read(frames, dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as err:
        raise AudioError(f"audio file {path} cannot be read after "
                         f"{read / f.samplerate:.1f} s: {err}") from None
    if data.shape[0] == 0:
        return None
    # mixed to mono exactly as load_audio mixes the whole file
    return torch.from_numpy(np.ascontiguousarray(data.mean(axis=1)))


@dataclass
class WindowBatch:
    """Consecutive model windows of one file.

    ``windows`` is ``[N, window]`` at the model rate; ``starts`` and
    ``ends`` (lists of ``N`` floats) are their times in seconds in the
    file. A window of a file shorter than one window is the file tiled by
    repetition; its end is the file's end.
    """

    windows: torch.Tensor
    starts: list
    ends: list


def iter_windows(path, sample_rate, window, hop=None, batch_size=16,
                 block_seconds=BLOCK_SECONDS):
    """Yields the windows of ``path`` in batches, reading it block by block.

    The windows are those of ``window_waveform(load_audio(path), window,
    mode="mean", hop=hop)``: starting every ``hop`` samples, plus one
    ending at the last sample when the hops miss it; a file shorter than a
    window gives one tiled window.

    Arguments
    ---------
    path : str
        Audio file.
    sample_rate : int
        Model rate.
    window : int
        Window length in samples.
    hop : int, optional
        Samples between window starts (default: half a window).
    batch_size : int
        Windows per :class:`WindowBatch` (the last one may hold fewer).
    block_seconds : float
        Seconds of the file read at once.

    Example
    -------
    >>> import tempfile, soundfile, numpy as np
    >>> path = tempfile.mkdtemp() + "/tone.wav"
    >>> soundfile.write(path, np.ones(25_000, "float32") / 4, 8000)
    >>> for batch in iter_windows(path, 8000, 8000, batch_size=3):
    ...     print(tuple(batch.windows.shape), batch.starts, batch.ends)
    (3, 8000) [0.0, 0.5, 1.0] [1.0, 1.5, 2.0]
    (3, 8000) [1.5, 2.0, 2.125] [2.5, 3.0, 3.125]
    """
    window = int(window)
    hop = int(hop or window // 2)
    if window <= 0 or hop <= 0 or batch_size <= 0:
        raise ValueError(f"window ({window}), hop ({hop}) and batch_size "
                         f"({batch_size}) must be positive")
    buffer, buffer_start = torch.zeros(0), 0  # model-rate samples held
    next_start, last_start = 0, None
    pending = []

    def take(start, samples):
        nonlocal pending
        pending.append((start, samples))
        if len(pending) < batch_size:
            return None
        batch, pending = _batch(pending, sample_rate), []
        return batch

    for block in read_blocks(path, sample_rate, block_seconds):
        buffer = torch.cat([buffer, block])
        end = buffer_start + buffer.shape[0]
        while next_start + window <= end:
            offset = next_start - buffer_start
            ready = take(next_start, buffer[offset:offset + window].clone())
            last_start, next_start = next_start, next_start + hop
            if ready is not None:
                yield ready
        # keep what later windows need: the next one, or the last `window`
        # samples (the final window may end at the last sample)
        keep = min(next_start, end - window)
        if keep > buffer_start:
            buffer = buffer[keep - buffer_start:].clone()
            buffer_start = keep
    end = buffer_start + buffer.shape[0]
    if last_start is None and end < window:
        pending.append((0, tile_to_length(buffer, window), end))
    elif last_start + window < end:
        pending.append((end - window, buffer[-window:].clone()))
    if pending:
        yield _batch(pending, sample_rate)


def _batch(pending, sample_rate):
    """``[(start, samples[, end])]`` (sample indices) -> WindowBatch."""
    windows = torch.stack([p[1] for p in pending])
    starts = [p[0] / sample_rate for p in pending]
    ends = [(p[2] if len(p) > 2 else p[0] + p[1].shape[0]) / sample_rate
            for p in pending]
    return WindowBatch(windows, starts, ends)


def embed_file(encode, path, sample_rate, window, batch_size=16,
               block_seconds=BLOCK_SECONDS, device=None):
    """The mean window embedding ``[D]`` of a file read block by block.

    The windows are those of ``window_mode="mean"`` (:func:`iter_windows`);
    their embeddings are summed as each batch is encoded, so memory holds
    one block and one batch of windows, whatever the file's length. Equal
    to ``embed_windows`` over ``window_waveform(load_audio(path))`` to
    float32 rounding.

    Arguments
    ---------
    encode : callable
        ``windows [n, window]`` -> ``[n, D]`` (``PengiModel.encode_audio``).
    path : str
        Audio file.
    sample_rate : int
        Model rate.
    window : int
        Model window in samples.
    batch_size : int
        Windows encoded in one call.
    block_seconds : float
        Seconds of the file read at once.
    device : str or torch.device, optional
        Where the windows go before ``encode``.

    Returns
    -------
    torch.Tensor
        ``[D]``, in the dtype ``encode`` returns (summed in float32).

    Example
    -------
    >>> import tempfile, soundfile, numpy as np
    >>> path = tempfile.mkdtemp() + "/ramp.wav"
    >>> soundfile.write(path, np.linspace(0, 1, 30_000, dtype="float32"), 8000)
    >>> encode = lambda w: w.mean(dim=1, keepdim=True)  # [n, 1]
    >>> embed_file(encode, path, 8000, 8000, batch_size=2)
    tensor([0.5238])
    >>> from pengi_sb.data.audio import window_waveform
    >>> whole = torch.from_numpy(soundfile.read(path, dtype="float32")[0])
    >>> encode(window_waveform(whole, 8000)).mean(dim=0)  # 7 windows
    tensor([0.5238])
    """
    total, count, dtype = None, 0, None
    for batch in iter_windows(path, sample_rate, window, None, batch_size,
                              block_seconds):
        windows = batch.windows if device is None else batch.windows.to(device)
        embeddings = encode(windows)
        dtype = embeddings.dtype
        part = embeddings.float().sum(dim=0)
        total = part if total is None else total + part
        count += embeddings.shape[0]
    return (total / count).to(dtype)
