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
``test.json`` = the evaluation set (the challenge's test set, the
zero-shot benchmark's split and the test of the fine-tuning recipe's
``evaluation`` run). The evaluation set is a separate download:

- ``evaluation_set="auto"`` (the default) prepares ``test.json`` when
  ``TUT-acoustic-scenes-2017-evaluation/`` is in the data folder, and
  otherwise the four folds alone, logging what ``test.json`` would need;
- ``evaluation_set=True`` requires it (the zero-shot and fine-tuning
  yamls: they score ``test``), and fails, without it, with a message that
  names the archives and where to unzip them;
- ``evaluation_set=False`` prepares the development set alone.

Items whose audio is missing are left out and listed in
``prepare_report.json``; the preparation fails when more than
``max_missing_fraction`` of a split's items have no audio (an audio zip
not unpacked: see :mod:`pengi_sb.prepare.cli`).

Authors
 * pengi-sb developers 2026
"""

import csv
import os

from speechbrain.utils.logger import get_logger

from pengi_sb.prepare.cli import readable, run_preparation, run_prepare_cli
from pengi_sb.prepare.layout import LayoutError

logger = get_logger(__name__)

DATASET = "TUT2017"
DEV = "TUT-acoustic-scenes-2017-development"
EVAL = "TUT-acoustic-scenes-2017-evaluation"
DOWNLOAD = (
    f"zenodo.org/record/400515 ({DEV}) and zenodo.org/record/1040168 "
    f"({EVAL}): unzip every audio and meta archive into the data folder"
)
EVAL_RECORD = "https://zenodo.org/record/1040168"
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


def evaluation_set_needed(data_folder):
    """What ``test.json`` needs, for messages: the archives and where."""
    return (
        f"the evaluation set ({EVAL}.audio.*.zip and {EVAL}.meta.zip from "
        f"{EVAL_RECORD}) unzipped in '{data_folder}', so that "
        f"'{os.path.join(data_folder, EVAL)}' holds audio/ and meta.txt"
    )


def use_evaluation_set(data_folder, evaluation_set, check=True):
    """Whether to prepare ``test.json``: ``evaluation_set`` as a bool,
    ``"auto"`` resolved by whether the evaluation set's folder is there.

    Raises
    ------
    LayoutError
        With ``check``: ``evaluation_set=True``, the development set is
        there and the evaluation set is not (the message says what is
        needed and how to go without it; without the development set
        either, the layout check names everything that is missing).
    ValueError
        Any other value.
    """
    if evaluation_set not in (True, False, "auto"):
        raise ValueError(
            f"evaluation_set must be True, False or 'auto', got "
            f"{evaluation_set!r}"
        )
    present = os.path.isdir(os.path.join(data_folder, EVAL))
    if evaluation_set == "auto":
        return present
    if (check and evaluation_set and not present
            and os.path.isdir(os.path.join(data_folder, DEV))):
        raise LayoutError(
            f"{DATASET}: split 'test' (the zero-shot benchmark's split and "
            "the test of the fine-tuning 'evaluation' run) is the evaluation "
            f"set, and it needs {evaluation_set_needed(data_folder)}. To "
            "prepare the development set's four folds alone (what the linear "
            "probe and the fine-tuning fold runs use), set evaluation_set to "
            "auto or False: '--evaluation_set auto' on the prepare script's "
            "or the recipe's command line"
        )
    return bool(evaluation_set)


def prepare_tut2017(
    data_folder, save_folder, skip_prep=False, evaluation_set="auto",
    max_missing_fraction=None,
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
    evaluation_set : bool or str
        Also prepare the evaluation set as ``test.json``: True (required),
        False, or ``"auto"`` (when its folder is there; its absence is
        logged).
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 0.05; 0: any missing file fails).

    Returns
    -------
    dict
        ``{split: manifest path}``.
    """
    with_test = use_evaluation_set(data_folder, evaluation_set,
                                   check=not skip_prep)
    if not with_test and evaluation_set == "auto" and not skip_prep:
        logger.info(
            "%s: no evaluation set in '%s': preparing the development set's "
            "four folds; split 'test' (zero-shot, and the fine-tuning "
            "'evaluation' run) needs %s", DATASET, data_folder,
            evaluation_set_needed(data_folder),
        )
    lists = {}
    for k in FOLDS:
        for part in ("train", "evaluate"):
            lists[f"fold{k}_{part}"] = (
                DEV, f"evaluation_setup/fold{k}_{part}.txt"
            )
    if with_test:
        lists["test"] = (EVAL, "meta.txt")
    required = [f"{DEV}/meta.txt", f"{DEV}/audio"] + [
        f"{folder}/{name}" for folder, name in lists.values()
    ]
    if with_test:
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
        DOWNLOAD, options={"evaluation_set": with_test},
        skip_prep=skip_prep, max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_tut2017, "Prepare TUT Acoustic Scenes 2017 "
                    "manifests for Pengi")
