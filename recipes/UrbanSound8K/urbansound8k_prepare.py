"""Manifests for UrbanSound8K (urban sound classification, 10 classes).

Reads the official release (https://urbansounddataset.weebly.com/
urbansound8k.html; ``UrbanSound8K.tar.gz`` unpacks to ``UrbanSound8K/``)::

    UrbanSound8K/
        audio/fold1/ .. audio/fold10/    <fsID>-<classID>-<occurrenceID>-
                                         <sliceID>.wav (8732 clips <= 4 s)
        metadata/UrbanSound8K.csv        (slice_file_name,fsID,start,end,
                                          salience,fold,classID,class)

Task ``sound_event`` ("this is a sound of" -> the class). Class names are
written as text: ``dog_bark`` -> ``dog bark``, ``gun_shot`` -> ``gun shot``.

Manifests: ``fold1.json`` .. ``fold10.json`` (the official folds; the
dataset's authors require these folds for cross-validation) and
``test.json`` = all 8732 clips, the zero-shot evaluation set (zero-shot
classification uses no training data, so every clip is scored). The CSV's
``start``/``end`` are times in the original Freesound recording, not in
the slice, so they are not written as segment bounds.

Authors
 * pengi-sb developers 2026
"""

import csv
import os

from pengi_sb.prepare.cli import readable, run_preparation, run_prepare_cli

DATASET = "UrbanSound8K"
DOWNLOAD = (
    "https://urbansounddataset.weebly.com/urbansound8k.html, "
    "UrbanSound8K.tar.gz unpacked as UrbanSound8K/ with audio/fold1..10 and "
    "metadata/UrbanSound8K.csv"
)
FOLDS = tuple(range(1, 11))
COLUMNS = ("slice_file_name", "fsID", "salience", "fold", "classID", "class")


def prepare_urbansound8k(data_folder, save_folder, skip_prep=False,
                         max_missing_fraction=None):
    """Writes ``fold1..fold10.json`` and ``test.json`` (all clips).

    Arguments
    ---------
    data_folder : str
        The unpacked ``UrbanSound8K`` folder.
    save_folder : str
        Where the manifests and ``labels.json`` go.
    skip_prep : bool
        Do nothing (return the manifest paths).
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 0.05; 0: any missing file fails; see
        :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{split: manifest path}``.
    """
    splits = [f"fold{k}" for k in FOLDS] + ["test"]
    meta = os.path.join(data_folder, "metadata", "UrbanSound8K.csv")

    def build(builder):
        labels = set()
        with open(meta, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            absent = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if absent:
                raise ValueError(
                    f"{meta}: missing column(s) {absent}; use the CSV of the "
                    "official release"
                )
            for line, row in enumerate(reader, start=2):
                fold = int(row["fold"])
                if fold not in FOLDS:
                    raise ValueError(
                        f"{meta}, line {line}: fold {fold} is not 1-10"
                    )
                label = readable(row["class"])
                labels.add(label)
                path = os.path.join(
                    data_folder, "audio", f"fold{fold}",
                    row["slice_file_name"],
                )
                item_id = os.path.splitext(row["slice_file_name"])[0]
                for split in (f"fold{fold}", "test"):
                    builder.add(
                        split, item_id, path, "sound_event", events=[label],
                        fold=fold, salience=int(row["salience"]),
                    )
        return sorted(labels)

    return run_preparation(
        DATASET, data_folder, save_folder, splits, build,
        ["metadata/UrbanSound8K.csv", *(f"audio/fold{k}" for k in FOLDS)],
        DOWNLOAD, skip_prep=skip_prep,
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(
        prepare_urbansound8k, "Prepare UrbanSound8K manifests for Pengi"
    )
