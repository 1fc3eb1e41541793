"""Trained model -> SpeechBrain pretrained folder.

Writes the layout that :mod:`pengi_sb.convert` writes for the release
checkpoints, so that ``pengi_sb.inference.Pengi.from_hparams(source=DIR)``
loads a model trained with this plugin the same way::

    DIR/hyperparams.yaml     the model definition
                             (pengi_sb/hparams/pengi_*.yaml with the training
                             run's overrides applied), resolved: no !ref to
                             the training file, no !include
    DIR/<module>.ckpt        one state dict per entry of its ``modules``
                             (audio_encoder, prompt_encoder if any,
                             audio_mapper, prompt_mapper, prefix_lm)
    DIR/tokenizer.ckpt       a trained SentencePiece model, if the model has
                             one: its ``pretrainer`` loads it into the
                             definition's ``tokenizer``
                             (``!new:sentencepiece.SentencePieceProcessor``)
    DIR/README.md            the model card, with the Hugging Face YAML
                             header (:mod:`pengi_sb.model_card`)

The model definition is the sub-tree ``model_key`` of the training hparams
file (the recipes ``!include`` pengi_sb/hparams/pengi_*.yaml as ``arch``), or
the whole file with ``model_key=None``.

Example
-------
>>> import os, tempfile
>>> from hyperpyyaml import load_hyperpyyaml
>>> from pengi_sb.convert import HPARAMS_DIR
>>> small = os.path.join(HPARAMS_DIR, "pengi_small.yaml")
>>> tmp = tempfile.mkdtemp()
>>> train_yaml = os.path.join(tmp, "train.yaml")
>>> with open(train_yaml, "w") as f:
...     _ = f.write(f"arch: !include:{small}\\n    vocab_size: 18\\n")
>>> with open(train_yaml) as f:
...     hparams = load_hyperpyyaml(f)
>>> from pengi_sb.data.pipeline import train_tokenizer
>>> spm = train_tokenizer(["a dog barks", "rain falls"] * 20,
...                       os.path.join(tmp, "tok"), vocab_size=18)
>>> out = export_pretrained(os.path.join(tmp, "pretrained"), train_yaml,
...                         hparams["arch"]["modules"], tokenizer_file=spm)
>>> sorted(os.listdir(out))  # doctest: +NORMALIZE_WHITESPACE
['README.md', 'audio_encoder.ckpt', 'audio_mapper.ckpt', 'hyperparams.yaml',
 'prefix_lm.ckpt', 'prompt_mapper.ckpt', 'tokenizer.ckpt']

Authors
 * pengi-sb developers 2026
"""

import io
import os
import shutil
from datetime import date

import ruamel.yaml
import torch
from hyperpyyaml import load_hyperpyyaml, resolve_references
from speechbrain.utils.logger import get_logger

from pengi_sb.convert import save_pretrained

logger = get_logger(__name__)

__all__ = ["ExportError", "export_pretrained", "model_definition"]

TOKENIZER_KEYS = ("prompt_tokenizer", "decoder_tokenizer")
TOKENIZER_CKPT = "tokenizer.ckpt"


class ExportError(ValueError):
    """The model cannot be exported as asked; the message says why."""


def model_definition(hparams_file, overrides=None, model_key="arch"):
    """The resolved model definition of a training hparams file.

    Arguments
    ---------
    hparams_file : str
        The training yaml.
    overrides : dict or str, optional
        The run's hparams overrides.
    model_key : str, optional
        The key holding the model definition; ``None``: the whole file.

    Returns
    -------
    ruamel.yaml.comments.CommentedMap
        The definition, tags kept, every reference resolved.
    """
    with open(hparams_file, encoding="utf-8") as f:
        text = resolve_references(f, overrides or {}).getvalue()
    tree = ruamel.yaml.YAML().load(text)
    if model_key is not None:
        if model_key not in tree:
            raise ExportError(
                f"{hparams_file} has no '{model_key}' key holding the model "
                "definition (e.g. 'arch: !include:.../pengi_small.yaml')"
            )
        tree = tree[model_key]
    if not isinstance(tree, dict) or "modules" not in tree:
        raise ExportError(
            f"the model definition in {hparams_file} has no 'modules:' "
            "mapping (see pengi_sb/hparams/pengi_base.yaml)"
        )
    return tree


