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

Missing audio
-------------
A release as users have it is rarely perfect: a row names a file the
archive spells differently, a clip was never in the zip, a video was taken
down. An item whose audio file does not exist is left out, never the
whole dataset: it is counted, the first few are named in the log, and every
left-out item (and why: ``missing`` or ``unreadable``) is listed in
``<save_folder>/prepare_report.json`` (:data:`REPORT_FILE`), written next
to the manifests by every run that prepares. The preparation fails only
when, in some split, the share of listed items whose audio is missing is
above ``max_missing_fraction`` (:data:`MAX_MISSING_FRACTION`, 0.05 unless
the prepare function is told otherwise): a few bad rows are expected in a
real release, a larger share means an archive was not unpacked (or was
unpacked elsewhere), and manifests built from it would silently measure
something else. The error (:class:`MissingAudioError`) names the dataset,
the share, the threshold, the report and how to change the threshold; 0
restores the strict behaviour (any missing file fails), 1 never fails on
the share (a split left empty always does). Sets whose clips disappear for
good (YouTube-sourced ones) pass ``missing="skip"``, a threshold of 1.
Prepare functions take the option as ``max_missing_fraction``, so it is
set like their other options: ``--max_missing_fraction 0.2`` on the
script's command line, ``max_missing_fraction: 0.2`` under ``prepare:``
in a recipe yaml.

A name that the metadata spells differently from the archive (HTML
entities, ``.`` for ``_``...) is resolved by
:meth:`ManifestBuilder.audio_path` (see :mod:`pengi_sb.prepare.names`);
the names matched that way are logged and listed in the report too.

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
import math
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
from pengi_sb.prepare.names import FileNameMatcher

__all__ = [
    "LABELS_FILE",
    "MAX_MISSING_FRACTION",
    "ManifestBuilder",
    "MissingAudioError",
    "REPORT_FILE",
    "missing_threshold",
    "parse_options",
    "parse_value",
    "readable",
    "run_prepare_cli",
    "run_preparation",
]

logger = get_logger(__name__)

LABELS_FILE = "labels.json"
REPORT_FILE = "prepare_report.json"

# Share of a split's listed items whose audio may be missing before the
# preparation fails. Complete releases have none; the known bad rows of
# real ones are well under 1 % (Clotho-AQA: 2 of ~2,000 files); one
# audio archive of a multi-archive release left out is 10-20 % (TUT 2017
# development: 1 of 10 zips; FSD50K dev: 1 of 6), well over it.
MAX_MISSING_FRACTION = 0.05

# How many skipped or variant-matched names the log shows (the report
# lists them all).
_SHOWN = 5


class MissingAudioError(LayoutError):
    """Too much of the audio the metadata lists is missing (see
    ``max_missing_fraction``)."""


