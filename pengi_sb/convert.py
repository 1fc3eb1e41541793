"""Release checkpoint -> SpeechBrain pretrained folder.

::

    python -m pengi_sb.convert base.pth OUT_DIR --variant base
    python -m pengi_sb.convert base_no_text_enc.pth OUT_DIR --variant base_no_text_enc

writes ``OUT_DIR/hyperparams.yaml`` (the variant's architecture, resolved)
and one ``<module>.ckpt`` per module (``audio_encoder``, ``prompt_encoder``,
``audio_mapper``, ``prompt_mapper``, ``prefix_lm``), which
``pengi_sb.inference.Pengi.from_hparams(source=OUT_DIR)`` loads offline.

The release files were saved with transformers 4.28 and hold buffers that
newer versions no longer have (GPT-2's ``attn.bias`` / ``attn.masked_bias``,
CLIP's ``position_ids``); the original loader then failed and mangled every
key. Here the known legacy entries are dropped, keys are mapped explicitly,
HTS-AT's stored index/mask buffers are checked against the ones the
architecture computes, and any other unexpected or missing key stops the
conversion with an error that names it. Sizes come from the hparams file
(``--hparams``, or ``overrides=`` of :func:`convert`), and every tensor's
shape is checked against it.

Authors
 * pengi-sb developers 2026
"""

import argparse
import os
import re
import sys
import zipfile

import torch
from hyperpyyaml import load_hyperpyyaml, resolve_references

from pengi_sb.model_card import release_card_fields, write_model_card

# the model definitions, installed with the package (package data)
HPARAMS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "hparams")
VARIANTS = ("base", "base_no_text_enc")
MODULE_NAMES = ("audio_encoder", "prompt_encoder", "audio_mapper",
                "prompt_mapper", "prefix_lm")

# (release key pattern, our key template); first match wins.
KEY_MAP = [
    (r"audio_encoder\.base\.htsat\.logmel_extractor\.melW",
     "audio_encoder.frontend.mel_matrix"),
    (r"audio_encoder\.base\.htsat\.(.*)", r"audio_encoder.encoder.\1"),
    (r"audio_encoder\.projection\.(.*)", r"audio_encoder.projection.\1"),
    (r"caption_encoder\.base\.(.*)", r"prompt_encoder.text_model.\1"),
    (r"caption_encoder\.clip_text_projection\.(.*)",
     r"prompt_encoder.text_projection.\1"),
    (r"caption_encoder\.projection\.(.*)", r"prompt_encoder.projection.\1"),
    (r"caption_decoder\.gpt\.(.*)", r"prefix_lm.gpt.\1"),
    (r"caption_decoder\.audio_project\.(.*)", r"audio_mapper.\1"),
    (r"caption_decoder\.text_project\.(.*)", r"prompt_mapper.\1"),
]

# Buffers that transformers 4.28 saved and current versions do not have.
LEGACY_BUFFERS = [
    r"caption_encoder\.base\.embeddings\.position_ids",
    r"caption_decoder\.gpt\.transformer\.h\.\d+\.attn\.bias",
    r"caption_decoder\.gpt\.transformer\.h\.\d+\.attn\.masked_bias",
]
# HTS-AT buffers that the architecture recomputes: checked, then dropped.
DERIVED_BUFFERS = [
    r"audio_encoder\.base\.htsat\.layers\.\d+\.blocks\.\d+\.attn\."
    r"relative_position_index",
    r"audio_encoder\.base\.htsat\.layers\.\d+\.blocks\.\d+\.attn_mask",
]
STFT_REAL = "audio_encoder.base.htsat.spectrogram_extractor.stft.conv_real.weight"
STFT_IMAG = "audio_encoder.base.htsat.spectrogram_extractor.stft.conv_imag.weight"
# The base_no_text_enc prompt mapper is a sequence mapper: the release file
# still holds a Linear it never uses (31M parameters at full size).
UNUSED_IN_NO_TEXT_ENC = r"caption_decoder\.text_project\.linear\.(weight|bias)"


class ConversionError(ValueError):
    """The release file does not fit the requested architecture."""


