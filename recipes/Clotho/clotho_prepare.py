"""Prepares Clotho v2.1 for Pengi: audio captioning manifests.

Reads the official Zenodo release (https://zenodo.org/record/4783391)
downloaded into ``data_folder``::

    <data_folder>/clotho_captions_development.csv
    <data_folder>/clotho_captions_validation.csv
    <data_folder>/clotho_captions_evaluation.csv
    <data_folder>/clotho_audio_development/*.wav
    <data_folder>/clotho_audio_validation/*.wav
    <data_folder>/clotho_audio_evaluation/*.wav

The caption CSVs have the columns ``file_name, caption_1 ... caption_5``.
Each ``clotho_audio_<split>.7z`` holds a folder ``<split>/``: the audio of
a split is looked for, in this order, in ``clotho_audio_<split>/<split>/``
(``7z x`` run inside a folder named after the archive),
``clotho_audio_<split>/`` and ``<split>/`` (``7z x`` in ``data_folder``).
The ``clotho_metadata_*.csv`` files are not needed.

Task ``captioning`` ("generate audio caption" -> ``{caption}``):

- ``train`` (development): one item per caption, IDs ``<file>_<k>``;
- ``valid`` (validation) and ``test`` (evaluation): one item per clip,
  target = ``caption_1``, ``references`` = the 5 captions, for SPIDEr.

Authors
 * pengi-sb developers 2026
"""

import glob
import os

from speechbrain.utils.logger import get_logger

from pengi_sb.prepare.layout import LayoutError
from pengi_sb.prepare.cli import run_preparation, run_prepare_cli
from pengi_sb.prepare.speech_text import add_captions, read_csv_rows

logger = get_logger(__name__)

DATASET = "Clotho"
DOWNLOAD = (
    "https://zenodo.org/record/4783391 (Clotho v2.1: the three "
    "clotho_captions_*.csv and clotho_audio_*.7z)"
)
SPLITS = {"train": "development", "valid": "validation", "test": "evaluation"}
CAPTION_COLUMNS = tuple(f"caption_{k}" for k in range(1, 6))


def find_audio_folder(data_folder, subset):
    """The folder holding the wav files of a Clotho subset.

    Arguments
    ---------
    data_folder : str
        The Clotho folder.
    subset : str
        ``development``, ``validation`` or ``evaluation``.

    Returns
    -------
    str

    Raises
    ------
    LayoutError
        If none of the accepted folders holds wav files.
    """
    candidates = [
        os.path.join(data_folder, f"clotho_audio_{subset}", subset),
        os.path.join(data_folder, f"clotho_audio_{subset}"),
        os.path.join(data_folder, subset),
    ]
    for folder in candidates:
        if glob.glob(os.path.join(glob.escape(folder), "*.wav")):
            return folder
    raise LayoutError(
        f"{DATASET}: no wav files for '{subset}' in any of {candidates}; "
        f"extract clotho_audio_{subset}.7z in '{data_folder}' ({DOWNLOAD})"
    )


def prepare_clotho(data_folder, save_folder, skip_prep=False,
                   grouped_splits=("valid", "test")):
    """Writes Clotho captioning manifests.

    Arguments
    ---------
    data_folder : str
        The Clotho v2.1 folder.
    save_folder : str
        Where ``train.json``, ``valid.json``, ``test.json`` are written.
    skip_prep : bool
        Do nothing.
    grouped_splits : sequence of str
        Splits written one item per clip with all references.

    Returns
    -------
    dict
        ``{split: manifest_path}``.
    """

    def build(builder):
        for split, subset in SPLITS.items():
            rows = read_csv_rows(
                os.path.join(data_folder, f"clotho_captions_{subset}.csv"),
                ("file_name",) + CAPTION_COLUMNS,
            )
            audio_dir = find_audio_folder(data_folder, subset)
            for row in rows:
                add_captions(
                    builder, split, os.path.splitext(row["file_name"])[0],
                    os.path.join(audio_dir, row["file_name"]),
                    [row[c] for c in CAPTION_COLUMNS],
                    grouped=split in grouped_splits,
                    file_name=row["file_name"],
                )
        return []

    return run_preparation(
        DATASET, data_folder, save_folder, list(SPLITS), build,
        required=[f"clotho_captions_{s}.csv" for s in SPLITS.values()],
        download_hint=DOWNLOAD,
        options={"grouped_splits": list(grouped_splits)},
        skip_prep=skip_prep,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_clotho, "Prepare Clotho caption manifests")