def missing_threshold(max_missing_fraction=None, missing=None):
    """The share of missing audio a split may have.

    Arguments
    ---------
    max_missing_fraction : float, optional
        The threshold, between 0 and 1 (wins when given).
    missing : str, optional
        The older spelling: ``"error"`` (0) or ``"skip"`` (1, sets whose
        clips disappear for good). Neither: :data:`MAX_MISSING_FRACTION`.

    Returns
    -------
    float

    Example
    -------
    >>> missing_threshold(), missing_threshold(0), missing_threshold(
    ...     missing="skip")
    (0.05, 0.0, 1.0)
    >>> missing_threshold(5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
     ...
    ValueError: max_missing_fraction must be a number from 0 to 1 ..., got 5
    """
    if max_missing_fraction is None:
        if missing is None:
            return MAX_MISSING_FRACTION
        if missing not in ("error", "skip"):
            raise ValueError(
                f"missing must be 'error' or 'skip', got '{missing}'"
            )
        return 0.0 if missing == "error" else 1.0
    value = max_missing_fraction
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not 0 <= value <= 1:
        raise ValueError(
            "max_missing_fraction must be a number from 0 to 1 (a share of "
            f"the listed items, 0.05 = 5 %), got {value!r}"
        )
    return float(value)

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
    duration (read from the file header), ``split`` and ``dataset``. An
    item whose audio is missing or unreadable is left out and recorded
    (:attr:`skipped_items`); :meth:`check_missing` says whether the share
    missing is within ``max_missing_fraction``.

    Arguments
    ---------
    data_folder : str
        The dataset folder (replaced by ``{data_root}`` in paths).
    dataset : str
        The dataset's name, written in every item.
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing (see
        :func:`missing_threshold`; default :data:`MAX_MISSING_FRACTION`).
    missing : str, optional
        The older spelling of the threshold: ``"error"`` (0) or ``"skip"``
        (1).

    Example
    -------
    >>> import tempfile
    >>> builder = ManifestBuilder(tempfile.mkdtemp(), "demo", missing="skip")
    >>> builder.add("test", "a", "/no/a.wav", "sound_event", events=["dog"])
    False
    >>> builder.skipped
    {'missing': 1}
    >>> builder.skipped_items[0]["reason"], builder.missing_shares()
    ('missing', {'test': (1, 1)})
    """

    def __init__(self, data_folder, dataset, max_missing_fraction=None,
                 missing=None):
        self.data_folder = data_folder
        self.dataset = dataset
        self.max_missing_fraction = missing_threshold(
            max_missing_fraction, missing)
        self.splits = {}
        self.skipped = {}
        self.skipped_items = []
        self.listed = {}
        self.variants = []
        self._matchers = {}
        self._loose = {}
        self._shown = {}
        self._durations = {}

    def _skip(self, reason, split, item_id, path, detail=None):
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        entry = {"split": split, "id": item_id, "path": path,
                 "reason": reason}
        if detail:
            entry["detail"] = detail
        self.skipped_items.append(entry)
        shown = self._shown.setdefault(reason, set())
        if path in shown:  # one file, several items: named once
            return
        shown.add(path)
        if reason == "unreadable" or len(shown) <= _SHOWN:
            logger.warning(
                "%s: skipping %s audio %s%s", self.dataset, reason, path,
                f" ({detail})" if detail else "",
            )

    def audio_path(self, folder, name, fold_case=False):
        """The audio file that the metadata's ``name`` means in ``folder``.

        The exact ``folder/name`` when it exists; otherwise the one file
        whose name differs only in spelling (HTML entities, ``.`` for
        ``_``, Unicode form, and letter case with ``fold_case``: see
        :class:`~pengi_sb.prepare.names.FileNameMatcher`), logged and
        recorded in :attr:`variants`; otherwise ``folder/name``, which
        :meth:`add` then records as missing (naming the candidates when
        several files match loosely).

        Arguments
        ---------
        folder : str
            The folder the metadata's names are relative to.
        name : str
            The file name as the metadata writes it.
        fold_case : bool
            Also match names that differ in letter case (never for names
            built from case-sensitive IDs such as YouTube's).

        Returns
        -------
        str

        Example
        -------
        >>> import os, tempfile
        >>> folder = tempfile.mkdtemp()
        >>> open(os.path.join(folder, "souffle_me.tallique.wav"), "w").close()
        >>> builder = ManifestBuilder(folder, "demo")
        >>> found = builder.audio_path(folder, "souffle_me_tallique.wav")
        >>> os.path.basename(found)
        'souffle_me.tallique.wav'
        >>> builder.variants[0]["listed"], builder.variants[0]["found"]
        ('souffle_me_tallique.wav', 'souffle_me.tallique.wav')
        """
        key = (folder, bool(fold_case))
        matcher = self._matchers.get(key)
        if matcher is None:
            matcher = self._matchers[key] = FileNameMatcher(folder, fold_case)
        first_match = name not in matcher.variants  # a variant is logged once
        found = matcher.find(name)
        exact = os.path.join(folder, name)
        if found is None:
            loose = matcher.candidates(name)
            if loose:
                self._loose[exact] = (
                    f"{len(loose)} files match its name only loosely "
                    f"({', '.join(loose)}): none is taken")
            return exact
        if found != exact and first_match:
            self.variants.append({"folder": folder, "listed": name,
                                  "found": os.path.basename(found)})
            if len(self.variants) <= _SHOWN:
                logger.info(
                    "%s: '%s' is listed, the release has '%s': used",
                    self.dataset, name, os.path.basename(found))
        return found

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
        self.listed[split] = self.listed.get(split, 0) + 1
        if not os.path.isfile(path):
            self._skip("missing", split, item_id, path,
                       self._loose.get(path))
            return False
        duration = self._durations.get(path)
        if duration is None:
            try:
                duration = audio_duration(path)
            except Exception as err:  # libsndfile raises several types
                self._skip("unreadable", split, item_id, path, str(err))
                return False
            self._durations[path] = duration
        if duration <= 0:
            self._skip("unreadable", split, item_id, path, "empty")
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
        self.listed[split] = self.listed.get(split, 0) + 1
        items[item_id] = item

    def missing_shares(self):
        """``{split: (items whose audio is missing, items listed)}``."""
        missing = {}
        for entry in self.skipped_items:
            if entry["reason"] == "missing":
                missing[entry["split"]] = missing.get(entry["split"], 0) + 1
        return {s: (missing.get(s, 0), n) for s, n in self.listed.items()}

    def over_threshold(self):
        """``{split: share}`` of the splits whose missing share is above
        ``max_missing_fraction``."""
        return {s: m / n for s, (m, n) in self.missing_shares().items()
                if n and m / n > self.max_missing_fraction}

    def summary(self):
        """What was left out and matched, as written to the report file."""
        shares = self.missing_shares()
        return {
            "dataset": self.dataset,
            "data_folder": os.path.abspath(self.data_folder),
            "max_missing_fraction": self.max_missing_fraction,
            "splits": {
                s: {"listed": n, "kept": len(self.splits.get(s, {})),
                    "missing": m, "missing_fraction": m / n if n else 0.0}
                for s, (m, n) in shares.items()
            },
            "skipped": self.skipped_items,
            "matched_by_variant": self.variants,
        }

    def write_summary(self, path):
        """Writes :meth:`summary` as JSON to ``path``; returns ``path``."""
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.summary(), f, indent=1, ensure_ascii=False)
        return path

    def check_missing(self, report_path=None, download_hint=None):
        """Raises :class:`MissingAudioError` when a split's share of
        missing audio is above ``max_missing_fraction``.

        Arguments
        ---------
        report_path : str, optional
            The report file listing the missing items (named in the
            message).
        download_hint : str, optional
            Where the complete release is (named in the message).
        """
        over = self.over_threshold()
        if not over:
            return
        shares = self.missing_shares()
        parts = ", ".join(
            f"'{s}' {shares[s][0]} of {shares[s][1]} ({share:.1%})"
            for s, share in over.items()
        )
        examples = list(dict.fromkeys(
            e["path"] for e in self.skipped_items
            if e["reason"] == "missing"))[:3]
        needed = min(1.0, math.ceil(max(over.values()) * 100) / 100)
        where = f" ({download_hint})" if download_hint else ""
        listed = (f"Every missing item is listed in {report_path}. "
                  if report_path else "")
        raise MissingAudioError(
            f"{self.dataset}: the audio of too many listed items is missing "
            f"in '{self.data_folder}': split(s) {parts}, above "
            f"max_missing_fraction={self.max_missing_fraction:g} "
            f"({self.max_missing_fraction:.0%}); e.g. {examples}. {listed}"
            "So large a share usually means an audio archive was not "
            f"unpacked there, or was unpacked elsewhere: unpack the complete "
            f"release{where}. If these files are known to be absent, raise "
            f"the threshold, e.g. max_missing_fraction={needed:g} "
            f"('--max_missing_fraction {needed:g}' on the prepare script's "
            f"command line, 'max_missing_fraction: {needed:g}' under "
            "'prepare:' in the recipe yaml; 0 refuses any missing file, 1 "
            "never fails on the share)"
        )

    def report(self, report_path=None):
        """Logs how many items each split has, what was left out and what
        was matched by a variant of its name."""
        for split, items in self.splits.items():
            logger.info("%s %s: %d items", self.dataset, split, len(items))
        where = f"; all are listed in {report_path}" if report_path else ""
        for reason, count in self.skipped.items():
            names = [os.path.basename(e["path"]) for e in self.skipped_items
                     if e["reason"] == reason]
            shown = sorted(set(names))
            logger.warning(
                "%s: %d item(s) left out, their audio %s (%d file(s): "
                "%s%s)%s", self.dataset, count, reason, len(shown),
                ", ".join(shown[:_SHOWN]),
                ", ..." if len(shown) > _SHOWN else "", where,
            )
        if self.variants:
            logger.info(
                "%s: %d file name(s) listed in the metadata differ from the "
                "release's and were matched by their normalised form "
                "(%s%s)%s", self.dataset, len(self.variants),
                ", ".join(f"'{v['listed']}' -> '{v['found']}'"
                          for v in self.variants[:_SHOWN]),
                ", ..." if len(self.variants) > _SHOWN else "", where,
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
    max_missing_fraction=None,
    missing=None,
):
    """The common flow of every prepare function.

    ``skip_prep`` -> layout check -> skip when the same preparation was done
    -> ``build`` -> ``<save_folder>/prepare_report.json`` (items left out,
    names matched by a variant) -> the missing-audio check ->
    ``<save_folder>/<split>.json`` for every split and
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
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default :data:`MAX_MISSING_FRACTION`; see the
        module docstring). Not one of the recorded ``options``: it changes
        whether a run fails, never the manifests.
    missing : str, optional
        The older spelling: ``"skip"`` (threshold 1: sets whose clips
        disappear for good) or ``"error"`` (0).

    Returns
    -------
    dict
        ``{split: manifest path}``.

    Raises
    ------
    MissingAudioError
        A split's share of missing audio is above the threshold (the
        report file is written first).
    """
    paths = {s: os.path.join(save_folder, f"{s}.json") for s in split_names}
    threshold = missing_threshold(max_missing_fraction, missing)
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
    builder = ManifestBuilder(data_folder, dataset, threshold)
    labels = list(build(builder))
    report_path = None
    if builder.listed:  # a folder that lists nothing leaves nothing behind
        report_path = builder.write_summary(
            os.path.join(save_folder, REPORT_FILE))
    builder.report(report_path)
    builder.check_missing(report_path, download_hint)
    _check_result(dataset, builder, split_names, labels)
    with open(labels_path, "w", encoding="utf-8") as f:
        json.dump(labels, f, indent=1, ensure_ascii=False)
    save_prepared(
        {s: builder.splits[s] for s in split_names}, save_folder, conf
    )
    return paths