def load_release_state_dict(path):
    """Reads a release file safely (``weights_only=True``) -> state dict.

    Accepts ``{"model": sd}`` or a bare state dict, and strips the
    ``module.`` prefix that DDP training leaves.
    """
    if not os.path.isfile(path):
        raise ConversionError(f"checkpoint {path} does not exist")
    if os.path.getsize(path) == 0:
        raise ConversionError(f"checkpoint {path} is empty")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError,
            ValueError) as err:
        raise ConversionError(
            f"checkpoint {path} cannot be read ({err}); the file is truncated "
            "or not a PyTorch checkpoint: download it again"
        ) from err
    except Exception as err:  # pickle.UnpicklingError from weights_only
        raise ConversionError(
            f"checkpoint {path} holds objects other than tensors and cannot "
            f"be loaded safely ({err})"
        ) from err
    state = obj.get("model", obj) if isinstance(obj, dict) else None
    if not isinstance(state, dict) or not all(
        isinstance(v, torch.Tensor) for v in state.values()
    ):
        raise ConversionError(
            f"checkpoint {path} is not a Pengi release file: expected a "
            "dict with a 'model' state dict"
        )
    return {k[len("module."):] if k.startswith("module.") else k: v
            for k, v in state.items()}


def detect_variant(state):
    """``base`` when the file has a CLIP prompt encoder, else
    ``base_no_text_enc``."""
    has_clip = any(k.startswith("caption_encoder.") for k in state)
    return "base" if has_clip else "base_no_text_enc"


def map_release_state_dict(state, variant):
    """Release keys -> this project's keys.

    Returns ``(mapped, derived)``: the mapped state dict and the derived
    HTS-AT buffers (``{our_key: tensor}``) to check against the model.
    """
    found = detect_variant(state)
    if found != variant:
        raise ConversionError(
            f"the checkpoint is a '{found}' file but --variant {variant} was "
            f"asked for; use --variant {found}"
        )
    mapped, derived, unknown = {}, {}, []
    if STFT_REAL in state or STFT_IMAG in state:
        if STFT_REAL not in state or STFT_IMAG not in state:
            raise ConversionError(
                "checkpoint has only one of the STFT kernels "
                f"({STFT_REAL}, {STFT_IMAG})"
            )
        mapped["audio_encoder.frontend.stft_kernels"] = torch.cat(
            [state[STFT_REAL], state[STFT_IMAG]], dim=0
        )
    for key, value in state.items():
        if key in (STFT_REAL, STFT_IMAG) or any(
            re.fullmatch(p, key) for p in LEGACY_BUFFERS
        ):
            continue
        if variant == "base_no_text_enc" and re.fullmatch(
            UNUSED_IN_NO_TEXT_ENC, key
        ):
            continue
        target = _map_key(key)
        if target is None:
            unknown.append(key)
        elif any(re.fullmatch(p, key) for p in DERIVED_BUFFERS):
            derived[target] = value
        else:
            mapped[target] = value
    if unknown:
        raise ConversionError(
            f"checkpoint has {len(unknown)} unknown key(s): "
            f"{_show(unknown)}; it is not a Pengi {variant} release file"
        )
    return mapped, derived


def _map_key(key):
    for pattern, template in KEY_MAP:
        if re.fullmatch(pattern, key):
            return re.sub(pattern, template, key)
    return None


def _show(keys, limit=12):
    keys = sorted(keys)
    more = f" ... (+{len(keys) - limit} more)" if len(keys) > limit else ""
    return ", ".join(keys[:limit]) + more


def load_into_model(model, mapped, derived):
    """Loads the mapped weights strictly; errors name every bad key."""
    own = model.state_dict()
    missing = [k for k in own if k not in mapped]
    unexpected = [k for k in mapped if k not in own]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing {len(missing)} key(s): {_show(missing)}")
        if unexpected:
            parts.append(
                f"unexpected {len(unexpected)} key(s): {_show(unexpected)}"
            )
        raise ConversionError(
            "checkpoint does not fit the architecture: " + "; ".join(parts)
        )
    wrong = [f"{k} {tuple(v.shape)} vs {tuple(own[k].shape)}"
             for k, v in mapped.items() if v.shape != own[k].shape]
    if wrong:
        raise ConversionError(
            "checkpoint sizes differ from the hparams (give an hparams "
            "file of the right sizes with --hparams, or overrides= to "
            f"convert()): {_show(wrong)}"
        )
    buffers = dict(model.named_buffers())
    for key, value in derived.items():
        ours = buffers.get(key)
        if ours is None or ours.shape != value.shape or not torch.equal(
            ours.to(value.dtype), value
        ):
            raise ConversionError(
                f"stored buffer {key} differs from the one the HTS-AT "
                "hparams give (window size / depths / spec size mismatch)"
            )
    model.load_state_dict(mapped, strict=True)


