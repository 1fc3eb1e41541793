"""Manifests for ESC-50 (environmental sound classification, 50 classes).

Reads the official release (https://github.com/karolpiczak/ESC-50, the
``master.zip`` unpacks to ``ESC-50-master/``)::

    ESC-50-master/
        audio/1-100032-A-0.wav ...       (2000 clips, 5 s, 44.1 kHz)
        meta/esc50.csv                   (filename,fold,target,category,
                                          esc10,src_file,take)

Task ``sound_event`` ("this is a sound of" -> the category). Category
names are written as text: ``door_wood_knock`` -> ``door wood knock``.

Manifests: ``fold1.json`` .. ``fold5.json`` (the official folds, for
cross-validation) and ``test.json`` = all 2000 clips, the zero-shot
evaluation set: zero-shot classification needs no training data, so the
benchmark (as in CLAP's zero-shot protocol) scores every clip.

``subset="actions"`` prepares the paper's "ESC50 actions" benchmark
(Elizalde et al., "Identifying actions for sound event classification",
WASPAA 2021; CLAP 2023 reports it with mAP). It is not a subset of the
ESC-50 classes: listeners rated, for every ESC-50 clip, how likely each of
20 actions (blowing, breaking, calling, crumpling, dripping, exhaling,
exploding, gasping, groaning, pouring, ringing, rolling, rotating,
scraping, singing, sizzling, splashing, tapping, vibrating, wailing)
produced the sound, on a 0-4 scale (mean of three raters). The ratings
are ``action_vectors_dataset/actionvector_one_per_audiofile.csv`` of
https://github.com/bmartin1/Identifying_Actions_for_Sound_Event_Classification
(columns ``filename,fold,target,category,<20 actions>``); put that file in
the ESC-50 folder (or pass ``actions_csv``). A clip's labels are the
actions rated at least ``action_threshold`` (default 2.0, the middle of
the scale); a clip with none that high gets its top-rated action(s); a
clip rated 0 for every action is left out. Items keep all 20 mean ratings
in ``action_ratings`` for graded metrics.

Example
-------
>>> import tempfile
>>> prepare_esc50(tempfile.mkdtemp(), tempfile.mkdtemp())
Traceback (most recent call last):
 ...
pengi_sb.prepare.layout.LayoutError: ...

Authors
 * pengi-sb developers 2026
"""

import csv
import os

from speechbrain.utils.logger import get_logger

from pengi_sb.prepare.cli import readable, run_preparation, run_prepare_cli

logger = get_logger(__name__)

DATASET = "ESC50"
DOWNLOAD = (
    "https://github.com/karolpiczak/ESC-50/archive/master.zip, unpacked as "
    "ESC-50-master/ with audio/ and meta/esc50.csv"
)
ACTIONS_CSV = "actionvector_one_per_audiofile.csv"
ACTIONS_DOWNLOAD = (
    "action_vectors_dataset/actionvector_one_per_audiofile.csv of "
    "https://github.com/bmartin1/Identifying_Actions_for_Sound_Event_"
    "Classification, copied into the ESC-50 folder"
)
ACTIONS = (
    "blowing", "breaking", "calling", "crumpling", "dripping", "exhaling",
    "exploding", "gasping", "groaning", "pouring", "ringing", "rolling",
    "rotating", "scraping", "singing", "sizzling", "splashing", "tapping",
    "vibrating", "wailing",
)
FOLDS = (1, 2, 3, 4, 5)


def _read_rows(path, columns):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        absent = [c for c in columns if c not in (reader.fieldnames or [])]
        if absent:
            raise ValueError(
                f"{path}: missing column(s) {absent}; is this the official "
                "file of the release?"
            )
        return list(reader)


