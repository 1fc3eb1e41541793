"""Masked mean pooling over a token axis, shared by the text encoders.

Example
-------
>>> states = torch.tensor([[[1.0], [3.0], [9.0]]])
>>> masked_mean(states, torch.tensor([[1, 1, 0]]))
tensor([[2.]])

Authors
 * pengi-sb developers 2026
"""

import torch


def masked_mean(states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``states [B, L, D]``, ``mask [B, L]`` (1 = token) -> ``[B, D]``, the
    mean over the masked-in positions (0 for a row without any)."""
    weights = mask.unsqueeze(-1).to(states.dtype)
    return (states * weights).sum(1) / weights.sum(1).clamp(min=1.0)
