"""Pretraining manifests for AudioSet (527 sound classes, 10 s YouTube clips).

Metadata: the official files of https://research.google.com/audioset/
download.html, in the data folder or in its ``metadata/`` folder:

* ``balanced_train_segments.csv``, ``unbalanced_train_segments.csv``,
  ``eval_segments.csv``: three ``#`` comment lines, then
  ``YTID, start_seconds, end_seconds, "mid,mid,..."``;
* ``class_labels_indices.csv`` (``index,mid,display_name``) or, failing
  that, the ontology's ``ontology.json`` (``[{"id": mid, "name": ...}]``)
  for mid -> class name.

Audio: AudioSet ships no audio; this reads the layout that the PANNs
download script (``audioset_tagging_cnn/utils/dataset.py download_wavs``,
youtube-dl/yt-dlp + ffmpeg) writes, the clip already cut to its 10 s
segment and named ``Y<YTID>`` (the ``Y`` because ids may start with
``-``)::

    audios/balanced_train_segments/Y<YTID>.wav
    audios/unbalanced_train_segments/unbalanced_train_segments_partNN/Y<YTID>.wav
    audios/eval_segments/Y<YTID>.wav

Any sub-folder depth and the extensions .wav, .flac, .ogg and .mp3 are
accepted. Segments YouTube no longer serves are left out and counted.

Items: ``sound_event`` for every clip ("this is a sound of" -> its class
names as in the ontology, e.g. ``Speech, Music``; ``labels`` keeps names
that hold commas, such as ``Accelerating, revving, vroom``, apart), and a
``metadata`` item ("generate metadata" -> the video title) for every clip
whose downloader also saved yt-dlp's ``Y<YTID>.info.json`` beside the
audio (``--write-info-json``): the title is the only per-clip text
AudioSet has. Manifests: one per subset in ``subsets`` (default all
three): ``balanced_train.json``, ``unbalanced_train.json``, ``eval.json``.
``labels.json``: the 527 class names of ``class_labels_indices.csv`` (with
only ``ontology.json``, the names of the classes that occur).

Authors
 * pengi-sb developers 2026
"""

import csv
import json
import os

from pengi_sb.data.manifest import make_item
from pengi_sb.prepare.layout import LayoutError, relative_to_root
from pengi_sb.prepare.cli import run_preparation, run_prepare_cli

DATASET = "AudioSet"
DOWNLOAD = (
    "the segment CSVs and class_labels_indices.csv of "
    "https://research.google.com/audioset/download.html, and the audio "
    "downloaded with a YouTube downloader into audios/<subset csv name>/"
)
SUBSETS = {
    "balanced_train": "balanced_train_segments",
    "unbalanced_train": "unbalanced_train_segments",
    "eval": "eval_segments",
}
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3")
META_DIRS = ("", "metadata")


def find_metadata(data_folder, name):
    """Path of ``name`` relative to ``data_folder`` (top or metadata/)."""
    for folder in META_DIRS:
        rel = os.path.join(folder, name)
        if os.path.isfile(os.path.join(data_folder, rel)):
            return rel
    return None


def read_class_names(data_folder):
    """``{mid: display name}`` in class order, and the file it came from."""
    rel = find_metadata(data_folder, "class_labels_indices.csv")
    if rel is not None:
        path = os.path.join(data_folder, rel)
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if not {"mid", "display_name"} <= set(reader.fieldnames or []):
                raise ValueError(
                    f"{path}: expected columns index,mid,display_name"
                )
            return {r["mid"]: r["display_name"] for r in reader}, rel
    rel = find_metadata(data_folder, "ontology.json")
    if rel is not None:
        with open(os.path.join(data_folder, rel), encoding="utf-8") as f:
            return {c["id"]: c["name"] for c in json.load(f)}, rel
    raise LayoutError(
        f"{DATASET}: neither class_labels_indices.csv nor ontology.json in "
        f"'{data_folder}' or its metadata/ folder; get them from {DOWNLOAD}"
    )


