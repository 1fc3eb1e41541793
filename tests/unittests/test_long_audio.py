"""Long recordings read block by block: resampling per block equals
resampling the whole file, and the windows and their mean embedding equal
those of the whole-file path."""

import numpy as np
import pytest
import soundfile
import torch
import torchaudio
from audio_fixtures import write_clip

from pengi_sb.data.audio import (
    AudioError,
    embed_windows,
    load_audio,
    window_waveform,
)
from pengi_sb.data.long_audio import (
    BlockResampler,
    audio_seconds,
    embed_file,
    iter_windows,
    read_blocks,
)


@pytest.mark.parametrize(("orig", "new", "length", "block"), [
    (44100, 16000, 100_003, 7_777),  # block not a multiple of the period
    (48000, 32000, 95_001, 4_099),
    (22050, 16000, 50_001, 1_000),
    (8000, 16000, 33_333, 1_234),  # upsampling
    (44100, 16000, 20_011, 100),  # blocks shorter than a period (441)
    (16000, 16000, 10_001, 999),  # no resampling
])
def test_block_resampling_equals_whole_signal(orig, new, length, block):
    torch.manual_seed(0)
    signal = torch.randn(length)
    resampler = BlockResampler(orig, new)
    parts = [resampler.push(b) for b in signal.split(block)]
    streamed = torch.cat(parts + [resampler.flush()])
    whole = torchaudio.functional.resample(signal, orig, new)
    assert streamed.shape == whole.shape
    assert float((streamed - whole).abs().max()) < 1e-5


def test_resampler_holds_one_block_and_its_context():
    resampler = BlockResampler(44100, 16000)
    held = []
    for block in torch.randn(441_000).split(10_000):
        resampler.push(block)
        held.append(resampler._buffer.numel())
    # the context is a few periods of 441 samples, whatever was pushed
    assert max(held) < 10_000 + 10 * 441


@pytest.mark.parametrize(("rate", "channels", "block_seconds"), [
    (44100, 2, 0.7), (48000, 1, 1.3), (16000, 1, 0.5)])
def test_read_blocks_equals_load_audio(tmp_path, rate, channels,
                                       block_seconds):
    path = write_clip(str(tmp_path / "a.flac"), 4.1, rate, channels=channels,
                      seed=3)
    whole = load_audio(path, 16000)
    blocks = list(read_blocks(path, 16000, block_seconds))
    assert len(blocks) > 2
    streamed = torch.cat(blocks)
    assert streamed.shape == whole.shape
    assert float((streamed - whole).abs().max()) < 1e-5
    # a file within one block is resampled in one call: identical
    one = torch.cat(list(read_blocks(path, 16000, block_seconds=60)))
    assert torch.equal(one, whole)


@pytest.mark.parametrize(("seconds", "hop", "batch_size"), [
    (5.3, None, 3), (5.0, 4000, 4), (0.6, None, 2), (1.0, None, 5),
    (2.0, 8000, 1)])
def test_windows_equal_the_whole_file_windows(tmp_path, seconds, hop,
                                              batch_size):
    path = write_clip(str(tmp_path / "a.wav"), seconds, 44100, seed=1)
    whole = window_waveform(load_audio(path, 16000), 16000, mode="mean",
                            hop=hop)
    batches = list(iter_windows(path, 16000, 16000, hop, batch_size,
                                block_seconds=0.9))
    assert all(b.windows.shape[0] == batch_size for b in batches[:-1])
    windows = torch.cat([b.windows for b in batches])
    assert windows.shape == whole.shape
    assert float((windows - whole).abs().max()) < 1e-5
    starts = [s for b in batches for s in b.starts]
    ends = [e for b in batches for e in b.ends]
    total = load_audio(path, 16000).shape[0] / 16000
    assert starts[0] == 0.0 and ends[-1] == pytest.approx(total)
    if total > 1.0:
        assert all(e - s == pytest.approx(1.0) for s, e in zip(starts, ends))
        hop_s = (hop or 8000) / 16000
        assert all(b - a == pytest.approx(hop_s)
                   for a, b in zip(starts[:-2], starts[1:-1]))


def test_bad_files_say_what_is_wrong(tmp_path):
    with pytest.raises(AudioError, match="does not exist"):
        list(read_blocks(str(tmp_path / "missing.wav"), 16000))
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioError, match="empty"):
        list(read_blocks(str(tmp_path / "empty.wav"), 16000))
    (tmp_path / "bad.wav").write_bytes(b"RIFF\x00\x00garbage" * 4)
    with pytest.raises(AudioError, match="cannot be decoded"):
        audio_seconds(str(tmp_path / "bad.wav"))
    data = np.zeros(48000, "float32")
    data[40000] = np.nan
    soundfile.write(str(tmp_path / "nan.wav"), data, 16000, subtype="FLOAT")
    with pytest.raises(AudioError, match=r"NaN or infinite samples after "
                       r"2\.0 s"):
        list(read_blocks(str(tmp_path / "nan.wav"), 16000, block_seconds=1))
    soundfile.write(str(tmp_path / "none.wav"), np.zeros(0, "float32"), 16000)
    with pytest.raises(AudioError, match="no samples"):
        list(iter_windows(str(tmp_path / "none.wav"), 16000, 16000))
    with pytest.raises(ValueError, match="block_seconds"):
        list(read_blocks(str(tmp_path / "nan.wav"), 16000, block_seconds=0))


def test_embed_file_equals_whole_file_windows_averaged(tmp_path):
    path = write_clip(str(tmp_path / "a.wav"), 6.3, 44100, channels=2,
                      seed=5)
    torch.manual_seed(0)
    weight = torch.randn(16000, 8)
    encode = lambda w: w @ weight  # noqa: E731 - [n, 16000] -> [n, 8]
    windows = window_waveform(load_audio(path, 16000), 16000, mode="mean")
    whole = embed_windows(encode, windows, torch.zeros(len(windows),
                                                       dtype=torch.long), 1)
    streamed = embed_file(encode, path, 16000, 16000, batch_size=3,
                          block_seconds=1.1)
    assert streamed.shape == (8,)
    assert torch.allclose(streamed, whole[0], atol=1e-4)
