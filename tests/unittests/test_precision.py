"""Half precision: the log-mel front end stays in float32 (its floor
``amin=1e-10`` is 0 in float16), and a model loaded with
``run_opts={"precision": "bf16"}`` agrees with float32 on the CPU."""

import pytest
import torch

from pengi_sb.lobes.frontend import LogMelFrontEnd


@pytest.fixture(scope="module")
def frontend():
    return LogMelFrontEnd(sample_rate=16000, n_fft=512, hop_length=160,
                          n_mels=16, f_min=0.0, f_max=8000.0).eval()


def _quiet_clip():
    """Half a second of silence, then a faint tone: mel energies from 0
    (the floor) to far below float16's smallest normal number."""
    t = torch.arange(16000) / 16000
    wav = 1e-4 * torch.sin(2 * torch.pi * 440 * t)
    wav[:8000] = 0.0
    return wav.unsqueeze(0)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_frontend_under_autocast_is_float32(frontend, dtype):
    wav = _quiet_clip()
    want = frontend(wav)
    assert torch.isfinite(want).all() and want.min() == -100.0
    with torch.autocast("cpu", dtype=dtype):
        got = frontend(wav)
    assert got.dtype == torch.float32
    assert torch.equal(got, want)


def test_frontend_of_a_half_module_is_float32(frontend):
    """A model cast with .half() keeps a finite log-mel (the floor is
    -100 dB, not -inf) from float16 input."""
    wav = _quiet_clip()
    want = frontend(wav)
    half = LogMelFrontEnd(sample_rate=16000, n_fft=512, hop_length=160,
                          n_mels=16, f_min=0.0, f_max=8000.0).half()
    got = half(wav.half())
    assert got.dtype == torch.float32 and torch.isfinite(got).all()
    assert got.min() == -100.0
    # the kernels and the input were rounded to float16, nothing else
    assert torch.allclose(got[:, 60:], want[:, 60:], atol=0.5)
