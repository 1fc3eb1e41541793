"""Prepares VocalSound for Pengi: vocal sound classification manifests.

Reads the official release (https://github.com/YuanGongND/vocalsound,
``vs_release_16k.zip`` or ``vs_release_44k.zip``) unpacked into
``data_folder``::

    <data_folder>/audio_16k/f0003_0_cough.wav       (audio_44k/ in 44.1 kHz)
    <data_folder>/datafiles/tr.json                  official training split
    <data_folder>/datafiles/val.json                 official validation split
    <data_folder>/datafiles/te.json                  official test split

Each datafile is ``{"data": [{"wav": <path>, "labels": <AudioSet MID>}]}``
with paths from the authors' machine: only the file name of ``wav`` is
used, looked up in ``audio_folder``. The label is the MID mapped to its
class (/m/01j3sz laughter, /m/07plz5l sigh, /m/01b_21 cough, /m/0dl9sf8
throat clearing, /m/01hsr_ sneeze, /m/07ppn3j sniff), as in
``class_labels_indices_vs.csv``. ``meta/`` (speaker metadata) is not read:
the splits are those of the datafiles, speaker-disjoint by construction.

Task ``sound_event`` by default ("this is a sound of" -> ``cough``), the
Pengi template closest to a vocal sound; pass ``task`` to use another
registered template whose label field is ``events``.

Outputs: ``train.json`` (tr), ``valid.json`` (val), ``test.json`` (te),
``labels.json``. Items keep ``speaker`` (``f0003``) and ``gender``.

Authors
 * pengi-sb developers 2026
"""

import json
import os

from speechbrain.utils.logger import get_logger

from pengi_sb.prepare.layout import LayoutError
from pengi_sb.prepare.cli import run_preparation, run_prepare_cli

logger = get_logger(__name__)

DATASET = "VocalSound"
DOWNLOAD = (
    "https://github.com/YuanGongND/vocalsound (vs_release_16k.zip, "
    "unpacked into data_folder)"
)
SPLIT_FILES = {"train": "tr.json", "valid": "val.json", "test": "te.json"}
MID_TO_LABEL = {
    "/m/01j3sz": "laughter",
    "/m/07plz5l": "sigh",
    "/m/01b_21": "cough",
    "/m/0dl9sf8": "throat clearing",
    "/m/01hsr_": "sneeze",
    "/m/07ppn3j": "sniff",
}


def read_datafile(path):
    """Returns the ``data`` list of a VocalSound datafile.

    Arguments
    ---------
    path : str
        ``datafiles/<split>.json``.

    Returns
    -------
    list of dict
        Entries with ``wav`` and ``labels``.
    """
    with open(path, encoding="utf-8") as f:
        content = json.load(f)
    data = content.get("data") if isinstance(content, dict) else None
    if not isinstance(data, list):
        raise LayoutError(
            f"{path}: expected {{'data': [{{'wav': ..., 'labels': ...}}]}} "
            "as in the VocalSound release"
        )
    return data


def prepare_vocalsound(data_folder, save_folder, skip_prep=False,
                       audio_folder="audio_16k", task="sound_event",
                       max_missing_fraction=None):
    """Writes VocalSound manifests from the official split datafiles.

    Arguments
    ---------
    data_folder : str
        The unpacked release (``audio_16k``, ``datafiles``).
    save_folder : str
        Where the manifests and ``labels.json`` are written.
    skip_prep : bool
        Do nothing.
    audio_folder : str
        ``audio_16k`` or ``audio_44k``.
    task : str
        Template name; its label field must be ``events``.
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 0.05; 0: any missing file fails; see
        :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{split: manifest_path}``.
    """

    def build(builder):
        for split, name in SPLIT_FILES.items():
            datafile = os.path.join(data_folder, "datafiles", name)
            for entry in read_datafile(datafile):
                file_name = os.path.basename(str(entry.get("wav", "")))
                mid = entry.get("labels")
                if mid not in MID_TO_LABEL:
                    raise LayoutError(
                        f"{datafile}: entry {file_name} has label {mid!r}, "
                        f"not one of the VocalSound MIDs {list(MID_TO_LABEL)}"
                    )
                speaker = file_name.split("_")[0]
                builder.add(
                    split, os.path.splitext(file_name)[0],
                    os.path.join(data_folder, audio_folder, file_name), task,
                    events=[MID_TO_LABEL[mid]], speaker=speaker,
                    gender={"f": "female", "m": "male"}.get(speaker[:1], ""),
                )
        return list(MID_TO_LABEL.values())

    return run_preparation(
        DATASET, data_folder, save_folder, list(SPLIT_FILES), build,
        required=[audio_folder] + [
            f"datafiles/{n}" for n in SPLIT_FILES.values()
        ],
        download_hint=DOWNLOAD,
        options={"audio_folder": audio_folder, "task": task},
        skip_prep=skip_prep,
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_vocalsound, "Prepare VocalSound manifests")
