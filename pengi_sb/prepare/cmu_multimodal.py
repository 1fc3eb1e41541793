"""CMU-MOSI and CMU-MOSEI sentiment manifests (shared by both recipes).

Both corpora are read in the layout of the raw releases distributed with
the MMSA toolkit (https://github.com/thuiar/MMSA, "Raw" archives of
``MOSI`` / ``MOSEI``), which carry the standard CMU-MultimodalSDK folds::

    <data_folder>/label.csv                    one row per segment
    <data_folder>/Raw/<video_id>/<clip_id>.mp4 segmented video clips
    <data_folder>/Raw/<video_id>/<clip_id>.wav audio extracted (see below)

``label.csv`` columns: ``video_id, clip_id, text, label, label_T, label_A,
label_V, annotation, mode``; ``label`` is the sentiment score in
[-3, 3] averaged over annotators and ``mode`` the split (train, valid,
test). The audio is extracted once from the clips, beside them::

    find Raw -name '*.mp4' -exec sh -c \\
      'ffmpeg -nostdin -loglevel error -i "$1" -vn -ac 1 -ar 16000 \\
       "${1%.mp4}.wav"' _ {} \\;

Another audio layout is read by changing ``audio_pattern``: for instance
the CMU-MultimodalSDK raw CMU-MOSI archive's segmented audio,
``Audio/WAV_16000/Segmented/{video_id}_{clip_id}.wav``.

The score becomes a word with ``neutral_threshold`` t: ``negative`` when
score < -t, ``positive`` when score > t, ``neutral`` otherwise. The
default t = 0 gives the usual 3-class split (and MMSA's ``annotation``
column): negative < 0, neutral = 0, positive > 0.

Example
-------
>>> [sentiment_label(s) for s in (-1.4, 0.0, 0.6)]
['negative', 'neutral', 'positive']
>>> sentiment_label(0.4, neutral_threshold=0.5)
'neutral'

Authors
 * pengi-sb developers 2026
"""

import os

from speechbrain.utils.logger import get_logger

from pengi_sb.prepare.layout import LayoutError
from pengi_sb.prepare.cli import run_preparation
from pengi_sb.prepare.speech_text import clean_text, read_csv_rows

logger = get_logger(__name__)

__all__ = ["SENTIMENTS", "prepare_cmu_sentiment", "sentiment_label"]

SENTIMENTS = ["negative", "neutral", "positive"]
SPLIT_NAMES = {"train": "train", "valid": "valid", "validation": "valid",
               "dev": "valid", "test": "test"}
COLUMNS = ("video_id", "clip_id", "label", "mode")
DEFAULT_AUDIO_PATTERN = "Raw/{video_id}/{clip_id}.wav"


def sentiment_label(score, neutral_threshold=0.0):
    """Maps a continuous sentiment score to negative/neutral/positive.

    Arguments
    ---------
    score : float
        Sentiment in [-3, 3].
    neutral_threshold : float
        Scores in [-t, t] are neutral.

    Returns
    -------
    str
    """
    if score < -neutral_threshold:
        return "negative"
    if score > neutral_threshold:
        return "positive"
    return "neutral"


def prepare_cmu_sentiment(dataset, download_hint, data_folder, save_folder,
                          skip_prep=False, audio_pattern=DEFAULT_AUDIO_PATTERN,
                          neutral_threshold=0.0,
                          max_missing_fraction=None):
    """Writes sentiment manifests of CMU-MOSI or CMU-MOSEI.

    Arguments
    ---------
    dataset : str
        ``CMU-MOSI`` or ``CMU-MOSEI`` (names and messages).
    download_hint : str
        Where to get the data.
    data_folder : str
        Folder with ``label.csv`` and the audio.
    save_folder : str
        Where ``train.json``, ``valid.json``, ``test.json`` and
        ``labels.json`` are written.
    skip_prep : bool
        Do nothing.
    audio_pattern : str
        Audio path relative to ``data_folder`` with ``{video_id}`` and
        ``{clip_id}`` slots.
    neutral_threshold : float
        Half-width of the neutral band of the score.
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 1: copies of this set lack clips as a
        rule, so only an empty split fails; see :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{split: manifest_path}``.
    """
    if "{video_id}" not in audio_pattern or "{clip_id}" not in audio_pattern:
        raise ValueError(
            f"{dataset}: audio_pattern '{audio_pattern}' must contain "
            "{video_id} and {clip_id}"
        )
    splits = ["train", "valid", "test"]

    def build(builder):
        label_file = os.path.join(data_folder, "label.csv")
        rows = read_csv_rows(label_file, COLUMNS)
        for line, row in enumerate(rows, start=2):
            split = SPLIT_NAMES.get(row["mode"].strip().lower())
            if split is None:
                raise LayoutError(
                    f"{label_file}, line {line}: mode '{row['mode']}' is "
                    f"not one of {sorted(SPLIT_NAMES)}"
                )
            try:
                score = float(row["label"])
            except ValueError:
                raise LayoutError(
                    f"{label_file}, line {line}: label '{row['label']}' is "
                    "not a sentiment score"
                ) from None
            video_id, clip_id = row["video_id"].strip(), row["clip_id"].strip()
            builder.add(
                split, f"{video_id}_{clip_id}",
                os.path.join(data_folder, audio_pattern.format(
                    video_id=video_id, clip_id=clip_id)),
                "sentiment",
                sentiment=sentiment_label(score, neutral_threshold),
                score=score, video_id=video_id, clip_id=clip_id,
                text=clean_text(row.get("text")),
            )
        return SENTIMENTS

    audio_root = os.path.dirname(audio_pattern.split("{", 1)[0])
    return run_preparation(
        dataset, data_folder, save_folder, splits, build,
        required=["label.csv"] + ([audio_root] if audio_root else []),
        download_hint=download_hint,
        options={"audio_pattern": audio_pattern,
                 "neutral_threshold": neutral_threshold},
        skip_prep=skip_prep, missing="skip",
        max_missing_fraction=max_missing_fraction,
    )
