"""The training data pipeline: windows, tokens, unreadable audio, batches."""

import os

import numpy as np
import pytest
import soundfile
import torch
from audio_fixtures import write_clip
from torch.utils.data import DataLoader

from pengi_sb.data.audio import window_mode_from_hparams, window_waveform
from pengi_sb.data.manifest import make_item, write_manifest
from pengi_sb.data.pipeline import (
    DataError,
    PengiDataset,
    SkippedAudio,
    collate_batch,
    train_tokenizer,
)
from pengi_sb.text.tokenizers import load_tokenizer, tokenizers_from_hparams

TEXTS = ["generate audio caption", "this is a sound of",
         "question: is it loud?", "a dog barks", "rain falls on a roof",
         "dog, rain", "yes", "no"]


@pytest.fixture(scope="module")
def spm_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tok")
    return train_tokenizer(TEXTS * 10, str(folder), vocab_size=40)


@pytest.fixture(scope="module")
def tok(spm_file):
    return load_tokenizer("sentencepiece", spm_file)


def _dataset(items, tok, **kwargs):
    args = {"sample_rate": 16000, "clip_seconds": 1.0,
            "prompt_max_length": 32}
    args.update(kwargs)
    return PengiDataset(items, tok, tok, **args)


def _item(path, seconds=2.0, task="captioning", **fields):
    fields = fields or {"caption": "a dog barks"}
    return make_item(str(path), seconds, task, **fields)


def test_training_windows_are_seeded_by_epoch_and_item(tmp_path, tok):
    write_clip(tmp_path / "long.wav", 3.0, 16000, seed=1)
    items = {"a": _item(tmp_path / "long.wav", 3.0),
             "b": _item(tmp_path / "long.wav", 3.0)}
    data = _dataset(items, tok, train=True, seed=7)
    first = data[0]["sig"]
    assert first.shape == (1, 16000)
    assert torch.equal(first, data[0]["sig"])  # same epoch: same window
    again = _dataset(items, tok, train=True, seed=7)
    assert torch.equal(first, again[0]["sig"])  # a restart: same window
    assert not torch.equal(first, data[1]["sig"])  # another item
    data.set_epoch(1)
    assert not torch.equal(first, data[0]["sig"])  # another epoch
    other_seed = _dataset(items, tok, train=True, seed=8)
    assert not torch.equal(first, other_seed[0]["sig"])


def test_evaluation_windows_are_deterministic(tmp_path, tok):
    path = write_clip(tmp_path / "long.wav", 2.5, 16000, seed=2)
    items = {"a": _item(path, 2.5)}
    wav = torch.from_numpy(soundfile.read(path, dtype="float32")[0])
    centre = _dataset(items, tok, window_mode="centre")[0]["sig"]
    assert torch.allclose(centre, window_waveform(wav, 16000, "centre"))
    mean = _dataset(items, tok)[0]["sig"]  # "mean" is the default
    assert mean.shape == (4, 16000)  # hop 0.5 s, the last ends at the end
    assert torch.allclose(mean[-1], wav[-16000:])
    short = write_clip(tmp_path / "short.wav", 0.4, 16000)
    tiled = _dataset({"s": _item(short, 0.4)}, tok, train=True)[0]["sig"]
    assert tiled.shape == (1, 16000)
    with pytest.raises(ValueError, match="window_mode"):
        _dataset(items, tok, window_mode="random")


def test_window_mode_hparams_refuse_the_old_key():
    assert window_mode_from_hparams({}) == "mean"
    assert window_mode_from_hparams({"window_mode": "first"}) == "first"
    with pytest.raises(ValueError, match="renamed 'window_mode'"):
        window_mode_from_hparams({"eval_window": "mean"})
    with pytest.raises(ValueError, match="window_mode"):
        window_mode_from_hparams({"window_mode": "middle"})


