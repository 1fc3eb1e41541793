"""Pitch-shift augmentation: the audio moves by whole semitones, the pitch
label with it, the same draw in the audio and the target pipelines."""

import importlib.util
import os

import numpy as np
import pytest
import soundfile
import torch

from pengi_sb.data.augment import PitchShift
from pengi_sb.data.pipeline import PengiDataset, collate_batch, train_tokenizer
from pengi_sb.data.manifest import make_item
from pengi_sb.text.tokenizers import load_tokenizer

RATE = 16000


def _tone(freq, seconds=1.0, rate=RATE):
    t = torch.arange(int(seconds * rate)) / rate
    return torch.sin(2 * torch.pi * freq * t) * torch.exp(-t)


def _peak_hz(wav, rate=RATE):
    spectrum = torch.fft.rfft(wav * torch.hann_window(wav.shape[-1]))
    return float(spectrum.abs().argmax()) * rate / wav.shape[-1]


def _note(pitch=60, target=None, task="music_note"):
    item = {"task": task, "instrument": "guitar", "pitch": pitch,
            "velocity": 80}
    item["target"] = target or f"produced by guitar, pitch {pitch}, " \
                               "velocity 80"
    return item


@pytest.mark.parametrize("semitones", [-3, -2, -1, 1, 2, 3])
def test_audio_moves_by_whole_semitones_and_keeps_its_length(semitones):
    shift = PitchShift(max_semitones=3)
    tone = _tone(440.0)
    out = shift.shift_audio(tone, semitones)
    assert out.shape == tone.shape
    expected = 440.0 * 2 ** (semitones / 12)
    # within the 1 Hz bins of a 1 s FFT plus the ratio's rounding (<0.04 st)
    assert abs(_peak_hz(out) - expected) < expected * 0.003 + 1.0
    if semitones > 0:  # played faster: ends in silence
        assert out[-int(0.05 * RATE):].abs().max() == 0
    assert shift.shift_audio(tone, 0) is tone


def test_ratios_are_small_and_close_to_equal_temperament():
    shift = PitchShift(max_semitones=4)
    for s, ratio in shift.ratios.items():
        assert ratio.denominator <= 24
        assert abs(12 * np.log2(float(ratio)) - s) < 0.05


def test_target_is_rendered_with_the_moved_pitch():
    shift = PitchShift()
    note = _note(61)
    assert shift.shift_target(note, -3) == \
        "produced by guitar, pitch 58, velocity 80"
    assert shift.shift_target(note, 0) == note["target"]


def test_only_template_rendered_notes_of_listed_tasks_are_shifted():
    shift = PitchShift(tasks=["music_note"])
    assert shift.applies_to(_note())
    assert not shift.applies_to(_note(task="captioning"))
    assert not shift.applies_to({**_note(), "pitch": None})
    assert not shift.applies_to({**_note(), "pitch": "C4"})
    # a hand-written target is never replaced
    assert not shift.applies_to(_note(target="a guitar plays middle C"))


def test_draws_are_seeded_by_epoch_and_item_and_respect_prob_and_range():
    shift = PitchShift(max_semitones=2, prob=0.5)
    note = _note()
    ids = [f"n{i}" for i in range(400)]
    epoch1 = [shift.draw(i, note, seed=3, epoch=1) for i in ids]
    assert epoch1 == [shift.draw(i, note, seed=3, epoch=1) for i in ids]
    assert epoch1 != [shift.draw(i, note, seed=3, epoch=2) for i in ids]
    assert set(epoch1) == {-2, -1, 0, 1, 2}
    assert 0.4 < np.mean([s != 0 for s in epoch1]) < 0.6
    never = PitchShift(prob=0.0)
    assert {never.draw(i, note, 3, 1) for i in ids} == {0}
    top = PitchShift(max_semitones=3, prob=1.0, pitch_range=(0, 127))
    assert all(top.draw(i, _note(126), 3, 1) <= 1 for i in ids)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="max_semitones"):
        PitchShift(max_semitones=0)
    with pytest.raises(ValueError, match="prob"):
        PitchShift(prob=1.5)


@pytest.fixture(scope="module")
def tok(tmp_path_factory):
    texts = ["this music note is", "generate audio caption", "a note"] + [
        f"produced by guitar, pitch {p}, velocity 80" for p in range(50, 70)]
    folder = tmp_path_factory.mktemp("tok")
    return load_tokenizer("sentencepiece",
                          train_tokenizer(texts * 5, str(folder), 40))


def test_dataset_shifts_audio_and_target_together(tmp_path, tok):
    path = tmp_path / "note.wav"
    soundfile.write(str(path), _tone(440.0).numpy(), RATE)
    items = {f"n{i}": make_item(str(path), 1.0, "music_note",
                                instrument="guitar", pitch=69, velocity=80)
             for i in range(12)}
    items["cap"] = make_item(str(path), 1.0, "captioning", caption="a note")
    shift = PitchShift(max_semitones=3, prob=1.0)
    common = {"sample_rate": RATE, "clip_seconds": 1.0,
              "prompt_max_length": 32, "seed": 5}
    data = PengiDataset(items, tok, tok, train=True, augment=shift, **common)
    assert data.shiftable == {f"n{i}" for i in range(12)}
    data.set_epoch(1)
    batch = collate_batch([data[k] for k in range(len(items))])
    for i, item_id in enumerate(batch.ids):
        semitones = data.semitones(item_id)
        pitch = 69 + semitones
        if item_id == "cap":
            assert semitones == 0 and batch.targets[i] == "a note"
            continue
        assert semitones != 0
        target = f"produced by guitar, pitch {pitch}, velocity 80"
        assert batch.targets[i] == target
        n = int(batch.target_mask[i].sum())
        assert batch.target_ids[i, :n].tolist() == data.encode_target(target)
        expected = 440.0 * 2 ** (semitones / 12)
        assert abs(_peak_hz(batch.wav[i]) - expected) < 3.0
    # evaluation sets never shift, whatever they are given
    valid = PengiDataset(items, tok, tok, train=False, augment=shift,
                         **common)
    assert valid.augment is None and valid[0]["target_text"] == \
        "produced by guitar, pitch 69, velocity 80"


def test_recipe_refuses_augment_with_shards():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "recipes",
                        "Pretrain", "train.py")
    spec = importlib.util.spec_from_file_location("pretrain_recipe", path)
    pretrain = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pretrain)
    with pytest.raises(ValueError, match="not on train_shards"):
        pretrain.train_data({"train_shards": "shards", "augment":
                             PitchShift()}, dataset=None, weights=None,
                            brain=None)
