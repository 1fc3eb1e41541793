"""The GPT-2 prefix language model.

A thin layer over ``transformers.GPT2LMHeadModel`` that takes input
embeddings (the audio + prompt prefix, then tokens) and exposes the KV
cache, so that decoding (:mod:`pengi_sb.decoding`) can run the prefix once
and then one token per step.

Example
-------
>>> import torch
>>> lm = GPT2PrefixLM(dict(vocab_size=50, n_positions=32, n_embd=16,
...                        n_layer=1, n_head=2))
>>> logits, cache = lm(torch.randn(2, 5, 16), use_cache=True)
>>> logits.shape
torch.Size([2, 5, 50])
>>> step, cache = lm(lm.embed_tokens(torch.tensor([[1], [2]])),
...                  past_key_values=cache, use_cache=True)
>>> step.shape
torch.Size([2, 1, 50])

Authors
 * pengi-sb developers 2026
"""

import inspect

from torch import nn

from pengi_sb.lobes.hf_utils import freeze, make_config


class GPT2PrefixLM(nn.Module):
    """GPT-2 driven by ``inputs_embeds``.

    Arguments
    ---------
    config : dict or GPT2Config, optional
        Architecture for a randomly initialised model (sizes are read from
        it). Either this or ``pretrained``.
    pretrained : str, optional
        Hugging Face id or local folder of GPT-2 weights (``gpt2``).
    freeze_weights : bool
        Freeze every GPT-2 parameter (the paper does).
    attn_implementation : str
        ``"sdpa"`` (default) or ``"eager"``.
    """

    def __init__(self, config=None, pretrained=None, freeze_weights=False,
                 attn_implementation="sdpa"):
        super().__init__()
        from transformers import GPT2Config, GPT2LMHeadModel

        if pretrained is not None:
            self.gpt = GPT2LMHeadModel.from_pretrained(
                pretrained, attn_implementation=attn_implementation
            )
        else:
            cfg = make_config(GPT2Config, config)
            cfg._attn_implementation = attn_implementation
            self.gpt = GPT2LMHeadModel(cfg)
        if freeze_weights:
            freeze(self.gpt)
        # transformers renamed `past_key_values` -> `cache` (5.x) and
        # `num_logits_to_keep` -> `logits_to_keep` (4.50)
        params = inspect.signature(self.gpt.forward).parameters
        self._cache_arg = "cache" if "cache" in params else "past_key_values"
        self._keep_arg = next((a for a in ("logits_to_keep",
                                           "num_logits_to_keep")
                               if a in params), None)

    @property
    def n_embd(self):
        return self.gpt.config.n_embd

    @property
    def vocab_size(self):
        return self.gpt.config.vocab_size

    @property
    def max_positions(self):
        return self.gpt.config.n_positions

    def embed_tokens(self, token_ids):
        """``[B, L]`` ids -> ``[B, L, n_embd]`` token embeddings (``wte``)."""
        return self.gpt.transformer.wte(token_ids)

    def forward(self, inputs_embeds, attention_mask=None, position_ids=None,
                past_key_values=None, use_cache=False, last_only=False):
        """``inputs_embeds [B, L, E]`` -> ``(logits [B, L, V], cache)``.

        ``attention_mask [B, past + L]`` (1 = real, 0 = padding) and
        ``position_ids [B, L]`` serve left-padded batches; ``cache`` is
        ``None`` unless ``use_cache``. ``last_only`` computes the logits of
        the last position only (``[B, 1, V]``), sparing the vocabulary
        projection of every prefix position.
        """
        n_pos = inputs_embeds.shape[1] + (
            past_key_values.get_seq_length() if past_key_values is not None
            else 0
        )
        if n_pos > self.max_positions:
            raise ValueError(
                f"sequence of {n_pos} positions exceeds GPT-2's context of "
                f"{self.max_positions}: shorten the prompt / extra text or "
                "max_len"
            )
        kwargs = {self._cache_arg: past_key_values}
        if last_only and self._keep_arg:
            kwargs[self._keep_arg] = 1
        out = self.gpt(
            inputs_embeds=inputs_embeds, attention_mask=attention_mask,
            position_ids=position_ids, use_cache=use_cache, **kwargs,
        )
        logits = out.logits[:, -1:] if last_only else out.logits
        cache = getattr(out, self._cache_arg, None) if use_cache else None
        return logits, cache
