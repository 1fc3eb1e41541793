"""Recipe plumbing: hparams, the prepare step, labels, splits, the model.

Every benchmark recipe shares these steps.

A benchmark recipe (``recipes/<Dataset>/<task>/{evaluate,train,
linear_probe}.py``) reads its hparams the SpeechBrain way
(:func:`recipe_hparams`), runs the dataset's prepare step on the main
process (:func:`prepare_data`), reads the class labels
(:func:`load_labels`) and a split (:func:`load_split`) it wrote, and loads
the model (:func:`load_model`).

The hparams name the dataset's prepare function by its import path,
``prepare: !name:<dataset>_prepare.prepare_<dataset>`` (the module
``recipes/<Dataset>/<dataset>_prepare.py``). Making that module importable
is the script's business, as in SpeechBrain's recipes: each script puts its
dataset folder on ``sys.path`` itself, in one explicit line before it
calls :func:`recipe_hparams`::

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

:func:`recipe_hparams` does not touch ``sys.path``; when the ``prepare``
module cannot be found, it raises an ``ImportError`` that names the yaml
key, the module and what the script must do.

Example
-------
>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> with open(f"{folder}/labels.json", "w") as f:
...     _ = f.write('["dog", "rain"]')
>>> load_labels(folder)
['dog', 'rain']

Authors
 * pengi-sb developers 2026
"""

import importlib.util
import json
import os
import re

from pengi_sb.benchmark.config import EvaluationError
from pengi_sb.data.manifest import read_manifest
from pengi_sb.prepare.cli import LABELS_FILE

__all__ = [
    "check_prepare_importable",
    "load_labels",
    "load_model",
    "load_split",
    "prepare_data",
    "recipe_hparams",
]

_PREPARE = re.compile(r"^prepare:\s*!name:([\w.]+)", re.MULTILINE)


def check_prepare_importable(hparams_file, script_file=None):
    """Raises a clear error when the yaml's ``prepare`` module is not
    importable (the script did not put its dataset folder on ``sys.path``).

    Arguments
    ---------
    hparams_file : str
        The recipe yaml; its top-level ``prepare: !name:<module>.<function>``
        is checked (a yaml without one passes).
    script_file : str, optional
        The calling script, named in the error.

    Example
    -------
    >>> import tempfile
    >>> path = tempfile.mkdtemp() + "/x.yaml"
    >>> with open(path, "w") as f:
    ...     _ = f.write("prepare: !name:nowhere_prepare.prepare_nowhere\\n")
    >>> check_prepare_importable(path)
    Traceback (most recent call last):
     ...
    ImportError: the hparams key 'prepare' of ... names module ...
    """
    with open(hparams_file, encoding="utf-8") as f:
        found = _PREPARE.search(f.read())
    if found is None:
        return
    module = found.group(1).rsplit(".", 1)[0]
    if importlib.util.find_spec(module.split(".")[0]) is not None:
        return
    script = script_file or "the recipe script"
    raise ImportError(
        f"the hparams key 'prepare' of {hparams_file} names module "
        f"'{module}', which is not importable: {script} must put the "
        f"dataset folder (recipes/<Dataset>, holding {module}.py) on "
        "sys.path before loading the hparams, e.g. sys.path.insert(0, "
        "str(pathlib.Path(__file__).resolve().parents[1]))"
    )


def recipe_hparams(argv, script_file=None):
    """Parses a recipe command line, loads its hparams and creates its
    experiment directory (``output_folder``, with the hparams and overrides
    saved in it).

    ``python <recipe>/<script>.py <recipe>/hparams/x.yaml --key value
    [--device ...] [--debug]``: SpeechBrain's ``parse_arguments``. The
    hparams' ``prepare`` module must be importable (see the module's
    docstring): :func:`check_prepare_importable` says so clearly if not.

    Arguments
    ---------
    argv : list of str
        The arguments (without the program name).
    script_file : str, optional
        The calling script's path (named in errors).

    Returns
    -------
    (dict, RunOptions, str, str)
        ``(hparams, run_opts, overrides, hparams_file)``.
    """
    import speechbrain as sb

    from pengi_sb.benchmark.recipe_yaml import load_recipe_yaml

    hparams_file, run_opts, overrides = sb.parse_arguments(list(argv))
    check_prepare_importable(hparams_file, script_file)
    # the yaml's shared keys come from its !include:d file (recipe_yaml)
    hparams, overrides = load_recipe_yaml(hparams_file, overrides)
    sb.create_experiment_directory(
        experiment_directory=hparams["output_folder"],
        hyperparams_to_save=hparams_file,
        overrides=overrides,
    )
    return hparams, run_opts, overrides, hparams_file


def prepare_data(hparams):
    """Runs the hparams' ``prepare`` on the main process.

    Reads ``prepare`` (``!name:<dataset>_prepare.prepare_x`` with its
    options), ``data_folder``, ``manifest_folder`` and ``skip_prep``.

    Returns
    -------
    dict
        ``{split: manifest path}``.
    """
    from speechbrain.utils.distributed import run_on_main

    kwargs = {"data_folder": hparams["data_folder"],
              "save_folder": hparams["manifest_folder"],
              "skip_prep": hparams.get("skip_prep", False)}
    run_on_main(hparams["prepare"], kwargs=kwargs)
    return hparams["prepare"](**{**kwargs, "skip_prep": True})


def load_labels(manifest_folder):
    """The class labels written by the prepare step (``labels.json``)."""
    path = os.path.join(manifest_folder, LABELS_FILE)
    if not os.path.isfile(path):
        raise EvaluationError(
            f"{path} does not exist: run the prepare step (skip_prep: False)"
        )
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_split(paths, split, data_folder):
    """Items of one prepared split, ``{data_root}`` set to the data folder.

    Arguments
    ---------
    paths : dict
        ``{split: manifest path}`` from :func:`prepare_data`.
    split : str
        The split's name.
    data_folder : str
        The dataset folder.

    Returns
    -------
    dict
    """
    if split not in paths:
        raise EvaluationError(
            f"split '{split}' is not one the prepare step writes: "
            f"{sorted(paths)}"
        )
    return read_manifest(paths[split], data_root=data_folder)


def load_model(hparams, run_opts=None, trainable=False):
    """Loads ``pretrained_source`` (a pretrained folder or a Hugging Face
    repo) as a :class:`~pengi_sb.inference.Pengi`.

    Arguments
    ---------
    hparams : dict
        Reads ``pretrained_source``, ``pretrained_savedir``,
        ``window_mode`` (default ``mean``) and ``encode_batch_size``.
    run_opts : RunOptions or dict, optional
        ``--device`` and the other run options.
    trainable : bool
        Keep the parameters trainable (fine-tuning).

    Returns
    -------
    pengi_sb.inference.Pengi
    """
    from pengi_sb.inference import Pengi

    return Pengi.from_hparams(
        source=hparams["pretrained_source"],
        savedir=hparams["pretrained_savedir"],
        run_opts=run_opts,
        freeze_params=not trainable,
        window_mode=hparams.get("window_mode", "mean"),
        encode_batch_size=int(hparams.get("encode_batch_size", 16)),
    )
