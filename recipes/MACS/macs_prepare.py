"""Prepares MACS for Pengi: audio captioning manifests (pretraining).

MACS (Multi-Annotator Captioned Soundscapes, https://zenodo.org/record/5114771)
annotates 3,930 clips of the TAU Urban Acoustic Scenes 2019 development
set (https://zenodo.org/record/2589280), which supplies the audio.
``data_folder`` may hold either of these layouts, detected from their
marker files (the first present is used):

1. ``MACS.yaml`` and the unpacked TAU set side by side::

    <data_folder>/MACS.yaml
    <data_folder>/TAU-urban-acoustic-scenes-2019-development/audio/
        airport-lisbon-1000-40000-a.wav ...

2. the tree of ``aac-datasets`` (https://github.com/Labbeti/aac-datasets,
   ``aac-datasets-download --root R macs``), which keeps only the 3,930
   MACS clips of the TAU archives; ``data_folder`` is ``R`` or ``R/MACS``::

    R/MACS/MACS.yaml
    R/MACS/audio/airport-lisbon-1000-40000-a.wav ...
    (R/MACS/MACS_competence.csv, LICENSE.txt, tau_meta/ are not needed)

Both give the same manifest (only the ``wav`` paths differ).

``MACS.yaml`` is ``{files: [{filename, annotations: [{annotator_id,
sentence, tags}]}]}``; every clip has 2-5 annotators.

Task ``captioning``: one item per annotator sentence (IDs
``<file>_<annotator_id>``), with the clip's acoustic ``scene`` (from the
file name) and the annotator's ``tags`` (underscores made spaces, joined
by ``, ``). MACS has no split: everything is in ``train``.

Authors
 * pengi-sb developers 2026
"""

import os

import yaml
from speechbrain.utils.logger import get_logger

from pengi_sb.prepare.layout import LayoutError
from pengi_sb.prepare.layout_detect import KnownLayout, detect_layout
from pengi_sb.prepare.cli import readable, run_preparation, run_prepare_cli
from pengi_sb.prepare.speech_text import clean_text

logger = get_logger(__name__)

DATASET = "MACS"
TAU_AUDIO = "TAU-urban-acoustic-scenes-2019-development/audio"
DOWNLOAD = (
    "MACS.yaml from https://zenodo.org/record/5114771 and the audio of "
    "TAU Urban Acoustic Scenes 2019 development, "
    "https://zenodo.org/record/2589280"
)
LAYOUTS = [
    KnownLayout("MACS.yaml beside the TAU 2019 development set",
                ["MACS.yaml", TAU_AUDIO], DOWNLOAD,
                paths={"yaml": "MACS.yaml", "audio": TAU_AUDIO}),
    KnownLayout("aac-datasets", ["MACS.yaml", "audio"],
                "pip install aac-datasets; aac-datasets-download --root R "
                "macs", subfolder="MACS",
                paths={"yaml": "MACS.yaml", "audio": "audio"}),
]


def load_macs(path):
    """Reads the ``files`` list of ``MACS.yaml``.

    Arguments
    ---------
    path : str
        ``MACS.yaml``.

    Returns
    -------
    list of dict
        ``{filename, annotations}`` entries.
    """
    with open(path, encoding="utf-8") as f:
        content = yaml.safe_load(f)
    files = content.get("files") if isinstance(content, dict) else None
    if not isinstance(files, list):
        raise LayoutError(f"{path}: expected a 'files' list as in the MACS "
                          "release")
    return files


def prepare_macs(data_folder, save_folder, skip_prep=False,
                 max_missing_fraction=None):
    """Writes the MACS captioning manifest (``train``).

    Arguments
    ---------
    data_folder : str
        Folder with ``MACS.yaml`` and the TAU 2019 development audio, in
        one of the layouts of the module docstring (for aac-datasets: its
        root or ``MACS``).
    save_folder : str
        Where ``train.json`` is written.
    skip_prep : bool
        Do nothing.
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 0.05; 0: any missing file fails; see
        :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{"train": manifest_path}``.
    """
    found = None if skip_prep else detect_layout(DATASET, data_folder,
                                                 LAYOUTS)

    def build(builder):
        for entry in load_macs(found.path("yaml")):
            file_name = str(entry.get("filename", ""))
            path = os.path.join(found.path("audio"), file_name)
            stem = os.path.splitext(file_name)[0]
            for k, note in enumerate(entry.get("annotations") or [], 1):
                sentence = clean_text(note.get("sentence"))
                if not sentence:
                    continue
                annotator = note.get("annotator_id", k)
                if not builder.add(
                    "train", f"{stem}_{annotator}", path, "captioning",
                    caption=sentence, scene=stem.split("-")[0],
                    annotator_id=annotator,
                    tags=", ".join(readable(t) for t in note.get("tags")
                                   or []),
                ):
                    break
        return []

    return run_preparation(
        DATASET, data_folder, save_folder, ["train"], build,
        required=found.required() if found else [], download_hint=DOWNLOAD,
        options={"layout": found.name if found else None},
        skip_prep=skip_prep,
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_macs, "Prepare MACS caption manifest")