def _action_labels(row, threshold, path):
    try:
        ratings = {a: float(row[a]) for a in ACTIONS}
    except ValueError as err:
        raise ValueError(
            f"{path}, clip {row['filename']}: bad rating ({err})"
        ) from None
    top = max(ratings.values())
    if top <= 0:
        return [], ratings
    chosen = [a for a in ACTIONS if ratings[a] >= threshold]
    if not chosen:
        chosen = [a for a in ACTIONS if ratings[a] == top]
    return chosen, ratings


def prepare_esc50(
    data_folder,
    save_folder,
    skip_prep=False,
    subset="all",
    actions_csv=None,
    action_threshold=2.0,
    max_missing_fraction=None,
):
    """Writes ESC-50 manifests ``fold1..fold5.json`` and ``test.json``.

    Arguments
    ---------
    data_folder : str
        The unpacked ``ESC-50-master`` folder.
    save_folder : str
        Where the manifests and ``labels.json`` go.
    skip_prep : bool
        Do nothing (return the manifest paths).
    subset : str
        ``"all"`` (the 50 categories) or ``"actions"`` (the ESC50 actions
        benchmark, see the module docstring).
    actions_csv : str, optional
        The action ratings file (default:
        ``<data_folder>/actionvector_one_per_audiofile.csv``).
    action_threshold : float
        Minimum mean rating (0-4) for an action to count as a label.
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 0.05; 0: any missing file fails; see
        :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{split: manifest path}``.
    """
    if subset not in ("all", "actions"):
        raise ValueError(f"subset must be 'all' or 'actions', got '{subset}'")
    splits = [f"fold{k}" for k in FOLDS] + ["test"]
    required = ["audio", "meta/esc50.csv"]
    options = {"subset": subset}
    if subset == "actions":
        actions_csv = actions_csv or os.path.join(data_folder, ACTIONS_CSV)
        if not os.path.isfile(actions_csv):
            required.append(os.path.relpath(actions_csv, data_folder))
        options.update(
            actions_csv=os.path.abspath(actions_csv),
            action_threshold=float(action_threshold),
        )

    def build(builder):
        meta = os.path.join(data_folder, "meta", "esc50.csv")
        rows = _read_rows(meta, ["filename", "fold", "category"])
        if subset == "actions":
            return _build_actions(builder, rows)
        labels = []
        for row in rows:
            label = readable(row["category"])
            if label not in labels:
                labels.append(label)
            _add_everywhere(builder, row, events=[label])
        return sorted(labels)

    def _build_actions(builder, rows):
        known = {row["filename"] for row in rows}
        ratings_rows = _read_rows(actions_csv, ["filename", *ACTIONS])
        dropped = 0
        for row in ratings_rows:
            if row["filename"] not in known:
                raise ValueError(
                    f"{actions_csv}: clip {row['filename']} is not in "
                    "meta/esc50.csv; use the ratings file made for ESC-50"
                )
            chosen, ratings = _action_labels(
                row, float(action_threshold), actions_csv
            )
            if not chosen:
                dropped += 1
                continue
            _add_everywhere(builder, row, events=chosen,
                            action_ratings=ratings)
        if dropped:
            logger.warning(
                "ESC50 actions: %d clip(s) rated 0 for every action left out",
                dropped,
            )
        return list(ACTIONS)

    def _add_everywhere(builder, row, **fields):
        fold = int(row["fold"])
        if fold not in FOLDS:
            raise ValueError(
                f"meta/esc50.csv: clip {row['filename']} has fold {fold}; "
                "ESC-50 has folds 1-5"
            )
        path = os.path.join(data_folder, "audio", row["filename"])
        item_id = os.path.splitext(row["filename"])[0]
        for split in (f"fold{fold}", "test"):
            builder.add(split, item_id, path, "sound_event", fold=fold,
                        **fields)

    return run_preparation(
        DATASET, data_folder, save_folder, splits, build, required,
        ACTIONS_DOWNLOAD if subset == "actions" else DOWNLOAD,
        options=options, skip_prep=skip_prep,
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_esc50, "Prepare ESC-50 manifests for Pengi")
