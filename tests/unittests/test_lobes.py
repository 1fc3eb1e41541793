"""Shapes of every lobe, and the release architectures' parameter counts."""

import os

import pytest
import torch
from hyperpyyaml import load_hyperpyyaml

from pengi_sb.lobes.audio_encoder import AudioEncoder
from pengi_sb.lobes.frontend import LogMelFrontEnd
from pengi_sb.lobes.htsat import HTSAT
from pengi_sb.lobes.mapper import SequenceMapper, TransformerMapper
from pengi_sb.lobes.pengi import PengiModel, tiny_pengi
from pengi_sb.lobes.prefix_lm import GPT2PrefixLM
from pengi_sb.lobes.projection import Projection
from pengi_sb.lobes.prompt_encoders import CLIPPromptEncoder

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def test_frontend_frames_and_release_sizes():
    fe = LogMelFrontEnd()  # release: n_fft 1024, hop 320, 64 mels
    out = fe(torch.randn(2, 308700))
    assert out.shape == (2, 965, 64)  # 7 s at 44.1 kHz -> 965 frames
    assert fe.stft_kernels.shape == (1026, 1, 1024)
    assert not fe.stft_kernels.requires_grad


def test_frontend_silence_is_floored():
    out = LogMelFrontEnd(n_fft=256, hop_length=64, n_mels=8)(
        torch.zeros(1, 1000))
    assert torch.allclose(out, torch.full_like(out, -100.0))


def test_htsat_shapes_and_clipwise():
    enc = HTSAT(mel_bins=16, spec_size=64, embed_dim=8, depths=(1, 2),
                num_heads=(1, 2), window_size=4, num_classes=7).eval()
    logmel = torch.randn(3, 120, 16)
    assert enc(logmel).shape == (3, 16)
    probs = enc.clipwise_output(logmel)
    assert probs.shape == (3, 7) and bool(((probs > 0) & (probs < 1)).all())


def test_htsat_refuses_too_many_frames():
    enc = HTSAT(mel_bins=16, spec_size=32, embed_dim=8, depths=(1, 1),
                num_heads=(1, 2), window_size=4, num_classes=0)
    with pytest.raises(ValueError, match="window longer audio"):
        enc(torch.randn(1, 200, 16))


def test_projection_and_mappers():
    assert Projection(10, 12)(torch.randn(4, 10)).shape == (4, 12)
    tm = TransformerMapper(12, 16, prefix_length=5, clip_length=3,
                           num_layers=2, num_heads=4)
    assert tm(torch.randn(4, 12)).shape == (4, 5, 16)
    sm = SequenceMapper(16, prefix_length=6, num_layers=1, num_heads=2)
    assert sm(torch.randn(4, 9, 16)).shape == (4, 6, 16)


def test_clip_prompt_encoder_pools_eot():
    enc = CLIPPromptEncoder(
        clip_config=dict(vocab_size=40, hidden_size=16, intermediate_size=32,
                         num_hidden_layers=1, num_attention_heads=2,
                         max_position_embeddings=12, eos_token_id=2),
        clip_projection_dim=8, d_proj=10).eval()
    ids = torch.tensor([[38, 4, 5, 39, 39, 39], [38, 4, 5, 39, 7, 7]])
    out = enc(ids, torch.ones_like(ids))
    assert out.shape == (2, 10)
    # the pooled state is the end-of-text token's: later tokens don't matter
    # (causal attention), so both rows agree
    assert torch.allclose(out[0], out[1], atol=1e-5)
    assert not any(p.requires_grad for p in enc.text_model.parameters())


def test_prefix_lm_refuses_overlong_context():
    lm = GPT2PrefixLM(dict(vocab_size=20, n_positions=8, n_embd=8, n_layer=1,
                           n_head=2))
    with pytest.raises(ValueError, match="context"):
        lm(torch.randn(1, 9, 8))


@pytest.mark.parametrize("with_prompt_encoder", [True, False])
def test_pengi_forward_loss_and_mask(with_prompt_encoder):
    model = tiny_pengi(with_prompt_encoder=with_prompt_encoder).eval()
    wav = torch.randn(2, 8000)
    prompt = torch.randint(3, 40, (2, 6))
    target = torch.randint(3, 40, (2, 4))
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])
    logits = model(wav, prompt, None, target, mask)
    assert logits.shape == (2, 20 + 4, 50)
    loss = model.loss(logits, target, mask)
    # the masked loss equals the mean over the 6 real target tokens
    per_token = PengiModel.loss(logits, target, mask, reduction="none")
    assert per_token.shape == (8,)
    assert torch.isclose(loss, per_token[mask.reshape(-1) == 1].mean())


