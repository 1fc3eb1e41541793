"""The CLAP/Pengi projection head.

Example
-------
>>> proj = Projection(768, 1024)
>>> proj(torch.randn(3, 768)).shape
torch.Size([3, 1024])

Authors
 * pengi-sb developers 2026
"""

import torch
import torch.nn.functional as F
from torch import nn


class Projection(nn.Module):
    """``layer_norm(e1 + dropout(linear2(gelu(e1))))`` with ``e1 = linear1(x)``.

    Arguments
    ---------
    d_in : int
        Input width.
    d_out : int
        Output width.
    dropout : float
        Dropout on the second branch (0.5 in the release models).

    Input ``[..., d_in]``, output ``[..., d_out]``.
    """

    def __init__(self, d_in, d_out, dropout=0.5):
        super().__init__()
        self.linear1 = nn.Linear(d_in, d_out, bias=False)
        self.linear2 = nn.Linear(d_out, d_out, bias=False)
        self.layer_norm = nn.LayerNorm(d_out)
        self.drop = nn.Dropout(dropout)
        nn.init.xavier_uniform_(self.linear1.weight)
        nn.init.xavier_uniform_(self.linear2.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        embed1 = self.linear1(x)
        embed2 = self.drop(self.linear2(F.gelu(embed1)))
        return self.layer_norm(embed1 + embed2)