def test_segments_are_read_and_resampled(tmp_path, tok):
    path = write_clip(tmp_path / "a.wav", 3.0, 22050, seed=3)
    item = _item(path, 1.0)
    item.update(start=1.0, stop=2.0)
    sig = _dataset({"a": item}, tok, clip_seconds=1.0)[0]["sig"]
    assert sig.shape == (1, 16000)
    import torchaudio

    data = torch.from_numpy(soundfile.read(path, dtype="float32")[0])
    expected = torchaudio.functional.resample(data[22050:44100], 22050,
                                              16000)
    assert torch.allclose(sig[0], expected, atol=1e-5)


def test_unreadable_audio_becomes_skipped(tmp_path, tok):
    good = write_clip(tmp_path / "good.wav", 1.0, 16000)
    (tmp_path / "bad.wav").write_bytes(b"RIFF not audio at all" * 4)
    (tmp_path / "empty.wav").write_bytes(b"")
    items = {"good": _item(good), "bad": _item(tmp_path / "bad.wav"),
             "empty": _item(tmp_path / "empty.wav"),
             "missing": _item(tmp_path / "missing.wav")}
    data = _dataset(items, tok)
    reasons = {data[i]["id"]: data[i]["sig"] for i in range(4)}
    for key, text in (("bad", "cannot be decoded"), ("empty", "empty"),
                      ("missing", "does not exist")):
        assert isinstance(reasons[key], SkippedAudio)
        assert text in reasons[key].reason
    batch = collate_batch([data[i] for i in range(4)])
    assert batch.ids == ["good"] and batch.wav.shape == (1, 16000)
    assert sorted(s.item_id for s in batch.skipped) == [
        "bad", "empty", "missing"]
    empty = collate_batch([data[1], data[3]])
    assert len(empty) == 0 and len(empty.skipped) == 2
    assert empty.wav.shape[0] == 0


def test_skipped_items_travel_through_dataloader_workers(tmp_path, tok):
    good = write_clip(tmp_path / "good.wav", 1.0, 16000)
    items = {f"g{i}": _item(good) for i in range(5)}
    items["m"] = _item(tmp_path / "missing.wav")
    loader = DataLoader(_dataset(items, tok), batch_size=3, num_workers=2,
                        collate_fn=collate_batch)
    batches = list(loader)
    assert [len(b) for b in batches] == [3, 2]
    assert [s.item_id for b in batches for s in b.skipped] == ["m"]


def test_collate_pads_targets_and_stacks_prompts(tmp_path, tok):
    path = write_clip(tmp_path / "a.wav", 2.0, 16000)
    items = {
        "cap": _item(path, caption="rain falls on a roof"),
        "ev": _item(path, task="sound_event", events=["dog", "rain"]),
    }
    items["cap"]["references"] = ["rain falls on a roof", "rain"]
    data = _dataset(items, tok, window_mode="mean")
    batch = collate_batch([data[0], data[1]])
    assert batch.prompt_ids.shape == batch.prompt_mask.shape == (2, 32)
    lengths = batch.target_mask.sum(1).tolist()
    assert batch.target_ids.shape == (2, max(lengths))
    for i, text in enumerate(batch.targets):
        row, n = batch.target_ids[i], lengths[i]
        assert row[:n].tolist() == tok.encode_target(text)
        assert row[n:].eq(0).all()
    assert batch.references == [["rain falls on a roof", "rain"],
                                ["dog, rain"]]
    assert batch.tasks == ["captioning", "sound_event"]
    assert batch.labels == [[], ["dog", "rain"]]
    # 2 s clips, 1 s windows, hop 0.5 s: 3 windows each
    assert batch.wav.shape == (6, 16000) and not batch.one_window_each
    assert batch.wav_owner.tolist() == [0, 0, 0, 1, 1, 1]
    moved = batch.to("cpu")
    assert moved.ids == batch.ids and torch.equal(moved.wav, batch.wav)


