"""Command line and shared run logic of every dataset prepare script.

Each ``recipes/<Dataset>/<dataset>_prepare.py`` builds its manifests with
:func:`run_preparation` (skip_prep, layout check, skip when already done,
``<split>.json`` + ``labels.json``) and a :class:`ManifestBuilder` (one
audio file -> one manifest item), and ends with::

    if __name__ == "__main__":
        run_prepare_cli(prepare_esc50, "Prepare ESC-50 manifests")

so that it runs as ``python recipes/ESC50/esc50_prepare.py --data_folder D
--save_folder S [--skip_prep] [--key value ...]``. Every extra ``--key
value`` (or ``--key=value``) pair becomes the keyword argument ``key`` of
the prepare function; values are read as Python literals where they are
one (``3``, ``0.5``, ``True``, ``None``, ``[1, 2]``, ``true``/``false``
too) and kept as strings otherwise. A ``--key`` with no value means
``True``. Keys the prepare function does not accept are refused with the
list of those it does.

Example
-------
>>> def prepare(data_folder, save_folder, skip_prep=False, fold=1):
...     return {"test": f"{save_folder}/fold{fold}.json"}
>>> run_prepare_cli(prepare, "demo", argv=[
...     "--data_folder", "d", "--save_folder", "s", "--fold", "3"])
{'test': 's/fold3.json'}
>>> parse_options(["--subset=actions", "--folds", "[1, 2]", "--verbose"])
{'subset': 'actions', 'folds': [1, 2], 'verbose': True}

Authors
 * pengi-sb developers 2026
"""

import argparse
import ast
import inspect
import json
import logging
import os

from speechbrain.utils.logger import get_logger

from pengi_sb.data.manifest import make_item
from pengi_sb.prepare.layout import (
    LayoutError,
    already_prepared,
    audio_duration,
    check_layout,
    relative_to_root,
    save_prepared,
)

__all__ = [
    "LABELS_FILE",
    "ManifestBuilder",
    "parse_options",
    "parse_value",
    "readable",
    "run_prepare_cli",
    "run_preparation",
]

logger = get_logger(__name__)

LABELS_FILE = "labels.json"

_WORDS = {"true": True, "false": False, "none": None, "null": None}


def parse_value(text):
    """Reads one command-line value as a Python literal when it is one.

    Arguments
    ---------
    text : str
        The value as typed.

    Returns
    -------
    object
        ``bool``/``None`` for true/false/none (any case), a number, list,
        tuple or dict literal, or ``text`` itself.

    Example
    -------
    >>> parse_value("5"), parse_value("false"), parse_value("fold1")
    (5, False, 'fold1')
    """
    if text.lower() in _WORDS:
        return _WORDS[text.lower()]
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_options(tokens):
    """Turns ``["--key", "value", "--flag", "--k=v"]`` into a dict.

    Arguments
    ---------
    tokens : list of str
        The command-line words left after the standard options.

    Returns
    -------
    dict
        ``{key: value}`` with values read by :func:`parse_value`.

    Raises
    ------
    ValueError
        When a word is not an option (names the word).
    """
    options = {}
    i = 0
    while i < len(tokens):
        word = tokens[i]
        if not word.startswith("--") or len(word) == 2:
            raise ValueError(
                f"unexpected argument '{word}': extra options must be "
                "written '--key value' or '--key=value'"
            )
        key = word[2:]
        if "=" in key:
            key, value = key.split("=", 1)
            options[key] = parse_value(value)
            i += 1
        elif i + 1 < len(tokens) and not tokens[i + 1].startswith("--"):
            options[key] = parse_value(tokens[i + 1])
            i += 2
        else:
            options[key] = True
            i += 1
    return options


def _accepted_options(prepare_fn):
    """Names of keyword options ``prepare_fn`` takes (None: any)."""
    params = inspect.signature(prepare_fn).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    fixed = {"data_folder", "save_folder", "skip_prep"}
    return [p.name for p in params if p.name not in fixed]


