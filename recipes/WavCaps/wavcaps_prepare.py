"""Prepares WavCaps for Pengi: audio captioning manifests (pretraining).

``data_folder`` may hold either of these layouts, detected from their
marker files (the first present is used):

1. the tree of ``aac-datasets`` (https://github.com/Labbeti/aac-datasets,
   ``aac-datasets-download --root R wavcaps --subsets audioset bbc
   freesound soundbible``): ``R/WavCaps`` links to the Hugging Face
   snapshot of the release and the audio of each source is extracted,
   flat, in ``R/WavCaps/Audio/<Source>/<id>.flac``; ``data_folder`` is
   ``R`` or ``R/WavCaps``::

    R/WavCaps/json_files/<Source>/<name>.json
    R/WavCaps/json_files/blacklist/blacklist_exclude_*.json
    R/WavCaps/Audio/<Source>/<id>.flac

2. the official release (https://huggingface.co/datasets/cvssp/WavCaps)
   downloaded into ``data_folder``, the zip archives of each source
   extracted where they are::

    <data_folder>/json_files/AudioSet_SL/as_final.json
    <data_folder>/json_files/BBC_Sound_Effects/bbc_final.json
    <data_folder>/json_files/FreeSound/fsd_final.json
    <data_folder>/json_files/SoundBible/sb_final.json
    <data_folder>/json_files/blacklist/blacklist_exclude_*.json
    <data_folder>/Zip_files/<Source>/.../<Source>_flac/<id>.flac

   The audio of a source is the folder named ``<Source>_flac`` found
   anywhere under the layout's folder (the archives unpack it under a
   long ``mnt/fast/...`` path).

The markers are the JSON files of the selected ``sources`` (plus, for
aac-datasets, their ``Audio/<Source>`` folders): aac-datasets downloads
only the sources of the subsets asked for. ``audio_folders``
(``{source: folder relative to data_folder}``) overrides where the audio
of a source is. Each JSON is ``{"num_captions_per_audio": 1, "data":
[{"id", "caption", "duration", ...}]}`` (the copies in the GitHub
repository are the bare ``data`` list; both are read); a clip's file is
``<id>.flac`` (AudioSet_SL ids carry a spurious ``.wav``, removed). Both
layouts give the same manifest (only the ``wav`` paths differ).

Blacklists: clips listed in the ``blacklists`` files (keys ``AudioSet``
and ``FreeSound``) are left out; the default drops the clips overlapping
the AudioCaps/Clotho test sets and ESC-50 / UrbanSound8K / VGGSound, the
benchmarks Pengi is evaluated on. Pass ``blacklists=[]`` to keep all.

Task ``captioning``: one item per clip (ID ``<Source>_<id>``), with its
``source``. Clips whose audio is missing or unreadable are skipped and
counted in the log. WavCaps has no split: everything is in ``train``.

Authors
 * pengi-sb developers 2026
"""

import json
import os

from speechbrain.utils.logger import get_logger

from pengi_sb.prepare.layout import LayoutError
from pengi_sb.prepare.layout_detect import KnownLayout, detect_layout
from pengi_sb.prepare.cli import run_preparation, run_prepare_cli
from pengi_sb.prepare.speech_text import add_captions

logger = get_logger(__name__)

DATASET = "WavCaps"
DOWNLOAD = "https://huggingface.co/datasets/cvssp/WavCaps"
SOURCES = {
    "AudioSet_SL": "as_final.json",
    "BBC_Sound_Effects": "bbc_final.json",
    "FreeSound": "fsd_final.json",
    "SoundBible": "sb_final.json",
}
BLACKLIST_KEYS = {"AudioSet": "AudioSet_SL", "FreeSound": "FreeSound"}
DEFAULT_BLACKLISTS = (
    "blacklist_exclude_test_ac.json",
    "blacklist_exclude_ub8k_esc50_vggsound.json",
)
AAC_SUBSETS = {"AudioSet_SL": "audioset", "BBC_Sound_Effects": "bbc",
               "FreeSound": "freesound", "SoundBible": "soundbible"}


def known_layouts(sources):
    """The WavCaps layouts this script reads for ``sources``, in order.

    Arguments
    ---------
    sources : sequence of str
        The sources to prepare (their JSON files are markers).

    Returns
    -------
    list of KnownLayout
    """
    jsons = [f"json_files/{s}/{SOURCES[s]}" for s in sources]
    return [
        KnownLayout(
            "aac-datasets", jsons + [f"Audio/{s}" for s in sources],
            "pip install aac-datasets; aac-datasets-download --root R "
            "wavcaps --subsets " + " ".join(AAC_SUBSETS[s] for s in sources),
            subfolder="WavCaps",
            paths={"json": "json_files/{source}/{name}",
                   "audio": "Audio/{source}"}),
        KnownLayout(
            "official Hugging Face release, zips extracted", jsons,
            DOWNLOAD,
            paths={"json": "json_files/{source}/{name}"}),
    ]


def _clip_id(source, raw_id):
    raw_id = str(raw_id)
    if source == "AudioSet_SL" and raw_id.endswith(".wav"):
        return raw_id[:-4]
    return raw_id


