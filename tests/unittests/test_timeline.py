"""Timelines of long recordings: per-window results equal windows encoded
one by one, a small model trained here places the changes of sound within
a hop of the truth, every timeline format reads back what it wrote, and
``pengi-sb timeline`` writes them."""

import io
import os

import numpy as np
import pytest
import soundfile
import torch
from audio_fixtures import write_clip
from hyperpyyaml import load_hyperpyyaml
from model_fixtures import tiny_pretrained_folder

from pengi_sb.convert import HPARAMS_DIR
from pengi_sb.data.audio import load_audio, window_waveform
from pengi_sb.data.long_audio import BLOCK_SECONDS
from pengi_sb.data.pipeline import train_tokenizer
from pengi_sb.inference import Pengi, cli
from pengi_sb.inference.timeline import (
    Segment,
    build_timeline,
    timeline_file,
    timeline_files,
    window_results,
)
from pengi_sb.inference.timeline_formats import (
    TimelineFormatError,
    from_srt,
    from_vtt,
    read_timeline,
    to_srt,
    to_vtt,
    write_timeline,
)
from pengi_sb.training.export import export_pretrained

LABELS = ["drums", "speech", "piano"]


@pytest.fixture(scope="module")
def pengi(tmp_path_factory):
    folder = tiny_pretrained_folder(str(tmp_path_factory.mktemp("model")),
                                    "base_no_text_enc")
    return Pengi.from_hparams(source=folder, savedir=folder,
                              encode_batch_size=3)


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """3.3 s, 44.1 kHz stereo: resampled and cut into 6 windows of 1 s."""
    return write_clip(str(tmp_path_factory.mktemp("audio") / "r.wav"), 3.3,
                      44100, channels=2, seed=4)


def _windows(path):
    return window_waveform(load_audio(path, 16000), 16000, mode="mean")


def test_labels_equal_windows_classified_one_by_one(pengi, recording):
    got = list(window_results(pengi, recording, "classify", LABELS,
                              block_seconds=0.7))
    windows = _windows(recording)
    assert len(got) == windows.shape[0] == 6
    for seg, wav in zip(got, windows):
        ref = pengi.classify_batch(wav.unsqueeze(0), labels=LABELS)[0]
        assert seg.labels == ref.predicted and seg.text == ref.predicted[0]
        assert seg.score == pytest.approx(ref.scores[0], abs=1e-4)
    assert [s.audio_start for s in got] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.3]


def test_captions_equal_windows_captioned_one_by_one(pengi, recording):
    options = {"method": "greedy", "max_len": 4}
    timeline = timeline_file(pengi, recording, "caption", **options)
    windows = _windows(recording)
    assert len(timeline) == windows.shape[0]  # captions keep their windows
    for seg, wav in zip(timeline, windows):
        ref = pengi.caption_batch(wav.unsqueeze(0), **options)[0]
        assert seg.text == ref.text
        assert seg.score == pytest.approx(ref.score, abs=1e-4)
    assert timeline[0].start == 0.0 and timeline[-1].end == pytest.approx(3.3)
    assert all(a.end == b.start for a, b in zip(timeline, timeline[1:]))


def test_longer_windows_are_the_mean_of_model_windows(pengi, recording):
    events = list(window_results(pengi, recording, "sound_events",
                                 window_seconds=2.0, hop_seconds=1.0,
                                 method="greedy", max_len=3))
    assert [(s.audio_start, s.audio_end) for s in events] == [
        (0.0, 2.0), (1.0, 3.0), (1.3, 3.3)]
    wav = load_audio(recording, 16000)[16000:48000]
    ref = pengi.sound_events_batch(wav.unsqueeze(0), method="greedy",
                                   max_len=3)[0]
    assert events[1].text == ref.text
    assert events[1].labels == [e.strip() for e in ref.text.split(",")
                                if e.strip()]


def test_timeline_arguments_are_checked(pengi, recording):
    with pytest.raises(ValueError, match="needs labels"):
        timeline_file(pengi, recording, "classify")
    with pytest.raises(ValueError, match="only apply to task 'classify'"):
        timeline_file(pengi, recording, "caption", labels=["dog"])
    with pytest.raises(ValueError, match="must be one of"):
        timeline_file(pengi, recording, "captions")
    with pytest.raises(ValueError, match="leave audio unheard"):
        timeline_file(pengi, recording, window_seconds=1, hop_seconds=2)
    with pytest.raises(TypeError, match="list of paths"):
        timeline_files(pengi, recording)


