"""Prepares CMU-MOSI for Pengi: speech sentiment manifests.

CMU-MOSI (2,199 opinion segments of 93 YouTube videos) is read in the
layout of the MMSA raw release, with the audio extracted beside the
clips; the reading, the audio extraction command and the score-to-word
thresholds are documented in :mod:`pengi_sb.prepare.cmu_multimodal`::

    <data_folder>/label.csv
    <data_folder>/Raw/<video_id>/<clip_id>.wav

Pass ``audio_pattern="Audio/WAV_16000/Segmented/{video_id}_{clip_id}.wav"``
to read the segmented audio of the CMU-MultimodalSDK raw ``CMU_MOSI.zip``
instead (with MMSA's ``label.csv`` copied into that folder).

Task ``sentiment`` ("this sentiment is" -> negative / neutral /
positive). Outputs: ``train.json``, ``valid.json``, ``test.json`` (the
standard folds of the ``mode`` column) and ``labels.json``.

Authors
 * pengi-sb developers 2026
"""

from pengi_sb.prepare.cmu_multimodal import (
    DEFAULT_AUDIO_PATTERN,
    prepare_cmu_sentiment,
)
from pengi_sb.prepare.cli import run_prepare_cli

DATASET = "CMU-MOSI"
DOWNLOAD = (
    "the MMSA raw release of MOSI (https://github.com/thuiar/MMSA, "
    "label.csv and Raw/), audio extracted as documented in "
    "pengi_sb/prepare/cmu_multimodal.py"
)


def prepare_cmumosi(data_folder, save_folder, skip_prep=False,
                    audio_pattern=DEFAULT_AUDIO_PATTERN,
                    neutral_threshold=0.0,
                    max_missing_fraction=None):
    """Writes CMU-MOSI sentiment manifests.

    Arguments
    ---------
    data_folder : str
        The MOSI folder (``label.csv`` and the audio).
    save_folder : str
        Where the manifests and ``labels.json`` are written.
    skip_prep : bool
        Do nothing.
    audio_pattern : str
        Audio path relative to ``data_folder``, with ``{video_id}`` and
        ``{clip_id}``.
    neutral_threshold : float
        Scores in [-t, t] are neutral.
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 1: copies of this set lack clips as a
        rule, so only an empty split fails; see :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{split: manifest_path}``.
    """
    return prepare_cmu_sentiment(
        DATASET, DOWNLOAD, data_folder, save_folder, skip_prep=skip_prep,
        audio_pattern=audio_pattern, neutral_threshold=neutral_threshold,
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_cmumosi, "Prepare CMU-MOSI sentiment manifests")
