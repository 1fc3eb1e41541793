"""Prepares FreeSound / FindSound crawls for Pengi: metadata manifests.

Pengi's auxiliary pretraining task ``metadata`` ("generate metadata" ->
``{metadata}``) uses the titles and tags of sounds crawled from
Freesound (https://freesound.org) and FindSounds. Neither has an official
release: this script reads a crawl stored as::

    <data_folder>/metadata.json      (or metadata.csv)
    <data_folder>/audio/<id>.<ext>   ext: wav, flac, ogg, mp3, aiff, aif

``metadata.json`` is either

- a list of Freesound APIv2 sound objects (``/apiv2/search/text/`` with
  ``fields=id,name,tags,description``, the ``results`` of every page
  concatenated): ``[{"id": 1234, "name": "...", "tags": [...],
  "description": "..."}]``, or
- a mapping ``{id: {"title", "tags", "description"}}``, the layout of
  FSD50K's ``*_clips_info_FSD50K.json``.

``metadata.csv`` has the columns ``id, title, tags, description`` (tags
separated by commas, or by spaces when there is no comma).

The metadata string is ``<title>. tags: <tag>, <tag>, ...`` (at most
``max_tags`` tags); the title loses its file extension and underscores,
tags lose hyphens and underscores (``field-recording`` -> ``field
recording``). Sounds without title and tags, or without audio, are
skipped. Everything is in ``train``; items keep ``title``, ``tags`` and
``description``.

Example
-------
>>> make_metadata("Rain_on_roof_01.wav", ["rain", "field-recording"])
'Rain on roof 01. tags: rain, field recording'

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

DATASET = "FreeSound"
DOWNLOAD = (
    "a Freesound API crawl (https://freesound.org/docs/api/) saved as "
    "metadata.json or metadata.csv plus audio/<id>.<ext>"
)
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif")


def clean_title(title):
    """Title without file extension and underscores."""
    title = clean_text(title)
    stem, ext = os.path.splitext(title)
    if ext.lower() in AUDIO_EXTENSIONS:
        title = stem
    return clean_text(title.replace("_", " "))


def split_tags(tags):
    """Tags as a list of phrases, from a list or a string."""
    if isinstance(tags, str):
        tags = tags.split(",") if "," in tags else tags.split()
    phrases = [clean_text(str(t).replace("-", " ").replace("_", " "))
               for t in tags or []]
    return [p for p in phrases if p]


def make_metadata(title, tags, max_tags=10):
    """The target text of the ``metadata`` task.

    Arguments
    ---------
    title : str
        Sound title (file names are cleaned).
    tags : list of str or str
        Tags.
    max_tags : int
        Tags kept, in order.

    Returns
    -------
    str
        Empty when there is neither title nor tag.
    """
    title = clean_title(title)
    tags = split_tags(tags)[:max_tags]
    if not tags:
        return title
    listed = "tags: " + ", ".join(tags)
    return f"{title}. {listed}" if title else listed


def load_metadata(data_folder, metadata_file):
    """``[{id, title, tags, description}]`` from the metadata file.

    Arguments
    ---------
    data_folder : str
        The crawl folder.
    metadata_file : str
        ``metadata.json`` or ``metadata.csv`` (relative).

    Returns
    -------
    list of dict
    """
    path = os.path.join(data_folder, metadata_file)
    if path.endswith(".csv"):
        return read_csv_rows(path, ("id", "title", "tags"))
    with open(path, encoding="utf-8") as f:
        content = json.load(f)
    if isinstance(content, dict):
        return [{"id": k, **v} for k, v in content.items()
                if isinstance(v, dict)]
    if isinstance(content, list):
        return [dict(e, title=e.get("name", e.get("title")))
                for e in content if isinstance(e, dict) and "id" in e]
    raise LayoutError(f"{path}: expected a list of sounds or a mapping "
                      "id -> {title, tags, description}")


def prepare_freesound(data_folder, save_folder, skip_prep=False,
                      metadata_file=None, audio_folder="audio", max_tags=10,
                      max_missing_fraction=None):
    """Writes the FreeSound/FindSound metadata manifest (``train``).

    Arguments
    ---------
    data_folder : str
        The crawl folder.
    save_folder : str
        Where ``train.json`` is written.
    skip_prep : bool
        Do nothing.
    metadata_file : str, optional
        Metadata file relative to ``data_folder`` (default:
        ``metadata.json``, else ``metadata.csv``).
    audio_folder : str
        Folder of ``<id>.<ext>`` files, relative to ``data_folder``.
    max_tags : int
        Tags kept in the metadata string.
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 1: copies of this set lack clips as a
        rule, so only an empty split fails; see :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{"train": manifest_path}``.
    """
    if metadata_file is None:
        metadata_file = "metadata.json"
        if not os.path.isfile(os.path.join(data_folder, metadata_file)) and (
            os.path.isfile(os.path.join(data_folder, "metadata.csv"))
        ):
            metadata_file = "metadata.csv"

    def build(builder):
        audio_root = os.path.join(data_folder, audio_folder)
        files = {}
        for name in sorted(os.listdir(audio_root)):
            stem, ext = os.path.splitext(name)
            if ext.lower() in AUDIO_EXTENSIONS:
                files.setdefault(stem, name)
        for entry in load_metadata(data_folder, metadata_file):
            sound_id = str(entry.get("id", "")).strip()
            metadata = make_metadata(entry.get("title"), entry.get("tags"),
                                     max_tags)
            if not sound_id or not metadata:
                continue
            builder.add(
                "train", sound_id,
                os.path.join(audio_root, files.get(sound_id,
                                                   f"{sound_id}.wav")),
                "metadata", metadata=metadata,
                title=clean_text(entry.get("title")),
                tags=", ".join(split_tags(entry.get("tags"))),
                description=clean_text(entry.get("description")),
            )
        return []

    return run_preparation(
        DATASET, data_folder, save_folder, ["train"], build,
        required=[metadata_file, audio_folder], download_hint=DOWNLOAD,
        options={"metadata_file": metadata_file, "audio_folder": audio_folder,
                 "max_tags": max_tags},
        skip_prep=skip_prep, missing="skip",
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_freesound, "Prepare FreeSound metadata manifest")
