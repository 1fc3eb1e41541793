"""Batched, KV-cached decoding over a GPT-2 prefix LM: beam search, greedy,
sampling, and the likelihood of candidate continuations.

:func:`decode` chooses the search (``method="beam" | "greedy" |
"sample"``); it is the one dispatcher that the inference interface
(``Pengi``) and the training loop's validation (``PengiBrain``) call.

No model code lives here: every function takes a
:class:`~pengi_sb.lobes.prefix_lm.GPT2PrefixLM` and prefix embeddings
``[B, L, E]``. The prefix runs once per clip; its keys and values are shared
by all the clip's beams or candidates, and each step feeds one token per row
(:mod:`pengi_sb.lobes.prefix_cache`). Prefixes of different lengths (prompt
+ extra text) are left-padded with a ``prefix_mask``.

The beam search reproduces the original Pengi beam search exactly (same
sequences, same order, same scores), batched over clips:

* step 0: ``logp = log_softmax(logits / temperature)``; the top ``beam``
  tokens start the beams, each with length 1;
* later steps: a stopped beam may only emit token 0 at log-probability 0;
  lengths grow by one for live beams; a candidate's value is
  ``(score + logp) / length``; the best ``beam`` values over beams x vocab
  survive, inheriting their source's length; ``score = value * length``;
  a beam stops once it emits ``stop_token_id``;
* after ``max_len`` steps (or once every beam of every clip stopped) the
  final score is ``score / length`` and beams are sorted by it, each cut to
  its length (ending with the stop token where it stopped).

Example
-------
>>> import torch
>>> from pengi_sb.lobes.prefix_lm import GPT2PrefixLM
>>> _ = torch.manual_seed(0)
>>> lm = GPT2PrefixLM(dict(vocab_size=30, n_positions=64, n_embd=16,
...                        n_layer=1, n_head=2)).eval()
>>> prefix = torch.randn(2, 5, 16)
>>> beams = beam_search(lm, prefix, beam_size=3, max_len=4, stop_token_id=7)
>>> len(beams), len(beams[0])
(2, 3)
>>> beams[0][0].score >= beams[0][1].score
True
>>> out = greedy_search(lm, prefix, max_len=4, stop_token_id=7)
>>> len(out[0].tokens) <= 4
True
>>> [len(clip) for clip in decode(lm, prefix, "greedy", stop_token_id=7,
...                               max_len=4)]
[1, 1]

Authors
 * pengi-sb developers 2026
"""

from dataclasses import dataclass, field

import torch

from pengi_sb.lobes.prefix_cache import extend, prefill

__all__ = ["DECODING_METHODS", "Hypothesis", "beam_search",
           "check_method", "continuation_logprobs", "decode",
           "greedy_search", "sample"]

DECODING_METHODS = ("beam", "greedy", "sample")


@dataclass
class Hypothesis:
    """One decoded sequence: token ids, its score, and per-token
    log-probabilities where the search keeps them."""

    tokens: list
    score: float
    token_logprobs: list = field(default_factory=list)


def check_method(method):
    """Returns ``method`` when it is a decoding method, else raises."""
    if method not in DECODING_METHODS:
        raise ValueError(f"decoding method must be one of "
                         f"{DECODING_METHODS}, not {method!r}")
    return method


def decode(lm, prefix, method="beam", *, stop_token_id, max_len=30,
           beam_size=3, temperature=1.0, top_k=0, top_p=1.0, seed=None,
           prefix_mask=None):
    """Decodes each prefix with the chosen search.

    Arguments
    ---------
    lm : GPT2PrefixLM
        The language model.
    prefix : torch.Tensor
        ``[B, L, E]`` prefix embeddings.
    method : str
        ``"beam"`` (:func:`beam_search`, ``beam_size`` beams),
        ``"greedy"`` (:func:`greedy_search`) or ``"sample"``
        (:func:`sample`: ``top_k``, ``top_p``, ``seed``).
    stop_token_id : int
        The id that ends a sequence.
    max_len : int
        Most tokens generated.
    beam_size : int
        Beams per clip (beam search only).
    temperature : float
        Logit temperature (every method).
    top_k, top_p, seed
        Sampling only: top-k and nucleus filtering, and a seed that makes
        it repeatable.
    prefix_mask : torch.Tensor, optional
        ``[B, L]`` left-padding mask.

    Returns
    -------
    list of list of Hypothesis
        Per clip, its hypotheses best first (``beam_size`` for beam search,
        one for greedy decoding and sampling).
    """
    check_method(method)
    if method == "beam":
        return beam_search(lm, prefix, beam_size, max_len, temperature,
                           stop_token_id, prefix_mask)
    if method == "greedy":
        hyps = greedy_search(lm, prefix, max_len, stop_token_id, prefix_mask,
                             temperature)
    else:
        hyps = sample(lm, prefix, max_len, stop_token_id, prefix_mask,
                      temperature, top_k, top_p, seed)
    return [[h] for h in hyps]


