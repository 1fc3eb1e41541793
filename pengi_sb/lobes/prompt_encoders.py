"""Prompt encoders: tokenised prompt -> one embedding ``[B, d_proj]``.

* :class:`CLIPPromptEncoder`: the ``base`` release: CLIP's text model,
  its pooled (end-of-text) state, CLIP's ``text_projection``, then a
  :class:`~pengi_sb.lobes.projection.Projection`.
* :class:`HFPromptEncoder`: any Hugging Face text encoder by name or local
  folder (BERT-like: the first token's state, or mean pooling), then a
  Projection. Sizes come from the model's config.

The ``base_no_text_enc`` release has no prompt encoder: the prompt's GPT-2
token embeddings go straight to a sequence mapper (see
:class:`pengi_sb.lobes.pengi.PengiModel`).

Example
-------
>>> enc = CLIPPromptEncoder(
...     clip_config=dict(vocab_size=100, hidden_size=32, intermediate_size=64,
...                      num_hidden_layers=1, num_attention_heads=2,
...                      max_position_embeddings=16, eos_token_id=2),
...     clip_projection_dim=24, d_proj=48)
>>> ids = torch.tensor([[98, 5, 7, 99, 99]])
>>> enc(ids, torch.ones_like(ids)).shape
torch.Size([1, 48])

Authors
 * pengi-sb developers 2026
"""

import torch
from torch import nn

from pengi_sb.lobes.hf_utils import freeze, make_config
from pengi_sb.lobes.pooling import masked_mean
from pengi_sb.lobes.projection import Projection


class CLIPPromptEncoder(nn.Module):
    """CLIP text model -> pooled state -> ``text_projection`` -> Projection.

    Arguments
    ---------
    clip_config : dict or transformers.CLIPTextConfig, optional
        Architecture of the text model (random init). Either this or
        ``pretrained``.
    clip_projection_dim : int
        Output width of CLIP's ``text_projection`` (512 for ViT-B/16).
    d_proj : int
        Width of the shared embedding space.
    pretrained : str, optional
        A Hugging Face CLIP model id or local folder to take weights from
        (``openai/clip-vit-base-patch16``); needs the network or a cache.
    freeze_text_model : bool
        Freeze the CLIP text model and its projection (the paper does).
    dropout : float
        Dropout of the Projection.
    """

    def __init__(self, clip_config=None, clip_projection_dim=512, d_proj=1024,
                 pretrained=None, freeze_text_model=True, dropout=0.5):
        super().__init__()
        from transformers import CLIPModel, CLIPTextConfig, CLIPTextModel

        # self.text_model: CLIP's text transformer, whose parameter names
        # (embeddings.*, encoder.*, final_layer_norm.*) are the same in
        # transformers 4.x (CLIPTextModel.text_model) and 5.x (flattened)
        if pretrained is not None:
            clip = CLIPModel.from_pretrained(pretrained)
            self.text_model = clip.text_model
            self.text_projection = clip.text_projection
            clip_projection_dim = clip.text_projection.out_features
        else:
            clip_config = make_config(CLIPTextConfig, clip_config)
            model = CLIPTextModel(clip_config)
            self.text_model = getattr(model, "text_model", model)
            self.text_projection = nn.Linear(
                clip_config.hidden_size, clip_projection_dim, bias=False
            )
        self.projection = Projection(clip_projection_dim, d_proj, dropout)
        if freeze_text_model:
            freeze(self.text_model)
            freeze(self.text_projection)

    def forward(self, input_ids, attention_mask=None):
        """``input_ids [B, L]`` -> ``[B, d_proj]``."""
        pooled = self.text_model(
            input_ids=input_ids, attention_mask=attention_mask
        ).pooler_output  # [B, hidden]
        return self.projection(self.text_projection(pooled))


class HFPromptEncoder(nn.Module):
    """Any Hugging Face encoder (BERT, RoBERTa, MiniLM...) -> Projection.

    Arguments
    ---------
    source : str
        Model id or local folder (``sentence-transformers/all-MiniLM-L6-v2``).
    d_proj : int
        Width of the shared embedding space.
    pooling : str
        ``"cls"`` (first token, as the original code) or ``"mean"``.
    freeze_text_model : bool
        Freeze the encoder.
    dropout : float
        Dropout of the Projection.
    """

    def __init__(self, source, d_proj=1024, pooling="cls",
                 freeze_text_model=True, dropout=0.5):
        super().__init__()
        from transformers import AutoModel

        if pooling not in ("cls", "mean"):
            raise ValueError(f"pooling must be 'cls' or 'mean', not {pooling}")
        self.pooling = pooling
        self.text_model = AutoModel.from_pretrained(source)
        hidden = self.text_model.config.hidden_size
        self.projection = Projection(hidden, d_proj, dropout)
        if freeze_text_model:
            freeze(self.text_model)

    def forward(self, input_ids, attention_mask=None):
        """``input_ids [B, L]`` -> ``[B, d_proj]``."""
        states = self.text_model(
            input_ids=input_ids, attention_mask=attention_mask
        ).last_hidden_state  # [B, L, hidden]
        if self.pooling == "cls":
            pooled = states[:, 0]
        else:
            if attention_mask is None:
                attention_mask = torch.ones_like(input_ids)
            pooled = masked_mean(states, attention_mask)
        return self.projection(pooled)
