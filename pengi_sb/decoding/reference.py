"""The original Pengi beam search, re-implemented as it ran: one clip at a
time, the whole prefix + generated sequence recomputed at every step, no
KV cache.

It is kept as the yardstick of :mod:`pengi_sb.decoding.search`: the tests check
that the batched, cached search returns the same beams and scores, and
``benchmarks/decode_speed.py`` times both.

Example
-------
>>> import torch
>>> from pengi_sb.lobes.prefix_lm import GPT2PrefixLM
>>> lm = GPT2PrefixLM(dict(vocab_size=30, n_positions=64, n_embd=16,
...                        n_layer=1, n_head=2)).eval()
>>> beams = original_beam_search(lm, torch.randn(5, 16), beam_size=2,
...                              max_len=3, stop_token_id=7)
>>> len(beams)
2

Authors
 * pengi-sb developers 2026
"""

import torch

from pengi_sb.decoding.search import Hypothesis


@torch.no_grad()
def original_beam_search(lm, prefix, beam_size=5, max_len=67,
                         temperature=1.0, stop_token_id=220):
    """Beam search over one clip's ``prefix [L, E]``, without a cache.

    Returns
    -------
    list of Hypothesis
        ``beam_size`` hypotheses, best first.
    """
    temperature = temperature if temperature > 0 else 1.0
    generated = prefix.unsqueeze(0)  # [1, L, E]
    tokens = scores = None
    lengths = torch.ones(beam_size)
    stopped = torch.zeros(beam_size, dtype=torch.bool)
    for _ in range(max_len):
        logits = lm(generated)
        logp = (logits[:, -1] / temperature).softmax(-1).log()
        if scores is None:
            scores, next_tokens = logp.topk(beam_size, -1)
            scores = scores.squeeze(0)
            next_tokens = next_tokens.permute(1, 0)  # [K, 1]
            generated = generated.expand(beam_size, *generated.shape[1:])
            tokens = next_tokens
        else:
            logp[stopped] = float("-inf")
            logp[stopped, 0] = 0.0
            total = scores[:, None] + logp
            lengths[~stopped] += 1
            average = total / lengths[:, None]
            average, flat = average.view(-1).topk(beam_size, -1)
            source = flat // total.shape[1]
            lengths = lengths[source]
            next_tokens = (flat % total.shape[1]).unsqueeze(1)
            tokens = torch.cat([tokens[source], next_tokens], dim=1)
            generated = generated[source]
            scores = average * lengths
            stopped = stopped[source]
        embed = lm.embed_tokens(next_tokens.view(-1)).view(
            generated.shape[0], 1, -1)
        generated = torch.cat([generated, embed], dim=1)
        stopped = stopped | next_tokens.view(-1).eq(stop_token_id)
        if bool(stopped.all()):
            break
    final = scores / lengths
    order = final.argsort(descending=True)
    return [Hypothesis(tokens[i, :int(lengths[i])].tolist(), float(final[i]))
            for i in order.tolist()]
