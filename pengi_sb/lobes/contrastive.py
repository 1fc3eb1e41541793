"""An audio-text contrastive term for training the audio encoder (CLAP-style).

Pengi's released audio encoder was not learnt through the language model:
it is CLAP's, trained contrastively against text before Pengi. A Pengi
trained from scratch has no such encoder, and the caption loss alone
reaches it only through the prefix and the language model; on a small
corpus it then separates coarse sound types but not, e.g., one voice or
language from another (the captions and answers say the same thing for
every speech clip). Adding a contrastive term between each clip's audio
embedding and a text embedding of its target (as CoCa adds one to a
captioner) gives the encoder that signal directly::

    audio embedding [B, d_proj] ---------------------------> L2 --+
    target ids [B, T] --TokenBagTextEncoder--> [B, d_proj] -> L2 --+--> InfoNCE

Only items whose task describes the audio (captions, class labels) take
part: a yes/no answer says nothing about the clip by itself. Items of one
batch with the same text are all positives of each other (soft targets),
so repeated captions are not pushed apart; the Brain may give the items of
some tasks their class labels as text instead of their target
(:func:`pengi_sb.training.contrastive_texts.contrastive_texts`), so that, e.g., all the notes of
one instrument family in a batch are positives of each other.

Example
-------
>>> text_encoder = TokenBagTextEncoder(vocab_size=20, d_model=16, d_proj=8)
>>> term = AudioTextContrastive(text_encoder)
>>> audio = torch.randn(4, 8)
>>> ids = torch.tensor([[3, 4, 2], [5, 6, 2], [3, 4, 2], [7, 2, 0]])
>>> mask = (ids != 0).long()
>>> loss = term(audio, ids, mask, use=torch.tensor([1, 1, 1, 0]).bool())
>>> loss.shape, bool(loss > 0)
(torch.Size([]), True)

Authors
 * pengi-sb developers 2026
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from pengi_sb.lobes.pooling import masked_mean
from pengi_sb.lobes.projection import Projection


class TokenBagTextEncoder(nn.Module):
    """Mean of learnt token embeddings -> :class:`Projection`.

    A deliberately small text side: on a templated corpus the words that
    matter (a language, an instrument) are single tokens.

    Arguments
    ---------
    vocab_size : int
        Token vocabulary (the decoder tokenizer's).
    d_model : int
        Token embedding width.
    d_proj : int
        Output width (the audio embedding's).
    dropout : float
        Dropout of the projection.

    Input ids ``[B, T]`` and mask ``[B, T]`` (1 = token), output ``[B, d_proj]``.
    """

    def __init__(self, vocab_size, d_model, d_proj, dropout=0.1):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.projection = Projection(d_model, d_proj, dropout=dropout)

    def forward(self, ids, mask):
        return self.projection(masked_mean(self.embedding(ids), mask))


class AudioTextContrastive(nn.Module):
    """Symmetric InfoNCE between audio and text embeddings of one batch.

    Arguments
    ---------
    text_encoder : nn.Module
        ``(ids [B, T], mask [B, T])`` -> ``[B, d_proj]``.
    temperature : float
        Initial softmax temperature (learnt, as CLAP's; 0.07).
    """

    def __init__(self, text_encoder, temperature=0.07):
        super().__init__()
        self.text_encoder = text_encoder
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / temperature)))

    def forward(self, audio_embedding, ids, mask, use=None):
        """Mean loss over the items with ``use`` (all when ``None``).

        ``audio_embedding [B, d]``, ``ids``/``mask [B, T]``, ``use [B]`` bool.
        With fewer than two such items the loss is a zero that still
        touches every parameter (so DDP finds no unused ones).
        """
        if use is None:
            use = torch.ones(len(ids), dtype=torch.bool, device=ids.device)
        text = self.text_encoder(ids, mask)
        if int(use.sum()) < 2:
            return 0.0 * (audio_embedding.sum() + text.sum()
                          + self.logit_scale)
        audio = F.normalize(audio_embedding[use], dim=-1)
        text = F.normalize(text[use], dim=-1)
        ids, mask = ids[use], mask[use]
        scale = self.logit_scale.clamp(max=math.log(100.0)).exp()
        logits = scale * audio @ text.t()  # [N, N]
        same = same_text(ids, mask).to(logits.dtype)
        targets = same / same.sum(dim=1, keepdim=True)
        return 0.5 * (F.cross_entropy(logits, targets)
                      + F.cross_entropy(logits.t(), targets))


def same_text(ids, mask):
    """``[N, N]`` bool: rows ``i`` and ``j`` hold the same token sequence."""
    ids = ids.masked_fill(mask == 0, -1)
    return (ids.unsqueeze(1) == ids.unsqueeze(0)).all(dim=-1)
