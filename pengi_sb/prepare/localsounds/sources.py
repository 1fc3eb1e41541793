"""Where the Debian packages put LocalSounds' source files, and the check that
they are installed.

Every path is relative to a root (``/`` on a real system, a folder in the
tests), so a copy of the packages' files can stand in for them:

=========  ==========================================  =====================
source     Debian package(s)                           files read
=========  ==========================================  =====================
notes      fluidsynth + fluid-soundfont-gm,        :data:`SOUNDFONTS`
           musescore-general-soundfont-small,
           timgm6mb-soundfont
speech     asterisk-core-sounds-{en,es,fr,it,ru}-wav   :data:`ASTERISK_DIR`,
           (+ the transcript packages without -wav)    the transcripts
drums      hydrogen-drumkits (or hydrogen-data)        :data:`DRUMKITS_DIR`
samples    sonic-pi-samples                            :data:`SONIC_PI_DIR`
events     sound-theme-freedesktop                     :data:`FREEDESKTOP_DIR`
=========  ==========================================  =====================

Example
-------
>>> paths = source_paths("/copy")
>>> paths["soundfonts"]["TimGM6mb"]
'/copy/usr/share/sounds/sf2/TimGM6mb.sf2'
>>> soundfont_package("FluidR3_GM")
'fluid-soundfont-gm'
>>> paths["drumkits"]
'/copy/usr/share/hydrogen/data/drumkits'
>>> VOICE_DIR.match("fr_FR_f_June").groups()
('fr', 'FR', 'f', 'June')

Authors
 * pengi-sb developers 2026
"""

import os
import re
import shutil

from pengi_sb.prepare.layout import LayoutError
from pengi_sb.prepare.localsounds.clips import DATASET

__all__ = [
    "ASTERISK_DIR",
    "ASTERISK_TRANSCRIPTS",
    "DRUMKITS_DIR",
    "FLUIDSYNTH",
    "FREEDESKTOP_DIR",
    "INSTALL_HINT",
    "SONIC_PI_DIR",
    "SOUNDFONTS",
    "SOURCE_ROOT",
    "VOICE_DIR",
    "asterisk_voices",
    "check_sources",
    "drumkit_files",
    "listing",
    "soundfont_file",
    "soundfont_package",
    "source_paths",
    "transcript_file",
]

INSTALL_HINT = "sudo bash recipes/LocalSounds/install_sources.sh"

# Where the Debian packages put their files (relative to SOURCE_ROOT).
SOURCE_ROOT = "/"
FLUIDSYNTH = "fluidsynth"
# General MIDI soundfonts: name -> (file under the root, Debian package).
# Three independent sets of recordings, checked: TimGM6mb shares no sample
# data with FluidR3_GM (0 of its 520 samples byte-identical) and none of its
# sample names with either beyond a few generic ones; MuseScore_General
# descends from FluidR3 (367 sample names in common), so the two are only
# ever used together, on the same side of the split.
SOUNDFONTS = {
    "FluidR3_GM": ("usr/share/sounds/sf2/FluidR3_GM.sf2",
                   "fluid-soundfont-gm"),
    "MuseScore_General": ("usr/share/sounds/sf3/MuseScore_General.sf3",
                          "musescore-general-soundfont-small"),
    "TimGM6mb": ("usr/share/sounds/sf2/TimGM6mb.sf2", "timgm6mb-soundfont"),
}
ASTERISK_DIR = "usr/share/asterisk/sounds"
ASTERISK_TRANSCRIPTS = (
    "usr/share/doc/asterisk-core-sounds-{lang}/core-sounds-{lang}.txt.gz"
)
DRUMKITS_DIR = "usr/share/hydrogen/data/drumkits"
SONIC_PI_DIR = "usr/share/sonic-pi/samples"
FREEDESKTOP_DIR = "usr/share/sounds/freedesktop/stereo"

# Asterisk voice folders: <lang>_<COUNTRY>_<f|m>_<Voice>
VOICE_DIR = re.compile(r"^([a-z]{2})_([A-Z]{2})_([fm])_(\w+)$")


def soundfont_package(name):
    """The Debian package of a soundfont of :data:`SOUNDFONTS` (None for a
    soundfont given by its path)."""
    return SOUNDFONTS[name][1] if name in SOUNDFONTS else None


def source_paths(source_root=None):
    """The locations of every source under ``source_root``.

    Arguments
    ---------
    source_root : str, optional
        Root the Debian files are found under (default
        :data:`SOURCE_ROOT`).

    Returns
    -------
    dict
        ``root``, ``soundfonts`` (``{name: file}``), ``asterisk``,
        ``drumkits``, ``sonic_pi``, ``freedesktop``.
    """
    root = SOURCE_ROOT if source_root is None else source_root
    return {
        "root": root,
        "soundfonts": {name: os.path.join(root, path)
                       for name, (path, _) in SOUNDFONTS.items()},
        "asterisk": os.path.join(root, ASTERISK_DIR),
        "drumkits": os.path.join(root, DRUMKITS_DIR),
        "sonic_pi": os.path.join(root, SONIC_PI_DIR),
        "freedesktop": os.path.join(root, FREEDESKTOP_DIR),
    }


