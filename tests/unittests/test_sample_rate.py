"""Every public ``Pengi.*_batch`` method honours ``sample_rate``: audio at
another rate, passed with ``sample_rate=``, gives the output of the same
audio resampled to the model's rate first.

The methods are found by introspection, so that a new ``*_batch`` method
cannot escape the check: it fails until the method has its arguments in
``TASK_ARGS``.
"""

import dataclasses
import inspect

import pytest
import torch
import torchaudio
from model_fixtures import tiny_pretrained_folder

from pengi_sb.inference import Pengi

OTHER_RATE = 22050
GEN = {"max_len": 4, "beam_size": 2}

# the task arguments (and options) each *_batch method is called with
TASK_ARGS = {
    "embed_audio_batch": {},
    "generate_batch": {"prompts": "generate metadata", **GEN},
    "run_task_batch": {"task": "audio_qa",
                       "fields": {"question": "is it loud?"}, **GEN},
    "caption_batch": GEN,
    "sound_events_batch": GEN,
    "scene_batch": GEN,
    "emotion_batch": GEN,
    "sentiment_batch": GEN,
    "music_analysis_batch": GEN,
    "music_note_batch": GEN,
    "metadata_batch": GEN,
    "answer_batch": {"question": "is someone speaking?", **GEN},
    "describe_batch": GEN,
    "continue_text_batch": {"prompt": "generate audio caption",
                            "texts": ["a dog", "rain falls"], **GEN},
    "classify_batch": {"labels": ["dog", "rain", "car horn"], "top_k": 2},
}


def batch_methods():
    """Names of the public ``*_batch`` methods of :class:`Pengi`."""
    return sorted(name for name, _ in inspect.getmembers(
        Pengi, inspect.isfunction)
        if name.endswith("_batch") and not name.startswith("_"))


@pytest.fixture(scope="module")
def pengi(tmp_path_factory):
    folder = tiny_pretrained_folder(str(tmp_path_factory.mktemp("base")),
                                    "base")
    return Pengi.from_hparams(source=folder, savedir=folder)


def _clips(seconds, rate, seed=0):
    """Tone-plus-noise clips of ``seconds`` at ``rate``."""
    gen = torch.Generator().manual_seed(seed)
    clips = []
    for i, s in enumerate(seconds):
        t = torch.arange(int(s * rate)) / rate
        clips.append(0.3 * torch.sin(2 * torch.pi * (300 + 200 * i) * t)
                     + 0.05 * torch.randn(t.shape, generator=gen))
    return clips


def _padded(clips):
    """Clips -> ``(wavs [B, T], wav_lens [B])``, right-padded."""
    width = max(c.shape[0] for c in clips)
    wavs = torch.stack([torch.nn.functional.pad(c, (0, width - len(c)))
                        for c in clips])
    return wavs, torch.tensor([len(c) / width for c in clips])


@pytest.fixture(scope="module")
def audio(pengi):
    """The same two clips (one shorter, one longer than the model window)
    at 22.05 kHz and resampled to the model rate beforehand."""
    assert pengi.sample_rate != OTHER_RATE
    clips = _clips([0.7, 2.3], OTHER_RATE)
    resampled = [torchaudio.functional.resample(c, OTHER_RATE,
                                                pengi.sample_rate)
                 for c in clips]
    return _padded(clips), _padded(resampled)


def _comparable(output):
    """Results as plain values (tensors, dataclasses, lists) to compare."""
    if torch.is_tensor(output):
        return output.tolist()
    if dataclasses.is_dataclass(output):
        return _comparable(dataclasses.asdict(output))
    if isinstance(output, dict):
        return {k: _comparable(v) for k, v in output.items()}
    if isinstance(output, (list, tuple)):
        return [_comparable(x) for x in output]
    return output


def test_every_batch_method_has_its_arguments_here():
    assert batch_methods() == sorted(TASK_ARGS), (
        "a public *_batch method was added or removed: give it its task "
        "arguments in TASK_ARGS so that its sample_rate is checked")


@pytest.mark.parametrize("name", sorted(TASK_ARGS))
def test_batch_method_resamples_to_the_model_rate(pengi, audio, name):
    (wavs, lens), (model_wavs, model_lens) = audio
    method = getattr(pengi, name)
    got = method(wavs, lens, sample_rate=OTHER_RATE, **TASK_ARGS[name])
    want = method(model_wavs, model_lens, **TASK_ARGS[name])
    assert _comparable(got) == _comparable(want)


def test_the_rate_is_not_ignored(pengi, audio):
    """The check above would pass if sample_rate changed nothing and the
    audio were the same: here the 22.05 kHz audio read as model-rate audio
    gives other embeddings."""
    (wavs, lens), _ = audio
    honoured = pengi.embed_audio_batch(wavs, lens, sample_rate=OTHER_RATE)
    misread = pengi.embed_audio_batch(wavs, lens)
    assert not torch.allclose(honoured, misread)
