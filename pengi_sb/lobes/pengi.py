"""Pengi assembled from its lobes.

::

    wav [B, T] --AudioEncoder--> [B, d_proj] --(L2)--> audio_mapper --> [B, P, E]
    prompt ids [B, L] --prompt_encoder--> [B, d_proj] --(L2?)--> prompt_mapper --> [B, P, E]
         (no prompt encoder: GPT-2 wte [B, L, E] ----------> prompt_mapper --> [B, P, E])
    prefix = cat(audio prefix, prompt prefix [, extra text embeddings])  [B, 2P(+X), E]
    GPT-2(cat(prefix, wte(target))) -> logits; loss on the target tokens only

Example
-------
>>> model = tiny_pengi()
>>> wav = torch.randn(2, 8000)
>>> prompt = torch.randint(0, 50, (2, 6))
>>> target = torch.randint(0, 50, (2, 4))
>>> logits = model(wav, prompt, None, target)
>>> logits.shape
torch.Size([2, 24, 50])
>>> model.loss(logits, target).shape
torch.Size([])

Authors
 * pengi-sb developers 2026
"""

import torch
import torch.nn.functional as F
from torch import nn


def l2_normalize(x):
    """Divides the last axis by its L2 norm (as the original, no epsilon)."""
    return x / x.norm(p=2, dim=-1, keepdim=True)


class PengiModel(nn.Module):
    """Audio + prompt -> GPT-2 prefix -> text.

    Arguments
    ---------
    audio_encoder : nn.Module
        ``wav [B, T]`` -> ``[B, d_proj]``.
    audio_mapper : nn.Module
        ``[B, d_proj]`` -> ``[B, P, E]``.
    prompt_mapper : nn.Module
        Prompt embedding -> ``[B, P, E]``.
    prefix_lm : GPT2PrefixLM
        The language model.
    prompt_encoder : nn.Module, optional
        ``(input_ids, attention_mask)`` -> ``[B, d_proj]``. ``None``: the
        prompt is embedded with the language model's own token embeddings
        (``base_no_text_enc``).
    normalize_audio : bool
        L2-normalise the audio embedding before its mapper (release: True).
    normalize_prompt : bool
        L2-normalise the prompt embedding before its mapper. The model's
        own forward did; the released inference wrapper did not, and the
        converted release checkpoints default to the wrapper (False).
        Ignored without a prompt encoder.
    """

    def __init__(self, audio_encoder, audio_mapper, prompt_mapper, prefix_lm,
                 prompt_encoder=None, normalize_audio=True,
                 normalize_prompt=False):
        super().__init__()
        self.audio_encoder = audio_encoder
        self.prompt_encoder = prompt_encoder
        self.audio_mapper = audio_mapper
        self.prompt_mapper = prompt_mapper
        self.prefix_lm = prefix_lm
        self.normalize_audio = normalize_audio
        self.normalize_prompt = normalize_prompt

    # ----------------------------------------------------------------- audio
    def encode_audio(self, wav):
        """``wav [B, T]`` -> audio embedding ``[B, d_proj]`` (not normalised)."""
        return self.audio_encoder(wav)

    def audio_prefix(self, audio_embedding):
        """``[B, d_proj]`` -> ``[B, P, E]`` (normalising first if set)."""
        if self.normalize_audio:
            audio_embedding = l2_normalize(audio_embedding)
        return self.audio_mapper(audio_embedding)

    # ---------------------------------------------------------------- prompt
    def encode_prompt(self, input_ids, attention_mask=None):
        """Prompt ids ``[B, L]`` -> ``[B, d_proj]`` (or ``[B, L, E]`` token
        embeddings without a prompt encoder)."""
        if self.prompt_encoder is None:
            return self.prefix_lm.embed_tokens(input_ids)
        return self.prompt_encoder(input_ids, attention_mask)

    def prompt_prefix(self, prompt_embedding):
        """Prompt embedding -> ``[B, P, E]``."""
        if self.prompt_encoder is not None and self.normalize_prompt:
            prompt_embedding = l2_normalize(prompt_embedding)
        return self.prompt_mapper(prompt_embedding)

    # ---------------------------------------------------------------- prefix
    # Every prefix (training, validation, inference) is assembled by
    # join_prefix; the inference interface caches prompt prefixes per text
    # and passes them in, training computes them from the batch's ids.
    def prefix(self, wav, prompt_ids, prompt_mask=None):
        """``[B, 2P, E]`` = cat(audio prefix, prompt prefix)."""
        return self.prefix_from_audio_embedding(
            self.encode_audio(wav), prompt_ids, prompt_mask)

    def prefix_from_audio_embedding(self, audio_embedding, prompt_ids,
                                    prompt_mask=None):
        """``[B, 2P, E]`` from an audio embedding ``[B, d_proj]`` and
        prompt ids ``[B, L]``."""
        prompt = self.prompt_prefix(self.encode_prompt(prompt_ids, prompt_mask))
        return self.join_prefix(audio_embedding, prompt)

    def join_prefix(self, audio_embedding, prompt_prefix):
        """``[B, 2P, E]`` = cat(audio prefix of ``audio_embedding [B,
        d_proj]``, ``prompt_prefix [B, P, E]``)."""
        return torch.cat([self.audio_prefix(audio_embedding), prompt_prefix],
                         dim=1)

    def extend_prefix(self, prefix, token_ids):
        """Appends each row's extra text tokens to its prefix, left-padded.

        Arguments
        ---------
        prefix : torch.Tensor
            ``[B, L, E]``.
        token_ids : list of list of int
            Per row, the token ids to append (may be empty).

        Returns
        -------
        (torch.Tensor, torch.Tensor)
            ``prefix [B, L + X, E]`` (``X``: the longest extra text), right
            aligned, and ``mask [B, L + X]``: 1 on real positions, 0 on the
            left padding.
        """
        width = prefix.shape[1] + max(len(ids) for ids in token_ids)
        out = prefix.new_zeros(prefix.shape[0], width, prefix.shape[2])
        mask = torch.zeros(prefix.shape[0], width, dtype=torch.long,
                           device=prefix.device)
        for i, ids in enumerate(token_ids):
            row = prefix[i]
            if ids:
                tokens = torch.tensor(ids, device=prefix.device)
                row = torch.cat([row, self.prefix_lm.embed_tokens(tokens)])
            out[i, width - row.shape[0]:] = row
            mask[i, width - row.shape[0]:] = 1
        return out, mask

    def forward(self, wav, prompt_ids, prompt_mask, target_ids,
                target_mask=None, return_audio_embedding=False):
        """Teacher-forced logits ``[B, 2P + T, V]`` for ``target_ids [B, T]``.

        ``target_mask [B, T]`` (1 = token, 0 = right padding) masks padded
        target positions out of the attention. With
        ``return_audio_embedding`` also the ``[B, d_proj]`` audio embedding
        (for a contrastive term, :mod:`pengi_sb.lobes.contrastive`).
        """
        audio_embedding = self.encode_audio(wav)
        prefix = self.prefix_from_audio_embedding(audio_embedding, prompt_ids,
                                                  prompt_mask)
        logits = self.logits_from_prefix(prefix, target_ids, target_mask)
        if return_audio_embedding:
            return logits, audio_embedding
        return logits

    def logits_from_prefix(self, prefix, target_ids, target_mask=None):
        """GPT-2 logits over ``cat(prefix, wte(target_ids))``."""
        embeds = torch.cat(
            [prefix, self.prefix_lm.embed_tokens(target_ids)], dim=1
        )
        attention_mask = None
        if target_mask is not None:
            ones = torch.ones(prefix.shape[:2], dtype=target_mask.dtype,
                              device=target_mask.device)
            attention_mask = torch.cat([ones, target_mask], dim=1)
        return self.prefix_lm(embeds, attention_mask=attention_mask)

    @staticmethod
    def loss(logits, target_ids, target_mask=None, reduction="mean"):
        """Next-token cross-entropy over the target tokens only.

        The logit at position ``2P - 1 + i`` predicts ``target_ids[:, i]``.
        Padded target positions (``target_mask == 0``) are ignored.
        """
        n_target = target_ids.shape[1]
        pred = logits[:, -n_target - 1:-1]  # [B, T, V]
        labels = target_ids
        if target_mask is not None:
            labels = target_ids.masked_fill(target_mask == 0, -100)
        return F.cross_entropy(
            pred.reshape(-1, pred.shape[-1]).float(), labels.reshape(-1),
            ignore_index=-100, reduction=reduction,
        )


