"""Prepares AudioCaps for Pengi: audio captioning manifests.

AudioCaps releases captions only (https://github.com/cdjkim/audiocaps,
``dataset/{train,val,test}.csv``, columns ``audiocap_id, youtube_id,
start_time, caption``); the 10 s clips must be fetched from YouTube. The
folder given as ``data_folder`` may hold any of these layouts, detected
from their marker files (the first present is used)::

    1. audiocaps-download audio + the official caption CSVs
       <data_folder>/dataset/{train,val,test}.csv  (cdjkim/audiocaps)
       <data_folder>/{train,val,test}/<audiocap_id>.wav

    2. audiocaps-download alone
       (https://github.com/MorenoLaQuatra/audiocaps-download,
       ``Downloader(root_path=data_folder).download(format="wav")``)
       <data_folder>/{train,val,test}.csv  (written by the downloader)
       <data_folder>/{train,val,test}/<audiocap_id>.wav

    3. aac-datasets (https://github.com/Labbeti/aac-datasets,
       ``aac-datasets-download --root R audiocaps --subsets train val
       test``)
       R/AUDIOCAPS/csv_files_v1/{train,val,test}.csv
       R/AUDIOCAPS/audio_32000Hz/{train,val,test}/<youtube_id>_<start>.flac

    4. aac-datasets, older releases: the CSVs in R/AUDIOCAPS/ itself
       R/AUDIOCAPS/{train,val,test}.csv
       R/AUDIOCAPS/audio_32000Hz/{train,val,test}/<youtube_id>_<start>.flac

For layouts 3 and 4 ``data_folder`` may be ``R`` or ``R/AUDIOCAPS``.

audiocaps-download names each file by the ``audiocap_id`` of its CSV
row, so a val/test clip (5 rows) is stored up to 5 times (any copy is
used); aac-datasets stores each clip once as
``<youtube_id>_<start_time>.<ext>``. Either naming is accepted in every
layout (the one matching the files of a split is used); audio named
otherwise is refused with an error. ``audio_ext`` (default: found in the
folder) is the extension of the audio files, ``sample_rate`` picks the
``audio_<rate>Hz`` folder of an aac-datasets tree holding several.

audiocaps-download 1.1 rewrites ``{train,val,test}.csv`` keeping only the
rows whose own file it downloaded: a val/test clip whose 5 copies were
not all fetched then has fewer references than in the official CSVs.
Copy the official CSVs into ``dataset/`` (layout 1, preferred when
present) to keep all 5. Rows whose audio is missing (videos taken down)
are skipped and counted in the log.

Task ``captioning`` ("generate audio caption" -> ``{caption}``):

- ``train``: one item per caption row (ID ``audiocap_id``);
- ``valid`` and ``test``: one item per clip (ID ``<youtube_id>_<start>``),
  target = first caption, ``references`` = all (5) captions, for SPIDEr.

The manifests are the same whichever layout holds the same clips (only
the ``wav`` paths differ).

Authors
 * pengi-sb developers 2026
"""

import functools
import glob
import os

from speechbrain.utils.logger import get_logger

from pengi_sb.data.audio import AUDIO_EXTENSIONS
from pengi_sb.prepare.layout import LayoutError
from pengi_sb.prepare.layout_detect import KnownLayout, detect_layout
from pengi_sb.prepare.cli import run_preparation, run_prepare_cli
from pengi_sb.prepare.speech_text import add_captions, read_csv_rows

logger = get_logger(__name__)

DATASET = "AudioCaps"
DOWNLOAD = (
    "captions: https://github.com/cdjkim/audiocaps (dataset/*.csv); audio: "
    "pip install audiocaps-download, then Downloader(root_path=data_folder)"
    ".download(format='wav')"
)
AAC_DOWNLOAD = ("pip install aac-datasets; aac-datasets-download --root R "
                "audiocaps --subsets train val test")
SPLITS = {"train": "train", "valid": "val", "test": "test"}
COLUMNS = ("audiocap_id", "youtube_id", "start_time", "caption")
# the extensions of the formats the audio path reads, without the dot
AUDIO_EXTS = tuple(e[1:] for e in AUDIO_EXTENSIONS)


def known_layouts(sample_rate=None):
    """The AudioCaps layouts this script reads, in the order tried.

    Arguments
    ---------
    sample_rate : int, optional
        The rate of the aac-datasets ``audio_<rate>Hz`` folder (default:
        any, there must be one).

    Returns
    -------
    list of KnownLayout
    """
    names = list(SPLITS.values())
    rate = "*" if sample_rate is None else int(sample_rate)
    aac_audio = f"audio_{rate}Hz/{{name}}"
    return [
        KnownLayout(
            "audiocaps-download audio with the official CSVs in dataset/",
            [f"dataset/{n}.csv" for n in names] + names, DOWNLOAD,
            paths={"csv": "dataset/{name}.csv", "audio": "{name}"}),
        KnownLayout(
            "audiocaps-download (its own CSVs)",
            [f"{n}.csv" for n in names] + names,
            "pip install audiocaps-download; python -c \"from "
            "audiocaps_download import Downloader; Downloader(root_path="
            "'AudioCaps').download(format='wav')\"",
            paths={"csv": "{name}.csv", "audio": "{name}"}),
        KnownLayout(
            "aac-datasets",
            [f"csv_files_v1/{n}.csv" for n in names]
            + [aac_audio.format(name=n) for n in names],
            AAC_DOWNLOAD, subfolder="AUDIOCAPS",
            paths={"csv": "csv_files_v1/{name}.csv", "audio": aac_audio}),
        KnownLayout(
            "aac-datasets, older releases (CSVs in AUDIOCAPS/)",
            [f"{n}.csv" for n in names]
            + [aac_audio.format(name=n) for n in names],
            AAC_DOWNLOAD, subfolder="AUDIOCAPS",
            paths={"csv": "{name}.csv", "audio": aac_audio}),
    ]


