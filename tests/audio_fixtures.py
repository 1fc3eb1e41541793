"""Small audio files for tests: tones and noise written with soundfile.

Tests that build a tiny copy of a dataset's official layout use
:func:`write_clip` for every audio file they need.
"""

import os

import numpy as np
import soundfile


def write_clip(path, seconds=1.0, sample_rate=16000, channels=1, freq=440.0,
               seed=0, subtype="PCM_16"):
    """Writes a short tone-plus-noise clip and returns its path."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    wave = 0.3 * np.sin(2 * np.pi * freq * t) + 0.05 * rng.standard_normal(
        t.shape
    )
    data = np.stack([wave] * channels, axis=1) if channels > 1 else wave
    soundfile.write(path, data.astype(np.float32), sample_rate,
                    subtype=subtype)
    return path