def test_build_timeline_merges_agreeing_windows():
    window = [Segment(0.0, 1.0, "a", ["a"], 1.0),
              Segment(0.5, 1.5, "a", ["a"], 3.0),
              Segment(1.0, 2.0, "b, c", ["b", "c"], 0.0),
              Segment(1.2, 2.2, "c, b", ["c", "b"], 1.0)]
    merged = build_timeline(window, merge=True)
    assert [(s.start, s.end, s.text, s.windows) for s in merged] == [
        (0.0, 1.25, "a", 2), (1.25, 2.2, "b, c", 2)]
    assert [s.score for s in merged] == [2.0, 0.5]
    assert (merged[1].audio_start, merged[1].audio_end) == (1.0, 2.2)
    kept = build_timeline(window, merge=False)
    assert [(s.start, s.end) for s in kept] == [
        (0.0, 0.75), (0.75, 1.25), (1.25, 1.6), (1.6, 2.2)]
    assert build_timeline([], merge=True) == []


def test_pengi_methods_delegate_to_the_timeline(pengi, recording, tmp_path):
    one = pengi.timeline_file(recording, task="classify", labels=LABELS,
                              hop_seconds=0.25)
    assert one == timeline_file(pengi, recording, "classify", LABELS,
                                hop_seconds=0.25)
    assert sum(s.windows for s in one) == 11
    other = write_clip(str(tmp_path / "b.wav"), 0.6, 22050, seed=2)
    both = pengi.timeline_files([recording, other], task="sound_events",
                                method="greedy", max_len=3)
    assert [len(t) >= 1 for t in both] == [True, True]
    assert both[1][0].file == other and both[1][-1].end == pytest.approx(0.6)


def test_whole_file_methods_read_long_files_in_blocks(pengi, tmp_path,
                                                      monkeypatch):
    """A file longer than one block is never loaded whole, and its mean
    embedding equals the whole-file one; shorter files keep the whole-file
    path."""
    long = write_clip(str(tmp_path / "long.flac"), BLOCK_SECONDS + 5.2,
                      22050, seed=6)
    short = write_clip(str(tmp_path / "short.wav"), 2.5, 16000, seed=7)
    whole = pengi._embed([pengi.load_audio(long)])
    alone = pengi._embed([pengi.load_audio(short)])
    read_whole = []
    monkeypatch.setattr(pengi, "load_audio",
                        lambda path: read_whole.append(path)
                        or load_audio(path, pengi.sample_rate))
    got = pengi.embed_audio_files([long, short])
    assert read_whole == [short]
    assert torch.equal(got[1], alone[0])
    assert torch.allclose(got[0], whole[0], atol=1e-5)
    caption = pengi.caption_files([long], method="greedy", max_len=3)[0]
    ref = pengi.generate_embeddings(whole[:1], "generate audio caption",
                                    method="greedy", max_len=3)[0]
    assert caption.text == ref.text


# ------------------------------------------------- a trained model's timeline
def _sound(kind, seconds, rate, rng):
    """Drum hits, speech-like babble or piano-like notes, RMS 0.1."""
    t = np.arange(int(seconds * rate)) / rate
    if kind == "drums":  # noise hits with a low thump, 4 to 6 per second
        x = np.zeros_like(t)
        for onset in np.cumsum(rng.uniform(0.16, 0.25, int(seconds * 7))):
            if onset >= seconds:
                break
            env = np.exp(-np.clip(t - onset, 0, None) / 0.03) * (t >= onset)
            x += env * (rng.standard_normal(t.shape)
                        + 2 * np.sin(2 * np.pi * 70 * t))
    elif kind == "speech":  # voiced harmonics, a gliding pitch, syllables
        f0 = rng.uniform(110, 180) * (1 + 0.1 * np.sin(2 * np.pi * 3 * t))
        phase = 2 * np.pi * np.cumsum(f0) / rate
        x = sum(np.sin(k * phase) / k for k in range(1, 12))
        x *= 0.6 + 0.4 * np.sin(2 * np.pi * rng.uniform(3, 5) * t) ** 2
    else:  # piano-like notes: decaying harmonics, one note a second
        f = rng.uniform(400, 800)
        env = np.exp(-(t % 1.0) / 0.4)
        x = env * sum(np.sin(2 * np.pi * k * f * t) / k**2
                      for k in range(1, 5))
    return (0.1 * x / np.sqrt(np.mean(x**2) + 1e-12)).astype(np.float32)


