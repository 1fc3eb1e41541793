"""Mappers: an embedding (or a token sequence) -> a GPT-2 prefix.

:class:`TransformerMapper` maps one vector ``[B, d_in]`` to ``P`` prefix
embeddings ``[B, P, E]``: a Linear gives ``clip_length`` tokens, a learned
constant adds ``prefix_length`` more, a pre-LayerNorm transformer mixes
them and the last ``prefix_length`` tokens are the prefix.
:class:`SequenceMapper` does the same from a token sequence ``[B, L, E]``
(the ``base_no_text_enc`` prompt path), without the Linear.
:class:`TokenPrefix` maps nothing: the prompt's token embeddings are the
prompt prefix (for models trained from scratch, see its docstring).

Example
-------
>>> m = TransformerMapper(d_in=96, n_embd=64, prefix_length=10, clip_length=10,
...                       num_layers=2)
>>> m(torch.randn(3, 96)).shape
torch.Size([3, 10, 64])
>>> s = SequenceMapper(n_embd=64, prefix_length=10, num_layers=2)
>>> s(torch.randn(3, 7, 64)).shape
torch.Size([3, 10, 64])
>>> TokenPrefix()(torch.randn(3, 7, 64)).shape
torch.Size([3, 7, 64])

Authors
 * pengi-sb developers 2026
"""

import torch
import torch.nn.functional as F
from torch import nn


class MapperAttention(nn.Module):
    """Multi-head self-attention, no mask; q and kv projections without bias.

    Input and output ``[B, N, E]``.
    """

    def __init__(self, dim, num_heads):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"width {dim} not divisible by {num_heads} heads")
        self.num_heads = num_heads
        self.to_queries = nn.Linear(dim, dim, bias=False)
        self.to_keys_values = nn.Linear(dim, 2 * dim, bias=False)
        self.project = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        h = self.num_heads
        q = self.to_queries(x).reshape(b, n, h, c // h).transpose(1, 2)
        kv = self.to_keys_values(x).reshape(b, n, 2, h, c // h)
        k, v = kv.permute(2, 0, 3, 1, 4)  # each [B, h, N, c/h]
        out = F.scaled_dot_product_attention(q, k, v)  # [B, h, N, c/h]
        return self.project(out.transpose(1, 2).reshape(b, n, c))


class MapperMLP(nn.Module):
    """``fc2(relu(fc1(x)))``."""

    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


class MapperLayer(nn.Module):
    """Pre-LayerNorm transformer layer: attention then MLP, residual each."""

    def __init__(self, dim, num_heads, mlp_ratio=2.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = MapperAttention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = MapperMLP(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class MapperTransformer(nn.Module):
    """A stack of :class:`MapperLayer` (kept as ``layers`` for the
    checkpoint layout)."""

    def __init__(self, dim, num_heads, num_layers, mlp_ratio=2.0):
        super().__init__()
        self.layers = nn.ModuleList(
            MapperLayer(dim, num_heads, mlp_ratio) for _ in range(num_layers)
        )

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class SequenceMapper(nn.Module):
    """Token sequence ``[B, L, E]`` -> prefix ``[B, prefix_length, E]``.

    Arguments
    ---------
    n_embd : int
        Width of the language model's embeddings (E).
    prefix_length : int
        Number of prefix tokens produced.
    num_layers : int
        Transformer layers (the release models: 4).
    num_heads : int
        Attention heads (8 in the release models).
    mlp_ratio : float
        Hidden width of the MLP relative to E.
    prefix_const_std : float
        Standard deviation of the learned constant's initialisation (1.0 as
        the original). A model trained from scratch wants it near the token
        embeddings' scale (0.02): a unit-variance constant drowns what the
        input tokens add to the prefix, and the LM then learns to ignore
        the audio.
    """

    def __init__(self, n_embd, prefix_length, num_layers=4, num_heads=8,
                 mlp_ratio=2.0, prefix_const_std=1.0):
        super().__init__()
        self.prefix_length = prefix_length
        self.transformer = MapperTransformer(
            n_embd, num_heads, num_layers, mlp_ratio
        )
        self.prefix_const = nn.Parameter(
            torch.randn(prefix_length, n_embd) * prefix_const_std)

    def forward(self, tokens):
        """``tokens [B, L, E]`` -> ``[B, prefix_length, E]``."""
        const = self.prefix_const.unsqueeze(0).expand(tokens.shape[0], -1, -1)
        out = self.transformer(torch.cat([tokens, const], dim=1))
        return out[:, -self.prefix_length:]


class TransformerMapper(SequenceMapper):
    """One embedding ``[B, d_in]`` -> prefix ``[B, prefix_length, E]``.

    Arguments
    ---------
    d_in : int
        Width of the input embedding (d_proj).
    n_embd : int
        Width of the language model's embeddings (E).
    prefix_length : int
        Number of prefix tokens produced.
    clip_length : int
        Number of tokens the Linear makes from the embedding.
    num_layers, num_heads, mlp_ratio, prefix_const_std
        As in :class:`SequenceMapper`.
    """

    def __init__(self, d_in, n_embd, prefix_length, clip_length=None,
                 num_layers=4, num_heads=8, mlp_ratio=2.0,
                 prefix_const_std=1.0):
        super().__init__(n_embd, prefix_length, num_layers, num_heads,
                         mlp_ratio, prefix_const_std)
        self.clip_length = clip_length or prefix_length
        self.linear = nn.Linear(d_in, self.clip_length * n_embd)

    def forward(self, embedding):
        """``embedding [B, d_in]`` -> ``[B, prefix_length, E]``."""
        tokens = self.linear(embedding).view(
            embedding.shape[0], self.clip_length, -1
        )
        return super().forward(tokens)


class TokenPrefix(nn.Module):
    """The prompt's token embeddings ``[B, L, E]`` as the prompt prefix.

    The release's no-text-encoder prompt path (:class:`SequenceMapper`)
    pools the padded prompt into ``prefix_length`` learnt slots, with
    neither positions nor a padding mask. Starting from pretrained GPT-2
    embeddings that works; trained from scratch it was measured to squash
    prompts that differ in one word ("is this a piano?" vs "is this a
    guitar?": prefixes 0.05% apart) so that the language model could not
    learn to answer them. Passing the tokens through unmapped lets the
    language model read the prompt as any decoder-only LM reads text (with
    its own position embeddings); the prompt prefix is then
    ``prompt_max_length`` long. No parameters.
    """

    def forward(self, tokens):
        """``tokens [B, L, E]`` -> the same tensor."""
        return tokens
