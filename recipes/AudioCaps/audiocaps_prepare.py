"""Prepares AudioCaps for Pengi: audio captioning manifests.

AudioCaps releases captions only (https://github.com/cdjkim/audiocaps,
``dataset/{train,val,test}.csv``, columns ``audiocap_id, youtube_id,
start_time, caption``); the 10 s clips must be fetched from YouTube. This
script reads the layout written by the ``audiocaps-download`` package
(https://github.com/MorenoLaQuatra/audiocaps-download,
``Downloader(root_path=data_folder).download(format="wav")``), with the
caption CSVs of the official repository copied beside the audio::

    <data_folder>/dataset/train.csv    (from github.com/cdjkim/audiocaps)
    <data_folder>/dataset/val.csv
    <data_folder>/dataset/test.csv
    <data_folder>/train/<audiocap_id>.wav
    <data_folder>/val/<audiocap_id>.wav
    <data_folder>/test/<audiocap_id>.wav

That downloader names each file by the ``audiocap_id`` of its CSV row, so
a val/test clip (5 rows) is stored up to 5 times; any one copy is used.
Rows whose audio is missing (videos taken down) are skipped and counted in
the log. Other layouts (for example files named ``<youtube_id>.wav``) are
refused with an error saying what was expected.

Task ``captioning`` ("generate audio caption" -> ``{caption}``):

- ``train``: one item per caption row (ID ``audiocap_id``);
- ``valid`` and ``test``: one item per clip (ID ``<youtube_id>_<start>``),
  target = first caption, ``references`` = all (5) captions, for SPIDEr.

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

DATASET = "AudioCaps"
DOWNLOAD = (
    "captions: https://github.com/cdjkim/audiocaps (dataset/*.csv); audio: "
    "pip install audiocaps-download, then Downloader(root_path=data_folder)"
    ".download(format='wav')"
)
SPLITS = {"train": "train", "valid": "val", "test": "test"}
COLUMNS = ("audiocap_id", "youtube_id", "start_time", "caption")


def _start_key(start_time):
    """``start_time`` as written in IDs (``30.0`` -> ``30``)."""
    value = float(start_time)
    return str(int(value)) if value.is_integer() else str(value)


def prepare_audiocaps(data_folder, save_folder, skip_prep=False,
                      audio_ext="wav", grouped_splits=("valid", "test")):
    """Writes AudioCaps captioning manifests.

    Arguments
    ---------
    data_folder : str
        Folder with ``dataset/*.csv`` and the downloaded ``train``,
        ``val``, ``test`` audio folders.
    save_folder : str
        Where ``train.json``, ``valid.json``, ``test.json`` are written.
    skip_prep : bool
        Do nothing.
    audio_ext : str
        Extension of the downloaded files (the downloader's ``format``).
    grouped_splits : sequence of str
        Splits written one item per clip with all references.

    Returns
    -------
    dict
        ``{split: manifest_path}``.
    """

    def build(builder):
        for split, name in SPLITS.items():
            rows = read_csv_rows(
                os.path.join(data_folder, "dataset", f"{name}.csv"), COLUMNS
            )
            audio_dir = os.path.join(data_folder, name)
            _check_naming(audio_dir, rows, audio_ext)
            if split not in grouped_splits:
                for row in rows:
                    add_captions(
                        builder, split, row["audiocap_id"],
                        os.path.join(audio_dir,
                                     f"{row['audiocap_id']}.{audio_ext}"),
                        [row["caption"]], grouped=False,
                        youtube_id=row["youtube_id"],
                        start_time=float(row["start_time"]),
                    )
                continue
            clips = {}
            for row in rows:
                key = f"{row['youtube_id']}_{_start_key(row['start_time'])}"
                clips.setdefault(key, []).append(row)
            for key, clip_rows in clips.items():
                copies = [os.path.join(audio_dir,
                                       f"{r['audiocap_id']}.{audio_ext}")
                          for r in clip_rows]
                path = next((c for c in copies if os.path.isfile(c)),
                            copies[0])
                add_captions(
                    builder, split, key, path,
                    [r["caption"] for r in clip_rows], grouped=True,
                    youtube_id=clip_rows[0]["youtube_id"],
                    start_time=float(clip_rows[0]["start_time"]),
                )
        return []

    return run_preparation(
        DATASET, data_folder, save_folder, list(SPLITS), build,
        required=[f"dataset/{n}.csv" for n in SPLITS.values()]
        + list(SPLITS.values()),
        download_hint=DOWNLOAD,
        options={"audio_ext": audio_ext,
                 "grouped_splits": list(grouped_splits)},
        skip_prep=skip_prep, missing="skip",
    )


def _check_naming(audio_dir, rows, audio_ext):
    """Refuses an audio folder whose files are not named by audiocap_id."""
    files = glob.glob(os.path.join(glob.escape(audio_dir),
                                   f"*.{audio_ext}"))
    if not files:
        raise LayoutError(
            f"{DATASET}: no .{audio_ext} file in '{audio_dir}'. Expected the "
            f"audiocaps-download layout <split>/<audiocap_id>.{audio_ext} "
            f"({DOWNLOAD})"
        )
    ids = {r["audiocap_id"] for r in rows}
    names = {os.path.splitext(os.path.basename(f))[0] for f in files}
    if not names & ids:
        raise LayoutError(
            f"{DATASET}: the files in '{audio_dir}' (e.g. "
            f"{sorted(names)[:3]}) are not named <audiocap_id>.{audio_ext} "
            "as written by audiocaps-download; rename them (the CSV maps "
            "audiocap_id to youtube_id and start_time)"
        )


if __name__ == "__main__":
    run_prepare_cli(prepare_audiocaps, "Prepare AudioCaps caption manifests")
