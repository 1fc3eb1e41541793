"""Pretraining manifests for FMA, the Free Music Archive dataset.

Reads the official release (https://github.com/mdeff/fma: ``fma_metadata.zip``
and one of ``fma_small.zip`` / ``fma_medium.zip`` / ``fma_large.zip`` /
``fma_full.zip``, unpacked side by side in the data folder)::

    fma_metadata/tracks.csv    two header rows (top level: album, artist,
                               set, track; then the column: split, subset,
                               genre_top, genres, language_code, ...) and a
                               third row naming the index, track_id
    fma_metadata/genres.csv    genre_id,#tracks,parent,title,top_level
    fma_<size>/NNN/NNNNNN.mp3  track 2 -> fma_small/000/000002.mp3

Task ``music_analysis``: "music analysis" -> "this is a sound of music in
language English and genre Hip-Hop". The genre is ``track.genre_top``;
tracks without one (many in large/full) get the titles of their
``track.genres`` from genres.csv, joined with ", " (``labels`` keeps
them apart). The language is ``track.language_code`` written as the
language's English name (a code missing from the table below stays a
code); tracks without a code have no language phrase. ``labels.json``
holds the genre names that occur.

Subsets nest (small in medium in large; full = large, untrimmed);
``tracks.csv``'s ``set.subset`` names the smallest subset of a track, so
``size="medium"`` keeps the tracks marked small or medium. Manifests:
``train.json``, ``valid.json``, ``test.json`` from ``set.split``
(training / validation / test). Tracks whose mp3 is missing or cannot be
decoded (a few are known to be broken) are left out and counted.

Authors
 * pengi-sb developers 2026
"""

import ast
import csv
import os

from pengi_sb.prepare.cli import run_preparation, run_prepare_cli

DATASET = "FMA"
DOWNLOAD = (
    "https://github.com/mdeff/fma: fma_metadata.zip and fma_<size>.zip "
    "unpacked in the data folder"
)
SIZES = ("small", "medium", "large", "full")
# set.subset values each size holds (subsets nest; full = large untrimmed)
SUBSETS_OF = {
    "small": {"small"},
    "medium": {"small", "medium"},
    "large": {"small", "medium", "large"},
    "full": {"small", "medium", "large"},
}
SPLITS = {"training": "train", "validation": "valid", "test": "test"}
# ISO 639-1 codes -> English names (the codes FMA's tracks use most)
LANGUAGES = {
    "ar": "Arabic", "az": "Azerbaijani", "be": "Belarusian",
    "bg": "Bulgarian", "bm": "Bambara", "bn": "Bengali", "ca": "Catalan",
    "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek",
    "en": "English", "es": "Spanish", "et": "Estonian", "eu": "Basque",
    "fa": "Persian", "fi": "Finnish", "fr": "French", "gu": "Gujarati",
    "ha": "Hausa", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian",
    "ht": "Haitian Creole", "hu": "Hungarian", "hy": "Armenian",
    "id": "Indonesian", "is": "Icelandic", "it": "Italian",
    "ja": "Japanese", "jv": "Javanese", "ka": "Georgian", "kk": "Kazakh",
    "km": "Khmer", "ko": "Korean", "la": "Latin", "lt": "Lithuanian",
    "lv": "Latvian", "mk": "Macedonian", "ms": "Malay", "nl": "Dutch",
    "no": "Norwegian", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian",
    "ru": "Russian", "sk": "Slovak", "sl": "Slovenian", "sq": "Albanian",
    "sr": "Serbian", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil",
    "th": "Thai", "tl": "Tagalog", "tr": "Turkish", "tw": "Twi",
    "uk": "Ukrainian", "ur": "Urdu", "uz": "Uzbek", "vi": "Vietnamese",
    "wo": "Wolof", "yo": "Yoruba", "zh": "Chinese", "zu": "Zulu",
}
NEEDED = (
    ("set", "split"), ("set", "subset"), ("track", "genre_top"),
    ("track", "genres"), ("track", "language_code"),
)