def _train(pengi, steps, seed=0):
    """Teaches the small model to name the three kinds of sound from
    random 1 s crops of 3 s clips; returns the last batch's loss."""
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    pool = [[_sound(kind, 3.0, 16000, rng) for _ in range(8)]
            for kind in LABELS]
    model = pengi.model
    model.train()
    for p in model.parameters():
        p.requires_grad_(True)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    tok = pengi.tokenizer
    prompt_ids, prompt_mask = pengi._tokenizer("prompt").encode_prompts(
        ["this is a sound of"] * 12, int(pengi.hparams.prompt_max_length))
    targets = [tok.encode(label) + [tok.stop_token_id] for label in LABELS]
    width = max(len(t) for t in targets)
    target_ids = torch.tensor([t + [0] * (width - len(t)) for t in targets])
    target_mask = torch.tensor([[1] * len(t) + [0] * (width - len(t))
                                for t in targets])
    kinds = [i % 3 for i in range(12)]
    with torch.enable_grad():
        for _ in range(steps):
            crops = []
            for k in kinds:
                clip = pool[k][rng.integers(8)]
                start = rng.integers(clip.shape[0] - 16000)
                crops.append(clip[start:start + 16000])
            wav = torch.from_numpy(np.stack(crops))
            logits = model(wav, prompt_ids, prompt_mask, target_ids[kinds],
                           target_mask[kinds])
            loss = model.loss(logits, target_ids[kinds], target_mask[kinds])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return float(loss.detach())


def _small_pengi(folder):
    """pengi_small shrunk to 1 s windows (as the training tests shrink it),
    with a SentencePiece vocabulary of the prompt and the labels, exported
    untrained and loaded as a pretrained folder."""
    spm = train_tokenizer(["this is a sound of"] + LABELS * 10,
                          os.path.join(folder, "tok"), vocab_size=22)
    overrides = {
        "clip_seconds": 1.0, "htsat_spec_size": 64, "htsat_embed_dim": 16,
        "htsat_depths": [1, 1], "htsat_num_heads": [2, 4],
        "audio_latent_dim": 32, "d_proj": 64, "n_embd": 64,
        "mapper_layers": 1, "mapper_heads": 2,
        "gpt2_config": {"n_layer": 1, "n_head": 2}, "vocab_size": 22,
        "prompt_tokenizer_source": spm, "decoder_tokenizer_source": spm}
    small = os.path.join(HPARAMS_DIR, "pengi_small.yaml")
    with open(small, encoding="utf-8") as f:
        arch = load_hyperpyyaml(f, overrides)
    out = export_pretrained(os.path.join(folder, "model"), small,
                            arch["modules"], overrides, model_key=None,
                            tokenizer_file=spm)
    return Pengi.from_hparams(source=out, savedir=out)


def test_trained_model_places_changes_within_a_hop(tmp_path):
    """Drums, then speech, then piano notes (4 s each, 44.1 kHz, drawn
    apart from the training clips): after 100 training steps the timeline
    has three segments whose boundaries are within one hop (0.5 s) of 4 s
    and 8 s."""
    pengi = _small_pengi(str(tmp_path))
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        loss = _train(pengi, steps=100)
    finally:
        torch.set_num_threads(before)
    assert loss < 0.1
    rng = np.random.default_rng(7)  # unseen draws of each kind
    audio = np.concatenate([_sound(k, 4.0, 44100, rng) for k in LABELS])
    path = str(tmp_path / "three.flac")
    soundfile.write(path, audio, 44100)
    timeline = timeline_file(pengi, path, "classify", LABELS,
                             hop_seconds=0.5, block_seconds=3.0)
    assert [s.text for s in timeline] == LABELS, timeline
    assert timeline[0].start == 0.0 and timeline[-1].end == 12.0
    for seg, truth in zip(timeline[1:], (4.0, 8.0)):
        assert abs(seg.start - truth) <= 0.5, timeline


# ------------------------------------------------------------------ formats
SEGMENTS = [
    Segment(0.0, 3.5, "a dog barks, then a car passes", windows=1,
            audio_start=0.0, audio_end=7.0, file="a.wav", score=-0.25),
    Segment(3.5, 7.123, "rain & thunder <loud>", ["rain", "thunder"],
            -1.5, 3, 0.0, 10.0, "a.wav"),
    Segment(7.123, 3725.25, "", [], None, 1, 3.0, 3725.25, "a.wav"),
]


