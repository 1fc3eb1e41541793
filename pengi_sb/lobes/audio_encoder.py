"""Audio encoder: waveform -> log-mel -> encoder -> projection.

Example
-------
>>> from pengi_sb.lobes.frontend import LogMelFrontEnd
>>> from pengi_sb.lobes.htsat import HTSAT
>>> from pengi_sb.lobes.projection import Projection
>>> enc = AudioEncoder(
...     LogMelFrontEnd(sample_rate=16000, n_fft=512, hop_length=160, n_mels=16),
...     HTSAT(mel_bins=16, spec_size=32, embed_dim=8, depths=(1, 1),
...           num_heads=(1, 2), window_size=4, num_classes=0),
...     Projection(16, 24))
>>> enc(torch.randn(2, 8000)).shape
torch.Size([2, 24])

Authors
 * pengi-sb developers 2026
"""

import torch
from torch import nn


class AudioEncoder(nn.Module):
    """``wav [B, T]`` -> embedding ``[B, d_proj]`` (not normalised).

    Arguments
    ---------
    frontend : nn.Module
        ``[B, T]`` samples -> ``[B, frames, mel_bins]`` (LogMelFrontEnd).
    encoder : nn.Module
        ``[B, frames, mel_bins]`` -> ``[B, D]`` (HTSAT, or any encoder of
        that contract, e.g. a wrapped SpeechBrain CNN14).
    projection : nn.Module
        ``[B, D]`` -> ``[B, d_proj]``.
    """

    def __init__(self, frontend, encoder, projection):
        super().__init__()
        self.frontend = frontend
        self.encoder = encoder
        self.projection = projection

    def latent(self, wav):
        """Encoder output before the projection, ``[B, D]``."""
        return self.encoder(self.frontend(wav))

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        return self.projection(self.latent(wav))