def test_prefix_is_joined_and_extended_in_one_place():
    """Training's prefix (from prompt ids) equals the one the interface
    builds from a precomputed prompt prefix; extra text is appended after
    it, left-padded, and the padding is masked."""
    model = tiny_pengi().eval()
    audio = torch.randn(2, 24)
    prompt = torch.randint(3, 40, (2, 6))
    from_ids = model.prefix_from_audio_embedding(audio, prompt)
    prompt_prefix = model.prompt_prefix(model.encode_prompt(prompt))
    assert torch.equal(from_ids, model.join_prefix(audio, prompt_prefix))
    extended, mask = model.extend_prefix(from_ids, [[5, 6, 7], []])
    assert extended.shape == (2, 20 + 3, 16)
    assert mask.tolist() == [[1] * 23, [0] * 3 + [1] * 20]
    assert torch.equal(extended[0, :20], from_ids[0])
    assert torch.equal(extended[0, 20:],
                       model.prefix_lm.embed_tokens(torch.tensor([5, 6, 7])))
    assert torch.equal(extended[1, 3:], from_ids[1])
    assert bool((extended[1, :3] == 0).all())


def test_audio_encoder_composition():
    enc = AudioEncoder(
        LogMelFrontEnd(sample_rate=16000, n_fft=512, hop_length=160, n_mels=16),
        HTSAT(mel_bins=16, spec_size=32, embed_dim=8, depths=(1, 1),
              num_heads=(1, 2), window_size=4, num_classes=0),
        Projection(16, 24))
    assert enc(torch.randn(2, 4000)).shape == (2, 24)


@pytest.mark.parametrize("variant,expected_millions", [
    ("pengi_base", 323), ("pengi_base_no_text_enc", 227)])
def test_release_parameter_counts(variant, expected_millions):
    path = os.path.join(ROOT, "pengi_sb", "hparams", f"{variant}.yaml")
    with torch.device("meta"), open(path) as f:
        hparams = load_hyperpyyaml(f)
    n = sum(p.numel() for p in hparams["model"].parameters())
    assert round(n / 1e6) == expected_millions


def test_mapper_constant_scale_is_configurable():
    torch.manual_seed(0)
    small = SequenceMapper(16, prefix_length=50, num_layers=1, num_heads=2,
                           prefix_const_std=0.02)
    default = SequenceMapper(16, prefix_length=50, num_layers=1, num_heads=2)
    assert 0.01 < float(small.prefix_const.std()) < 0.03
    assert 0.8 < float(default.prefix_const.std()) < 1.2


# ------------------------------------------------------------- contrastive
def _contrastive(vocab=20, width=8):
    from pengi_sb.lobes.contrastive import (AudioTextContrastive,
                                            TokenBagTextEncoder)
    torch.manual_seed(0)
    return AudioTextContrastive(TokenBagTextEncoder(vocab, 16, width, 0.0))


def test_contrastive_matches_a_plain_infonce_when_texts_differ():
    import torch.nn.functional as F
    term = _contrastive()
    ids = torch.tensor([[3, 4, 2], [5, 6, 2], [7, 2, 0]])
    mask = (ids != 0).long()
    audio = torch.randn(3, 8)
    text = F.normalize(term.text_encoder(ids, mask), dim=-1)
    logits = term.logit_scale.exp() * F.normalize(audio, dim=-1) @ text.t()
    labels = torch.arange(3)
    expected = 0.5 * (F.cross_entropy(logits, labels)
                      + F.cross_entropy(logits.t(), labels))
    assert torch.allclose(term(audio, ids, mask), expected, atol=1e-6)


def test_contrastive_treats_repeated_texts_as_positives():
    from pengi_sb.lobes.contrastive import same_text
    ids = torch.tensor([[3, 4, 2, 0], [3, 4, 2, 0], [3, 4, 2, 9]])
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 1]])
    same = same_text(ids, mask)
    assert same.tolist() == [[True, True, False], [True, True, False],
                             [False, False, True]]
    # identical texts share their target mass (soft targets)
    import torch.nn.functional as F
    term = _contrastive()
    audio = torch.randn(3, 8)
    text = F.normalize(term.text_encoder(ids, mask), dim=-1)
    logits = term.logit_scale.exp() * F.normalize(audio, dim=-1) @ text.t()
    soft = torch.tensor([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    expected = 0.5 * (-(soft * logits.log_softmax(-1)).sum(-1).mean()
                      - (soft * logits.t().log_softmax(-1)).sum(-1).mean())
    assert torch.allclose(term(audio, ids, mask), expected, atol=1e-6)


def test_contrastive_skips_unused_items_but_touches_every_parameter():
    term = _contrastive()
    ids = torch.tensor([[3, 4, 2], [5, 6, 2], [7, 2, 0]])
    mask = (ids != 0).long()
    audio = torch.randn(3, 8, requires_grad=True)
    loss = term(audio, ids, mask, use=torch.tensor([True, False, False]))
    assert loss.item() == 0.0
    loss.backward()
    assert all(p.grad is not None for p in term.parameters())
    # an item left out does not change the loss of the others
    full = term(audio, ids, mask, use=torch.tensor([True, True, False]))
    again = term(audio[:2], ids[:2], mask[:2])
    assert torch.allclose(full, again)


def test_contrastive_learns_to_pair_audio_with_its_text():
    term = _contrastive()
    ids = torch.tensor([[3, 4, 2], [5, 6, 2], [7, 8, 2], [9, 2, 0]])
    mask = (ids != 0).long()
    audio = torch.nn.Parameter(torch.randn(4, 8))
    opt = torch.optim.Adam(list(term.parameters()) + [audio], lr=0.05)
    first = None
    for _ in range(60):
        loss = term(audio, ids, mask)
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.1 * first