def read_tracks(path):
    """``[(track_id, {(top, column): value})]`` of ``tracks.csv``."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        try:
            top, sub, index = next(reader), next(reader), next(reader)
        except StopIteration:
            raise ValueError(f"{path}: fewer than 3 header rows") from None
        if index[:1] != ["track_id"]:
            raise ValueError(
                f"{path}: the third header row should start with "
                f"'track_id', got {index[:1]}; use the tracks.csv of "
                "fma_metadata.zip"
            )
        if len(top) != len(sub):
            raise ValueError(
                f"{path}: the two header rows have {len(top)} and "
                f"{len(sub)} fields"
            )
        columns = list(zip(top, sub, strict=True))
        absent = [".".join(c) for c in NEEDED if c not in columns]
        if absent:
            raise ValueError(f"{path}: missing column(s) {absent}")
        for line, row in enumerate(reader, start=4):
            if not row:
                continue
            if len(row) != len(columns):
                raise ValueError(
                    f"{path}, line {line}: {len(row)} fields for "
                    f"{len(columns)} columns"
                )
            yield int(row[0]), dict(zip(columns, row, strict=True))


def read_genres(path):
    """``{genre_id: title}`` of ``genres.csv``."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if not {"genre_id", "title"} <= set(reader.fieldnames or []):
            raise ValueError(f"{path}: expected genre_id and title columns")
        return {int(r["genre_id"]): r["title"] for r in reader}


def track_genres(track_id, row, titles, path):
    """The genre names of a track: genre_top, else its genres' titles."""
    top = row[("track", "genre_top")].strip()
    if top:
        return [top]
    text = row[("track", "genres")].strip() or "[]"
    try:
        ids = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise ValueError(
            f"{path}, track {track_id}: track.genres '{text}' is not a list"
        ) from None
    return [titles[i] for i in ids if i in titles]


def prepare_fma(data_folder, save_folder, skip_prep=False, size="small",
                max_missing_fraction=None):
    """Writes ``train.json``, ``valid.json``, ``test.json``, ``labels.json``.

    Arguments
    ---------
    data_folder : str
        Folder with ``fma_metadata`` and ``fma_<size>``.
    save_folder : str
        Where the manifests and ``labels.json`` go.
    skip_prep : bool
        Do nothing (return the manifest paths).
    size : str
        ``small``, ``medium``, ``large`` or ``full``.
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 1: copies of this set lack clips as a
        rule, so only an empty split fails; see :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{split: manifest path}``.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got '{size}'")
    keep = SUBSETS_OF[size]
    tracks_csv = os.path.join(data_folder, "fma_metadata", "tracks.csv")

    def build(builder):
        titles = read_genres(
            os.path.join(data_folder, "fma_metadata", "genres.csv")
        )
        genres = set()
        for track_id, row in read_tracks(tracks_csv):
            if row[("set", "subset")] not in keep:
                continue
            split = SPLITS.get(row[("set", "split")])
            if split is None:
                raise ValueError(
                    f"{tracks_csv}, track {track_id}: set.split "
                    f"'{row[('set', 'split')]}' is not one of {list(SPLITS)}"
                )
            names = track_genres(track_id, row, titles, tracks_csv)
            if not names:
                continue
            fields = {"genre": names}
            code = row[("track", "language_code")].strip()
            if code:
                fields["language"] = LANGUAGES.get(code, code)
            tid = f"{track_id:06d}"
            path = os.path.join(
                data_folder, f"fma_{size}", tid[:3], f"{tid}.mp3"
            )
            if builder.add(
                split, tid, path, "music_analysis", labels=names, **fields
            ):
                genres.update(names)
        return sorted(genres)

    return run_preparation(
        DATASET, data_folder, save_folder, list(SPLITS.values()), build,
        ["fma_metadata/tracks.csv", "fma_metadata/genres.csv", f"fma_{size}"],
        DOWNLOAD, options={"size": size}, skip_prep=skip_prep,
        missing="skip",
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_fma, "Prepare FMA manifests for Pengi")