def run_prepare_cli(prepare_fn, description, argv=None):
    """Parses the command line and runs ``prepare_fn`` with it.

    Arguments
    ---------
    prepare_fn : callable
        ``prepare_x(data_folder, save_folder, skip_prep=False, **options)``
        returning ``{split: manifest_path}``.
    description : str
        One line shown by ``--help``.
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    dict
        What ``prepare_fn`` returned; each split and path is also logged.
    """
    parser = argparse.ArgumentParser(
        description=description,
        epilog="Any other '--key value' is passed to the prepare function "
        "as the keyword argument key (values read as Python literals).",
    )
    parser.add_argument(
        "--data_folder", required=True,
        help="the dataset's folder, unpacked as officially released",
    )
    parser.add_argument(
        "--save_folder", required=True,
        help="where the manifests (<split>.json, labels.json) are written",
    )
    parser.add_argument(
        "--skip_prep", nargs="?", const=True, default=False,
        type=parse_value, help="do nothing (also '--skip_prep True')",
    )
    args, rest = parser.parse_known_args(argv)
    try:
        options = parse_options(rest)
    except ValueError as err:
        parser.error(str(err))
    accepted = _accepted_options(prepare_fn)
    if accepted is not None:
        unknown = sorted(set(options) - set(accepted))
        if unknown:
            parser.error(
                f"unknown option(s) {unknown} for {prepare_fn.__name__}; "
                f"it accepts {accepted}"
            )
    logging.basicConfig(
        level=logging.INFO, format="%(name)s - %(levelname)s - %(message)s"
    )
    log = logging.getLogger(__name__)
    result = prepare_fn(
        args.data_folder, args.save_folder, skip_prep=bool(args.skip_prep),
        **options,
    )
    for split, path in (result or {}).items():
        log.info("%s: %s", split, path)
    return result


def readable(label):
    """A class name as text: underscores become spaces, spaces collapse.

    Arguments
    ---------
    label : str
        A label as a dataset writes it (``door_wood_knock``).

    Returns
    -------
    str

    Example
    -------
    >>> readable("Accelerating_and_revving_and_vroom")
    'Accelerating and revving and vroom'
    """
    return " ".join(str(label).replace("_", " ").split())


class ManifestBuilder:
    """Collects the items of one prepare run, split by split.

    Every item gets the audio path in ``{data_root}/...`` form, its
    duration (read from the file header), ``split`` and ``dataset``.

    Arguments
    ---------
    data_folder : str
        The dataset folder (replaced by ``{data_root}`` in paths).
    dataset : str
        The dataset's name, written in every item.
    missing : str
        What a listed audio file that does not exist means: ``"error"``
        (a complete release: raise :class:`LayoutError` naming it) or
        ``"skip"`` (YouTube-sourced sets where some clips could not be
        downloaded: leave the item out and count it).

    Example
    -------
    >>> import tempfile
    >>> builder = ManifestBuilder(tempfile.mkdtemp(), "demo", missing="skip")
    >>> builder.add("test", "a", "/no/a.wav", "sound_event", events=["dog"])
    False
    >>> builder.skipped
    {'missing': 1}
    """

    def __init__(self, data_folder, dataset, missing="error"):
        if missing not in ("error", "skip"):
            raise ValueError(
                f"missing must be 'error' or 'skip', got '{missing}'"
            )
        self.data_folder = data_folder
        self.dataset = dataset
        self.missing = missing
        self.splits = {}
        self.skipped = {}
        self._durations = {}

    def _skip(self, reason, path):
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        if reason == "unreadable" or self.skipped[reason] <= 5:
            logger.warning(
                "%s: skipping %s audio %s", self.dataset, reason, path
            )

    def add(self, split, item_id, path, task, labels=None, **fields):
        """Adds one item; returns False when its audio was skipped.

        Arguments
        ---------
        split : str
            The split (manifest) the item goes to.
        item_id : str
            Unique id within the split.
        path : str
            Absolute (or data-folder based) path of the audio file.
        task : str
            Task template name.
        labels : list of str, optional
            Class labels (default: the template's label field).
        **fields
            Template fields and extra columns (see ``make_item``).

        Returns
        -------
        bool
        """
        items = self.splits.setdefault(split, {})
        if item_id in items:
            raise ValueError(
                f"{self.dataset}: item id '{item_id}' appears twice in split "
                f"'{split}' (second file: {path}); the metadata lists the "
                "same clip twice"
            )
        if not os.path.isfile(path):
            if self.missing == "error":
                raise LayoutError(
                    f"{self.dataset}: audio file {path} listed in the "
                    "metadata does not exist; unpack the complete release "
                    "into the data folder"
                )
            self._skip("missing", path)
            return False
        duration = self._durations.get(path)
        if duration is None:
            try:
                duration = audio_duration(path)
            except Exception as err:  # libsndfile raises several types
                self._skip("unreadable", f"{path} ({err})")
                return False
            self._durations[path] = duration
        if duration <= 0:
            self._skip("unreadable", f"{path} (empty)")
            return False
        items[item_id] = make_item(
            relative_to_root(path, self.data_folder), duration, task,
            labels=labels, split=split, dataset=self.dataset, **fields,
        )
        return True

    def add_item(self, split, item_id, item):
        """Adds an item built elsewhere (e.g. a second task on one clip)."""
        items = self.splits.setdefault(split, {})
        if item_id in items:
            raise ValueError(
                f"{self.dataset}: item id '{item_id}' appears twice in "
                f"split '{split}'"
            )
        items[item_id] = item

    def report(self):
        """Logs how many items each split has and what was skipped."""
        for split, items in self.splits.items():
            logger.info("%s %s: %d items", self.dataset, split, len(items))
        for reason, count in self.skipped.items():
            logger.warning(
                "%s: %d audio file(s) %s and left out", self.dataset, count,
                reason,
            )


