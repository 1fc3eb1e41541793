"""Prepares WavText5K for Pengi: audio captioning manifests (pretraining).

WavText5K (https://github.com/microsoft/WavText5K) releases a metadata
CSV and a script that downloads and resamples the audio. Clone the
repository into ``data_folder`` and run, as its README says, ``python
process.py --csv_path WavText5K.csv --save_folder_path WavText5K
--resample_rate <rate>`` there; this script then reads::

    <data_folder>/WavText5K.csv
    <data_folder>/WavText5K/<rate>/audios/<fname>   (resampled audio)
    <data_folder>/WavText5K/download/<fname>        (original downloads)

``WavText5K.csv`` columns: ``view_link, download_link, title,
description, fname, tags``. The audio folder is ``audio_folder`` when
given, else the single ``WavText5K/<rate>/audios`` folder, else
``WavText5K/download``. Rows whose audio did not download are skipped and
counted in the log.

Task ``captioning``: one item per clip, caption = ``description`` (the
title when the description is empty, as for a few short effects), ID
from ``fname``; ``title`` and ``tags`` are kept. WavText5K has no split:
everything is in ``train``.

Authors
 * pengi-sb developers 2026
"""

import glob
import os

from speechbrain.utils.logger import get_logger

from pengi_sb.prepare.layout import LayoutError
from pengi_sb.prepare.cli import run_preparation, run_prepare_cli
from pengi_sb.prepare.speech_text import add_captions, clean_text, read_csv_rows

logger = get_logger(__name__)

DATASET = "WavText5K"
DOWNLOAD = (
    "https://github.com/microsoft/WavText5K (clone it, then run process.py "
    "--csv_path WavText5K.csv --save_folder_path WavText5K)"
)
COLUMNS = ("title", "description", "fname")


def find_audio_folder(data_folder, audio_folder=None):
    """The folder holding the WavText5K audio files.

    Arguments
    ---------
    data_folder : str
        The WavText5K clone.
    audio_folder : str, optional
        Explicit folder, relative to ``data_folder``.

    Returns
    -------
    str
    """
    if audio_folder is not None:
        folder = os.path.join(data_folder, audio_folder)
        if not os.path.isdir(folder):
            raise LayoutError(f"{DATASET}: audio_folder '{folder}' does not "
                              "exist")
        return folder
    resampled = sorted(glob.glob(
        os.path.join(glob.escape(data_folder), "WavText5K", "*", "audios")))
    if len(resampled) > 1:
        raise LayoutError(
            f"{DATASET}: several resampled folders {resampled}; choose one "
            "with audio_folder (e.g. WavText5K/44100/audios)"
        )
    if resampled:
        return resampled[0]
    download = os.path.join(data_folder, "WavText5K", "download")
    if os.path.isdir(download):
        return download
    raise LayoutError(
        f"{DATASET}: no audio in '{data_folder}': expected "
        f"WavText5K/<rate>/audios or WavText5K/download ({DOWNLOAD})"
    )


def prepare_wavtext5k(data_folder, save_folder, skip_prep=False,
                      audio_folder=None,
                      max_missing_fraction=None):
    """Writes the WavText5K captioning manifest (``train``).

    Arguments
    ---------
    data_folder : str
        The WavText5K clone with downloaded audio.
    save_folder : str
        Where ``train.json`` is written.
    skip_prep : bool
        Do nothing.
    audio_folder : str, optional
        Audio folder relative to ``data_folder`` (default: detected).
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 1: copies of this set lack clips as a
        rule, so only an empty split fails; see :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{"train": manifest_path}``.
    """

    def build(builder):
        rows = read_csv_rows(os.path.join(data_folder, "WavText5K.csv"),
                             COLUMNS)
        folder = find_audio_folder(data_folder, audio_folder)
        seen = set()
        for row in rows:
            fname = row["fname"].strip()
            clip_id = os.path.splitext(fname)[0]
            if not fname or clip_id in seen:
                continue
            seen.add(clip_id)
            text = clean_text(row["description"]) or clean_text(row["title"])
            add_captions(
                builder, "train", clip_id, os.path.join(folder, fname),
                [text], grouped=False, title=clean_text(row["title"]),
                tags=clean_text(row.get("tags")),
            )
        return []

    return run_preparation(
        DATASET, data_folder, save_folder, ["train"], build,
        required=["WavText5K.csv"], download_hint=DOWNLOAD,
        options={"audio_folder": audio_folder}, skip_prep=skip_prep,
        missing="skip",
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_wavtext5k, "Prepare WavText5K caption manifest")
