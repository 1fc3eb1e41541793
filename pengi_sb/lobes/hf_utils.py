"""Small helpers shared by the lobes that wrap Hugging Face models.

Example
-------
>>> from transformers import GPT2Config
>>> cfg = make_config(GPT2Config, {"n_embd": 16, "n_layer": 1, "n_head": 2,
...                                "transformers_version": "4.49.0",
...                                "_attn_implementation_autoset": True})
>>> cfg.n_embd
16

Authors
 * pengi-sb developers 2026
"""

# entries of a saved config (to_diff_dict()) that describe no architecture
_NOT_ARCHITECTURE = ("transformers_version", "architectures", "model_type")


def make_config(config_class, config):
    """A ``config_class`` instance from a dict (or returns it unchanged)."""
    if isinstance(config, config_class):
        return config
    clean = {k: v for k, v in dict(config).items()
             if not k.startswith("_") and k not in _NOT_ARCHITECTURE}
    return config_class(**clean)


def freeze(module):
    """Turns off gradients of every parameter of ``module``; returns it."""
    for p in module.parameters():
        p.requires_grad = False
    return module
