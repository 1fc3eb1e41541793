"""Prepares MACS for Pengi: audio captioning manifests (pretraining).

MACS (Multi-Annotator Captioned Soundscapes, https://zenodo.org/record/5114771)
annotates 3,930 clips of the TAU Urban Acoustic Scenes 2019 development
set (https://zenodo.org/record/2589280), which supplies the audio. Put
``MACS.yaml`` and the unpacked TAU set side by side in ``data_folder``::

    <data_folder>/MACS.yaml
    <data_folder>/TAU-urban-acoustic-scenes-2019-development/audio/
        airport-lisbon-1000-40000-a.wav ...

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


def prepare_macs(data_folder, save_folder, skip_prep=False):
    """Writes the MACS captioning manifest (``train``).

    Arguments
    ---------
    data_folder : str
        Folder with ``MACS.yaml`` and the TAU 2019 development audio.
    save_folder : str
        Where ``train.json`` is written.
    skip_prep : bool
        Do nothing.

    Returns
    -------
    dict
        ``{"train": manifest_path}``.
    """

    def build(builder):
        for entry in load_macs(os.path.join(data_folder, "MACS.yaml")):
            file_name = str(entry.get("filename", ""))
            path = os.path.join(data_folder, TAU_AUDIO, file_name)
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
        required=["MACS.yaml", TAU_AUDIO], download_hint=DOWNLOAD,
        skip_prep=skip_prep,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_macs, "Prepare MACS caption manifest")
