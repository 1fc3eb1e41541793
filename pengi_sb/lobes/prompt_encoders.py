"""Prompt encoder: tokenised prompt -> one embedding ``[B, d_proj]``.

:class:`CLIPPromptEncoder` is the ``base`` release's: CLIP's text model,
its pooled (end-of-text) state, CLIP's ``text_projection``, then a
:class:`~pengi_sb.lobes.projection.Projection`.

The ``base_no_text_enc`` release has no prompt encoder: the prompt's GPT-2
token embeddings go straight to a sequence mapper (see
:class:`pengi_sb.lobes.pengi.PengiModel`).

Example
-------
>>> import torch
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

from torch import nn

from pengi_sb.lobes.hf_utils import freeze, make_config
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