def read_segments(path):
    """``[(ytid, [mid, ...]), ...]`` of an AudioSet segments CSV."""
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f, skipinitialspace=True)
        for line, row in enumerate(reader, start=1):
            if not row or row[0].startswith("#"):
                continue
            if len(row) != 4:
                raise ValueError(
                    f"{path}, line {line}: expected 'YTID, start, end, "
                    f"\"mids\"', got {row}"
                )
            rows.append((row[0], [m for m in row[3].split(",") if m]))
    return rows


def index_audio(folder):
    """``{ytid: audio path}`` of the ``Y<ytid>.<ext>`` files under folder."""
    found = {}
    for root, _, files in os.walk(folder):
        for name in files:
            stem, ext = os.path.splitext(name)
            if ext.lower() in AUDIO_EXTENSIONS and stem.startswith("Y"):
                found.setdefault(stem[1:], os.path.join(root, name))
    return found


def read_title(audio_path):
    """The video title from yt-dlp's ``<name>.info.json``, or None."""
    info = os.path.splitext(audio_path)[0] + ".info.json"
    if not os.path.isfile(info):
        return None
    try:
        with open(info, encoding="utf-8") as f:
            title = json.load(f).get("title")
    except (OSError, ValueError, AttributeError):
        return None
    return " ".join(title.split()) if isinstance(title, str) else None


def prepare_audioset(
    data_folder, save_folder, skip_prep=False, subsets=tuple(SUBSETS),
    max_missing_fraction=None,
):
    """Writes one manifest per AudioSet subset and ``labels.json``.

    Arguments
    ---------
    data_folder : str
        Folder with the metadata files and ``audios/`` (see above).
    save_folder : str
        Where the manifests and ``labels.json`` go.
    skip_prep : bool
        Do nothing (return the manifest paths).
    subsets : list of str
        Among ``balanced_train``, ``unbalanced_train``, ``eval``.
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 1: copies of this set lack clips as a
        rule, so only an empty split fails; see :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{subset: manifest path}``.
    """
    subsets = [subsets] if isinstance(subsets, str) else list(subsets)
    odd = [s for s in subsets if s not in SUBSETS]
    if odd or not subsets:
        raise ValueError(
            f"subsets must be among {list(SUBSETS)}, got {subsets}"
        )
    csvs = {
        s: find_metadata(data_folder, f"{SUBSETS[s]}.csv")
        or f"{SUBSETS[s]}.csv"
        for s in subsets
    }
    required = [*csvs.values()] + [
        os.path.join("audios", SUBSETS[s]) for s in subsets
    ]

    def build(builder):
        names, source = read_class_names(data_folder)
        used = set()
        for subset in subsets:
            segments = read_segments(os.path.join(data_folder, csvs[subset]))
            audio = index_audio(
                os.path.join(data_folder, "audios", SUBSETS[subset])
            )
            for ytid, mids in segments:
                unknown = [m for m in mids if m not in names]
                if unknown:
                    raise ValueError(
                        f"{csvs[subset]}, segment {ytid}: mid(s) {unknown} "
                        "have no class name"
                    )
                events = [names[m] for m in mids]
                path = audio.get(ytid, os.path.join(
                    data_folder, "audios", SUBSETS[subset], f"Y{ytid}.wav"
                ))
                if not builder.add(subset, ytid, path, "sound_event",
                                   events=events):
                    continue
                used.update(mids)
                title = read_title(path)
                if title:
                    clip = builder.splits[subset][ytid]
                    builder.add_item(subset, f"{ytid}/metadata", make_item(
                        relative_to_root(path, data_folder),
                        clip["duration"], "metadata", metadata=title,
                        split=subset, dataset=DATASET,
                    ))
        if source.endswith(".csv"):  # the 527 classes of the release
            return list(names.values())
        return [name for mid, name in names.items() if mid in used]

    return run_preparation(
        DATASET, data_folder, save_folder, subsets, build, required, DOWNLOAD,
        skip_prep=skip_prep, missing="skip",
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_audioset, "Prepare AudioSet manifests for Pengi")
