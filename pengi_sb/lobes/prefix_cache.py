"""Incremental GPT-2 with a KV cache shared by every row of a clip.

Decoding Pengi runs many continuations (beams, candidate labels) after the
same long prefix (80 positions for the release models). A plain KV cache
holds one copy of the prefix's keys and values per row and is copied again
whenever beams are reordered. Here the prefix's keys and values are stored
once per clip (``[B, H, L, d]``) and each row only owns its continuation
(``[B, R, H, T, d]``, preallocated): reordering beams moves a few
continuation positions, and scoring a new set of candidates needs no copy at
all. The layers themselves (layer norms, projections, MLPs, position and
token embeddings, LM head) are the ``transformers`` GPT-2 modules; only the
attention over the split cache is computed here, with GPT-2's semantics
(scaled dot product, causal, no upcasting).

Example
-------
>>> import torch
>>> from pengi_sb.lobes.prefix_lm import GPT2PrefixLM
>>> lm = GPT2PrefixLM(dict(vocab_size=30, n_positions=32, n_embd=16,
...                        n_layer=1, n_head=2)).eval()
>>> prefix = torch.randn(2, 5, 16)
>>> last, cache = prefill(lm, prefix, rows=3, capacity=4)
>>> last.shape
torch.Size([2, 30])
>>> extend(lm, cache, torch.zeros(2, 3, 1, dtype=torch.long)).shape
torch.Size([2, 3, 1, 30])

Authors
 * pengi-sb developers 2026
"""

import torch
import torch.nn.functional as F


class PrefixKVCache:
    """Keys/values of a shared prefix per clip and of each row's tokens.

    Attributes
    ----------
    prefix_k, prefix_v : list of torch.Tensor
        Per layer ``[B, H, L, d]``.
    prefix_mask : torch.Tensor or None
        ``[B, L]`` bool, False at left padding.
    cont_k, cont_v : list of torch.Tensor
        Per layer ``[B, R, H, capacity, d]``; ``length`` positions filled.
    next_position : torch.Tensor
        ``[B]`` position id of the first continuation token.
    """

    def __init__(self, prefix_k, prefix_v, prefix_mask, next_position):
        self.prefix_k, self.prefix_v = prefix_k, prefix_v
        self.prefix_mask = prefix_mask
        self.next_position = next_position
        self.cont_k = self.cont_v = None
        self.length = 0

    def reset_rows(self, rows, capacity):
        """Empty continuations for ``rows`` rows per clip (no copy of the
        prefix)."""
        b, h, _, d = self.prefix_k[0].shape
        shape = (b, rows, h, capacity, d)
        like = self.prefix_k[0]
        self.cont_k = [like.new_empty(shape) for _ in self.prefix_k]
        self.cont_v = [like.new_empty(shape) for _ in self.prefix_k]
        self.length = 0

    @property
    def rows(self):
        return self.cont_k[0].shape[1]

    def reorder(self, source):
        """Row ``r`` of clip ``b`` becomes old row ``source[b, r]``."""
        if self.length == 0:
            return
        n = self.length
        b, r = source.shape
        index = source.view(b, r, 1, 1, 1).expand(
            b, r, *self.cont_k[0].shape[2:3], n, self.cont_k[0].shape[-1])
        for layer in range(len(self.cont_k)):
            for store in (self.cont_k, self.cont_v):
                store[layer][:, :, :, :n] = store[layer][:, :, :, :n].gather(
                    1, index)


def _check_supported(lm):
    cfg = lm.gpt.config
    if cfg.scale_attn_by_inverse_layer_idx or cfg.reorder_and_upcast_attn:
        raise NotImplementedError(
            "the shared-prefix decoder implements GPT-2's default attention; "
            "scale_attn_by_inverse_layer_idx / reorder_and_upcast_attn are "
            "not supported")


