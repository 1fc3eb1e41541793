"""The Pengi inference interface: every method, audio handling (the CLI:
test_cli.py)."""

import inspect
import json
import os

import pytest
import soundfile
import torch
from audio_fixtures import write_clip
from model_fixtures import tiny_pretrained_folder

from pengi_sb.data.audio import AudioError
from pengi_sb.inference import ClassificationResult, GenerationResult, Pengi

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared",
                      "golden")
GEN = {"max_len": 4, "beam_size": 2}


@pytest.fixture(scope="module", params=["base", "base_no_text_enc"])
def pengi(request, tmp_path_factory):
    folder = tiny_pretrained_folder(
        str(tmp_path_factory.mktemp(request.param)), request.param)
    return Pengi.from_hparams(source=folder, savedir=folder)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("clips")
    return {
        "mono16k": write_clip(str(d / "mono16k.wav"), 0.8, 16000, seed=1),
        "stereo44k": write_clip(str(d / "stereo.wav"), 1.3, 44100,
                                channels=2, freq=300, seed=2),
        "long": write_clip(str(d / "long.flac"), 3.7, 22050, freq=900,
                           seed=3),
        "corrupt": _corrupt(d / "corrupt.wav"),
        "missing": str(d / "missing.wav"),
    }


def _corrupt(path):
    path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage" * 3)
    return str(path)


def test_loaded_interface(pengi):
    assert pengi.sample_rate == 16000 and pengi.window == 16000
    assert not any(p.requires_grad for p in pengi.mods.parameters())


def test_generation_methods(pengi, clips):
    files = [clips["mono16k"], clips["stereo44k"]]
    for method in ("beam", "greedy", "sample"):
        out = pengi.generate_files(files, "generate metadata", method=method,
                                   seed=0, **GEN)
        assert len(out) == 2 and all(isinstance(r, GenerationResult)
                                     for r in out)
        assert all(len(r.tokens) <= 4 for r in out)
    beams = pengi.caption_file(clips["mono16k"], **GEN).beams
    assert len(beams) == 2 and beams[0][2] >= beams[1][2]


@pytest.mark.parametrize("name", ["caption", "sound_events", "scene",
                                  "emotion", "sentiment", "music_analysis",
                                  "music_note", "metadata"])
def test_every_template_method(pengi, clips, name):
    one = getattr(pengi, f"{name}_file")(clips["mono16k"], **GEN)
    many = getattr(pengi, f"{name}_files")([clips["mono16k"]], **GEN)
    wav = pengi.load_audio(clips["mono16k"]).unsqueeze(0)
    batch = getattr(pengi, f"{name}_batch")(wav, torch.ones(1), **GEN)
    assert one.tokens == many[0].tokens == batch[0].tokens


def test_answer_describe_continue(pengi, clips):
    a = pengi.answer_file(clips["mono16k"], "is it raining?", **GEN)
    assert isinstance(a.text, str)
    summary = pengi.describe_file(clips["mono16k"], **GEN)
    assert "this audio contains sound events:" in summary
    cont = pengi.continue_text_file(clips["mono16k"],
                                    "generate audio caption", "a dog", **GEN)
    plain = pengi.caption_file(clips["mono16k"], **GEN)
    assert isinstance(cont.text, str)
    # the extra text changes the prefix, so the continuation is conditioned
    assert cont.score != plain.score


def test_classify_likelihood_and_multilabel(pengi, clips):
    labels = ["dog", "rain", "car horn", "church bells"]
    out = pengi.classify_files([clips["mono16k"], clips["long"]], labels,
                               top_k=2)
    assert all(isinstance(r, ClassificationResult) for r in out)
    assert sorted(out[0].labels) == sorted(labels)
    assert out[0].scores == sorted(out[0].scores, reverse=True)
    assert len(out[0].predicted) == 2
    thr = pengi.classify_file(clips["mono16k"], labels, threshold=0.0)
    assert sorted(thr.predicted) == sorted(labels)
    # likelihood scores are mean token log-probabilities of label + stop
    tok = pengi.tokenizer
    prefix, _ = pengi._prefix(pengi.embed_audio_files([clips["mono16k"]]),
                              ["this is a sound of"])
    ids = torch.tensor([tok.encode("car horn") + [tok.stop_token_id]])
    logits = pengi.model.prefix_lm(
        torch.cat([prefix, pengi.model.prefix_lm.embed_tokens(ids)], 1))
    logp = torch.log_softmax(logits[0, prefix.shape[1] - 1:-1], -1)
    want = logp.gather(1, ids[0].unsqueeze(1)).mean()
    got = out[0].scores[out[0].labels.index("car horn")]
    assert abs(float(want) - got) < 1e-4
    # length_normalize=False: the total log-probability of the answer
    total = pengi.classify_file(clips["mono16k"], labels,
                                length_normalize=False)
    got = total.scores[total.labels.index("car horn")]
    assert abs(float(logp.gather(1, ids[0].unsqueeze(1)).sum()) - got) < 1e-4


