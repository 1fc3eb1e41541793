"""Prepares Clotho v2.1 for Pengi: audio captioning manifests.

``data_folder`` may hold either of these layouts, detected from their
marker files (the first present is used):

1. the official Zenodo release (https://zenodo.org/record/4783391)
   downloaded into ``data_folder``::

    <data_folder>/clotho_captions_development.csv
    <data_folder>/clotho_captions_validation.csv
    <data_folder>/clotho_captions_evaluation.csv
    <data_folder>/clotho_audio_development/*.wav
    <data_folder>/clotho_audio_validation/*.wav
    <data_folder>/clotho_audio_evaluation/*.wav

   Each ``clotho_audio_<split>.7z`` holds a folder ``<split>/``: the audio
   of a split is looked for, in this order, in
   ``clotho_audio_<split>/<split>/`` (``7z x`` run inside a folder named
   after the archive), ``clotho_audio_<split>/`` and ``<split>/`` (``7z
   x`` in ``data_folder``);

2. the tree of ``aac-datasets`` (https://github.com/Labbeti/aac-datasets,
   ``aac-datasets-download --root R clotho --subsets dev val eval``),
   ``data_folder`` being ``R`` or ``R/CLOTHO_v2.1``::

    R/CLOTHO_v2.1/clotho_csv_files/clotho_captions_<split>.csv
    R/CLOTHO_v2.1/clotho_audio_files/<split>/*.wav

   (``<split>``: development, validation, evaluation)

The caption CSVs have the columns ``file_name, caption_1 ... caption_5``;
the ``clotho_metadata_*.csv`` files are not needed. Both layouts give the
same manifests (only the ``wav`` paths differ). A CSV name whose file does
not exist is matched to the one file whose name differs only in spelling
(HTML entities, ``.`` for ``_``, Unicode form, letter case: releases and
their copies disagree on such names, see :mod:`pengi_sb.prepare.names`);
the matches are logged and listed in ``prepare_report.json``.

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
from pengi_sb.prepare.layout_detect import KnownLayout, detect_layout
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
LAYOUTS = [
    KnownLayout(
        "official Zenodo release",
        [f"clotho_captions_{s}.csv" for s in SPLITS.values()], DOWNLOAD,
        paths={"csv": "clotho_captions_{subset}.csv"}),
    KnownLayout(
        "aac-datasets",
        [f"clotho_csv_files/clotho_captions_{s}.csv" for s in SPLITS.values()]
        + [f"clotho_audio_files/{s}" for s in SPLITS.values()],
        "pip install aac-datasets; aac-datasets-download --root R clotho "
        "--subsets dev val eval",
        subfolder="CLOTHO_v2.1",
        paths={"csv": "clotho_csv_files/clotho_captions_{subset}.csv",
               "audio": "clotho_audio_files/{subset}"}),
]


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
                   grouped_splits=("valid", "test"),
                   max_missing_fraction=None):
    """Writes Clotho captioning manifests.

    Arguments
    ---------
    data_folder : str
        The Clotho v2.1 folder, in one of the layouts of the module
        docstring (for aac-datasets: its root or ``CLOTHO_v2.1``).
    save_folder : str
        Where ``train.json``, ``valid.json``, ``test.json`` are written.
    skip_prep : bool
        Do nothing.
    grouped_splits : sequence of str
        Splits written one item per clip with all references.
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 0.05; 0: any missing file fails; see
        :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{split: manifest_path}``.
    """
    found = None if skip_prep else detect_layout(DATASET, data_folder,
                                                 LAYOUTS)

    def build(builder):
        for split, subset in SPLITS.items():
            rows = read_csv_rows(found.path("csv", subset=subset),
                                 ("file_name",) + CAPTION_COLUMNS)
            audio_dir = (found.path("audio", subset=subset)
                         if found.has("audio")
                         else find_audio_folder(found.folder, subset))
            for row in rows:
                add_captions(
                    builder, split, os.path.splitext(row["file_name"])[0],
                    builder.audio_path(audio_dir, row["file_name"],
                                       fold_case=True),
                    [row[c] for c in CAPTION_COLUMNS],
                    grouped=split in grouped_splits,
                    file_name=row["file_name"],
                )
        return []

    return run_preparation(
        DATASET, data_folder, save_folder, list(SPLITS), build,
        required=found.required() if found else [],
        download_hint=DOWNLOAD,
        options={"grouped_splits": list(grouped_splits),
                 "layout": found.name if found else None},
        skip_prep=skip_prep,
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_clotho, "Prepare Clotho caption manifests")
