"""Warm start of a from-config PengiModel from released GPT-2 / CLIP weights.

Authors
 * pengi-sb developers 2026
"""

from speechbrain.utils.logger import get_logger

logger = get_logger(__name__)

__all__ = ["load_pretrained_weights"]


def load_pretrained_weights(model, lm_source=None, prompt_encoder_source=None):
    """Warm start: GPT-2 and / or CLIP text weights into a PengiModel.

    The model definitions build every part from its config (random
    weights), so that a pretrained folder loads without the network; the
    paper's training starts GPT-2 and the CLIP text tower from their
    released weights, which this loads (strictly: sizes must match).

    Arguments
    ---------
    model : PengiModel
        The model to fill.
    lm_source : str, optional
        Hugging Face id or folder of a GPT-2 ``GPT2LMHeadModel`` (``gpt2``).
    prompt_encoder_source : str, optional
        Hugging Face id or folder of a CLIP model
        (``openai/clip-vit-base-patch16``): its text model and
        ``text_projection`` go into the CLIP prompt encoder.
    """
    if lm_source:
        from transformers import GPT2LMHeadModel

        source = GPT2LMHeadModel.from_pretrained(lm_source)
        _load_part(model.prefix_lm.gpt, source.state_dict(),
                   f"GPT-2 '{lm_source}'")
        logger.info("prefix LM initialised from %s", lm_source)
    if prompt_encoder_source:
        from transformers import CLIPModel

        encoder = model.prompt_encoder
        if encoder is None or not hasattr(encoder, "text_projection"):
            raise ValueError(
                "prompt_encoder_source is set but the model has no CLIP "
                "prompt encoder"
            )
        clip = CLIPModel.from_pretrained(prompt_encoder_source)
        _load_part(encoder.text_model, clip.text_model.state_dict(),
                   f"CLIP text model '{prompt_encoder_source}'")
        _load_part(encoder.text_projection, clip.text_projection.state_dict(),
                   f"CLIP text projection '{prompt_encoder_source}'")
        logger.info("prompt encoder initialised from %s",
                    prompt_encoder_source)


def _load_part(module, state, what):
    own = module.state_dict()
    wrong = [f"{k} {tuple(v.shape)} vs {tuple(own[k].shape)}"
             for k, v in state.items() if k in own and v.shape != own[k].shape]
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    if wrong or missing or unexpected:
        raise ValueError(
            f"{what} does not fit the model definition: shapes {wrong[:5]}, "
            f"missing {missing[:5]}, unexpected {unexpected[:5]}"
        )
    module.load_state_dict(state, strict=True)
