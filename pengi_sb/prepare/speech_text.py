"""Helpers of the speech, emotion, caption and question-answering prepare
scripts.

The scripts of CREMA-D, RAVDESS, VocalSound, AudioCaps, Clotho,
ClothoAQA, MSP-Podcast, CMU-MOSI/MOSEI, MELD, WavText5K, SoundDescs,
MACS, WavCaps and FreeSound run the common flow of
:func:`pengi_sb.prepare.cli.run_preparation` with a
:class:`~pengi_sb.prepare.cli.ManifestBuilder`. What they need on top of
it lives here once:

- :func:`read_csv_rows`: metadata CSVs in whatever encoding the release
  used, with an error that names the missing columns;
- :func:`speaker_folds`, :func:`fold_split`, :func:`check_folds` and
  :func:`add_speaker_folds`: speaker-independent splits for corpora
  released without one;
- :func:`add_captions`: the captioning rule (one item per caption for
  training, one item per clip with every reference for evaluation);
- :func:`clean_text`: whitespace clean-up of captions and questions.

Example
-------
>>> folds = speaker_folds(["a", "b", "c", "d", "e", "f"], n_folds=3)
>>> folds
{'a': 1, 'b': 1, 'c': 2, 'd': 2, 'e': 3, 'f': 3}
>>> [fold_split(f, valid_fold=2, test_fold=3) for f in (1, 2, 3)]
['train', 'valid', 'test']

Authors
 * pengi-sb developers 2026
"""

import csv
import os

from pengi_sb.prepare.layout import LayoutError

__all__ = [
    "CSV_ENCODINGS",
    "add_captions",
    "add_speaker_folds",
    "check_folds",
    "clean_text",
    "fold_split",
    "read_csv_rows",
    "speaker_folds",
]

# Encodings tried in order: dataset CSVs are UTF-8 (sometimes with a BOM)
# or Windows-1252 (ClothoAQA, some MELD rows); latin-1 never fails.
CSV_ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")


def clean_text(text):
    """Strips a text and collapses its inner whitespace.

    Arguments
    ---------
    text : str or None
        Raw caption, question, title...

    Returns
    -------
    str

    Example
    -------
    >>> clean_text("  a dog\\n barks ")
    'a dog barks'
    """
    return " ".join(str(text or "").split())


def read_csv_rows(path, required_columns=(), delimiter=","):
    """Reads a metadata CSV into a list of dicts, checking its columns.

    Column names are stripped of surrounding spaces. The file is decoded
    with the first encoding of :data:`CSV_ENCODINGS` that works.

    Arguments
    ---------
    path : str
        The CSV file.
    required_columns : sequence of str
        Columns the official release has; a missing one is an error.
    delimiter : str
        Field separator.

    Returns
    -------
    list of dict
        One dict per row, keyed by column name.

    Raises
    ------
    LayoutError
        If the file lacks one of ``required_columns``; the message names
        the file, the missing columns and the columns found.
    """
    for encoding in CSV_ENCODINGS:
        try:
            with open(path, newline="", encoding=encoding) as f:
                reader = csv.DictReader(f, delimiter=delimiter)
                columns = [c.strip() for c in (reader.fieldnames or [])]
                reader.fieldnames = columns
                rows = list(reader)
            break
        except UnicodeDecodeError:
            continue
    missing = [c for c in required_columns if c not in columns]
    if missing:
        raise LayoutError(
            f"{path}: missing column(s) {missing} (found {columns}); this "
            "is not the file of the official release"
        )
    return rows