def _heads(x, n_heads):
    """``[..., T, E]`` -> ``[..., H, T, d]``."""
    *lead, t, e = x.shape
    return x.view(*lead, t, n_heads, e // n_heads).transpose(-3, -2)


@torch.no_grad()
def prefill(lm, prefix, prefix_mask=None, rows=1, capacity=1):
    """Runs the prefix once; returns ``(last_logits [B, V], cache)``.

    Arguments
    ---------
    lm : GPT2PrefixLM
        The language model.
    prefix : torch.Tensor
        ``[B, L, E]`` input embeddings (left-padded when ``prefix_mask``).
    prefix_mask : torch.Tensor, optional
        ``[B, L]``, 1 at real positions, 0 at left padding.
    rows : int
        Continuation rows per clip (beams, candidates).
    capacity : int
        Most continuation tokens per row.
    """
    _check_supported(lm)
    gpt = lm.gpt.transformer
    batch, length, _ = prefix.shape
    if length + capacity > lm.max_positions:
        raise ValueError(
            f"prefix of {length} positions plus {capacity} new tokens "
            f"exceeds GPT-2's context of {lm.max_positions}: shorten the "
            "prompt / extra text or max_len")
    if prefix_mask is None:
        positions = torch.arange(length, device=prefix.device).expand(batch,
                                                                      -1)
        attn_mask, keep = None, None
    else:
        keep = prefix_mask.bool()
        positions = (prefix_mask.long().cumsum(-1) - 1).clamp(min=0)
        causal = torch.ones(length, length, dtype=torch.bool,
                            device=prefix.device).tril()
        # [B, 1, L, L]; a padded query may see itself (its output is unused)
        attn_mask = (causal & keep[:, None, :]) | torch.eye(
            length, dtype=torch.bool, device=prefix.device)
        attn_mask = attn_mask.unsqueeze(1)
    x = prefix + gpt.wpe(positions)
    keys, values = [], []
    for block in gpt.h:
        q, k, v = block.attn.c_attn(block.ln_1(x)).split(x.shape[-1], dim=-1)
        n_heads = block.attn.num_heads
        q, k, v = (_heads(t, n_heads) for t in (q, k, v))  # [B, H, L, d]
        out = F.scaled_dot_product_attention(
            q, k, v, attn_mask=attn_mask, is_causal=attn_mask is None)
        x = x + block.attn.c_proj(out.transpose(1, 2).reshape(x.shape))
        x = x + block.mlp(block.ln_2(x))
        keys.append(k)
        values.append(v)
    last = lm.gpt.lm_head(gpt.ln_f(x[:, -1]))
    cache = PrefixKVCache(keys, values, keep, positions[:, -1] + 1)
    cache.reset_rows(rows, capacity)
    return last.float(), cache


@torch.no_grad()
def extend(lm, cache, token_ids):
    """Feeds ``token_ids [B, R, T]`` after each row's continuation.

    Returns the next-token logits ``[B, R, T, V]`` and appends the tokens'
    keys/values to the cache.
    """
    gpt = lm.gpt.transformer
    b, r, t = token_ids.shape
    start = cache.length
    if start + t > cache.cont_k[0].shape[3]:
        raise ValueError("continuation longer than the cache capacity")
    pos = cache.next_position.view(b, 1, 1) + start + torch.arange(
        t, device=token_ids.device)
    x = gpt.wte(token_ids) + gpt.wpe(pos)  # [B, R, T, E]
    span = start + t
    # continuation mask: query i (absolute start + i) sees keys <= start + i
    cont_mask = torch.ones(t, span, dtype=torch.bool,
                           device=x.device).tril(diagonal=start)
    pad = None
    if cache.prefix_mask is not None:
        pad = ~cache.prefix_mask.view(b, 1, 1, 1, -1)
    for layer, block in enumerate(gpt.h):
        q, k, v = block.attn.c_attn(block.ln_1(x)).split(x.shape[-1], dim=-1)
        n_heads = block.attn.num_heads
        q, k, v = (_heads(z, n_heads) for z in (q, k, v))  # [B, R, H, T, d]
        cache.cont_k[layer][:, :, :, start:span] = k
        cache.cont_v[layer][:, :, :, start:span] = v
        ck = cache.cont_k[layer][:, :, :, :span]
        cv = cache.cont_v[layer][:, :, :, :span]
        pk, pv = cache.prefix_k[layer], cache.prefix_v[layer]  # [B, H, L, d]
        scale = q.shape[-1] ** -0.5
        # scores over the shared prefix: [B, R, H, T, L]
        s_prefix = torch.einsum("brhtd,bhld->brhtl", q, pk) * scale
        if pad is not None:
            s_prefix = s_prefix.masked_fill(pad, float("-inf"))
        s_cont = torch.matmul(q, ck.transpose(-1, -2)) * scale
        s_cont = s_cont.masked_fill(~cont_mask, float("-inf"))
        probs = torch.cat([s_prefix, s_cont], dim=-1).softmax(dim=-1)
        p_prefix, p_cont = probs.split([pk.shape[2], span], dim=-1)
        out = torch.einsum("brhtl,bhld->brhtd", p_prefix, pv) + torch.matmul(
            p_cont, cv)
        out = out.transpose(2, 3).reshape(b, r, t, -1)
        x = x + block.attn.c_proj(out)
        x = x + block.mlp(block.ln_2(x))
    cache.length = span
    return lm.gpt.lm_head(gpt.ln_f(x)).float()
