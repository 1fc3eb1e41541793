"""Prepares MELD for Pengi: speech emotion and sentiment manifests.

Reads the official release (https://affective-meld.github.io,
``MELD.Raw.tar.gz``) unpacked into ``data_folder`` together with its
inner ``train.tar.gz``, ``dev.tar.gz`` and ``test.tar.gz``::

    <data_folder>/train_sent_emo.csv
    <data_folder>/dev_sent_emo.csv
    <data_folder>/test_sent_emo.csv
    <data_folder>/train_splits/dia{D}_utt{U}.mp4
    <data_folder>/dev_splits_complete/dia{D}_utt{U}.mp4
    <data_folder>/output_repeated_splits_test/dia{D}_utt{U}.mp4

The CSVs have the columns ``Sr No., Utterance, Speaker, Emotion,
Sentiment, Dialogue_ID, Utterance_ID, Season, Episode, StartTime,
EndTime``. MELD ships video only: extract the audio once, beside each
clip, as ``dia{D}_utt{U}.wav`` (16 kHz mono)::

    cd <data_folder>
    for d in train_splits dev_splits_complete output_repeated_splits_test
    do
      for f in "$d"/dia*_utt*.mp4; do
        ffmpeg -nostdin -loglevel error -y -i "$f" -vn -ac 1 -ar 16000 \\
          "${f%.mp4}.wav"
      done
    done

Utterances whose clip is missing from the release (a few, e.g. in dev)
are skipped and counted in the log.

Each utterance gives one item per task in ``tasks``: ``emotion`` ("this
emotion is" -> neutral, joy, sadness, anger, surprise, fear, disgust; ID
``dia{D}_utt{U}_emotion``) and ``sentiment`` ("this sentiment is" ->
negative, neutral, positive; ID ``dia{D}_utt{U}_sentiment``).

Outputs: ``train.json``, ``valid.json`` (dev), ``test.json``;
``labels_emotion.json`` and ``labels_sentiment.json`` (classes of each
task) and ``labels.json`` (all label strings of the selected tasks).

Authors
 * pengi-sb developers 2026
"""

import json
import os

from speechbrain.utils.logger import get_logger

from pengi_sb.prepare.layout import LayoutError
from pengi_sb.prepare.cli import run_preparation, run_prepare_cli
from pengi_sb.prepare.speech_text import clean_text, read_csv_rows

logger = get_logger(__name__)

DATASET = "MELD"
DOWNLOAD = (
    "https://affective-meld.github.io (MELD.Raw.tar.gz and its inner "
    "train/dev/test archives, audio extracted to dia{D}_utt{U}.wav)"
)
SPLITS = {
    "train": ("train_sent_emo.csv", "train_splits"),
    "valid": ("dev_sent_emo.csv", "dev_splits_complete"),
    "test": ("test_sent_emo.csv", "output_repeated_splits_test"),
}
LABELS = {
    "emotion": ["neutral", "joy", "sadness", "anger", "surprise", "fear",
                "disgust"],
    "sentiment": ["negative", "neutral", "positive"],
}
COLUMNS = ("Utterance", "Speaker", "Emotion", "Sentiment", "Dialogue_ID",
           "Utterance_ID")


def prepare_meld(data_folder, save_folder, skip_prep=False,
                 tasks=("emotion", "sentiment"),
                 max_missing_fraction=None):
    """Writes MELD emotion and sentiment manifests.

    Arguments
    ---------
    data_folder : str
        The unpacked ``MELD.Raw`` folder, audio extracted.
    save_folder : str
        Where the manifests and label files are written.
    skip_prep : bool
        Do nothing.
    tasks : sequence of str
        ``emotion`` and/or ``sentiment``.
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 1: copies of this set lack clips as a
        rule, so only an empty split fails; see :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{split: manifest_path}``.
    """
    tasks = list(tasks)
    if not tasks or any(t not in LABELS for t in tasks):
        raise ValueError(f"{DATASET}: tasks {tasks} must be a non-empty "
                         f"subset of {list(LABELS)}")

    def build(builder):
        for split, (csv_name, folder) in SPLITS.items():
            csv_path = os.path.join(data_folder, csv_name)
            for line, row in enumerate(read_csv_rows(csv_path, COLUMNS), 2):
                name = (f"dia{row['Dialogue_ID'].strip()}_"
                        f"utt{row['Utterance_ID'].strip()}")
                values = {
                    "emotion": row["Emotion"].strip().lower(),
                    "sentiment": row["Sentiment"].strip().lower(),
                }
                for task in tasks:
                    if values[task] not in LABELS[task]:
                        raise LayoutError(
                            f"{csv_path}, line {line}: {task} "
                            f"'{values[task]}' is not a MELD class "
                            f"{LABELS[task]}"
                        )
                path = os.path.join(data_folder, folder, f"{name}.wav")
                for task in tasks:
                    if not builder.add(
                        split, f"{name}_{task}", path, task,
                        speaker=clean_text(row["Speaker"]),
                        utterance=clean_text(row["Utterance"]),
                        **{task: values[task]},
                    ):
                        break
        os.makedirs(save_folder, exist_ok=True)
        for task in tasks:
            with open(os.path.join(save_folder, f"labels_{task}.json"), "w",
                      encoding="utf-8") as f:
                json.dump(LABELS[task], f, indent=1)
        all_labels = []
        for task in tasks:
            all_labels += [x for x in LABELS[task] if x not in all_labels]
        return all_labels

    return run_preparation(
        DATASET, data_folder, save_folder, list(SPLITS), build,
        required=[name for pair in SPLITS.values() for name in pair],
        download_hint=DOWNLOAD, options={"tasks": tasks},
        skip_prep=skip_prep, missing="skip",
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_meld, "Prepare MELD emotion/sentiment manifests")
