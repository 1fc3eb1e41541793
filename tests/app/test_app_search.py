"""Folder search: embeddings cached on disk, refreshed when files change,
ranked as ``Pengi.retrieve`` ranks them; models without a prompt encoder
are told search needs one."""

import os
import shutil

import pytest
import torch
from audio_fixtures import write_clip
from model_fixtures import tiny_pretrained_folder

from pengi_sb.app.search import (
    NO_PROMPT_ENCODER,
    FolderIndex,
    SearchError,
    list_audio_files,
    model_key,
)


@pytest.fixture
def folder(clip_folder, tmp_path):
    """A private copy of the clips (tests change it)."""
    return str(shutil.copytree(clip_folder, tmp_path / "clips"))


def _index(pengi, folder, tmp_path):
    return FolderIndex(pengi, folder, str(tmp_path / "cache"), "m")


def test_refresh_embeds_each_file_once_and_follows_changes(pengi, folder,
                                                           tmp_path):
    index = _index(pengi, folder, tmp_path)
    calls = []
    report = index.refresh(lambda done, total: calls.append((done, total)))
    assert report == {"files": 3, "embedded": 3, "failed": {}}
    assert calls[-1] == (3, 3)
    expected = pengi.embed_audio_files(list_audio_files(folder))
    names = sorted(index.entries)
    assert names == ["beep.wav", "hum.wav", os.path.join("sub",
                                                         "whistle.flac")]
    got = torch.stack([index.entries[n]["embedding"] for n in names])
    assert torch.allclose(got, expected.cpu(), atol=1e-5)

    # a new index on the same folder reads the cache: nothing embedded
    again = _index(pengi, folder, tmp_path)
    assert again.stale() == []
    assert again.refresh()["embedded"] == 0

    # a changed file (other size), a new one, a deleted one, a corrupt one
    write_clip(os.path.join(folder, "hum.wav"), 2.0, 16000, freq=600)
    write_clip(os.path.join(folder, "new.ogg"), 1.0, 16000, freq=300,
               subtype="VORBIS")
    os.remove(os.path.join(folder, "beep.wav"))
    with open(os.path.join(folder, "bad.wav"), "wb") as f:
        f.write(b"not audio at all" * 10)
    report = again.refresh()
    assert report["embedded"] == 2 and report["files"] == 3
    assert list(report["failed"]) == [os.path.join(folder, "bad.wav")]
    assert "cannot be decoded" in report["failed"][os.path.join(folder,
                                                                "bad.wav")]
    assert "beep.wav" not in again.entries
    hum = pengi.embed_audio_file(os.path.join(folder, "hum.wav")).cpu()
    assert torch.allclose(again.entries["hum.wav"]["embedding"], hum,
                          atol=1e-5)


def test_search_ranks_like_retrieve(pengi, folder, tmp_path):
    index = _index(pengi, folder, tmp_path)
    index.refresh()
    query = "a low hum"
    files = list_audio_files(folder)
    result = pengi.retrieve([query], files)
    found = index.search(query, top_k=2)
    order = result["text_to_audio"][0][:2]
    assert [p for p, _ in found] == [files[i] for i in order]
    assert [s for _, s in found] == pytest.approx(
        [float(result["similarity"][0, i]) for i in order], abs=1e-5)


def test_search_errors_say_what_to_do(pengi, folder, tmp_path):
    with pytest.raises(SearchError, match="does not exist"):
        FolderIndex(pengi, str(tmp_path / "nowhere"), str(tmp_path))
    index = _index(pengi, folder, tmp_path)
    with pytest.raises(SearchError, match="type what to search for"):
        index.search("  ")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SearchError, match="no audio files indexed"):
        _index(pengi, str(empty), tmp_path).search("a dog")


def test_cache_belongs_to_one_model(pengi, folder, tmp_path, model_folder):
    _index(pengi, folder, tmp_path).refresh()
    other = FolderIndex(pengi, folder, str(tmp_path / "cache"), "other")
    assert len(other.stale()) == 3
    key = model_key(model_folder)
    assert key == model_key(model_folder) and key != model_key(folder)


def test_without_prompt_encoder_search_says_it_needs_one(tmp_path, folder):
    from pengi_sb.inference import Pengi

    source = tiny_pretrained_folder(str(tmp_path / "m"), "base_no_text_enc")
    no_enc = Pengi.from_hparams(source=source, savedir=source)
    index = _index(no_enc, folder, tmp_path)
    index.refresh()
    with pytest.raises(SearchError, match="prompt encoder"):
        index.search("a dog")
    gr = pytest.importorskip("gradio")
    from pengi_sb.app.ui import build_demo

    demo = build_demo(no_enc, folder)
    notes = [c for c in demo.blocks.values()
             if isinstance(c, gr.Markdown) and NO_PROMPT_ENCODER in
             str(c.value)]
    assert notes, "the search tab does not say search needs a prompt encoder"
    button = [c for c in demo.blocks.values()
              if getattr(c, "elem_id", None) == "search-button"][0]
    assert button.interactive is False