def _log_probs(logits, temperature):
    temperature = temperature if temperature > 0 else 1.0
    return torch.log_softmax(logits / temperature, dim=-1)


@torch.no_grad()
def beam_search(lm, prefix, beam_size=5, max_len=67, temperature=1.0,
                stop_token_id=220, prefix_mask=None):
    """Pengi's beam search, batched over clips, with a KV cache.

    Arguments
    ---------
    lm : GPT2PrefixLM
        The language model.
    prefix : torch.Tensor
        ``[B, L, E]`` prefix embeddings (one row per clip).
    beam_size : int
        Beams per clip.
    max_len : int
        Most tokens generated.
    temperature : float
        Logit temperature; ``<= 0`` means 1.0 (as the original).
    stop_token_id : int
        The id that ends a beam (220 for GPT-2's " <|endoftext|>").
    prefix_mask : torch.Tensor, optional
        ``[B, L]``, 1 for real positions, 0 for left padding.

    Returns
    -------
    list of list of Hypothesis
        Per clip, ``beam_size`` hypotheses, best first.
    """
    batch, k = prefix.shape[0], beam_size
    last, cache = prefill(lm, prefix, prefix_mask, rows=k, capacity=max_len)
    logp = _log_probs(last, temperature)  # [B, V]
    vocab = logp.shape[-1]
    scores, first = logp.topk(k, dim=-1)  # [B, K]
    tokens = first.unsqueeze(-1)  # [B, K, 1]
    lengths = torch.ones_like(scores)
    stopped = first == stop_token_id
    stopped_row = torch.full((vocab,), float("-inf"), device=prefix.device)
    stopped_row[0] = 0.0
    for _ in range(1, max_len):
        if bool(stopped.all()):
            break
        logits = extend(lm, cache, tokens[:, :, -1:])[:, :, 0]  # [B, K, V]
        logp = _log_probs(logits, temperature)
        logp = torch.where(stopped.unsqueeze(-1), stopped_row, logp)
        lengths = lengths + (~stopped).to(lengths.dtype)
        values = (scores.unsqueeze(-1) + logp) / lengths.unsqueeze(-1)
        best, flat = values.view(batch, -1).topk(k, dim=-1)  # [B, K]
        source = flat // vocab
        token = flat % vocab
        lengths = lengths.gather(1, source)
        scores = best * lengths
        stopped = stopped.gather(1, source) | (token == stop_token_id)
        tokens = torch.cat(
            [tokens.gather(1, source.unsqueeze(-1).expand_as(tokens)),
             token.unsqueeze(-1)], dim=-1,
        )
        cache.reorder(source)
    final = scores / lengths
    order = final.argsort(dim=-1, descending=True)
    results = []
    for b in range(batch):
        results.append([
            Hypothesis(tokens[b, i, :int(lengths[b, i])].tolist(),
                       float(final[b, i]))
            for i in order[b].tolist()
        ])
    return results


@torch.no_grad()
def greedy_search(lm, prefix, max_len=67, stop_token_id=220,
                  prefix_mask=None, temperature=1.0):
    """Most likely token at every step, batched; stops per row at the stop
    token. Score = mean token log-probability (length-normalised, as the
    beam search).

    Returns
    -------
    list of Hypothesis
        One per row of ``prefix``.
    """
    return _sample_or_greedy(lm, prefix, max_len, stop_token_id, prefix_mask,
                             temperature, greedy=True)


@torch.no_grad()
def sample(lm, prefix, max_len=67, stop_token_id=220, prefix_mask=None,
           temperature=1.0, top_k=0, top_p=1.0, seed=None):
    """Ancestral sampling with temperature, top-k and nucleus (top-p)
    filtering, batched; ``seed`` makes it repeatable.

    Returns
    -------
    list of Hypothesis
        One per row of ``prefix``.
    """
    generator = None
    if seed is not None:
        generator = torch.Generator(device=prefix.device).manual_seed(seed)
    return _sample_or_greedy(lm, prefix, max_len, stop_token_id, prefix_mask,
                             temperature, greedy=False, top_k=top_k,
                             top_p=top_p, generator=generator)


