"""Log-mel front end of Pengi's audio encoder (torchlibrosa-compatible).

The STFT is defined by windowed DFT kernels and the mel projection is a
matrix product, so the release checkpoints' stored kernels (``conv_real``,
``conv_imag``) and mel matrix (``melW``) load into it and give the original
numbers. While the kernels are the Hann-windowed DFT (those of every
release checkpoint), the STFT is computed with an FFT (``torch.stft``,
about 30 times fewer operations than the strided convolution, the same
values to float32 rounding); other kernels are applied as the convolution.

Example
-------
>>> fe = LogMelFrontEnd(sample_rate=16000, n_fft=512, hop_length=160, n_mels=40)
>>> fe(torch.randn(2, 16000)).shape
torch.Size([2, 101, 40])

Authors
 * pengi-sb developers 2026
"""

import math

import torch
import torch.nn.functional as F
import torchaudio
from torch import nn


def dft_kernels(n_fft):
    """Hann-windowed DFT kernels, each ``[n_fft // 2 + 1, 1, n_fft]``.

    The periodic Hann window and the (cos, -sin) basis of torchlibrosa's
    ``STFT``, built in float64 then cast.
    """
    window = torch.hann_window(n_fft, periodic=True, dtype=torch.float64)
    k = torch.arange(n_fft // 2 + 1, dtype=torch.float64)[:, None]
    t = torch.arange(n_fft, dtype=torch.float64)[None, :]
    angle = 2 * math.pi * k * t / n_fft
    real = (torch.cos(angle) * window).float().unsqueeze(1)
    imag = (-torch.sin(angle) * window).float().unsqueeze(1)
    return real, imag


class LogMelFrontEnd(nn.Module):
    """Waveform -> log-mel spectrogram, ``10 * log10(max(mel, amin))``.

    Arguments
    ---------
    sample_rate : int
        Sample rate the mel matrix is built for (the release models use
        32000 although audio is 44.1 kHz: a hard-coded HTSAT setting).
    n_fft : int
        FFT size (= window length).
    hop_length : int
        Hop between frames, in samples.
    n_mels : int
        Number of mel bins.
    f_min, f_max : float
        Mel filter bank range in Hz.
    amin : float
        Floor before the logarithm.

    Input ``[B, T]`` samples; output ``[B, frames, n_mels]`` with
    ``frames = T // hop_length + 1`` (centred, reflect-padded frames).
    """

    def __init__(self, sample_rate=32000, n_fft=1024, hop_length=320,
                 n_mels=64, f_min=50.0, f_max=14000.0, amin=1e-10):
        super().__init__()
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.amin = amin
        with torch.device("cpu"):  # data-dependent: not on the meta device
            real, imag = dft_kernels(n_fft)
            mel = torchaudio.functional.melscale_fbanks(
                n_fft // 2 + 1, f_min, f_max, n_mels, sample_rate,
                norm="slaney", mel_scale="slaney",
            )
        # Frozen parameters, as torchlibrosa keeps them (and as the release
        # models count them): [2 * n_freq, 1, n_fft], real then imaginary.
        self.stft_kernels = nn.Parameter(
            torch.cat([real, imag], dim=0), requires_grad=False
        )
        self.mel_matrix = nn.Parameter(mel, requires_grad=False)  # [n_freq, n_mels]
        self.register_buffer("window", torch.hann_window(n_fft),
                             persistent=False)
        self.use_fft = True  # the kernels are the DFT's (checked on load)
        self.register_load_state_dict_post_hook(LogMelFrontEnd._check_kernels)

    @staticmethod
    def _check_kernels(module, incompatible_keys):
        """After loading: the FFT path only while the loaded kernels are
        the windowed DFT."""
        real, imag = dft_kernels(module.n_fft)
        module.use_fft = torch.equal(
            module.stft_kernels.detach().cpu(), torch.cat([real, imag]))

    def power_spectrum(self, wav):
        """``wav [B, T]`` float32 -> power ``[B, frames, n_freq]`` of
        centred, reflect-padded frames."""
        if self.use_fft:
            spec = torch.stft(wav, self.n_fft, hop_length=self.hop_length,
                              window=self.window.float(), center=True,
                              pad_mode="reflect", return_complex=True)
            return (spec.real**2 + spec.imag**2).transpose(1, 2)
        pad = self.n_fft // 2
        x = F.pad(wav.unsqueeze(1), (pad, pad), mode="reflect")
        spec = F.conv1d(x, self.stft_kernels.float(), stride=self.hop_length)
        real, imag = spec.chunk(2, dim=1)  # each [B, n_freq, frames]
        return (real**2 + imag**2).transpose(1, 2)

    def forward(self, wav):
        """``wav [B, T]`` -> log-mel ``[B, frames, n_mels]``, float32.

        Always computed in float32, outside any autocast and whatever the
        module's dtype: the power spectrum spans more than half precision
        holds, and ``amin=1e-10`` is 0 in float16 (log10 -> -inf).
        """
        with torch.autocast(wav.device.type, enabled=False):
            power = self.power_spectrum(wav.float())  # [B, frames, n_freq]
            mel = torch.matmul(power, self.mel_matrix.float())
            return 10.0 * torch.log10(torch.clamp(mel, min=self.amin))
