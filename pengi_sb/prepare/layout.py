"""Shared building blocks of the dataset prepare scripts.

Every ``recipes/<Dataset>/<dataset>_prepare.py`` reads one official
release layout and writes manifests (see :mod:`pengi_sb.data.manifest`). What
they all need lives here once: layout checks with errors that say what is
wrong and where to get the data, durations, skipping work already done.

Example
-------
>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> check_layout(folder, ["meta/esc50.csv"], "ESC50", "https://github.com/karolpiczak/ESC-50")
Traceback (most recent call last):
 ...
pengi_sb.prepare.layout.LayoutError: ...

Authors
 * pengi-sb developers 2026
"""

import json
import os

import soundfile

from pengi_sb.data.manifest import write_manifest


class LayoutError(FileNotFoundError):
    """The data folder is not the official layout of the dataset."""


def check_layout(data_folder, required, dataset, download_hint):
    """Raises :class:`LayoutError` unless every ``required`` path exists.

    Arguments
    ---------
    data_folder : str
        The folder the user passed as ``--data_folder``.
    required : list of str
        Paths relative to ``data_folder`` that the official layout has.
    dataset : str
        The dataset's name, for the message.
    download_hint : str
        Where to get the data / which archive to unpack there.
    """
    if not os.path.isdir(data_folder):
        raise LayoutError(
            f"{dataset}: data folder '{data_folder}' does not exist. "
            f"Download the dataset ({download_hint}) and pass its folder "
            "as --data_folder"
        )
    missing = [p for p in required if not os.path.exists(
        os.path.join(data_folder, p))]
    if missing:
        raise LayoutError(
            f"{dataset}: '{data_folder}' is not the official {dataset} "
            f"layout: missing {missing}. Unpack the release there "
            f"({download_hint})"
        )


def audio_duration(path):
    """Duration in seconds of an audio file, read from its header."""
    info = soundfile.info(path)
    return info.frames / info.samplerate


def already_prepared(output_files, conf_file=None, conf=None):
    """True when every output exists and was made with the same options.

    Arguments
    ---------
    output_files : list of str
        The manifests the prepare step writes.
    conf_file : str, optional
        A JSON file holding the options of the last run.
    conf : dict, optional
        The options of this run; a change re-runs the preparation.
    """
    if not all(os.path.isfile(f) for f in output_files):
        return False
    if conf_file is None:
        return True
    if not os.path.isfile(conf_file):
        return False
    with open(conf_file, encoding="utf-8") as f:
        return json.load(f) == conf


def save_prepared(splits, save_folder, conf=None, ext="json"):
    """Writes ``{split: {id: item}}`` as ``<save_folder>/<split>.<ext>``.

    Returns the written paths, and records ``conf`` beside them so that
    :func:`already_prepared` can skip an identical re-run.
    """
    os.makedirs(save_folder, exist_ok=True)
    paths = {}
    for split, items in splits.items():
        path = os.path.join(save_folder, f"{split}.{ext}")
        write_manifest(items, path)
        paths[split] = path
    if conf is not None:
        with open(os.path.join(save_folder, "prepare_opts.json"), "w") as f:
            json.dump(conf, f)
    return paths


def relative_to_root(path, data_folder):
    """``{data_root}/...`` form of ``path`` (portable manifests)."""
    rel = os.path.relpath(path, data_folder)
    return "{data_root}/" + rel.replace(os.sep, "/")
