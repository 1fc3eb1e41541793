"""What each clip is contrasted with: its target, or its class labels."""

import pytest
import torch
from audio_fixtures import write_clip

from pengi_sb.training.contrastive_texts import contrastive_texts
from pengi_sb.data.pipeline import PengiDataset, collate_batch, train_tokenizer
from pengi_sb.lobes.contrastive import same_text
from pengi_sb.data.manifest import make_item
from pengi_sb.text.tokenizers import load_tokenizer

TEXTS = ["this music note is", "generate audio caption",
         "produced by guitar, pitch 60, velocity 80",
         "produced by piano, pitch 48, velocity 100", "a dog barks"]


@pytest.fixture(scope="module")
def tok(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tok")
    return load_tokenizer("sentencepiece",
                          train_tokenizer(TEXTS * 10, str(folder), 40))


@pytest.fixture
def batch(tmp_path, tok):
    path = str(write_clip(tmp_path / "a.wav", 1.0, 16000))
    items = {
        "g60": make_item(path, 1.0, "music_note", instrument="guitar",
                         pitch=60, velocity=80),
        "g72": make_item(path, 1.0, "music_note", instrument="guitar",
                         pitch=72, velocity=80),
        "p48": make_item(path, 1.0, "music_note", instrument="piano",
                         pitch=48, velocity=100),
        "cap": make_item(path, 1.0, "captioning", caption="a dog barks"),
    }
    data = PengiDataset(items, tok, tok, sample_rate=16000, clip_seconds=1.0,
                        prompt_max_length=32, train=True)
    return collate_batch([data[i] for i in range(len(items))])


def test_batches_carry_the_manifest_labels(batch):
    assert batch.labels == [["guitar"], ["guitar"], ["piano"], []]


def test_notes_are_contrasted_with_their_family(batch, tok):
    ids, mask = contrastive_texts(batch, tok, ["music_note"])
    rows = [ids[i, :int(mask[i].sum())].tolist() for i in range(len(ids))]
    assert rows[0] == rows[1] == tok.encode("guitar")
    assert rows[2] == tok.encode("piano")
    # items of other tasks keep their whole target (with the stop token)
    assert rows[3] == tok.encode_target("a dog barks")
    # the two guitar notes (different pitches) are positives of each other
    same = same_text(ids, mask)
    assert same[0, 1] and not same[0, 2] and not same[2, 3]


def test_without_label_tasks_every_clip_keeps_its_target(batch, tok):
    for label_tasks in (None, [], ["sound_event"]):
        ids, mask = contrastive_texts(batch, tok, label_tasks)
        assert ids is batch.target_ids and mask is batch.target_mask
    # different pitches: different texts, so not positives
    assert not same_text(batch.target_ids, batch.target_mask)[0, 1]


def test_label_texts_need_the_tokenizer(batch):
    with pytest.raises(ValueError, match="contrastive_label_tasks"):
        contrastive_texts(batch, None, ["music_note"])
    assert torch.is_tensor(contrastive_texts(batch, None, None)[0])