def _filter_logits(logits, top_k, top_p):
    """Sets logits outside the top-k / nucleus to -inf."""
    if top_k and top_k < logits.shape[-1]:
        kth = logits.topk(top_k, dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p < 1.0:
        sorted_logits, idx = logits.sort(dim=-1, descending=True)
        probs = sorted_logits.softmax(-1)
        # drop a token once the mass before it already reaches top_p
        drop = probs.cumsum(-1) - probs >= top_p
        sorted_logits = sorted_logits.masked_fill(drop, float("-inf"))
        logits = torch.full_like(logits, float("-inf")).scatter(
            -1, idx, sorted_logits
        )
    return logits


def _sample_or_greedy(lm, prefix, max_len, stop_token_id, prefix_mask,
                      temperature, greedy, top_k=0, top_p=1.0,
                      generator=None):
    batch = prefix.shape[0]
    logits, cache = prefill(lm, prefix, prefix_mask, rows=1,
                            capacity=max_len)
    done = torch.zeros(batch, dtype=torch.bool, device=prefix.device)
    tokens, logprobs = [], []
    for step in range(max_len):
        logp = _log_probs(logits, temperature)
        if greedy:
            token = logp.argmax(dim=-1)
        else:
            filtered = _filter_logits(logp, top_k, top_p)
            token = torch.multinomial(filtered.softmax(-1), 1,
                                      generator=generator).squeeze(1)
        tokens.append(torch.where(done, torch.zeros_like(token), token))
        logprobs.append(logp.gather(1, token.unsqueeze(1)).squeeze(1))
        done = done | (token == stop_token_id)
        if bool(done.all()) or step == max_len - 1:
            break
        logits = extend(lm, cache, token.view(batch, 1, 1))[:, 0, 0]
    tokens = torch.stack(tokens, 1)
    logprobs = torch.stack(logprobs, 1)
    results = []
    for b in range(batch):
        ids = tokens[b].tolist()
        n = ids.index(stop_token_id) + 1 if stop_token_id in ids else len(ids)
        lp = logprobs[b, :n].tolist()
        results.append(Hypothesis(ids[:n], sum(lp) / n, lp))
    return results


@torch.no_grad()
def continuation_logprobs(lm, prefix, candidates, prefix_mask=None,
                          max_rows=512):
    """Log-probability of every candidate token sequence after each prefix.

    The prefix runs once per clip. A candidate ``c`` needs the next-token
    distribution after each of its proper prefixes ``c[:n]``; these token
    paths form a trie, and only its maximal paths are fed, as rows sharing
    the clip's prefix KV cache (at most ``max_rows`` tokens per pass):
    every shorter path is read off a longer one's positions. With
    one-token candidates nothing is fed at all.

    Arguments
    ---------
    lm : GPT2PrefixLM
        The language model.
    prefix : torch.Tensor
        ``[B, L, E]``.
    candidates : list of list of int
        Token ids of each candidate continuation (non-empty).
    prefix_mask : torch.Tensor, optional
        ``[B, L]`` left-padding mask.
    max_rows : int
        Most (clip, path, token) positions evaluated in one pass.

    Returns
    -------
    torch.Tensor
        ``[B, n_candidates, max_tokens]`` token log-probabilities, 0 where a
        candidate has no token; sum over the last axis for the total.
    """
    if not candidates or any(len(c) == 0 for c in candidates):
        raise ValueError("every candidate needs at least one token")
    batch = prefix.shape[0]
    # context (token path) -> the next tokens some candidate needs after it
    needed = {}
    for cand in candidates:
        for t, token in enumerate(cand):
            needed.setdefault(tuple(cand[:t]), set()).add(token)
    needed = {ctx: sorted(tokens) for ctx, tokens in needed.items()}
    contexts = [ctx for ctx in needed if ctx]
    maximal = sorted(p for p in contexts if not any(
        len(q) > len(p) and q[:len(p)] == p for q in contexts))
    depth = max((len(p) for p in maximal), default=1)
    last, cache = prefill(lm, prefix, prefix_mask, rows=1, capacity=depth)
    # context -> [B, len(needed[context])] log-probabilities: only the
    # needed entries of each distribution are kept (logsumexp + gather, no
    # full log-softmax over the vocabulary)
    next_logp = {(): _gather_logprobs(last, needed[()])}
    # paths of one length per pass: no padded position reaches the model
    by_length = {}
    for path in maximal:
        by_length.setdefault(len(path), []).append(path)
    for length, group in sorted(by_length.items()):
        per_pass = max(1, max_rows // (batch * length))
        for start in range(0, len(group), per_pass):
            paths = group[start:start + per_pass]
            ids = torch.tensor(paths, device=prefix.device).expand(
                batch, -1, -1)  # [B, n, length]
            cache.reset_rows(len(paths), length)
            logits = extend(lm, cache, ids)  # [B, n, length, V]
            for j, path in enumerate(paths):
                for t in range(length):
                    ctx = path[:t + 1]
                    if ctx not in next_logp:
                        next_logp[ctx] = _gather_logprobs(logits[:, j, t],
                                                          needed[ctx])
    width = max(len(c) for c in candidates)
    out = torch.zeros(batch, len(candidates), width, device=prefix.device)
    for ci, cand in enumerate(candidates):
        for t, token in enumerate(cand):
            ctx = tuple(cand[:t])
            out[:, ci, t] = next_logp[ctx][:, needed[ctx].index(token)]
    return out


def _gather_logprobs(logits, tokens):
    """``logits [B, V]`` -> log-probabilities ``[B, len(tokens)]`` of
    ``tokens``."""
    index = torch.tensor(tokens, device=logits.device)
    return logits[:, index] - torch.logsumexp(logits, dim=-1, keepdim=True)
