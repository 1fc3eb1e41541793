"""The GPT-2 prefix language model.

A thin layer over ``transformers.GPT2LMHeadModel`` that takes input
embeddings (the audio + prompt prefix, then the target tokens) for training
and teacher forcing. Decoding runs the same modules incrementally with a
prefix-shared KV cache (:mod:`pengi_sb.lobes.prefix_cache`).

Example
-------
>>> import torch
>>> lm = GPT2PrefixLM(dict(vocab_size=50, n_positions=32, n_embd=16,
...                        n_layer=1, n_head=2))
>>> lm(torch.randn(2, 5, 16)).shape
torch.Size([2, 5, 50])

Authors
 * pengi-sb developers 2026
"""

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

    def forward(self, inputs_embeds, attention_mask=None, position_ids=None):
        """``inputs_embeds [B, L, E]`` -> logits ``[B, L, V]``.

        ``attention_mask [B, L]`` (1 = real, 0 = padding) and
        ``position_ids [B, L]`` serve padded batches.
        """
        n_pos = inputs_embeds.shape[1]
        if n_pos > self.max_positions:
            raise ValueError(
                f"sequence of {n_pos} positions exceeds GPT-2's context of "
                f"{self.max_positions}: shorten the prompt / extra text or "
                "max_len"
            )
        out = self.gpt(
            inputs_embeds=inputs_embeds, attention_mask=attention_mask,
            position_ids=position_ids, use_cache=False,
        )
        return out.logits