def speaker_folds(speakers, n_folds):
    """Assigns each speaker to one of ``n_folds`` speaker-disjoint folds.

    Speakers are sorted and cut into ``n_folds`` contiguous blocks of
    (nearly) equal size, so the folds are deterministic and documented by
    the speaker IDs alone.

    Arguments
    ---------
    speakers : iterable of str
        Speaker IDs (repeats are fine).
    n_folds : int
        Number of folds (at least 1, at most the number of speakers).

    Returns
    -------
    dict
        ``{speaker: fold}`` with folds numbered from 1.
    """
    unique = sorted(set(speakers))
    if not 1 <= n_folds <= len(unique):
        raise ValueError(
            f"n_folds={n_folds} must be between 1 and the number of "
            f"speakers ({len(unique)})"
        )
    return {spk: i * n_folds // len(unique) + 1 for i, spk in enumerate(unique)}


def fold_split(fold, valid_fold, test_fold):
    """Split name (``train``/``valid``/``test``) of a speaker fold.

    Arguments
    ---------
    fold : int
        The fold of an item.
    valid_fold : int or None
        The fold used for validation (None: no validation split).
    test_fold : int
        The fold used for testing.

    Returns
    -------
    str
    """
    if fold == test_fold:
        return "test"
    if valid_fold is not None and fold == valid_fold:
        return "valid"
    return "train"


def check_folds(dataset, n_folds, valid_fold, test_fold):
    """Raises ValueError unless the fold options are consistent.

    Arguments
    ---------
    dataset : str
        For the message.
    n_folds : int
        Number of folds.
    valid_fold : int or None
        Validation fold.
    test_fold : int
        Test fold.

    Returns
    -------
    list of str
        The split names these options produce (``all`` included).
    """
    if test_fold == valid_fold or not 1 <= test_fold <= n_folds or (
        valid_fold is not None and not 1 <= valid_fold <= n_folds
    ):
        raise ValueError(
            f"{dataset}: test_fold={test_fold} and valid_fold={valid_fold} "
            f"must be different folds in 1..{n_folds}"
        )
    if valid_fold is None:
        return ["train", "test", "all"]
    return ["train", "valid", "test", "all"]


def add_speaker_folds(builder, clips, task, n_folds, valid_fold, test_fold):
    """Adds clips split by speaker folds; each also goes to ``all``.

    Arguments
    ---------
    builder : pengi_sb.prepare.cli.ManifestBuilder
        Collects the items.
    clips : dict
        ``{audio path: fields}``; the fields hold ``speaker`` and the
        task's template fields. The item ID is the file name without
        extension.
    task : str
        Task template name.
    n_folds : int
        Number of speaker-disjoint folds (see :func:`speaker_folds`).
    valid_fold : int or None
        Fold of the ``valid`` split.
    test_fold : int
        Fold of the ``test`` split.
    """
    if not clips:
        return
    folds = speaker_folds([f["speaker"] for f in clips.values()], n_folds)
    for path, fields in clips.items():
        fold = folds[fields["speaker"]]
        split = fold_split(fold, valid_fold, test_fold)
        item_id = os.path.splitext(os.path.basename(path))[0]
        if builder.add(split, item_id, path, task, fold=fold, **fields):
            builder.add_item("all", item_id, builder.splits[split][item_id])


def add_captions(builder, split, clip_id, path, captions, grouped,
                 **fields):
    """Adds the captioning items of one clip to a ManifestBuilder.

    Arguments
    ---------
    builder : pengi_sb.prepare.cli.ManifestBuilder
        Collects the items.
    split : str
        The split of the clip.
    clip_id : str
        The clip's ID.
    path : str
        The audio file.
    captions : list of str
        The clip's captions (empty ones are dropped, whitespace cleaned).
    grouped : bool
        True (evaluation splits): one item, target = first caption, all
        captions in ``references``. False (training): one item per
        caption, IDs ``<clip_id>_<k>`` (just ``clip_id`` when there is a
        single caption).
    **fields
        Extra fields stored in every item.

    Returns
    -------
    int
        Number of items added (0 when the audio or the captions are
        missing).

    Example
    -------
    >>> import tempfile
    >>> from pengi_sb.prepare.cli import ManifestBuilder
    >>> builder = ManifestBuilder(tempfile.mkdtemp(), "demo", missing="skip")
    >>> add_captions(builder, "test", "c", "/no/c.wav", ["A dog."], True)
    0
    """
    captions = [clean_text(c) for c in captions]
    captions = [c for c in captions if c]
    if not captions:
        return 0
    if grouped:
        if not builder.add(split, clip_id, path, "captioning",
                           caption=captions[0], **fields):
            return 0
        builder.splits[split][clip_id]["references"] = captions
        return 1
    if len(captions) == 1:
        return int(builder.add(split, clip_id, path, "captioning",
                               caption=captions[0], **fields))
    added = 0
    for k, caption in enumerate(captions, start=1):
        if not builder.add(split, f"{clip_id}_{k}", path, "captioning",
                           caption=caption, **fields):
            break
        added += 1
    return added
