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


LABELS = ["dog", "rain", "car horn", "church bells", "a man speaking",
          "music", "wind", "siren"]
GEN = {"max_len": 8, "beam_size": 2}


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    from audio_fixtures import write_clip

    d = tmp_path_factory.mktemp("clips")
    return [write_clip(str(d / f"c{i}.wav"), 0.6 + 0.3 * i, 16000,
                       freq=150.0 * (i + 1), seed=i) for i in range(6)]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """The same tiny model loaded in fp32, bf16 and fp16 (CPU)."""
    from model_fixtures import tiny_pretrained_folder

    from pengi_sb.inference import Pengi

    folder = tiny_pretrained_folder(str(tmp_path_factory.mktemp("m")),
                                    "base")
    return {p: Pengi.from_hparams(source=folder, savedir=folder,
                                  run_opts={"device": "cpu", "precision": p})
            for p in ("fp32", "bf16", "fp16")}


def test_bf16_agrees_with_fp32_on_the_cpu(models, clips):
    fp32, bf16 = models["fp32"], models["bf16"]
    emb32, emb16 = (m.embed_audio_files(clips) for m in (fp32, bf16))
    assert emb16.dtype == torch.float32
    assert not torch.equal(emb16, emb32)  # bf16 did run
    cos = torch.nn.functional.cosine_similarity(emb16, emb32)
    assert cos.min() > 0.99, cos
    top32, top16 = (m.classify_files(clips, LABELS) for m in (fp32, bf16))
    assert [r.predicted for r in top16] == [r.predicted for r in top32]
    for a, b in zip(top32, top16):
        want = dict(zip(a.labels, a.scores))
        assert all(abs(want[lab] - s) < 0.05 for lab, s in
                   zip(b.labels, b.scores))
    captions32, captions16 = ([r.text for r in m.caption_files(clips, **GEN)]
                              for m in (fp32, bf16))
    agree = sum(a == b for a, b in zip(captions32, captions16))
    print(f"bf16 vs fp32 on the CPU: {agree}/{len(clips)} captions "
          "identical")
    assert agree >= len(clips) // 2


def test_fp16_log_probabilities_stay_finite(models, clips):
    """fp16 autocast on the CPU: the front end and the label
    log-probabilities are float32, so nothing underflows to -inf."""
    out = models["fp16"].classify_files(clips[:2], LABELS,
                                        length_normalize=False)
    assert all(torch.isfinite(torch.tensor(r.scores)).all() for r in out)
    assert models["fp16"].caption_files(clips[:1], **GEN)[0].text


def test_cli_precision_reaches_the_model(models, tmp_path):
    from pengi_sb.inference import cli

    folder = models["fp32"].hparams.savedir
    args = cli.build_parser().parse_args(
        ["embed", "x.wav", "--source", folder, "--device", "cpu",
         "--precision", "bf16"])
    assert cli.load_model(args).precision == "bf16"