def test_classify_text_matching(pengi, clips):
    if pengi.model.prompt_encoder is None:
        with pytest.raises(ValueError, match="text_encoder"):
            pengi.classify_file(clips["mono16k"], ["a", "b"], method="text",
                                **GEN)
        return
    r = pengi.classify_file(clips["mono16k"], ["dog", "rain"], method="text",
                            **GEN)
    assert r.generated is not None and len(r.scores) == 2
    greedy = pengi.classify_embeddings(
        pengi.embed_audio_files([clips["mono16k"]]), ["dog", "rain"],
        method="text", search="greedy", max_len=4)[0]
    want = pengi.generate_file(clips["mono16k"], "this is a sound of",
                               method="greedy", max_len=4).text
    assert greedy.generated == want


def test_embeddings_and_retrieval(pengi, clips):
    emb = pengi.embed_audio_files([clips["mono16k"], clips["long"]])
    assert emb.shape == (2, 24)
    if pengi.model.prompt_encoder is None:
        assert pengi.embed_prompt(["a prompt"]).shape == (1, 40, 16)
        with pytest.raises(ValueError, match="cannot retrieve"):
            pengi.retrieve(["dog"], audio_embeddings=emb)
        return
    assert pengi.embed_prompt(["a prompt", "another"]).shape == (2, 24)
    r = pengi.retrieve(["dog", "rain", "car"], audio_embeddings=emb)
    assert r["similarity"].shape == (3, 2)
    assert sorted(r["text_to_audio"][0]) == [0, 1]
    assert sorted(r["audio_to_text"][1]) == [0, 1, 2]


def test_stereo_and_rates_are_mixed_and_resampled(pengi, clips, tmp_path):
    wav = pengi.load_audio(clips["stereo44k"])
    assert wav.dim() == 1 and abs(wav.shape[0] - 1.3 * 16000) <= 1
    data, rate = soundfile.read(clips["stereo44k"], dtype="float32")
    batch = pengi.embed_audio_batch(torch.from_numpy(data.T), None,
                                    sample_rate=rate)
    # *_batch takes [B, T]: each row is a clip (mix channels beforehand)
    assert batch.shape[0] == 2
    mono = torch.from_numpy(data.mean(axis=1)).unsqueeze(0)
    from_tensor = pengi.embed_audio_batch(mono, sample_rate=rate)
    from_file = pengi.embed_audio_files([clips["stereo44k"]])
    assert torch.allclose(from_tensor, from_file, atol=1e-5)


def test_long_input_is_deterministic(pengi, clips):
    a = pengi.caption_file(clips["long"], **GEN)
    b = pengi.caption_file(clips["long"], **GEN)
    assert a.tokens == b.tokens and a.score == b.score
    emb = pengi.embed_audio_file(clips["long"])
    windows = pengi.embed_audio_files([clips["long"]])
    assert torch.equal(emb, windows[0])


def test_window_modes_differ_on_long_audio(pengi, clips):
    mean = pengi.embed_audio_file(clips["long"])
    pengi.window_mode = "first"
    try:
        first = pengi.embed_audio_file(clips["long"])
    finally:
        pengi.window_mode = "mean"
    assert not torch.allclose(mean, first)


def test_batch_equals_single(pengi, clips):
    files = [clips["mono16k"], clips["stereo44k"], clips["long"]]
    together = pengi.caption_files(files, **GEN)
    alone = [pengi.caption_file(f, **GEN) for f in files]
    for t, a in zip(together, alone):
        assert t.tokens == a.tokens and abs(t.score - a.score) < 1e-4
    wavs = [pengi.load_audio(f) for f in files]
    width = max(w.shape[0] for w in wavs)
    padded = torch.stack([torch.nn.functional.pad(w, (0, width - len(w)))
                          for w in wavs])
    lens = torch.tensor([len(w) / width for w in wavs])
    batch = pengi.caption_batch(padded, lens, **GEN)
    assert [b.tokens for b in batch] == [a.tokens for a in alone]


