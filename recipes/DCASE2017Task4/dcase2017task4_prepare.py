"""Manifests for DCASE 2017 Task 4 (weakly labelled sound events for smart
cars: 17 AudioSet classes of warning and vehicle sounds, multi-label).

Metadata: the official files of
https://github.com/ankitshah009/Task-4-Large-scale-weakly-supervised-sound-event-detection-for-smart-cars,
in the data folder itself, in ``groundtruth_release/`` (where the repository
keeps the evaluation labels) or in ``metadata/`` (the layout of the PANNs
DCASE2017 code):

* ``training_set.csv``: ``YTID,start,end,"label,label","mid,mid"``
  (comma separated, no header; one row per clip, labels read from the mids)
* ``groundtruth_weak_label_testing_set.csv`` and
  ``groundtruth_weak_label_evaluation_set.csv``: tab separated, no header,
  ``<YTID>_<start>_<end>.wav<TAB>start<TAB>end<TAB>label``, one row per
  (clip, label)

Audio: 10 s (or shorter) clips named ``Y<YTID>_<start>_<end>.wav`` (the
organisers' downloader adds the ``Y`` because ids may start with ``-``),
in one folder per set. The first of these folders that exists is used:

===========  ==============================================================
split        folders looked for
===========  ==============================================================
train        ``unbalanced_train_segments_training_set_audio_formatted_and_
             segmented_downloads`` (the organisers' download archive),
             ``training``
valid        ``unbalanced_train_segments_testing_set_audio_formatted_and_
             segmented_downloads``, ``testing``
test         ``evaluation_set_formatted_audio_segments`` (the evaluation
             archive), ``evaluation``
===========  ==============================================================

``audio_dirs={"train": ..., "valid": ..., "test": ...}`` names other
folders (relative to the data folder), e.g. the time-stamped
``..._audio_formatted_downloaded_and_segmented_downloads`` folders that
``download_audio.py`` writes. Clips of the lists that YouTube no longer
serves are left out and counted.

Task ``sound_event``: "this is a sound of" -> ``Train horn, Train`` with
the class names of the task (``sound_event_list_17_classes.txt``) as they
are: some hold commas (``Air horn, truck horn``); ``labels`` keeps them
apart.

Manifests: ``train.json`` (training set, 51,172 clips), ``valid.json``
(the development testing set, 488 clips) and ``test.json`` (the evaluation
set, 1,103 clips: the challenge's final test and the zero-shot set).

Authors
 * pengi-sb developers 2026
"""

import csv
import os

from pengi_sb.prepare.cli import run_preparation, run_prepare_cli

DATASET = "DCASE2017Task4"
DOWNLOAD = (
    "the lists of https://github.com/ankitshah009/Task-4-Large-scale-"
    "weakly-supervised-sound-event-detection-for-smart-cars and the audio "
    "archives linked from its README"
)
# (mid, label) of the 17 classes, sound_event_list_17_classes.txt
CLASSES = (
    ("/m/0284vy3", "Train horn"),
    ("/m/05x_td", "Air horn, truck horn"),
    ("/m/02mfyn", "Car alarm"),
    ("/m/02rhddq", "Reversing beeps"),
    ("/m/0199g", "Bicycle"),
    ("/m/06_fw", "Skateboard"),
    ("/m/012n7d", "Ambulance (siren)"),
    ("/m/012ndj", "Fire engine, fire truck (siren)"),
    ("/m/0dgbq", "Civil defense siren"),
    ("/m/04qvtq", "Police car (siren)"),
    ("/m/03qc9zr", "Screaming"),
    ("/m/0k4j", "Car"),
    ("/t/dd00134", "Car passing by"),
    ("/m/01bjv", "Bus"),
    ("/m/07r04", "Truck"),
    ("/m/04_sv", "Motorcycle"),
    ("/m/07jdr", "Train"),
)
LIST_FILES = {
    "train": "training_set.csv",
    "valid": "groundtruth_weak_label_testing_set.csv",
    "test": "groundtruth_weak_label_evaluation_set.csv",
}
AUDIO_DIRS = {
    "train": (
        "unbalanced_train_segments_training_set_audio_formatted_and_"
        "segmented_downloads",
        "training",
    ),
    "valid": (
        "unbalanced_train_segments_testing_set_audio_formatted_and_"
        "segmented_downloads",
        "testing",
    ),
    "test": ("evaluation_set_formatted_audio_segments", "evaluation"),
}
META_DIRS = ("", "groundtruth_release", "metadata")


