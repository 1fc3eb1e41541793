"""Finds the file a dataset's metadata means when it spells the name
differently from the archive.

Releases disagree with themselves: Clotho-AQA's question CSVs write
``souffle_me_tallique.wav`` where ``audio_files.zip`` holds
``souffle_me.tallique.wav``, and its metadata CSV writes
``Geese1 - (Apollonia&#39;s sPA) 18_44 05.10.wav`` for the file
``Geese1 - (Apollonia's sPA) 18.44 05.10.wav``. :class:`FileNameMatcher`
resolves such names: the exact name when that file exists, otherwise the
one file whose *normalised* name (:func:`normalize_name`) is the same. It
is used only when the exact file is missing and only when the normalised
match is unique (two candidates: no guess, the item stays missing and the
candidates are named); every name matched this way is recorded so that
the prepare step can log it.

Normalisation undoes the disagreements seen in real releases:

- HTML entities (``&#39;`` -> ``'``, ``&amp;`` -> ``&``);
- Unicode composed / decomposed forms (archives made on macOS store
  ``é`` as ``e`` + a combining accent);
- ``.`` and ``_`` in the stem (the extension is kept apart, lower-cased);
- with ``fold_case=True``, letter case. Off by default: names built from
  case-sensitive IDs (YouTube, AudioSet) must never match another case,
  which would be another clip; turn it on for names that are titles
  (Clotho, Clotho-AQA).

Example
-------
>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> for name in ["souffle_me.tallique.wav",
...              "Geese1 - (Apollonia's sPA) 18.44 05.10.wav",
...              "a.b.wav", "a_b.WAV", "Rain.wav"]:
...     open(os.path.join(folder, name), "w").close()
>>> matcher = FileNameMatcher(folder)
>>> os.path.basename(matcher.find("souffle_me_tallique.wav"))
'souffle_me.tallique.wav'
>>> os.path.basename(matcher.find(
...     "Geese1 - (Apollonia&#39;s sPA) 18_44 05.10.wav"))
"Geese1 - (Apollonia's sPA) 18.44 05.10.wav"
>>> os.path.basename(matcher.find("Rain.wav"))  # exact: no variant
'Rain.wav'
>>> print(matcher.find("a_b.wav"))  # a.b.wav and a_b.WAV: no guess
None
>>> matcher.candidates("a_b.wav")
['a.b.wav', 'a_b.WAV']
>>> print(matcher.find("rain.wav"))  # case kept unless fold_case
None
>>> os.path.basename(FileNameMatcher(folder, fold_case=True).find("rain.wav"))
'Rain.wav'
>>> sorted(matcher.variants.items())  # doctest: +NORMALIZE_WHITESPACE
[('Geese1 - (Apollonia&#39;s sPA) 18_44 05.10.wav',
  "Geese1 - (Apollonia's sPA) 18.44 05.10.wav"),
 ('souffle_me_tallique.wav', 'souffle_me.tallique.wav')]

Authors
 * pengi-sb developers 2026
"""

import html
import os
import unicodedata

__all__ = ["FileNameMatcher", "normalize_name"]


def normalize_name(name, fold_case=False):
    """The form that spellings of one file name share.

    Arguments
    ---------
    name : str
        A file name (no folder) as a metadata file or an archive writes it.
    fold_case : bool
        Also ignore letter case.

    Returns
    -------
    str
        HTML entities decoded, Unicode NFC, ``.`` written ``_`` in the
        stem, the extension lower case (and everything case-folded with
        ``fold_case``).

    Example
    -------
    >>> normalize_name("Geese1 - (Apollonia&#39;s sPA) 18.44 05.10.WAV")
    "Geese1 - (Apollonia's sPA) 18_44 05_10.wav"
    >>> normalize_name("souffle_me.tallique.wav", fold_case=True)
    'souffle_me_tallique.wav'
    """
    name = unicodedata.normalize("NFC", html.unescape(name))
    stem, ext = os.path.splitext(name)
    key = stem.replace(".", "_") + ext.lower()
    return key.casefold() if fold_case else key


class FileNameMatcher:
    """Resolves metadata file names to the files under one folder.

    Arguments
    ---------
    folder : str
        The folder the names are relative to (a name may hold sub-folders:
        ``audio/x.wav``; only its last part is matched loosely).
    fold_case : bool
        Also match names that differ only in letter case (see the module
        docstring for when not to).

    Attributes
    ----------
    variants : dict
        ``{name as listed: file name found}`` for every name that was
        resolved by its normalised form, in the order they were found.
    """

    def __init__(self, folder, fold_case=False):
        self.folder = folder
        self.fold_case = fold_case
        self.variants = {}
        self._indexes = {}

    def _index(self, directory):
        """``{normalised name: [file names]}`` of one directory (once)."""
        index = self._indexes.get(directory)
        if index is None:
            index = {}
            try:
                entries = sorted(e.name for e in os.scandir(directory)
                                 if e.is_file())
            except OSError:  # missing folder: nothing matches
                entries = []
            for entry in entries:
                index.setdefault(
                    normalize_name(entry, self.fold_case), []).append(entry)
            self._indexes[directory] = index
        return index

    def candidates(self, name):
        """Files whose normalised name equals that of ``name``.

        Arguments
        ---------
        name : str
            The name as listed (relative to ``folder``).

        Returns
        -------
        list of str
            File names (without folder), sorted.
        """
        directory, base = os.path.split(os.path.join(self.folder, name))
        return list(self._index(directory).get(
            normalize_name(base, self.fold_case), []))

    def find(self, name):
        """The file ``name`` means, or None.

        Arguments
        ---------
        name : str
            The name as listed (relative to ``folder``).

        Returns
        -------
        str or None
            ``folder/name`` when it is a file; else the one file with the
            same normalised name (recorded in :attr:`variants`); else
            None (no such file, or several: see :meth:`candidates`).
        """
        exact = os.path.join(self.folder, name)
        if os.path.isfile(exact):
            return exact
        found = self.candidates(name)
        if len(found) != 1:
            return None
        self.variants[name] = found[0]
        return os.path.join(os.path.dirname(exact), found[0])