def test_bad_audio_errors_name_the_file(pengi, clips):
    for key in ("corrupt", "missing"):
        with pytest.raises(AudioError, match=os.path.basename(clips[key])):
            pengi.caption_files([clips[key]], **GEN)
    with pytest.raises(AudioError, match="NaN"):
        pengi.embed_audio_batch(torch.full((1, 1000), float("nan")))


def test_context_overflow_is_explained(pengi, clips):
    with pytest.raises(ValueError, match="context"):
        pengi.caption_file(clips["mono16k"], max_len=500)


def test_interface_is_written_out():
    """Every public method of Pengi is written in its class body with a
    docstring (none made in a loop and attached with setattr), and every
    *_batch method takes (wavs, wav_lens=None, <task arguments>, *,
    sample_rate=None, ...)."""
    own = {name: fn for name, fn in vars(Pengi).items()
           if callable(fn) and not name.startswith("_")}
    assert len(own) > 40
    for name, fn in own.items():
        assert fn.__qualname__ == f"Pengi.{name}", name
        assert fn.__doc__ and fn.__doc__.strip(), name
    batch = sorted(n for n in own if n.endswith("_batch"))
    for name in batch:
        params = list(inspect.signature(own[name]).parameters.values())
        assert [p.name for p in params[:3]] == ["self", "wavs", "wav_lens"]
        assert params[2].default is None, name
        rate = inspect.signature(own[name]).parameters["sample_rate"]
        assert rate.kind is inspect.Parameter.KEYWORD_ONLY, name
        assert rate.default is None, name
        for form in ("_files", "_file"):
            stem = name[:-len("_batch")]
            if stem != "embed_audio":
                assert stem + form in own, f"{stem}{form} is missing"


def test_task_arguments_come_after_wav_lens(pengi, clips):
    wav = pengi.load_audio(clips["mono16k"]).unsqueeze(0)
    with pytest.raises(TypeError, match="wav_lens"):
        pengi.answer_batch(wav, "is it raining?", **GEN)
    with pytest.raises(TypeError, match="'labels'"):
        pengi.classify_batch(wav)
    with pytest.raises(TypeError, match="sample_rate"):
        pengi.caption_files([clips["mono16k"]], sample_rate=16000)
    by_keyword = pengi.answer_batch(wav, question="is it raining?", **GEN)
    positional = pengi.answer_batch(wav, None, "is it raining?", **GEN)
    assert by_keyword[0].tokens == positional[0].tokens


def test_window_mode_is_checked_when_loading(tmp_path):
    folder = tiny_pretrained_folder(str(tmp_path / "m"), "base")
    with pytest.raises(ValueError, match="window_mode"):
        Pengi.from_hparams(source=folder, savedir=folder,
                           window_mode="random")


def test_converted_golden_checkpoint(tmp_path):
    """A converted golden folder loads through from_hparams, and the
    interface's audio path gives the original's embeddings."""
    from pengi_sb.conformance import golden_overrides
    from pengi_sb.convert import convert

    base = os.path.join(GOLDEN, "base_tiny")
    with open(os.path.join(base, "config.json")) as f:
        config = json.load(f)
    io = torch.load(os.path.join(base, "io.pt"), weights_only=True)
    out = str(tmp_path / "golden")
    convert(os.path.join(base, "reference_checkpoint.pt"), out, "base",
            overrides=golden_overrides(config))
    pengi = Pengi.from_hparams(source=out, savedir=out)
    emb = pengi.embed_audio_batch(io["wav"])
    assert torch.allclose(emb, io["audio_embedding"], rtol=1e-4, atol=1e-5)
    prompt = pengi.model.encode_prompt(io["prompt_input_ids"],
                                       io["prompt_attention_mask"])
    prefix = torch.cat([pengi.model.audio_prefix(emb),
                        pengi.model.prompt_prefix(prompt)], 1)
    assert torch.allclose(prefix, io["prefix"], rtol=1e-4, atol=1e-4)
