"""Prepares MSP-Podcast for Pengi: speech emotion recognition manifests.

MSP-Podcast is licensed by UT Dallas
(https://www.lab-msp.com/MSP/MSP-Podcast.html). Reads the release as
unpacked (v1.9 and later)::

    <data_folder>/Audios/MSP-PODCAST_0001_0008.wav
    <data_folder>/Labels/labels_consensus.csv

``labels_consensus.csv`` has the columns ``FileName, EmoClass, EmoAct,
EmoVal, EmoDom, SpkrID, Gender, Split_Set``. ``EmoClass`` codes: A angry,
S sad, H happy, U surprise, F fear, D disgust, C contempt, N neutral;
O (other) and X (no agreement) are not emotions a target can name and
are skipped. ``Split_Set`` is the official partition: Train -> ``train``,
Development -> ``valid``, Test1 -> ``test1``, Test2 -> ``test2``, Test3
-> ``test3`` (only in releases that publish its labels).

Task ``emotion`` ("this emotion is" -> ``{emotion}``); items keep
``speaker``, ``gender``, ``arousal``, ``valence``, ``dominance``.

Outputs: one manifest per name in ``splits`` (default train, valid,
test1, test2) and ``labels.json``.

Authors
 * pengi-sb developers 2026
"""

import os

from speechbrain.utils.logger import get_logger

from pengi_sb.prepare.cli import run_preparation, run_prepare_cli
from pengi_sb.prepare.speech_text import read_csv_rows

logger = get_logger(__name__)

DATASET = "MSP-Podcast"
DOWNLOAD = (
    "https://www.lab-msp.com/MSP/MSP-Podcast.html (academic license; "
    "Audios/ and Labels/labels_consensus.csv)"
)
EMOTIONS = {
    "A": "angry",
    "S": "sad",
    "H": "happy",
    "U": "surprise",
    "F": "fear",
    "D": "disgust",
    "C": "contempt",
    "N": "neutral",
}
SPLIT_NAMES = {
    "Train": "train",
    "Development": "valid",
    "Test1": "test1",
    "Test2": "test2",
    "Test3": "test3",
}
COLUMNS = ("FileName", "EmoClass", "Split_Set")


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def prepare_msppodcast(data_folder, save_folder, skip_prep=False,
                       splits=("train", "valid", "test1", "test2"),
                       max_missing_fraction=None):
    """Writes MSP-Podcast categorical emotion manifests.

    Arguments
    ---------
    data_folder : str
        The MSP-Podcast folder (``Audios``, ``Labels``).
    save_folder : str
        Where the manifests and ``labels.json`` are written.
    skip_prep : bool
        Do nothing.
    splits : sequence of str
        Manifests to write, among train, valid, test1, test2, test3; rows
        of other partitions are left out.
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 0.05; 0: any missing file fails; see
        :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{split: manifest_path}``.
    """
    splits = list(splits)
    unknown = [s for s in splits if s not in SPLIT_NAMES.values()]
    if unknown:
        raise ValueError(f"{DATASET}: unknown split(s) {unknown}; choose "
                         f"among {list(SPLIT_NAMES.values())}")

    def build(builder):
        rows = read_csv_rows(
            os.path.join(data_folder, "Labels", "labels_consensus.csv"),
            COLUMNS,
        )
        left_out = 0
        for row in rows:
            split = SPLIT_NAMES.get(row["Split_Set"].strip())
            emotion = EMOTIONS.get(row["EmoClass"].strip())
            if split not in splits or emotion is None:
                left_out += 1
                continue
            file_name = row["FileName"].strip()
            builder.add(
                split, os.path.splitext(file_name)[0],
                os.path.join(data_folder, "Audios", file_name), "emotion",
                emotion=emotion, speaker=row.get("SpkrID", ""),
                gender=row.get("Gender", ""),
                arousal=_number(row.get("EmoAct")),
                valence=_number(row.get("EmoVal")),
                dominance=_number(row.get("EmoDom")),
            )
        logger.info("%s: %d rows left out (class O/X or partition not in %s)",
                    DATASET, left_out, splits)
        return list(EMOTIONS.values())

    return run_preparation(
        DATASET, data_folder, save_folder, splits, build,
        required=["Audios", "Labels/labels_consensus.csv"],
        download_hint=DOWNLOAD, options={"splits": splits},
        skip_prep=skip_prep,
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_msppodcast, "Prepare MSP-Podcast manifests")
