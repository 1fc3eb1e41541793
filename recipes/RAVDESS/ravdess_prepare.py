"""Prepares RAVDESS for Pengi: speech emotion recognition manifests.

Reads the official Zenodo release (https://zenodo.org/record/1188976),
``Audio_Speech_Actors_01-24.zip`` unpacked into ``data_folder``
(optionally ``Audio_Song_Actors_01-24.zip`` too)::

    <data_folder>/Actor_01/03-01-01-01-01-01-01.wav
    ...
    <data_folder>/Actor_24/03-01-08-02-02-02-24.wav

Each file name holds seven two-digit identifiers: modality (01 full-AV,
02 video-only, 03 audio-only), vocal channel (01 speech, 02 song),
emotion (01 neutral, 02 calm, 03 happy, 04 sad, 05 angry, 06 fearful,
07 disgust, 08 surprised), intensity (01 normal, 02 strong), statement
(01 "Kids are talking by the door", 02 "Dogs are sitting by the door"),
repetition (01, 02) and actor (01-24; odd male, even female). Only
audio-only files are used, speech by default (``include_song=True`` adds
song).

Task ``emotion`` ("this emotion is" -> ``{emotion}``) with the emotion
names of the RAVDESS documentation.

RAVDESS has no official split. The actors are cut into ``n_folds``
contiguous speaker-disjoint folds (default 4: actors 1-6, 7-12, 13-18,
19-24, each 3 male + 3 female); fold ``test_fold`` (default 4) is
``test``, ``valid_fold`` (default 3) is ``valid``, the rest ``train``;
``all`` holds every clip (zero-shot evaluation over the whole corpus).

Outputs: ``train.json``, ``valid.json``, ``test.json``, ``all.json``,
``labels.json``.

Authors
 * pengi-sb developers 2026
"""

import glob
import os

from speechbrain.utils.logger import get_logger

from pengi_sb.prepare.layout import LayoutError, check_layout
from pengi_sb.prepare.cli import run_preparation, run_prepare_cli
from pengi_sb.prepare.speech_text import add_speaker_folds, check_folds

logger = get_logger(__name__)

DATASET = "RAVDESS"
DOWNLOAD = (
    "https://zenodo.org/record/1188976, Audio_Speech_Actors_01-24.zip "
    "unpacked so that the Actor_NN folders are directly in data_folder"
)
EMOTIONS = {
    "01": "neutral",
    "02": "calm",
    "03": "happy",
    "04": "sad",
    "05": "angry",
    "06": "fearful",
    "07": "disgust",
    "08": "surprised",
}
CHANNELS = {"01": "speech", "02": "song"}
INTENSITIES = {"01": "normal", "02": "strong"}
STATEMENTS = {
    "01": "Kids are talking by the door",
    "02": "Dogs are sitting by the door",
}


def parse_ravdess_name(file_name):
    """Decodes the seven identifiers of a RAVDESS file name.

    Arguments
    ---------
    file_name : str
        ``MM-VV-EE-II-SS-RR-AA.wav``.

    Returns
    -------
    dict or None
        ``modality``, ``vocal_channel``, ``emotion``, ``intensity``,
        ``statement``, ``repetition``, ``speaker``, ``gender``; None if the
        name does not follow the pattern.

    Example
    -------
    >>> info = parse_ravdess_name("03-01-06-02-01-02-13.wav")
    >>> info["emotion"], info["intensity"], info["speaker"], info["gender"]
    ('fearful', 'strong', '13', 'male')
    >>> parse_ravdess_name("readme.wav") is None
    True
    """
    fields = os.path.splitext(os.path.basename(file_name))[0].split("-")
    if len(fields) != 7 or not all(len(f) == 2 and f.isdigit()
                                   for f in fields):
        return None
    modality, channel, emotion, intensity, statement, rep, actor = fields
    if emotion not in EMOTIONS or channel not in CHANNELS or (
        intensity not in INTENSITIES or statement not in STATEMENTS
    ):
        return None
    return {
        "modality": modality,
        "vocal_channel": CHANNELS[channel],
        "emotion": EMOTIONS[emotion],
        "intensity": INTENSITIES[intensity],
        "statement": STATEMENTS[statement],
        "repetition": int(rep),
        "speaker": actor,
        "gender": "male" if int(actor) % 2 else "female",
    }


def prepare_ravdess(data_folder, save_folder, skip_prep=False, n_folds=4,
                    valid_fold=3, test_fold=4, include_song=False,
                    max_missing_fraction=None):
    """Writes RAVDESS emotion manifests with actor-based splits.

    Arguments
    ---------
    data_folder : str
        Folder holding ``Actor_01`` ... ``Actor_24``.
    save_folder : str
        Where the manifests and ``labels.json`` are written.
    skip_prep : bool
        Do nothing.
    n_folds : int
        Number of actor-disjoint folds.
    valid_fold : int or None
        Fold used as ``valid`` (None: no validation split).
    test_fold : int
        Fold used as ``test``.
    include_song : bool
        Also use the song files (vocal channel 02).
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 0.05; 0: any missing file fails; see
        :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{split: manifest_path}``.
    """
    splits = check_folds(DATASET, n_folds, valid_fold, test_fold)
    if not skip_prep:
        check_layout(data_folder, [], DATASET, DOWNLOAD)
        if not glob.glob(os.path.join(glob.escape(data_folder),
                                      "Actor_[0-9][0-9]")):
            raise LayoutError(
                f"{DATASET}: '{data_folder}' has no Actor_NN folder; unpack "
                f"the release there ({DOWNLOAD})"
            )

    def build(builder):
        files = sorted(glob.glob(os.path.join(
            glob.escape(data_folder), "Actor_[0-9][0-9]", "*.wav")))
        parsed = {}
        for path in files:
            info = parse_ravdess_name(path)
            if info is None:
                logger.warning("%s: ignored %s (not a RAVDESS file name)",
                               DATASET, path)
            elif info["modality"] == "03" and (
                include_song or info["vocal_channel"] == "speech"
            ):
                parsed[path] = info
        add_speaker_folds(builder, parsed, "emotion", n_folds, valid_fold,
                          test_fold)
        return list(EMOTIONS.values())

    return run_preparation(
        DATASET, data_folder, save_folder, splits, build, required=[],
        download_hint=DOWNLOAD,
        options={"n_folds": n_folds, "valid_fold": valid_fold,
                 "test_fold": test_fold, "include_song": include_song},
        skip_prep=skip_prep,
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_ravdess, "Prepare RAVDESS emotion manifests")