def test_long_targets_keep_the_stop_token(tmp_path, tok):
    path = write_clip(tmp_path / "a.wav", 1.0, 16000)
    item = _item(path, caption="rain falls on a roof " * 5)
    data = _dataset({"a": item}, tok, max_target_tokens=6)
    ids = data[0]["target_ids"].tolist()
    assert len(ids) == 6 and ids[-1] == tok.stop_token_id
    with pytest.raises(ValueError, match="no room"):
        _dataset({"a": item}, tok, max_target_tokens=1)


def test_too_long_prompt_names_the_item(tmp_path, tok):
    path = write_clip(tmp_path / "a.wav", 1.0, 16000)
    items = {"q1": _item(path, task="audio_qa",
                         question="is it loud? " * 10, answer="yes")}
    with pytest.raises(DataError, match="item .q1.*prompt length of 32"):
        _dataset(items, tok)


def test_from_manifest_fills_data_root(tmp_path, tok):
    write_clip(tmp_path / "data" / "x.wav", 1.0, 16000)
    items = {"x": make_item("{data_root}/x.wav", 1.0, "sound_event",
                            events=["dog"])}
    write_manifest(items, str(tmp_path / "m.csv"))
    data = PengiDataset.from_manifest(
        str(tmp_path / "m.csv"), data_root=str(tmp_path / "data"),
        prompt_tokenizer=tok, target_tokenizer=tok, sample_rate=16000,
        clip_seconds=1.0, prompt_max_length=32)
    assert data[0]["sig"].shape == (1, 16000)
    assert data.texts() == ["dog", "this is a sound of"]


def test_train_tokenizer_is_kept_and_refuses_a_too_large_vocabulary(
        tmp_path, spm_file):
    first = train_tokenizer(TEXTS, str(tmp_path / "a"), vocab_size=30)
    stamp = os.path.getmtime(first)
    again = train_tokenizer(["other text"], str(tmp_path / "a"),
                            vocab_size=99)
    assert again == first and os.path.getmtime(again) == stamp
    with pytest.raises(DataError, match=r"at most \d+ SentencePiece pieces"):
        train_tokenizer(TEXTS, str(tmp_path / "b"), vocab_size=5000)


def test_tokenizers_from_hparams_resolve_relative_files(tmp_path, spm_file):
    (tmp_path / "tokenizer.ckpt").write_bytes(open(spm_file, "rb").read())
    spec = {"prompt_tokenizer": "sentencepiece",
            "prompt_tokenizer_source": "tokenizer.ckpt",
            "decoder_tokenizer": "sentencepiece",
            "decoder_tokenizer_source": "tokenizer.ckpt", "stop_text": None}
    prompt, target = tokenizers_from_hparams(spec, root=str(tmp_path))
    assert prompt is target and target.stop_token_id == 3
    assert np.array_equal(target.encode("a dog barks"),
                          load_tokenizer("sentencepiece", spm_file).encode(
                              "a dog barks"))


def test_tokenizers_from_hparams_use_a_loaded_sentencepiece(spm_file):
    """A pretrained folder's hparams hold the SentencePieceProcessor the
    pretrainer loaded: it is used as it is (no file path needed)."""
    import sentencepiece

    loaded = sentencepiece.SentencePieceProcessor(model_file=spm_file)
    spec = {"prompt_tokenizer": "sentencepiece",
            "prompt_tokenizer_source": "tokenizer.ckpt",
            "decoder_tokenizer": "sentencepiece",
            "decoder_tokenizer_source": "tokenizer.ckpt", "stop_text": None,
            "tokenizer": loaded}
    prompt, target = tokenizers_from_hparams(spec)
    assert prompt is target and target.backend is loaded
    assert target.encode_target("yes") == load_tokenizer(
        "sentencepiece", spm_file).encode_target("yes")
    with pytest.raises(KeyError, match="decoder_tokenizer"):
        tokenizers_from_hparams({"prompt_tokenizer": "gpt2"})
