"""Manifests for TUT Acoustic Scenes 2017 (DCASE 2017 Task 1, 15 scenes).

Reads the official releases (development: https://zenodo.org/record/400515,
evaluation: https://zenodo.org/record/1040168; each ``*.audio.N.zip`` and
``*.meta.zip`` unpacks into the folder named below), side by side in the
data folder::

    TUT-acoustic-scenes-2017-development/
        audio/<recording>_<start>_<end>.wav     (4680 segments of 10 s)
        meta.txt                                audio/x.wav<TAB>scene<TAB>id
        evaluation_setup/fold{1..4}_train.txt   audio/x.wav<TAB>scene
        evaluation_setup/fold{1..4}_evaluate.txt
    TUT-acoustic-scenes-2017-evaluation/
        audio/<n>.wav                           (1620 segments of 10 s)
        meta.txt                                audio/x.wav<TAB>scene

Task ``acoustic_scene`` ("this acoustic scene is" -> the scene). Scene
names are written as text: ``city_center`` -> ``city center``,
``residential_area`` -> ``residential area``; ``cafe/restaurant`` stays.

Manifests: ``fold{k}_train.json`` and ``fold{k}_evaluate.json`` for the
four official cross-validation folds of the development set, and
``test.json`` = the evaluation set (the challenge's test set and the
zero-shot benchmark). ``evaluation_set=False`` prepares the development
set alone (no ``test.json``).

Authors
 * pengi-sb developers 2026
"""

import csv
import os

from pengi_sb.prepare.cli import readable, run_preparation, run_prepare_cli

DATASET = "TUT2017"
DEV = "TUT-acoustic-scenes-2017-development"
EVAL = "TUT-acoustic-scenes-2017-evaluation"
DOWNLOAD = (
    f"zenodo.org/record/400515 ({DEV}) and zenodo.org/record/1040168 "
    f"({EVAL}): unzip every audio and meta archive into the data folder"
)
FOLDS = (1, 2, 3, 4)


def read_list(path):
    """``[(relative audio path, scene), ...]`` of a TUT list file."""
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        for line, row in enumerate(csv.reader(f, delimiter="\t"), start=1):
            if not row or not row[0].strip():
                continue
            if len(row) < 2:
                raise ValueError(
                    f"{path}, line {line}: expected 'audio/file.wav<TAB>"
                    f"scene', got {row}"
                )
            rows.append((row[0].strip(), row[1].strip()))
    return rows


def prepare_tut2017(
    data_folder, save_folder, skip_prep=False, evaluation_set=True
):
    """Writes the fold manifests and ``test.json`` (evaluation set).

    Arguments
    ---------
    data_folder : str
        The folder holding the unpacked development (and evaluation) set.
    save_folder : str
        Where the manifests and ``labels.json`` go.
    skip_prep : bool
        Do nothing (return the manifest paths).
    evaluation_set : bool
        Also prepare the evaluation set as ``test.json``.

    Returns
    -------
    dict
        ``{split: manifest path}``.
    """
    lists = {}
    for k in FOLDS:
        for part in ("train", "evaluate"):
            lists[f"fold{k}_{part}"] = (
                DEV, f"evaluation_setup/fold{k}_{part}.txt"
            )
    if evaluation_set:
        lists["test"] = (EVAL, "meta.txt")
    required = [f"{DEV}/meta.txt", f"{DEV}/audio"] + [
        f"{folder}/{name}" for folder, name in lists.values()
    ]
    if evaluation_set:
        required.append(f"{EVAL}/audio")

    def build(builder):
        scenes = {readable(s) for _, s in read_list(
            os.path.join(data_folder, DEV, "meta.txt"))}
        for split, (folder, name) in lists.items():
            path = os.path.join(data_folder, folder, name)
            for rel, scene in read_list(path):
                if readable(scene) not in scenes:
                    raise ValueError(
                        f"{path}: scene '{scene}' of {rel} is not one of "
                        f"the development set's scenes"
                    )
                item_id = os.path.splitext(os.path.basename(rel))[0]
                builder.add(
                    split, item_id, os.path.join(data_folder, folder, rel),
                    "acoustic_scene", scene=readable(scene),
                )
        return sorted(scenes)

    return run_preparation(
        DATASET, data_folder, save_folder, list(lists), build, required,
        DOWNLOAD, options={"evaluation_set": bool(evaluation_set)},
        skip_prep=skip_prep,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_tut2017, "Prepare TUT Acoustic Scenes 2017 "
                    "manifests for Pengi")
