"""Batched KV-cached decoding against the original algorithm."""

import pytest
import torch

from pengi_sb.decoding.reference import original_beam_search
from pengi_sb.decoding.search import (
    beam_search,
    continuation_logprobs,
    decode,
    greedy_search,
    sample,
)
from pengi_sb.lobes.prefix_lm import GPT2PrefixLM


def _lm(vocab=40, seed=0):
    torch.manual_seed(seed)
    return GPT2PrefixLM(dict(vocab_size=vocab, n_positions=128, n_embd=32,
                             n_layer=2, n_head=4)).eval()


@pytest.mark.parametrize("beam,temperature,max_len,stop", [
    (1, 1.0, 6, 5), (3, 1.0, 10, 5), (5, 0.7, 8, 11), (4, 0.0, 12, 3),
    (2, 2.5, 5, 0)])
def test_batched_beam_search_equals_original(beam, temperature, max_len,
                                             stop):
    lm = _lm()
    # scaled prefixes make confident LMs, so beams stop at different steps
    prefix = torch.randn(4, 7, 32) * 3
    batched = beam_search(lm, prefix, beam, max_len, temperature, stop)
    for b in range(4):
        ref = original_beam_search(lm, prefix[b], beam, max_len, temperature,
                                   stop)
        assert [h.tokens for h in batched[b]] == [h.tokens for h in ref]
        for h, r in zip(batched[b], ref):
            assert abs(h.score - r.score) < 1e-4


def test_left_padded_prefixes_equal_unpadded():
    lm = _lm()
    long, short = torch.randn(1, 9, 32) * 3, torch.randn(1, 6, 32) * 3
    padded = torch.cat([long, torch.cat([torch.zeros(1, 3, 32), short], 1)])
    mask = torch.ones(2, 9, dtype=torch.long)
    mask[1, :3] = 0
    both = beam_search(lm, padded, 3, 6, stop_token_id=5, prefix_mask=mask)
    alone = beam_search(lm, short, 3, 6, stop_token_id=5)
    assert [h.tokens for h in both[1]] == [h.tokens for h in alone[0]]
    assert abs(both[1][0].score - alone[0][0].score) < 1e-4


def test_greedy_is_beam_one_and_stops():
    lm = _lm()
    prefix = torch.randn(3, 5, 32) * 3
    greedy = greedy_search(lm, prefix, max_len=8, stop_token_id=5)
    beam1 = beam_search(lm, prefix, 1, 8, stop_token_id=5)
    for g, b in zip(greedy, beam1):
        assert g.tokens == b[0].tokens
        assert abs(g.score - b[0].score) < 1e-4
        assert len(g.tokens) <= 8


def test_sampling_is_seeded_and_filters():
    lm = _lm()
    prefix = torch.randn(2, 5, 32)
    a = sample(lm, prefix, max_len=6, stop_token_id=5, seed=3, top_k=4)
    b = sample(lm, prefix, max_len=6, stop_token_id=5, seed=3, top_k=4)
    assert [h.tokens for h in a] == [h.tokens for h in b]
    # top_k=1 is greedy
    one = sample(lm, prefix, max_len=6, stop_token_id=5, seed=1, top_k=1)
    greedy = greedy_search(lm, prefix, max_len=6, stop_token_id=5)
    assert [h.tokens for h in one] == [h.tokens for h in greedy]
    nucleus = sample(lm, prefix, max_len=6, stop_token_id=5, seed=1,
                     top_p=1e-6)
    assert [h.tokens for h in nucleus] == [h.tokens for h in greedy]


def test_continuation_logprobs_match_teacher_forcing():
    lm = _lm()
    prefix = torch.randn(2, 5, 32)
    candidates = [[3], [3, 7], [3, 7, 9], [12, 4], [8]]
    got = continuation_logprobs(lm, prefix, candidates, max_rows=3)
    for ci, cand in enumerate(candidates):
        ids = torch.tensor([cand] * 2)
        embeds = torch.cat([prefix, lm.embed_tokens(ids)], dim=1)
        logits = lm(embeds)
        logp = torch.log_softmax(logits[:, 4:4 + len(cand)], -1)
        want = logp.gather(2, ids.unsqueeze(-1)).squeeze(-1)
        assert torch.allclose(got[:, ci, :len(cand)], want, atol=1e-5)
        assert bool((got[:, ci, len(cand):] == 0).all())


def test_continuation_needs_tokens():
    with pytest.raises(ValueError):
        continuation_logprobs(_lm(), torch.randn(1, 3, 32), [[1], []])


def test_decode_dispatches_to_each_search():
    """decode() is the one place the method is chosen: it returns what the
    search itself returns, per clip best first."""
    lm = _lm()
    prefix = torch.randn(2, 5, 32)
    beams = decode(lm, prefix, "beam", stop_token_id=5, max_len=6,
                   beam_size=3, temperature=0.8)
    want = beam_search(lm, prefix, 3, 6, 0.8, 5)
    assert [[(h.tokens, h.score) for h in c] for c in beams] == [
        [(h.tokens, h.score) for h in c] for c in want]
    greedy = decode(lm, prefix, "greedy", stop_token_id=5, max_len=6)
    assert [c[0].tokens for c in greedy] == [
        h.tokens for h in greedy_search(lm, prefix, 6, 5)]
    sampled = decode(lm, prefix, "sample", stop_token_id=5, max_len=6,
                     top_k=4, seed=3)
    assert [c[0].tokens for c in sampled] == [
        h.tokens for h in sample(lm, prefix, 6, 5, top_k=4, seed=3)]
    with pytest.raises(ValueError, match="beam, greedy|'beams'"):
        decode(lm, prefix, "beams", stop_token_id=5)


def test_brain_refuses_an_unknown_search():
    from pengi_sb.lobes.pengi import tiny_pengi
    from pengi_sb.training.brain import PengiBrain

    with pytest.raises(ValueError, match="hparams 'search'"):
        PengiBrain(modules={"model": tiny_pengi()},
                   hparams={"search": "nucleus"},
                   run_opts={"device": "cpu", "noprogressbar": True})