def resolve_hparams(hparams_file, overrides=None):
    """The hparams text with ``overrides`` applied (tags kept)."""
    with open(hparams_file, encoding="utf-8") as f:
        return resolve_references(f, overrides or {}).getvalue()


def convert(release_path, out_dir, variant=None, hparams_file=None,
            overrides=None):
    """Converts a release file into a pretrained folder.

    Arguments
    ---------
    release_path : str
        ``base.pth`` / ``base_no_text_enc.pth`` (or a file of that layout).
    out_dir : str
        Folder to write ``hyperparams.yaml`` and the ``.ckpt`` files to.
    variant : str, optional
        ``base`` or ``base_no_text_enc``; detected from the file if None.
    hparams_file : str, optional
        Architecture yaml; default ``pengi_sb/hparams/pengi_<variant>.yaml``.
    overrides : dict, optional
        hparams overrides (other sizes, e.g. the golden tiny models).

    Returns
    -------
    PengiModel
        The loaded model (eval mode).
    """
    state = load_release_state_dict(release_path)
    variant = variant or detect_variant(state)
    if variant not in VARIANTS:
        raise ConversionError(f"--variant must be one of {VARIANTS}")
    mapped, derived = map_release_state_dict(state, variant)
    hparams_file = hparams_file or os.path.join(
        HPARAMS_DIR, f"pengi_{variant}.yaml"
    )
    yaml_text = resolve_hparams(hparams_file, overrides)
    hparams = load_hyperpyyaml(yaml_text)
    model = hparams["model"]
    load_into_model(model, mapped, derived)
    save_pretrained(yaml_text, hparams["modules"], out_dir,
                    card=release_card_fields(variant, release_path))
    return model.eval()


def save_pretrained(yaml_text, modules, out_dir, extra_files=None,
                    card=None):
    """Writes a pretrained folder: ``hyperparams.yaml`` + ``<name>.ckpt``
    (+ ``README.md``, the model card, with ``card``).

    Arguments
    ---------
    yaml_text : str
        Self-contained hparams defining ``model``, ``modules`` and a
        ``pretrainer`` whose loadables are named like ``modules``.
    modules : dict
        ``{name: nn.Module}``; each state dict goes to ``<name>.ckpt``.
    out_dir : str
        The folder (created).
    extra_files : dict, optional
        ``{file name in out_dir: source path}`` copied along (tokenizer).
    card : dict, optional
        Fields of :func:`pengi_sb.model_card.model_card` (``variant``,
        ``origin``, ...; the parameter count is computed): the folder gets
        a ``README.md`` with the Hugging Face YAML header.
    """
    import shutil

    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "hyperparams.yaml"), "w",
              encoding="utf-8") as f:
        f.write(yaml_text)
    for name, module in modules.items():
        state = {k: v.detach().cpu() for k, v in module.state_dict().items()}
        torch.save(state, os.path.join(out_dir, f"{name}.ckpt"))
    for name, source in (extra_files or {}).items():
        shutil.copyfile(source, os.path.join(out_dir, name))
    if card is not None:
        params = {id(p): p.numel() for m in modules.values()
                  for p in m.parameters()}
        write_model_card(out_dir, n_parameters=sum(params.values()), **card)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m pengi_sb.convert",
        description="Convert a Pengi release checkpoint into a SpeechBrain "
        "pretrained folder.",
    )
    parser.add_argument("release", help="base.pth or base_no_text_enc.pth")
    parser.add_argument("out_dir", help="output folder")
    parser.add_argument("--variant", choices=VARIANTS, default=None,
                        help="architecture (detected from the file if unset)")
    parser.add_argument("--hparams", default=None,
                        help="architecture yaml (default "
                        "pengi_sb/hparams/pengi_<variant>.yaml)")
    args = parser.parse_args(argv)
    try:
        model = convert(args.release, args.out_dir, args.variant, args.hparams)
    except ConversionError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    n = sum(p.numel() for p in model.parameters())
    print(f"wrote {args.out_dir} ({n / 1e6:.1f}M parameters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