@pytest.mark.parametrize(("to_text", "from_text"), [(to_srt, from_srt),
                                                    (to_vtt, from_vtt)])
def test_subtitles_parse_back_to_the_same_segments(to_text, from_text):
    back = from_text(to_text(SEGMENTS))
    assert [(s.start, s.end, s.text) for s in back] == [
        (s.start, s.end, s.text) for s in SEGMENTS]


@pytest.mark.parametrize("ext", [".srt", ".vtt", ".jsonl", ".csv"])
def test_timeline_files_read_back(tmp_path, ext):
    path = str(tmp_path / f"t{ext}")
    write_timeline(path, SEGMENTS)
    back = read_timeline(path)
    if ext in (".jsonl", ".csv"):  # every field, exactly
        assert back == SEGMENTS
    else:
        assert [(s.start, s.end, s.text) for s in back] == [
            (s.start, s.end, s.text) for s in SEGMENTS]


def test_srt_is_what_players_read():
    text = to_srt(SEGMENTS[:2])
    assert text.startswith("1\n00:00:00,000 --> 00:00:03,500\na dog barks")
    assert "2\n00:00:03,500 --> 00:00:07,123\nrain & thunder <loud>\n" in text
    vtt = to_vtt(SEGMENTS[1:2])
    assert vtt == ("WEBVTT\n\n00:00:03.500 --> 00:00:07.123\n"
                   "rain &amp; thunder &lt;loud&gt;\n")


def test_format_errors_say_what_to_do(tmp_path):
    with pytest.raises(TimelineFormatError, match=r"\*\.srt / \*\.vtt"):
        write_timeline(str(tmp_path / "t.txt"), SEGMENTS)
    two = SEGMENTS[:1] + [Segment(1.0, 2.0, "x", file="b.wav")]
    with pytest.raises(TimelineFormatError, match="one subtitle file per"):
        write_timeline(str(tmp_path / "t.srt"), two)
    with pytest.raises(TimelineFormatError, match="starts with 'WEBVTT'"):
        from_vtt("1\n00:00:00.000 --> 00:00:01.000\nx\n")
    with pytest.raises(TimelineFormatError, match="not a subtitle time"):
        from_srt("1\n00:00:xx,000 --> 00:00:01,000\nx\n")


# ---------------------------------------------------------------------- CLI
def _cli(pengi, argv):
    args = cli.build_parser().parse_args(["timeline", *argv])
    return cli.run(args, pengi=pengi, stream=io.StringIO())


def test_cli_writes_subtitles_and_tables(pengi, recording, tmp_path):
    expected = timeline_file(pengi, recording, "classify", LABELS)
    out = tmp_path / "t.srt"
    segments, failed = _cli(pengi, [recording, "--task", "classify",
                                    "--labels", *LABELS, "-o", str(out)])
    assert failed == 0 and segments == expected
    assert [(s.start, s.end, s.text) for s in read_timeline(str(out))] == [
        (round(s.start, 3), round(s.end, 3), s.text) for s in expected]
    # several files: one subtitle file per recording, or one table
    other = write_clip(str(tmp_path / "other.wav"), 1.5, 16000, seed=9)
    missing = str(tmp_path / "missing.wav")
    _, failed = _cli(pengi, [recording, other, missing, "--task",
                             "sound_events", "--method", "greedy",
                             "--max-len", "3",
                             "-o", str(tmp_path / "subs" / "{stem}.vtt")])
    assert failed == 1
    assert sorted(p.name for p in (tmp_path / "subs").iterdir()) == [
        "other.vtt", "r.vtt"]
    table = tmp_path / "t.csv"
    segments, _ = _cli(pengi, [recording, other, "--task", "caption",
                               "--max-len", "3", "-o", str(table)])
    assert read_timeline(str(table)) == segments
    assert {s.file for s in segments} == {recording, other}


@pytest.mark.parametrize(("argv", "message"), [
    (["--task", "classify"], "needs --labels"),
    (["--labels", "dog"], "apply to --task classify"),
    (["-o", "t.txt"], "cannot tell the timeline format"),
])
def test_cli_usage_errors(pengi, recording, argv, message):
    with pytest.raises(cli.UsageError, match=message):
        _cli(pengi, [recording, *argv])


def test_cli_subtitles_of_several_files_need_stem(pengi, recording):
    with pytest.raises(cli.UsageError, match=r"put \{stem\} in the name"):
        _cli(pengi, [recording, recording, "-o", "t.srt"])