def export_pretrained(out_dir, hparams_file, modules, overrides=None,
                      model_key="arch", tokenizer_file=None, verify=True,
                      card=None):
    """Writes a pretrained folder for a trained model.

    Arguments
    ---------
    out_dir : str
        The folder to write (created; files in it are replaced).
    hparams_file : str
        The training hparams file.
    modules : dict
        ``{name: nn.Module}``: the trained modules, named as in the model
        definition's ``modules`` (without DDP wrappers).
    overrides : dict or str, optional
        The training run's overrides (so that sizes match).
    model_key : str, optional
        Key of the model definition in ``hparams_file`` (``None``: the
        whole file).
    tokenizer_file : str, optional
        The trained SentencePiece model of a model whose tokenizers are
        ``sentencepiece``: copied as ``tokenizer.ckpt``, and the
        ``*_tokenizer_source`` keys set to that name.
    verify : bool
        Reload the written folder with hyperpyyaml, load every checkpoint
        strictly, and the tokenizer.
    card : dict, optional
        Model-card fields (:func:`pengi_sb.model_card.model_card`:
        ``datasets``, ``license``, ``results``, ``repo_id``...) over the
        defaults (the definition's ``variant``, the training file as
        origin); the card is written as ``README.md``.

    Returns
    -------
    str
        ``out_dir``.
    """
    tree = model_definition(hparams_file, overrides, model_key)
    names = list(tree["modules"])
    given = {k: v for k, v in modules.items() if v is not None}
    if sorted(names) != sorted(given):
        raise ExportError(
            f"the model definition's modules {sorted(names)} differ from "
            f"the trained modules {sorted(given)}"
        )
    os.makedirs(out_dir, exist_ok=True)
    _copy_tokenizer(tree, tokenizer_file, out_dir)
    stream = io.StringIO()
    ruamel.yaml.YAML().dump(tree, stream)
    header = (f"# Pengi model exported {date.today()} from\n"
              f"# {os.path.abspath(hparams_file)}\n"
              "# Load it with pengi_sb.inference.Pengi.from_hparams("
              "source=<this folder>)\n")
    card = {"variant": tree.get("variant", "custom"),
            "origin": f"trained with pengi-sb from "
                      f"`{os.path.basename(hparams_file)}`, exported "
                      f"{date.today()}", **(card or {})}
    save_pretrained(header + stream.getvalue(),
                    {name: given[name] for name in names}, out_dir,
                    card=card)
    if verify:
        _verify(out_dir, names)
    logger.info("pretrained model written to %s", out_dir)
    return out_dir


def _copy_tokenizer(tree, tokenizer_file, out_dir):
    keys = [k for k in TOKENIZER_KEYS if tree.get(k) == "sentencepiece"]
    if not keys:
        if tokenizer_file is not None:
            raise ExportError(
                "tokenizer_file given, but the model's tokenizers are "
                f"{[tree.get(k) for k in TOKENIZER_KEYS]}, not sentencepiece"
            )
        return
    if tokenizer_file is None or not os.path.isfile(tokenizer_file):
        raise ExportError(
            f"the model's {keys} is sentencepiece: pass tokenizer_file= "
            f"(the trained .model file; got {tokenizer_file})"
        )
    if "tokenizer" not in tree or "tokenizer" not in tree.get(
        "pretrainer", {}
    ).get("loadables", {}):
        raise ExportError(
            "a SentencePiece model needs 'tokenizer: "
            "!new:sentencepiece.SentencePieceProcessor' in its definition and "
            "in the pretrainer's loadables (see "
            "pengi_sb/hparams/pengi_small.yaml)"
        )
    shutil.copyfile(tokenizer_file, os.path.join(out_dir, TOKENIZER_CKPT))
    for key in keys:
        tree[f"{key}_source"] = TOKENIZER_CKPT


def _verify(out_dir, names):
    with open(os.path.join(out_dir, "hyperparams.yaml"),
              encoding="utf-8") as f:
        hparams = load_hyperpyyaml(f)
    for name in names:
        state = torch.load(os.path.join(out_dir, f"{name}.ckpt"),
                           map_location="cpu", weights_only=True)
        try:
            hparams["modules"][name].load_state_dict(state, strict=True)
        except RuntimeError as err:
            raise ExportError(
                f"the exported {name}.ckpt does not load into the exported "
                f"hyperparams.yaml: {err}"
            ) from err
    tokenizer = os.path.join(out_dir, TOKENIZER_CKPT)
    if os.path.isfile(tokenizer):
        hparams["tokenizer"].load(tokenizer)
