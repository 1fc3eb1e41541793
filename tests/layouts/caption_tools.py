"""Tiny copies of the folder trees that download tools write for the
captioning datasets (AudioCaps, Clotho, MACS, WavCaps).

Each ``make_<tool>_<dataset>_layout(root, official)`` takes a tiny
official layout built by :mod:`layouts.speech_text` and lays out the same
clips and captions the way the tool does, under ``root``: folder and file
names, CSV / YAML / JSON names and columns as in the tool's source
(``aac-datasets`` 0.7.0, ``aac_datasets/datasets/functional/*.py``;
``audiocaps-download`` 1.0 and 1.1, ``Downloader.py``). Preparing both
must then give the same manifest items (only the audio paths differ).
Each returns the tool's root, the folder a user would pass.

Authors
 * pengi-sb developers 2026
"""

import csv
import os
import shutil

import soundfile

AUDIOCAPS_SPLITS = ("train", "val", "test")
CLOTHO_SUBSETS = ("development", "validation", "evaluation")
WAVCAPS_SOURCES = ("AudioSet_SL", "BBC_Sound_Effects", "FreeSound",
                   "SoundBible")


def _read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _write_rows(path, columns, rows, delimiter=","):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns, delimiter=delimiter,
                                lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def _copy(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(src, dst)


def _to_flac(src, dst):
    """Re-encodes ``src`` as FLAC (same samples, same duration)."""
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    data, rate = soundfile.read(src, dtype="float32")
    soundfile.write(dst, data, rate, format="FLAC", subtype="PCM_16")


def _audio_files(folder, ext):
    """``{file name: path}`` of every ``.ext`` file under ``folder``."""
    found = {}
    for parent, _, names in os.walk(folder):
        for name in names:
            if name.endswith(ext):
                found.setdefault(name, os.path.join(parent, name))
    return found


# AudioCaps ---------------------------------------------------------------

AUDIOCAPS_COLUMNS = ["audiocap_id", "youtube_id", "start_time", "caption"]


def make_audiocaps_download_layout(root, official, version="1.1"):
    """What ``Downloader(root_path=root).download(format="wav")`` leaves.

    ``root/{train,val,test}/<audiocap_id>.wav`` (one copy per CSV row) and
    ``root/{train,val,test}.csv``: version 1.0 writes the full official
    CSVs there; 1.1 (``cross_check``) keeps only the rows whose own file
    was downloaded. ``official`` is a
    :func:`layouts.speech_text.make_audiocaps_layout` folder, whose
    ``dataset/*.csv`` and audio copies are reused.
    """
    for split in AUDIOCAPS_SPLITS:
        rows = _read_rows(os.path.join(official, "dataset", f"{split}.csv"))
        kept = []
        for row in rows:
            src = os.path.join(official, split, f"{row['audiocap_id']}.wav")
            if os.path.isfile(src):
                _copy(src, os.path.join(root, split,
                                        f"{row['audiocap_id']}.wav"))
                kept.append(row)
        _write_rows(os.path.join(root, f"{split}.csv"), AUDIOCAPS_COLUMNS,
                    kept if version == "1.1" else rows)
    return root


def make_aac_audiocaps_layout(root, official, sample_rate=32000,
                              csv_folder="csv_files_v1", naming="clip"):
    """What ``aac-datasets-download --root root audiocaps`` leaves.

    ``root/AUDIOCAPS/<csv_folder>/{train,val,test}.csv`` (the official
    CSVs; older releases put them in ``AUDIOCAPS/`` itself: pass
    ``csv_folder=""``) and one FLAC per clip,
    ``root/AUDIOCAPS/audio_<rate>Hz/<split>/<youtube_id>_<start_time>.flac``,
    for every clip with at least one audio copy in ``official``.
    ``naming="audiocap_id"`` instead fills the audio folders the way the
    aac-datasets README suggests with audiocaps-download
    (``Downloader(root_path=".../AUDIOCAPS/audio_32000Hz/")``):
    ``<split>/<audiocap_id>.wav`` copies and the downloader's CSVs there.
    """
    base = os.path.join(root, "AUDIOCAPS")
    audio = os.path.join(base, f"audio_{sample_rate}Hz")
    for split in AUDIOCAPS_SPLITS:
        src_csv = os.path.join(official, "dataset", f"{split}.csv")
        _copy(src_csv, os.path.join(base, csv_folder, f"{split}.csv"))
        if naming == "audiocap_id":
            continue
        for row in _read_rows(src_csv):
            src = os.path.join(official, split, f"{row['audiocap_id']}.wav")
            dst = os.path.join(audio, split,
                               f"{row['youtube_id']}_{row['start_time']}.flac")
            if os.path.isfile(src) and not os.path.isfile(dst):
                _to_flac(src, dst)
        os.makedirs(os.path.join(audio, split), exist_ok=True)
    if naming == "audiocap_id":
        make_audiocaps_download_layout(audio, official)
    return root


# Clotho ------------------------------------------------------------------

CLOTHO_METADATA_COLUMNS = ["file_name", "keywords", "sound_id", "sound_link",
                           "start_end_samples", "manufacturer", "license"]


def make_aac_clotho_layout(root, official):
    """What ``aac-datasets-download --root root clotho`` leaves (v2.1).

    ``root/CLOTHO_v2.1/clotho_csv_files/clotho_{captions,metadata}_<s>.csv``
    and ``root/CLOTHO_v2.1/clotho_audio_files/<s>/*.wav`` (each 7z
    extracted into ``clotho_audio_files``), for the subsets development,
    validation and evaluation of ``official``
    (:func:`layouts.speech_text.make_clotho_layout`).
    """
    base = os.path.join(root, "CLOTHO_v2.1")
    audio = _audio_files(official, ".wav")
    for k, subset in enumerate(CLOTHO_SUBSETS):
        name = f"clotho_captions_{subset}.csv"
        src_csv = os.path.join(official, name)
        _copy(src_csv, os.path.join(base, "clotho_csv_files", name))
        rows = _read_rows(src_csv)
        meta = [{"file_name": r["file_name"], "keywords": "tag1;tag2",
                 "sound_id": str(1000 * (k + 1) + i),
                 "sound_link": f"https://freesound.org/people/x/sounds/{i}",
                 "start_end_samples": "", "manufacturer": "x",
                 "license": "http://creativecommons.org/licenses/by/3.0/"}
                for i, r in enumerate(rows)]
        _write_rows(os.path.join(base, "clotho_csv_files",
                                 f"clotho_metadata_{subset}.csv"),
                    CLOTHO_METADATA_COLUMNS, meta)
        for row in rows:
            _copy(audio[row["file_name"]],
                  os.path.join(base, "clotho_audio_files", subset,
                               row["file_name"]))
    os.makedirs(os.path.join(base, "archives"), exist_ok=True)
    return root


# MACS --------------------------------------------------------------------


def make_aac_macs_layout(root, official):
    """What ``aac-datasets-download --root root macs`` leaves.

    ``root/MACS/{MACS.yaml,MACS_competence.csv,LICENSE.txt}``, the MACS
    clips of the TAU archives moved flat into ``root/MACS/audio/`` and the
    TAU metadata into ``root/MACS/tau_meta/meta.csv`` (tab-separated), from
    ``official`` (:func:`layouts.speech_text.make_macs_layout`).
    """
    base = os.path.join(root, "MACS")
    _copy(os.path.join(official, "MACS.yaml"), os.path.join(base, "MACS.yaml"))
    with open(os.path.join(base, "LICENSE.txt"), "w") as f:
        f.write("MACS license\n")
    _write_rows(os.path.join(base, "MACS_competence.csv"),
                ["annotator_id", "competence"],
                [{"annotator_id": i, "competence": 0.9} for i in (1, 2, 3, 4)],
                delimiter="\t")
    tau = os.path.join(official, "TAU-urban-acoustic-scenes-2019-development",
                       "audio")
    meta = []
    for name in sorted(os.listdir(tau)):
        _copy(os.path.join(tau, name), os.path.join(base, "audio", name))
        scene = name.split("-")[0]
        meta.append({"filename": f"audio/{name}", "scene_label": scene,
                     "identifier": "-".join(name.split("-")[1:3]),
                     "source_label": "a"})
    _write_rows(os.path.join(base, "tau_meta", "meta.csv"),
                ["filename", "scene_label", "identifier", "source_label"],
                meta, delimiter="\t")
    return root


# WavCaps -----------------------------------------------------------------


def make_aac_wavcaps_layout(root, official):
    """What ``aac-datasets-download --root root wavcaps`` leaves.

    ``root/WavCaps`` is a symbolic link to the Hugging Face snapshot
    (``root/hf_cache/datasets--cvssp--WavCaps/snapshots/<rev>``) holding
    ``json_files/`` (copied from ``official``,
    :func:`layouts.speech_text.make_wavcaps_layout`) and ``Zip_files/``;
    the audio of each source is extracted flat into
    ``root/WavCaps/Audio/<Source>/<id>.flac``.
    """
    snapshot = os.path.join(root, "hf_cache", "datasets--cvssp--WavCaps",
                            "snapshots", "85a0c21e26fa7696a5a74ce54fada99a"
                            "9b43c6de")
    shutil.copytree(os.path.join(official, "json_files"),
                    os.path.join(snapshot, "json_files"))
    for source in WAVCAPS_SOURCES:
        os.makedirs(os.path.join(snapshot, "Zip_files", source),
                    exist_ok=True)
    os.symlink(snapshot, os.path.join(root, "WavCaps"),
               target_is_directory=True)
    for source in WAVCAPS_SOURCES:
        found = _audio_files(os.path.join(official, "Zip_files", source),
                             ".flac")
        for name, path in found.items():
            _copy(path, os.path.join(root, "WavCaps", "Audio", source, name))
    return root
