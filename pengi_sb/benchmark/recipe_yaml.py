"""Loads a recipe yaml that takes its shared keys from an ``!include:`` d file.

A benchmark recipe's yaml keeps only what its dataset changes; every other
key comes from a shared file (``recipes/hparams/*_common.yaml``) that it
includes under one top-level key::

    data_folder: !PLACEHOLDER                 # the dataset's own keys
    subset: all
    prepare: !name:esc50_prepare.prepare_esc50
        subset: !ref <subset>

    shared: !include:../../../hparams/zeroshot_common.yaml
        dataset: ESC50                        # shared keys, this dataset's
        prompt: "this is a sound of"          # values

HyperPyYAML finds the included file relative to the yaml's own folder (so a
recipe runs from any working directory), gives it the mapping under the
include as its overrides (the shared file's ``!ref`` s see this dataset's
values) and returns the shared keys nested under ``shared``.
:func:`load_recipe_yaml` makes that one flat set of hparams, and routes
command-line overrides: a top-level key of the recipe yaml is overridden
there, a key of the shared file (or of the include's mapping) inside the
include, so that ``--lr 0.001`` also reaches the optimiser and the
scheduler the shared file builds from ``lr``. A yaml without an include
loads exactly as with :func:`hyperpyyaml.load_hyperpyyaml`.

Two rules keep the flat result unambiguous (both checked, with an error
naming the key and the files): a key the shared file defines is set under
the include, never at the top (at the top, the shared file's own
references would not see it); and a command-line key must exist in one of
the two files (as HyperPyYAML requires of a plain yaml).

Example
-------
>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> with open(os.path.join(folder, "common.yaml"), "w") as f:
...     _ = f.write("name: x\\nlr: 0.1\\nout: !ref results/<name>\\n"
...                 "opt: !name:torch.optim.SGD\\n    lr: !ref <lr>\\n")
>>> with open(os.path.join(folder, "recipe.yaml"), "w") as f:
...     _ = f.write("data_folder: !PLACEHOLDER\\n"
...                 "shared: !include:common.yaml\\n    name: esc\\n")
>>> hparams, overrides = load_recipe_yaml(
...     os.path.join(folder, "recipe.yaml"),
...     "data_folder: /data\\nlr: 0.5")
>>> hparams["data_folder"], hparams["out"], hparams["opt"].keywords["lr"]
('/data', 'results/esc', 0.5)
>>> print(overrides.strip())
data_folder: /data
shared:
  lr: 0.5

Authors
 * pengi-sb developers 2026
"""

import io
import os

import ruamel.yaml
from hyperpyyaml import load_hyperpyyaml

INCLUDE_TAG = "!include:"


def _tag(node):
    """The tag of a round-trip loaded node (``""`` if it has none)."""
    tag = getattr(node, "tag", None)
    return (getattr(tag, "value", None) or "") if tag is not None else ""


def _read_preview(path):
    """The yaml's tree as written (tags and references kept)."""
    with open(path, encoding="utf-8") as f:
        return ruamel.yaml.YAML().load(f) or {}


def find_include(hparams_file, preview=None):
    """The recipe yaml's include of a shared file, if it has one.

    Arguments
    ---------
    hparams_file : str
        The recipe yaml.
    preview : dict, optional
        Its tree as written (read from ``hparams_file`` if not given).

    Returns
    -------
    (str, str) or None
        ``(top-level key, path of the included file)``; ``None`` for a yaml
        without a top-level ``!include:``.

    Raises
    ------
    ValueError
        More than one top-level include, or an include written without a
        mapping under it.
    """
    preview = _read_preview(hparams_file) if preview is None else preview
    found = [(key, _tag(node)[len(INCLUDE_TAG):])
             for key, node in preview.items()
             if _tag(node).startswith(INCLUDE_TAG)]
    if not found:
        return None
    if len(found) > 1:
        raise ValueError(
            f"{hparams_file} includes {len(found)} files at its top level "
            f"({[key for key, _ in found]}); a recipe yaml takes its shared "
            "keys from one file: include the others inside it")
    key, filename = found[0]
    if not hasattr(preview[key], "items"):
        raise ValueError(
            f"'{key}: {INCLUDE_TAG}{filename}' in {hparams_file} has no "
            "mapping under it: write at least one of the shared keys' values "
            "for this recipe below it (e.g. 'dataset: <name>')")
    folder = os.path.dirname(os.path.realpath(hparams_file))
    return key, os.path.normpath(os.path.join(folder, filename))


def route_overrides(hparams_file, overrides):
    """Places command-line overrides where the recipe yaml defines them.

    Arguments
    ---------
    hparams_file : str
        The recipe yaml.
    overrides : str or dict
        ``{key: value}`` (or its yaml text, as SpeechBrain's
        ``parse_arguments`` returns it).

    Returns
    -------
    dict
        The overrides for :func:`hyperpyyaml.load_hyperpyyaml`: the keys of
        the shared file moved under the include's key.

    Raises
    ------
    ValueError
        A shared key also set at the top of the recipe yaml, or an override
        that neither file defines.
    """
    if isinstance(overrides, str):
        overrides = ruamel.yaml.YAML().load(overrides) if overrides.strip() \
            else {}
    overrides = dict(overrides or {})
    preview = _read_preview(hparams_file)
    include = find_include(hparams_file, preview)
    if include is None:
        return overrides
    key, shared_file = include
    shared = set(_read_preview(shared_file))
    local = set(preview) - {key}
    both = sorted(shared & local)
    if both:
        raise ValueError(
            f"{both} set at the top of {hparams_file} but defined by the "
            f"shared {shared_file}: set them under '{key}:' (the shared "
            "file's references only see the values given there)")
    routed, inside = {}, {}
    for name, value in overrides.items():
        if name in local or name == key:
            routed[name] = value
        elif name in shared or name in preview[key]:
            inside[name] = value
        else:
            raise ValueError(
                f"override '{name}' is not a key of {hparams_file} nor of "
                f"its shared {shared_file}: check the name")
    if inside:
        routed[key] = {**routed.get(key, {}), **inside}
    return routed


def load_recipe_yaml(hparams_file, overrides=None):
    """Loads a recipe yaml and its shared file into one flat set of hparams.

    Arguments
    ---------
    hparams_file : str
        The recipe yaml (its path: the include is found relative to it).
    overrides : str or dict, optional
        Command-line overrides (see :func:`route_overrides`).

    Returns
    -------
    (dict, str)
        The hparams (the shared file's keys lifted to the top level, its
        ``__`` keys dropped as HyperPyYAML drops top-level ones) and the
        routed overrides as yaml text (what
        ``speechbrain.create_experiment_directory`` records beside the
        resolved hparams).
    """
    routed = route_overrides(hparams_file, overrides)
    with open(hparams_file, encoding="utf-8") as fin:
        hparams = load_hyperpyyaml(fin, routed)
    include = find_include(hparams_file)
    if include is not None:
        key = include[0]
        shared = {k: v for k, v in hparams.pop(key).items()
                  if not k.startswith("__")}
        hparams = {**shared, **hparams}
    text = io.StringIO()
    if routed:
        ruamel.yaml.YAML().dump(routed, text)
    return hparams, text.getvalue()