def _start_key(start_time):
    """``start_time`` as written in IDs (``30.0`` -> ``30``)."""
    value = float(start_time)
    return str(int(value)) if value.is_integer() else str(value)


def _clip_key(row):
    """``<youtube_id>_<start>``: the clip ID and aac-datasets file stem."""
    return f"{row['youtube_id']}_{_start_key(row['start_time'])}"


def _audio_path(audio_dir, naming, ext, row):
    """The file of a CSV row, named as ``naming`` says."""
    stem = row["audiocap_id"] if naming == "audiocap_id" else _clip_key(row)
    return os.path.join(audio_dir, f"{stem}.{ext}")


def prepare_audiocaps(data_folder, save_folder, skip_prep=False,
                      audio_ext=None, grouped_splits=("valid", "test"),
                      sample_rate=None,
                      max_missing_fraction=None):
    """Writes AudioCaps captioning manifests.

    Arguments
    ---------
    data_folder : str
        A folder holding one of the layouts of the module docstring (for
        aac-datasets: its root or its ``AUDIOCAPS`` folder).
    save_folder : str
        Where ``train.json``, ``valid.json``, ``test.json`` are written.
    skip_prep : bool
        Do nothing.
    audio_ext : str, optional
        Extension of the audio files (the downloader's ``format``);
        default: the one found in each split's folder.
    grouped_splits : sequence of str
        Splits written one item per clip with all references.
    sample_rate : int, optional
        With aac-datasets, the ``audio_<rate>Hz`` folder to read when
        there are several.
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 1: copies of this set lack clips as a
        rule, so only an empty split fails; see :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{split: manifest_path}``.
    """
    found = None if skip_prep else detect_layout(
        DATASET, data_folder, known_layouts(sample_rate))
    if found is not None and sample_rate is None and found.layout.subfolder:
        rates = sorted(glob.glob(os.path.join(glob.escape(found.folder),
                                              "audio_*Hz")))
        if len(rates) > 1:
            raise LayoutError(
                f"{DATASET}: '{found.folder}' holds several aac-datasets "
                f"audio folders {[os.path.basename(r) for r in rates]}; "
                "say which to read with sample_rate (--sample_rate 32000)"
            )

    def build(builder):
        for split, name in SPLITS.items():
            rows = read_csv_rows(found.path("csv", name=name), COLUMNS)
            audio_dir = found.path("audio", name=name)
            naming, ext = _audio_naming(audio_dir, rows, audio_ext)
            audio_path = functools.partial(_audio_path, audio_dir, naming,
                                           ext)
            if split not in grouped_splits:
                for row in rows:
                    add_captions(
                        builder, split, row["audiocap_id"], audio_path(row),
                        [row["caption"]], grouped=False,
                        youtube_id=row["youtube_id"],
                        start_time=float(row["start_time"]),
                    )
                continue
            clips = {}
            for row in rows:
                clips.setdefault(_clip_key(row), []).append(row)
            for key, clip_rows in clips.items():
                copies = [audio_path(r) for r in clip_rows]
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
        required=found.required() if found else [],
        download_hint=DOWNLOAD,
        options={"audio_ext": audio_ext,
                 "grouped_splits": list(grouped_splits),
                 "sample_rate": sample_rate,
                 "layout": found.name if found else None},
        skip_prep=skip_prep, missing="skip",
        max_missing_fraction=max_missing_fraction,
    )


def _audio_naming(audio_dir, rows, audio_ext=None):
    """How the files of a split are named: ``(naming, extension)``.

    ``naming`` is ``"audiocap_id"`` (audiocaps-download) or ``"clip"``
    (``<youtube_id>_<start_time>``, aac-datasets): the one, with the
    extension, that matches most of the CSV rows.

    Raises
    ------
    LayoutError
        When no audio file or none named either way is found.
    """
    files = os.listdir(audio_dir) if os.path.isdir(audio_dir) else []
    exts = ([audio_ext] if audio_ext else
            sorted({os.path.splitext(f)[1][1:] for f in files}
                   & set(AUDIO_EXTS)))
    if not exts or not any(f.endswith(f".{e}") for f in files for e in exts):
        raise LayoutError(
            f"{DATASET}: no .{audio_ext or '/.'.join(AUDIO_EXTS)} file in "
            f"'{audio_dir}'. Expected <split>/<audiocap_id>.wav "
            f"(audiocaps-download: {DOWNLOAD}) or "
            "audio_<rate>Hz/<split>/<youtube_id>_<start_time>.flac "
            f"(aac-datasets: {AAC_DOWNLOAD})"
        )
    keys = {"audiocap_id": {r["audiocap_id"] for r in rows},
            "clip": {_clip_key(r) for r in rows}}
    best = (0, "", "")
    for ext in exts:
        stems = {f[:-len(ext) - 1] for f in files if f.endswith(f".{ext}")}
        for naming, wanted in keys.items():
            best = max(best, (len(stems & wanted), naming, ext))
    if not best[0]:
        sample = sorted(files)[:3]
        raise LayoutError(
            f"{DATASET}: the files in '{audio_dir}' (e.g. {sample}) are "
            "named neither <audiocap_id>.<ext> as written by "
            "audiocaps-download nor <youtube_id>_<start_time>.<ext> as "
            "written by aac-datasets; rename them (the CSV maps "
            "audiocap_id to youtube_id and start_time)"
        )
    return best[1], best[2]


if __name__ == "__main__":
    run_prepare_cli(prepare_audiocaps, "Prepare AudioCaps caption manifests")
