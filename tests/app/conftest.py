"""Fixtures of the web-app tests: the tests' tiny Pengi and a few clips.

The model is :func:`model_fixtures.tiny_pretrained_folder` (the tiny
``base`` Pengi the inference tests load, with a prompt encoder, so that
search works); clips are tones written with :func:`audio_fixtures.write_clip`.
"""

import pytest
import torch
from audio_fixtures import write_clip
from model_fixtures import tiny_pretrained_folder


@pytest.fixture(scope="package")
def model_folder(tmp_path_factory):
    return tiny_pretrained_folder(str(tmp_path_factory.mktemp("pengi_base")),
                                  "base")


@pytest.fixture(scope="package")
def pengi(model_folder):
    from pengi_sb.inference import Pengi

    torch.set_num_threads(1)
    return Pengi.from_hparams(source=model_folder, savedir=model_folder)


@pytest.fixture(scope="package")
def clip_folder(tmp_path_factory):
    """Three clips (1 s at 16 kHz, 2.5 s at 22.05 kHz, 4 s at 44.1 kHz
    stereo) in a folder, and a corrupt file outside it."""
    folder = tmp_path_factory.mktemp("clips")
    write_clip(str(folder / "hum.wav"), 1.0, 16000, freq=150, seed=0)
    write_clip(str(folder / "beep.wav"), 2.5, 22050, freq=900, seed=1)
    write_clip(str(folder / "sub" / "whistle.flac"), 4.0, 44100, channels=2,
               freq=2400, seed=2)
    return folder


@pytest.fixture(scope="package")
def corrupt_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("bad") / "corrupt.wav"
    path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage, not audio" * 4)
    return str(path)