def transcript_file(root, lang):
    """The Asterisk transcript file of language ``lang`` under ``root``.

    Arguments
    ---------
    root : str
        The source root (``paths["root"]``).
    lang : str
        An Asterisk language code (``en``, ``fr``...).

    Returns
    -------
    str

    Example
    -------
    >>> transcript_file("/", "it")
    '/usr/share/doc/asterisk-core-sounds-it/core-sounds-it.txt.gz'
    """
    return os.path.join(root, ASTERISK_TRANSCRIPTS.format(lang=lang))


def asterisk_voices(asterisk_dir, lang):
    """The Asterisk voice folders of one language.

    Arguments
    ---------
    asterisk_dir : str
        The Asterisk sounds folder (``paths["asterisk"]``).
    lang : str
        An Asterisk language code.

    Returns
    -------
    list of (str, str)
        ``[(folder, gender letter)]`` sorted by folder name; empty when
        the folder does not exist.
    """
    if not os.path.isdir(asterisk_dir):
        return []
    found = []
    for name in sorted(os.listdir(asterisk_dir)):
        match = VOICE_DIR.match(name)
        path = os.path.join(asterisk_dir, name)
        if match and match.group(1) == lang and os.path.isdir(path):
            found.append((path, match.group(3)))
    return found


def listing(folder, ext):
    """Sorted names of the files in ``folder`` ending with ``ext``.

    Arguments
    ---------
    folder : str
        A folder; a missing one lists nothing.
    ext : str
        The ending, with its dot (``.flac``).

    Returns
    -------
    list of str
    """
    if not os.path.isdir(folder):
        return []
    return sorted(n for n in os.listdir(folder) if n.endswith(ext))


def drumkit_files(folder):
    """The ``drumkit.xml`` of every Hydrogen kit in ``folder``.

    Arguments
    ---------
    folder : str
        The drum kits folder (``paths["drumkits"]``).

    Returns
    -------
    list of str
        Sorted by kit folder name; empty when ``folder`` does not exist.
    """
    if not os.path.isdir(folder):
        return []
    kits = []
    for name in sorted(os.listdir(folder)):
        xml = os.path.join(folder, name, "drumkit.xml")
        if os.path.isfile(xml):
            kits.append(xml)
    return kits


def soundfont_file(name, paths):
    """The file of a soundfont: a name of :data:`SOUNDFONTS` (under the
    source root) or a path to an ``.sf2`` / ``.sf3`` file.

    Arguments
    ---------
    name : str
        A soundfont name or file.
    paths : dict
        Source locations (see :func:`source_paths`).

    Returns
    -------
    str
    """
    if name in paths["soundfonts"]:
        return paths["soundfonts"][name]
    if os.path.splitext(name)[1].lower() in (".sf2", ".sf3"):
        return name
    raise ValueError(
        f"unknown soundfont '{name}': use one of {sorted(SOUNDFONTS)} or "
        "the path of an .sf2 / .sf3 file")


def check_sources(sources, languages, paths, fluidsynth, soundfonts=()):
    """Raises :class:`LayoutError` naming every missing Debian source.

    Arguments
    ---------
    sources : list of str
        The sources used (a subset of ``SOURCES``, checked by the caller).
    languages : list of str
        Asterisk language codes used by the ``speech`` source.
    paths : dict
        Source locations (see :func:`source_paths`).
    fluidsynth : str
        The fluidsynth program (name on PATH or path).
    soundfonts : iterable of str
        The soundfonts the ``notes`` source renders with (names of
        :data:`SOUNDFONTS` or files).

    Raises
    ------
    LayoutError
        Naming each missing program, file or folder with the package that
        installs it, and the install script.
    """
    missing = []
    if "notes" in sources:
        if shutil.which(fluidsynth) is None:
            missing.append(f"program '{fluidsynth}' (package fluidsynth)")
        for name in soundfonts:
            path = soundfont_file(name, paths)
            if not os.path.isfile(path):
                package = soundfont_package(name)
                missing.append(f"{path}" + (f" (package {package})"
                                            if package else ""))
    if "speech" in sources:
        for lang in languages:
            if not asterisk_voices(paths["asterisk"], lang):
                missing.append(
                    f"{paths['asterisk']}/{lang}_*_[fm]_* "
                    f"(package asterisk-core-sounds-{lang}-wav)"
                )
            tr = transcript_file(paths["root"], lang)
            if not os.path.isfile(tr):
                missing.append(f"{tr} (package asterisk-core-sounds-{lang})")
    if "drums" in sources and not drumkit_files(paths["drumkits"]):
        missing.append(f"{paths['drumkits']}/*/drumkit.xml "
                       "(package hydrogen-drumkits or hydrogen-data)")
    if "samples" in sources and not listing(paths["sonic_pi"], ".flac"):
        missing.append(f"{paths['sonic_pi']}/*.flac "
                       "(package sonic-pi-samples)")
    if "events" in sources and not listing(paths["freedesktop"], ".oga"):
        missing.append(f"{paths['freedesktop']}/*.oga "
                       "(package sound-theme-freedesktop)")
    if missing:
        raise LayoutError(
            f"{DATASET}: the Debian sources are not installed: "
            + "; ".join(missing)
            + f". Install them with: {INSTALL_HINT} (or choose fewer "
            "sources with the 'sources' option)"
        )