def _find(data_folder, candidates):
    """First existing ``data_folder/<candidate>`` (relative), or None."""
    for rel in candidates:
        if os.path.exists(os.path.join(data_folder, rel)):
            return rel
    return None


def read_training_list(path):
    """``{clip name: [labels]}`` of ``training_set.csv``."""
    mid_to_label = dict(CLASSES)
    clips = {}
    with open(path, newline="", encoding="utf-8") as f:
        for line, row in enumerate(csv.reader(f), start=1):
            if not row:
                continue
            if len(row) != 5:
                raise ValueError(
                    f"{path}, line {line}: expected 'YTID,start,end,labels,"
                    f"mids', got {row}"
                )
            ytid, start, end, _, mids = (x.strip() for x in row)
            unknown = [m for m in mids.split(",") if m not in mid_to_label]
            if unknown:
                raise ValueError(
                    f"{path}, line {line}: mid(s) {unknown} are not classes "
                    "of the task"
                )
            name = f"{ytid}_{start}_{end}.wav"
            labels = clips.setdefault(name, [])
            for mid in mids.split(","):
                if mid_to_label[mid] not in labels:
                    labels.append(mid_to_label[mid])
    return clips


def read_weak_labels(path):
    """``{clip name: [labels]}`` of a ``groundtruth_weak_label_*`` file."""
    known = {label for _, label in CLASSES}
    clips = {}
    with open(path, newline="", encoding="utf-8") as f:
        for line, row in enumerate(csv.reader(f, delimiter="\t"), start=1):
            if not row:
                continue
            if len(row) != 4:
                raise ValueError(
                    f"{path}, line {line}: expected 4 tab-separated columns "
                    f"'file start end label', got {row}"
                )
            name, label = row[0].strip(), row[3].strip()
            if label not in known:
                raise ValueError(
                    f"{path}, line {line}: '{label}' is not a class of the "
                    "task"
                )
            labels = clips.setdefault(name, [])
            if label not in labels:
                labels.append(label)
    return clips


def prepare_dcase2017task4(
    data_folder, save_folder, skip_prep=False, audio_dirs=None,
    max_missing_fraction=None,
):
    """Writes ``train.json``, ``valid.json`` and ``test.json``.

    Arguments
    ---------
    data_folder : str
        Folder with the metadata files and the audio folders (see the
        module docstring).
    save_folder : str
        Where the manifests and ``labels.json`` go.
    skip_prep : bool
        Do nothing (return the manifest paths).
    audio_dirs : dict, optional
        ``{split: folder relative to data_folder}`` overriding the audio
        folders looked for.
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 1: copies of this set lack clips as a
        rule, so only an empty split fails; see :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{split: manifest path}``.
    """
    audio_dirs = dict(audio_dirs or {})
    unknown = sorted(set(audio_dirs) - set(LIST_FILES))
    if unknown:
        raise ValueError(
            f"audio_dirs: unknown split(s) {unknown}; use {list(LIST_FILES)}"
        )
    chosen_audio, chosen_lists, required = {}, {}, []
    for split, name in LIST_FILES.items():
        candidates = (
            [audio_dirs[split]] if split in audio_dirs else AUDIO_DIRS[split]
        )
        chosen_audio[split] = _find(data_folder, candidates) or candidates[0]
        chosen_lists[split] = _find(
            data_folder, [os.path.join(d, name) for d in META_DIRS]
        ) or name
        required += [chosen_lists[split], chosen_audio[split]]

    def build(builder):
        for split in LIST_FILES:
            path = os.path.join(data_folder, chosen_lists[split])
            reader = read_training_list if split == "train" else (
                read_weak_labels
            )
            for name, labels in reader(path).items():
                audio = os.path.join(
                    data_folder, chosen_audio[split], "Y" + name
                )
                builder.add(
                    split, os.path.splitext(name)[0], audio, "sound_event",
                    events=labels,
                )
        return [label for _, label in CLASSES]

    return run_preparation(
        DATASET, data_folder, save_folder, list(LIST_FILES), build, required,
        DOWNLOAD, options={"audio_dirs": chosen_audio}, skip_prep=skip_prep,
        missing="skip",
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(
        prepare_dcase2017task4, "Prepare DCASE 2017 Task 4 manifests for Pengi"
    )
