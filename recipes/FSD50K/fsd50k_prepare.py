"""Manifests for FSD50K (multi-label sound event tagging, 200 classes).

Reads the official release (https://zenodo.org/record/4060432; the split
zips unpack to these folders, side by side)::

    FSD50K.dev_audio/<fname>.wav         (40,966 clips)
    FSD50K.eval_audio/<fname>.wav        (10,231 clips)
    FSD50K.ground_truth/
        dev.csv                          fname,labels,mids,split
                                         (split: train | val)
        eval.csv                         fname,labels,mids
        vocabulary.csv                   index,label,mid (no header)

Task ``sound_event`` with every label of a clip: "this is a sound of" ->
``Electric guitar, Guitar, Music`` (labels in the order of the CSV,
joined with ", " as the template does). Label names are written as text
by turning underscores into spaces and keeping the case:
``Accelerating_and_revving_and_vroom`` -> ``Accelerating and revving and
vroom``, ``Male_speech_and_man_speaking`` -> ``Male speech and man
speaking`` (FSD50K already replaced AudioSet's commas by ``_and_``, so no
label contains the ", " that separates labels). ``labels.json`` holds the
200 vocabulary labels in vocabulary order.

Manifests: ``train.json`` and ``valid.json`` from dev.csv's ``split``
column (train / val), ``test.json`` = the eval set (the paper's mAP).

Authors
 * pengi-sb developers 2026
"""

import csv
import os

from pengi_sb.prepare.cli import readable, run_preparation, run_prepare_cli

DATASET = "FSD50K"
DOWNLOAD = (
    "https://zenodo.org/record/4060432: unzip FSD50K.dev_audio, "
    "FSD50K.eval_audio and FSD50K.ground_truth into one folder"
)
GT = "FSD50K.ground_truth"
SPLITS = {"train": "train", "val": "valid"}


def _read_vocabulary(path):
    mid_to_label = {}
    with open(path, newline="", encoding="utf-8") as f:
        for line, row in enumerate(csv.reader(f), start=1):
            if len(row) != 3:
                raise ValueError(
                    f"{path}, line {line}: expected 'index,label,mid', got "
                    f"{row}"
                )
            mid_to_label[row[2]] = readable(row[1])
    return mid_to_label


def _clip_labels(row, mid_to_label, path):
    mids = row["mids"].split(",")
    unknown = [m for m in mids if m not in mid_to_label]
    if unknown:
        raise ValueError(
            f"{path}, clip {row['fname']}: mid(s) {unknown} are not in "
            "vocabulary.csv"
        )
    return [mid_to_label[m] for m in mids]


def prepare_fsd50k(data_folder, save_folder, skip_prep=False,
                   max_missing_fraction=None):
    """Writes ``train.json``, ``valid.json`` (dev) and ``test.json`` (eval).

    Arguments
    ---------
    data_folder : str
        The folder holding ``FSD50K.dev_audio``, ``FSD50K.eval_audio``
        and ``FSD50K.ground_truth``.
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
    gt = os.path.join(data_folder, GT)

    def build(builder):
        mid_to_label = _read_vocabulary(os.path.join(gt, "vocabulary.csv"))
        for csv_name, audio in (("dev.csv", "FSD50K.dev_audio"),
                                ("eval.csv", "FSD50K.eval_audio")):
            path = os.path.join(gt, csv_name)
            with open(path, newline="", encoding="utf-8") as f:
                reader = csv.DictReader(f)
                needed = ["fname", "mids"]
                if csv_name == "dev.csv":
                    needed.append("split")
                absent = [c for c in needed
                          if c not in (reader.fieldnames or [])]
                if absent:
                    raise ValueError(f"{path}: missing column(s) {absent}")
                for row in reader:
                    if csv_name == "eval.csv":
                        split = "test"
                    elif row["split"] in SPLITS:
                        split = SPLITS[row["split"]]
                    else:
                        raise ValueError(
                            f"{path}, clip {row['fname']}: split "
                            f"'{row['split']}' is not train or val"
                        )
                    builder.add(
                        split, row["fname"],
                        os.path.join(data_folder, audio, f"{row['fname']}.wav"),
                        "sound_event",
                        events=_clip_labels(row, mid_to_label, path),
                    )
        return list(mid_to_label.values())

    return run_preparation(
        DATASET, data_folder, save_folder, ["train", "valid", "test"], build,
        ["FSD50K.dev_audio", "FSD50K.eval_audio", f"{GT}/dev.csv",
         f"{GT}/eval.csv", f"{GT}/vocabulary.csv"],
        DOWNLOAD, skip_prep=skip_prep,
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_fsd50k, "Prepare FSD50K manifests for Pengi")