def tiny_pengi(vocab_size=50, with_prompt_encoder=True):
    """A very small randomly initialised Pengi for examples and tests."""
    from pengi_sb.lobes.audio_encoder import AudioEncoder
    from pengi_sb.lobes.frontend import LogMelFrontEnd
    from pengi_sb.lobes.htsat import HTSAT
    from pengi_sb.lobes.mapper import SequenceMapper, TransformerMapper
    from pengi_sb.lobes.prefix_lm import GPT2PrefixLM
    from pengi_sb.lobes.projection import Projection
    from pengi_sb.lobes.prompt_encoders import CLIPPromptEncoder

    d_proj, n_embd, prefix = 24, 16, 10
    audio = AudioEncoder(
        LogMelFrontEnd(sample_rate=16000, n_fft=512, hop_length=160,
                       n_mels=16),
        HTSAT(mel_bins=16, spec_size=32, embed_dim=8, depths=(1, 1),
              num_heads=(1, 2), window_size=4, num_classes=0),
        Projection(16, d_proj),
    )
    lm = GPT2PrefixLM(dict(vocab_size=vocab_size, n_positions=64,
                           n_embd=n_embd, n_layer=1, n_head=2))
    if with_prompt_encoder:
        prompt_encoder = CLIPPromptEncoder(
            clip_config=dict(vocab_size=vocab_size, hidden_size=16,
                             intermediate_size=32, num_hidden_layers=1,
                             num_attention_heads=2,
                             max_position_embeddings=16, eos_token_id=2),
            clip_projection_dim=16, d_proj=d_proj)
        prompt_mapper = TransformerMapper(d_proj, n_embd, prefix,
                                          num_layers=1, num_heads=2)
    else:
        prompt_encoder = None
        prompt_mapper = SequenceMapper(n_embd, prefix, num_layers=1,
                                       num_heads=2)
    return PengiModel(
        audio_encoder=audio,
        audio_mapper=TransformerMapper(d_proj, n_embd, prefix, num_layers=1,
                                       num_heads=2),
        prompt_mapper=prompt_mapper,
        prefix_lm=lm,
        prompt_encoder=prompt_encoder,
    )
