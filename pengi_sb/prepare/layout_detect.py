"""Picks, among the known layouts of a dataset, the one a folder holds.

A dataset often reaches users through several tools that each write their
own folder tree: the official archives, ``aac-datasets``,
``audiocaps-download``... A prepare script lists the trees it reads as
:class:`KnownLayout` objects (marker files, named paths, the download
command that produces the tree) and calls :func:`detect_layout`, which
returns the first layout whose markers all exist, looked for in the
folder the user passed and, for tools that write under a root of their
own (``<root>/CLOTHO_v2.1``), in that tool's subfolder. When none
matches, the error lists every layout with its markers and what is
missing, so the user sees which tree to produce.

Example
-------
>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> os.makedirs(os.path.join(folder, "DEMO", "audio"))
>>> open(os.path.join(folder, "DEMO", "meta.csv"), "w").close()
>>> layouts = [
...     KnownLayout("official", ["labels.csv", "wav"], "https://demo"),
...     KnownLayout("some-tool", ["meta.csv", "audio"], "some-tool get",
...                 subfolder="DEMO", paths={"audio": "audio"}),
... ]
>>> found = detect_layout("Demo", folder, layouts)
>>> found.layout.name, os.path.relpath(found.path("audio"), folder)
('some-tool', 'DEMO/audio')

Authors
 * pengi-sb developers 2026
"""

import glob
import os
from dataclasses import dataclass, field

from speechbrain.utils.logger import get_logger

from pengi_sb.prepare.layout import LayoutError

__all__ = ["FoundLayout", "KnownLayout", "detect_layout"]

logger = get_logger(__name__)

_GLOB_CHARS = "*?["


@dataclass(frozen=True)
class KnownLayout:
    """One folder tree a prepare script can read.

    Arguments
    ---------
    name : str
        How the tree is called in messages (``"aac-datasets"``).
    markers : sequence of str
        Paths, relative to the layout's folder, that all exist in this
        tree (files or folders; glob patterns such as ``audio_*Hz/train``
        are allowed).
    download : str
        The command or address that produces the tree.
    subfolder : str
        The folder the tool creates under the root it is given
        (``CLOTHO_v2.1``); the layout is then also looked for in
        ``<data_folder>/<subfolder>``. Empty: only in ``data_folder``.
    paths : dict
        ``{key: template}``: named paths relative to the layout's folder,
        with ``str.format`` fields filled by :meth:`FoundLayout.path`
        (glob patterns allowed, see there).
    """

    name: str
    markers: tuple
    download: str
    subfolder: str = ""
    paths: dict = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "markers", tuple(self.markers))

    def folders(self, data_folder):
        """The folders this layout is looked for in, in order."""
        folders = [data_folder]
        if self.subfolder:
            folders.append(os.path.join(data_folder, self.subfolder))
        return folders

    def missing(self, folder):
        """The markers absent from ``folder``."""
        return [m for m in self.markers if not _matches(folder, m)]


def _matches(folder, pattern):
    """Existing paths under ``folder`` matching ``pattern`` (sorted)."""
    path = os.path.join(folder, pattern)
    if not any(c in pattern for c in _GLOB_CHARS):
        return [path] if os.path.exists(path) else []
    return sorted(glob.glob(os.path.join(glob.escape(folder), pattern)))


@dataclass(frozen=True)
class FoundLayout:
    """The layout :func:`detect_layout` found and where.

    Arguments
    ---------
    dataset : str
        The dataset's name, for messages.
    layout : KnownLayout
        The tree found.
    folder : str
        The folder holding it (``data_folder`` or its tool subfolder).
    data_folder : str
        The folder the user passed.
    """

    dataset: str
    layout: KnownLayout
    folder: str
    data_folder: str

    @property
    def name(self):
        """The layout's name."""
        return self.layout.name

    def has(self, key):
        """True when the layout names a path ``key``."""
        return key in self.layout.paths

    def path(self, key, **fields):
        """The path named ``key``, its template filled with ``fields``.

        A template with glob characters resolves to its single match; no
        match gives the pattern itself (the caller reports it missing),
        several matches raise :class:`LayoutError`.
        """
        pattern = self.layout.paths[key].format(**fields)
        if not any(c in pattern for c in _GLOB_CHARS):
            return os.path.join(self.folder, pattern)
        found = _matches(self.folder, pattern)
        if len(found) > 1:
            rel = [os.path.relpath(f, self.folder) for f in found]
            raise LayoutError(
                f"{self.dataset}: several paths match {pattern} in "
                f"'{self.folder}' ({rel}); keep one of them"
            )
        return found[0] if found else os.path.join(self.folder, pattern)

    def required(self):
        """The markers found, as paths relative to ``data_folder``."""
        return [os.path.relpath(_matches(self.folder, m)[0], self.data_folder)
                for m in self.layout.markers]


def describe_layouts(data_folder, layouts):
    """One line per layout: name, where looked, markers and what is missing.

    Arguments
    ---------
    data_folder : str
        The folder the user passed.
    layouts : sequence of KnownLayout
        The candidates.

    Returns
    -------
    str
    """
    lines = []
    for layout in layouts:
        folders = layout.folders(data_folder)
        missing = min((layout.missing(f) for f in folders), key=len)
        where = " or ".join(f"'{f}'" for f in folders)
        state = ("none present" if len(missing) == len(layout.markers)
                 else f"missing {', '.join(missing)}")
        lines.append(
            f"  - {layout.name}, in {where}: {', '.join(layout.markers)} "
            f"({state}); produced by: {layout.download}"
        )
    return "\n".join(lines)


def detect_layout(dataset, data_folder, layouts):
    """The first of ``layouts`` present in ``data_folder``.

    Each layout is looked for in ``data_folder`` and then in its tool's
    subfolder of it; the first whose markers all exist wins, so list the
    layouts from the most specific markers to the least.

    Arguments
    ---------
    dataset : str
        The dataset's name, for messages.
    data_folder : str
        The folder the user passed as ``--data_folder``.
    layouts : sequence of KnownLayout
        The trees the prepare script reads.

    Returns
    -------
    FoundLayout

    Raises
    ------
    LayoutError
        When ``data_folder`` does not exist or holds none of the layouts;
        the message lists every layout with its markers.
    """
    if not os.path.isdir(data_folder):
        raise LayoutError(
            f"{dataset}: data folder '{data_folder}' does not exist. "
            "Download the dataset into one of these layouts and pass its "
            "folder as --data_folder:\n"
            + describe_layouts(data_folder, layouts)
        )
    for layout in layouts:
        for folder in layout.folders(data_folder):
            if os.path.isdir(folder) and not layout.missing(folder):
                logger.info("%s: reading the %s layout in %s", dataset,
                            layout.name, folder)
                return FoundLayout(dataset, layout, folder, data_folder)
    raise LayoutError(
        f"{dataset}: '{data_folder}' holds none of the layouts this script "
        "reads. Looked for (markers relative to each folder):\n"
        + describe_layouts(data_folder, layouts)
    )
