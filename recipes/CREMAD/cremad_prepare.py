"""Prepares CREMA-D for Pengi: speech emotion recognition manifests.

Reads the official release (https://github.com/CheyneyComputerScience/CREMA-D,
audio in Git LFS) as cloned or unpacked::

    <data_folder>/AudioWAV/<actor>_<sentence>_<emotion>_<level>.wav

for example ``AudioWAV/1001_DFA_ANG_XX.wav``: actor 1001-1091, one of 12
sentences (``DFA``, ``IEO``...), emotion code ``ANG DIS FEA HAP NEU SAD``,
intensity ``LO MD HI`` or ``XX`` (unspecified). Nothing else is read.

Task ``emotion`` ("this emotion is" -> ``{emotion}``) with the words of
the CREMA-D documentation: anger, disgust, fear, happy, neutral, sad.

CREMA-D has no official split. The actors (sorted by ID) are cut into
``n_folds`` contiguous speaker-disjoint folds (default 5: actors
1001-1019, 1020-1037, 1038-1055, 1056-1073, 1074-1091); fold
``test_fold`` (default 5) is ``test``, fold ``valid_fold`` (default 4)
is ``valid``, the rest ``train``. ``all`` holds every clip (zero-shot
evaluation over the whole corpus). Each item keeps ``fold``, ``speaker``,
``sentence`` and ``intensity``.

Outputs: ``train.json``, ``valid.json``, ``test.json``, ``all.json``,
``labels.json``.

Authors
 * pengi-sb developers 2026
"""

import glob
import os

from speechbrain.utils.logger import get_logger

from pengi_sb.prepare.cli import run_preparation, run_prepare_cli
from pengi_sb.prepare.speech_text import add_speaker_folds, check_folds

logger = get_logger(__name__)

DATASET = "CREMA-D"
DOWNLOAD = (
    "https://github.com/CheyneyComputerScience/CREMA-D (git lfs pull), "
    "folder AudioWAV"
)
EMOTIONS = {
    "ANG": "anger",
    "DIS": "disgust",
    "FEA": "fear",
    "HAP": "happy",
    "NEU": "neutral",
    "SAD": "sad",
}
INTENSITIES = {"LO": "low", "MD": "medium", "HI": "high", "XX": "unspecified"}


def parse_cremad_name(file_name):
    """Reads the four fields of a CREMA-D file name.

    Arguments
    ---------
    file_name : str
        ``<actor>_<sentence>_<emotion>_<level>.wav``.

    Returns
    -------
    dict or None
        ``speaker``, ``sentence``, ``emotion`` (word), ``intensity``; None
        when the name does not follow the pattern.

    Example
    -------
    >>> parse_cremad_name("1001_DFA_ANG_XX.wav")["emotion"]
    'anger'
    >>> parse_cremad_name("notes.wav") is None
    True
    """
    parts = os.path.splitext(os.path.basename(file_name))[0].split("_")
    if len(parts) != 4 or parts[2] not in EMOTIONS or parts[3] not in (
        INTENSITIES
    ):
        return None
    return {
        "speaker": parts[0],
        "sentence": parts[1],
        "emotion": EMOTIONS[parts[2]],
        "intensity": INTENSITIES[parts[3]],
    }


def prepare_cremad(data_folder, save_folder, skip_prep=False, n_folds=5,
                   valid_fold=4, test_fold=5,
                   max_missing_fraction=None):
    """Writes CREMA-D emotion manifests with speaker-independent splits.

    Arguments
    ---------
    data_folder : str
        The CREMA-D folder (holding ``AudioWAV``).
    save_folder : str
        Where the manifests and ``labels.json`` are written.
    skip_prep : bool
        Do nothing.
    n_folds : int
        Number of speaker-disjoint folds.
    valid_fold : int or None
        Fold used as ``valid`` (None: no validation split).
    test_fold : int
        Fold used as ``test``.
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

    def build(builder):
        files = sorted(glob.glob(os.path.join(
            glob.escape(data_folder), "AudioWAV", "*.wav")))
        parsed = {f: parse_cremad_name(f) for f in files}
        odd = [os.path.basename(f) for f, p in parsed.items() if p is None]
        if odd:
            logger.warning("%s: ignored %d file(s) not named "
                           "<actor>_<sentence>_<EMO>_<level>.wav: %s",
                           DATASET, len(odd), odd[:5])
        add_speaker_folds(
            builder, {f: p for f, p in parsed.items() if p is not None},
            "emotion", n_folds, valid_fold, test_fold,
        )
        return list(EMOTIONS.values())

    return run_preparation(
        DATASET, data_folder, save_folder, splits, build,
        required=["AudioWAV"], download_hint=DOWNLOAD,
        options={"n_folds": n_folds, "valid_fold": valid_fold,
                 "test_fold": test_fold},
        skip_prep=skip_prep,
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_cremad, "Prepare CREMA-D emotion manifests")