def _check_result(dataset, builder, split_names, labels):
    unexpected = sorted(set(builder.splits) - set(split_names))
    if unexpected:
        raise RuntimeError(
            f"{dataset}: the prepare step built split(s) {unexpected} it does "
            f"not declare ({split_names})"
        )
    empty = [s for s in split_names if not builder.splits.get(s)]
    if empty:
        raise LayoutError(
            f"{dataset}: no usable audio for split(s) {empty} in "
            f"'{builder.data_folder}'; check that the audio of the release "
            "is unpacked there (and the metadata matches it)"
        )
    known = set(labels)
    for split in split_names:
        for item_id, item in builder.splits[split].items():
            odd = [x for x in item.get("labels", []) if x not in known]
            if odd:
                raise RuntimeError(
                    f"{dataset}: item '{item_id}' ({split}) has label(s) "
                    f"{odd} missing from the class list"
                )


def run_preparation(
    dataset,
    data_folder,
    save_folder,
    split_names,
    build,
    required,
    download_hint,
    options=None,
    skip_prep=False,
    missing="error",
):
    """The common flow of every prepare function.

    ``skip_prep`` -> layout check -> skip when the same preparation was done
    -> ``build`` -> ``<save_folder>/<split>.json`` for every split and
    ``<save_folder>/labels.json`` (the class labels the close-ended task
    ranks).

    Arguments
    ---------
    dataset : str
        The dataset's name (messages, ``dataset`` field).
    data_folder : str
        The dataset folder, as released.
    save_folder : str
        Where the manifests go.
    split_names : list of str
        The manifests this run writes; each must receive items.
    build : callable
        ``build(builder) -> labels``: fills the :class:`ManifestBuilder`
        and returns the list of class label strings.
    required : list of str
        Paths (relative to ``data_folder``) the official layout has.
    download_hint : str
        Where to get the data, for error messages.
    options : dict, optional
        The prepare options; a change re-runs the preparation.
    skip_prep : bool
        Do nothing but return the manifest paths.
    missing : str
        ``"error"`` or ``"skip"``: see :class:`ManifestBuilder`.

    Returns
    -------
    dict
        ``{split: manifest path}``.
    """
    paths = {s: os.path.join(save_folder, f"{s}.json") for s in split_names}
    if skip_prep:
        return paths
    check_layout(data_folder, required, dataset, download_hint)
    conf = json.loads(json.dumps({
        "dataset": dataset,
        "data_folder": os.path.abspath(data_folder),
        "splits": list(split_names),
        **(options or {}),
    }))
    labels_path = os.path.join(save_folder, LABELS_FILE)
    conf_file = os.path.join(save_folder, "prepare_opts.json")
    if already_prepared([*paths.values(), labels_path], conf_file, conf):
        logger.info(
            "%s: manifests in %s are up to date, skipping preparation",
            dataset, save_folder,
        )
        return paths
    logger.info("%s: preparing manifests from %s", dataset, data_folder)
    builder = ManifestBuilder(data_folder, dataset, missing=missing)
    labels = list(build(builder))
    _check_result(dataset, builder, split_names, labels)
    builder.report()
    os.makedirs(save_folder, exist_ok=True)
    with open(labels_path, "w", encoding="utf-8") as f:
        json.dump(labels, f, indent=1, ensure_ascii=False)
    save_prepared(
        {s: builder.splits[s] for s in split_names}, save_folder, conf
    )
    return paths