def load_source(path):
    """The entries of one WavCaps JSON file.

    Arguments
    ---------
    path : str
        ``json_files/<Source>/<name>.json``.

    Returns
    -------
    list of dict
    """
    with open(path, encoding="utf-8") as f:
        content = json.load(f)
    data = content.get("data") if isinstance(content, dict) else content
    if not isinstance(data, list):
        raise LayoutError(f"{path}: expected {{\"data\": [...]}} as in the "
                          "WavCaps release")
    return data


def load_blacklists(data_folder, names):
    """``{source: set of ids}`` to leave out.

    Arguments
    ---------
    data_folder : str
        The WavCaps folder (the one holding ``json_files``).
    names : sequence of str
        File names in ``json_files/blacklist``.

    Returns
    -------
    dict
    """
    excluded = {}
    for name in names:
        path = os.path.join(data_folder, "json_files", "blacklist", name)
        if not os.path.isfile(path):
            raise LayoutError(
                f"{DATASET}: blacklist {path} not found; download "
                "json_files/blacklist from the release, or pass "
                "blacklists=[] to keep every clip"
            )
        with open(path, encoding="utf-8") as f:
            content = json.load(f)
        for key, ids in content.items():
            source = BLACKLIST_KEYS.get(key, key)
            excluded.setdefault(source, set()).update(
                _clip_id(source, i) for i in ids)
    return excluded


def find_audio_folders(data_folder, sources):
    """``{source: folder}`` of the ``<Source>_flac`` folders found.

    Arguments
    ---------
    data_folder : str
        The folder searched (the one holding ``json_files``).
    sources : sequence of str
        Sources to look for.

    Returns
    -------
    dict
    """
    wanted = {f"{s}_flac": s for s in sources}
    found = {}
    for root, dirs, _ in os.walk(data_folder):
        for name in list(dirs):
            if name in wanted:
                found.setdefault(wanted[name], os.path.join(root, name))
                dirs.remove(name)
        if "json_files" in dirs:
            dirs.remove("json_files")
    return found


def prepare_wavcaps(data_folder, save_folder, skip_prep=False,
                    sources=tuple(SOURCES), blacklists=DEFAULT_BLACKLISTS,
                    audio_folders=None,
                    max_missing_fraction=None):
    """Writes the WavCaps captioning manifest (``train``).

    Arguments
    ---------
    data_folder : str
        The WavCaps folder, in one of the layouts of the module docstring
        (for aac-datasets: its root or ``WavCaps``).
    save_folder : str
        Where ``train.json`` is written.
    skip_prep : bool
        Do nothing.
    sources : sequence of str
        Sources to use, among AudioSet_SL, BBC_Sound_Effects, FreeSound,
        SoundBible.
    blacklists : sequence of str
        Blacklist files (in ``json_files/blacklist``) to apply.
    audio_folders : dict, optional
        ``{source: folder}`` relative to ``data_folder``, overriding the
        search for ``<Source>_flac``.
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 1: copies of this set lack clips as a
        rule, so only an empty split fails; see :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{"train": manifest_path}``.
    """
    sources = list(sources)
    unknown = [s for s in sources if s not in SOURCES]
    if unknown or not sources:
        raise ValueError(f"{DATASET}: sources {sources} must be a non-empty "
                         f"subset of {list(SOURCES)}")
    audio_folders = dict(audio_folders or {})
    found = None if skip_prep else detect_layout(DATASET, data_folder,
                                                 known_layouts(sources))

    def build(builder):
        excluded = load_blacklists(found.folder, blacklists)
        searched = [s for s in sources if s not in audio_folders]
        if found.has("audio"):
            folders = {s: found.path("audio", source=s) for s in searched}
        else:
            folders = find_audio_folders(found.folder, searched)
        folders.update({s: os.path.join(data_folder, f)
                        for s, f in audio_folders.items()})
        for source in sources:
            if source not in folders:
                raise LayoutError(
                    f"{DATASET}: no '{source}_flac' audio folder under "
                    f"'{found.folder}'; extract Zip_files/{source} there or "
                    "give its folder in audio_folders"
                )
            dropped = 0
            json_path = found.path("json", source=source,
                                   name=SOURCES[source])
            for entry in load_source(json_path):
                clip_id = _clip_id(source, entry.get("id", ""))
                if clip_id in excluded.get(source, ()):
                    dropped += 1
                    continue
                add_captions(
                    builder, "train", f"{source}_{clip_id}",
                    os.path.join(folders[source], f"{clip_id}.flac"),
                    [entry.get("caption", "")], grouped=False, source=source,
                )
            logger.info("%s, %s: %d blacklisted clip(s) left out", DATASET,
                        source, dropped)
        return []

    return run_preparation(
        DATASET, data_folder, save_folder, ["train"], build,
        required=found.required() if found else [],
        download_hint=DOWNLOAD,
        options={"sources": sources, "blacklists": list(blacklists),
                 "audio_folders": audio_folders,
                 "layout": found.name if found else None},
        skip_prep=skip_prep, missing="skip",
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_wavcaps, "Prepare WavCaps caption manifest")
