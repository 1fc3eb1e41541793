"""Half-precision inference: the model calls of ``Pengi`` under autocast,
their outputs back in float32.

``Pengi.from_hparams(..., run_opts={"precision": "bf16"})`` (or ``"fp16"``;
SpeechBrain keeps the name in ``self.precision``) runs the audio encoder,
the prompt encoder, the mappers and GPT-2 under :func:`torch.autocast`.
What half precision would break stays in float32: the log-mel front end
(:class:`pengi_sb.lobes.frontend.LogMelFrontEnd` leaves autocast itself),
and every log-probability: the decoder's logits are cast to float32 before
any log-softmax, beam score or label sum (``pengi_sb.lobes.prefix_cache``),
and the tensors returned here are float32.

Each call builds its own autocast context (one shared context object
would restore the wrong state when calls nest, e.g. ``_generate`` ->
``_prefix`` -> ``embed_prompt``).

Example
-------
>>> import torch
>>> class Toy:
...     device, precision = "cpu", "bf16"
...     @in_precision
...     def project(self, x):
...         return torch.nn.functional.linear(x, torch.eye(2)), x.dtype
>>> out, seen = Toy().project(torch.ones(1, 2))
>>> out.dtype, seen
(torch.float32, torch.float32)
>>> with autocast_context("cpu", "bf16"):
...     torch.nn.functional.linear(torch.ones(1, 2), torch.eye(2)).dtype
torch.bfloat16

Authors
 * pengi-sb developers 2026
"""

import contextlib
import functools

import torch

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16,
          "fp16": torch.float16}


def autocast_context(device, precision):
    """A fresh autocast context for ``precision`` on ``device`` (a no-op
    for ``fp32`` / ``None``)."""
    if precision is None or precision == "fp32":
        return contextlib.nullcontext()
    if precision not in DTYPES:
        raise ValueError(f"precision must be one of {sorted(DTYPES)}, not "
                         f"'{precision}'")
    return torch.autocast(device_type=str(device).split(":")[0],
                          dtype=DTYPES[precision])


def _to_float32(value):
    if torch.is_tensor(value) and value.is_floating_point():
        return value.float()
    if isinstance(value, tuple):
        return tuple(_to_float32(v) for v in value)
    if isinstance(value, list):
        return [_to_float32(v) for v in value]
    return value


def in_precision(method):
    """Runs ``method`` under the autocast of ``self.precision`` on
    ``self.device``; floating tensors it returns (alone, or in a tuple or
    list) come back as float32."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        precision = getattr(self, "precision", None)
        with autocast_context(self.device, precision):
            out = method(self, *args, **kwargs)
        return out if precision in (None, "fp32") else _to_float32(out)

    return wrapper
