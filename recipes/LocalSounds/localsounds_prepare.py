"""Prepares LocalSounds, a multi-task Pengi corpus of real recorded audio.

LocalSounds is built from audio that Debian packages install (see
``install_sources.sh`` beside this file), so it needs no download:

=========  ==========================================  =====================
source     Debian package(s)                           tasks
=========  ==========================================  =====================
notes      fluidsynth + timgm6mb-soundfont             music_note
                                                       (instrument family),
                                                       captioning, audio_qa
speech     asterisk-core-sounds-{en,es,fr,it,ru}-wav   spoken_language,
           (+ the transcript packages without -wav)    captioning, audio_qa
drums      hydrogen-drumkits (or hydrogen-data)        sound_event,
                                                       captioning, audio_qa
samples    sonic-pi-samples                            sound_event,
                                                       captioning, audio_qa
events     sound-theme-freedesktop                     sound_event,
                                                       captioning, audio_qa
=========  ==========================================  =====================

Every clip is written once, as a mono 16-bit wav at ``sample_rate`` (at most
``max_seconds`` long), under ``data_folder``; the manifests ``train.json``,
``valid.json`` and ``test.json`` in ``save_folder`` refer to the clips as
``{data_root}/...``. The splits are made by source item (a GM program at one
pitch, one recording, one drum of one kit), never by clip, so no test audio
is heard in training. Each test item names the metric it feeds in its
``eval_task`` field (``instrument_family``, ``language``, ``aqa_yes_no``,
``captioning``); captioning items carry a ``references`` list, and the
candidate labels of the close-ended tasks are written to
``labels_<eval_task>.json``.

The spoken language task uses a template this recipe adds,
``spoken_language`` (``this language is`` -> ``{language}``), read from
``templates.yaml`` beside this file and registered when this module is
imported (:func:`register_localsounds_templates`).

Example
-------
>>> sorted(INSTRUMENT_FAMILIES)[:3]
['bass', 'brass', 'flute']
>>> pitch_word(40), pitch_word(60), pitch_word(84)
('low', 'mid', 'high')
>>> drum_class("Hi-Hat Closed (Paiste Alpha Metal edge 14\\")")
'hi-hat'
>>> from pengi_sb.tasks import make_example
>>> make_example("spoken_language", language="french")
('this language is', 'french')

Authors
 * pengi-sb developers 2026
"""

import gzip
import hashlib
import json
import math
import os
import random
import re
import shutil
import struct
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import numpy as np
import soundfile
import torch
import torchaudio
import yaml
from speechbrain.utils.logger import get_logger

from pengi_sb.data.manifest import make_item
from pengi_sb.prepare.layout import (
    LayoutError,
    already_prepared,
    relative_to_root,
    save_prepared,
)
from pengi_sb.tasks import TEMPLATES, get_template, load_templates

logger = get_logger(__name__)

DATASET = "LocalSounds"
SPLITS = ("train", "valid", "test")
SOURCES = ("notes", "speech", "drums", "samples", "events")
EVAL_TASKS = ("instrument_family", "language", "aqa_yes_no", "captioning")
INSTALL_HINT = "sudo bash recipes/LocalSounds/install_sources.sh"
TEMPLATES_FILE = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "templates.yaml"
)

# Where the Debian packages put their files (relative to SOURCE_ROOT).
SOURCE_ROOT = "/"
FLUIDSYNTH = "fluidsynth"
SOUNDFONT = "usr/share/sounds/sf2/TimGM6mb.sf2"
ASTERISK_DIR = "usr/share/asterisk/sounds"
ASTERISK_TRANSCRIPTS = (
    "usr/share/doc/asterisk-core-sounds-{lang}/core-sounds-{lang}.txt.gz"
)
DRUMKITS_DIR = "usr/share/hydrogen/data/drumkits"
SONIC_PI_DIR = "usr/share/sonic-pi/samples"
FREEDESKTOP_DIR = "usr/share/sounds/freedesktop/stereo"

# ---------------------------------------------------------------- notes ----
# family -> GM programs (0-based, in order of use) and a MIDI pitch range.
INSTRUMENT_FAMILIES = {
    "piano": {"programs": (0, 1, 2, 3, 4, 5), "pitches": (33, 96)},
    "mallet": {"programs": (11, 12, 13, 9, 8, 14), "pitches": (60, 96)},
    "organ": {"programs": (16, 17, 18, 19, 20, 21), "pitches": (36, 84)},
    "guitar": {"programs": (24, 25, 26, 27, 28, 29), "pitches": (40, 81)},
    "bass": {"programs": (32, 33, 34, 35, 36, 37), "pitches": (28, 55)},
    "string": {"programs": (40, 41, 42, 48, 49, 44), "pitches": (43, 88)},
    "brass": {"programs": (56, 57, 60, 61, 58, 62), "pitches": (40, 76)},
    "flute": {"programs": (73, 72, 74, 75, 79, 77), "pitches": (60, 96)},
}
# How a family is named inside a sentence (captions, questions).
FAMILY_NOUNS = {
    "piano": "piano",
    "mallet": "mallet instrument",
    "organ": "organ",
    "guitar": "guitar",
    "bass": "bass",
    "string": "string instrument",
    "brass": "brass instrument",
    "flute": "flute",
}
GM_PROGRAM_NAMES = {
    0: "acoustic grand piano", 1: "bright acoustic piano",
    2: "electric grand piano", 3: "honky-tonk piano", 4: "electric piano 1",
    5: "electric piano 2", 8: "celesta", 9: "glockenspiel", 11: "vibraphone",
    12: "marimba", 13: "xylophone", 14: "tubular bells", 16: "drawbar organ",
    17: "percussive organ", 18: "rock organ", 19: "church organ",
    20: "reed organ", 21: "accordion", 24: "nylon guitar", 25: "steel guitar",
    26: "jazz guitar", 27: "clean electric guitar", 28: "muted guitar",
    29: "overdriven guitar", 32: "acoustic bass", 33: "finger bass",
    34: "pick bass", 35: "fretless bass", 36: "slap bass 1",
    37: "slap bass 2", 40: "violin", 41: "viola", 42: "cello",
    44: "tremolo strings", 48: "string ensemble 1", 49: "string ensemble 2",
    56: "trumpet", 57: "trombone", 58: "tuba", 60: "french horn",
    61: "brass section", 62: "synth brass 1", 72: "piccolo", 73: "flute",
    74: "recorder", 75: "pan flute", 77: "shakuhachi", 79: "ocarina",
}
FLUIDSYNTH_GAIN = 1.5
TICKS_PER_SECOND = 960  # 480 ticks per quarter note at 120 bpm

# --------------------------------------------------------------- speech ----
LANGUAGE_NAMES = {
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "it": "italian",
    "ru": "russian",
}
GENDER_WORDS = {"f": ("woman", "female"), "m": ("man", "male")}
# Asterisk voice folders: <lang>_<COUNTRY>_<f|m>_<Voice>
VOICE_DIR = re.compile(r"^([a-z]{2})_([A-Z]{2})_([fm])_(\w+)$")

# ---------------------------------------------------------------- drums ----
# label -> (caption noun, is it a drum?, is it a cymbal?); None: not asked.
DRUM_CLASSES = {
    "kick drum": ("kick drum hit", True, False),
    "snare drum": ("snare drum hit", True, False),
    "tom": ("tom hit", True, False),
    "hand drum": ("hand drum stroke", True, False),
    "hi-hat": ("hi-hat hit", None, True),
    "cymbal": ("cymbal hit", None, True),
    "hand clap": ("hand clap", None, None),
    "cowbell": ("cowbell hit", None, None),
    "drum roll": ("drum roll", True, False),
}
# Hydrogen instrument names -> drum class, first match wins.
DRUM_NAME_RULES = (
    (r"djembe|conga|bongo|cajon|tabla|dununba|sangban|kenkeni", "hand drum"),
    (r"kick|bass ?drum", "kick drum"),
    (r"snare", "snare drum"),
    (r"\bhh\b|hi[- ]?hat|\bhat\b", "hi-hat"),
    (r"crash|ride|splash|china|cymbal", "cymbal"),
    (r"\btom", "tom"),
    (r"clap", "hand clap"),
    (r"cowbell", "cowbell"),
)

# -------------------------------------------------------------- samples ----
# Sonic Pi sample name prefix -> (event label, caption, facts); the longest
# matching prefix wins. Facts answer the yes/no questions (None: not asked).
_NOT_MUSIC = {"speech": False, "instrument": None, "drum": None}
_MUSIC = {"speech": False, "instrument": True, "drum": False, "cymbal": None}
SAMPLE_PREFIXES = {
    "ambi": ("ambient sound", "an ambient electronic texture", _NOT_MUSIC),
    "ambi_choir": ("choir", "a choir singing a long chord",
                   {"speech": None}),
    "ambi_piano": ("piano", "a soft ambient piano", _MUSIC),
    "bass": ("synth bass", "a deep synthesizer bass note", _MUSIC),
    "bd": ("kick drum", "an electronic kick drum hit", None),
    "sn": ("snare drum", "an electronic snare drum hit", None),
    "drum_bass": ("kick drum", "a kick drum hit", None),
    "drum_heavy_kick": ("kick drum", "a heavy kick drum hit", None),
    "drum_snare": ("snare drum", "a snare drum hit", None),
    "drum_tom": ("tom", "a tom hit", None),
    "drum_cymbal": ("cymbal", "a cymbal hit", None),
    "drum_cymbal_closed": ("hi-hat", "a closed hi-hat hit", None),
    "drum_cymbal_pedal": ("hi-hat", "a pedal hi-hat hit", None),
    "drum_splash": ("cymbal", "a splash cymbal hit", None),
    "drum_cowbell": ("cowbell", "a cowbell hit", None),
    "drum_roll": ("drum roll", "a snare drum roll", None),
    "elec": ("electronic sound", "a short electronic sound", _NOT_MUSIC),
    "glitch": ("glitch", "a glitchy electronic noise", _NOT_MUSIC),
    "glitch_robot": ("robot voice", "a glitchy robotic voice",
                     {"speech": None}),
    "guit": ("guitar", "an electric guitar playing", _MUSIC),
    "loop": ("loop", "a short repeating rhythmic loop", _NOT_MUSIC),
    "mehackit_phone": ("telephone", "a telephone sound", _NOT_MUSIC),
    "mehackit_robot": ("robot sound", "a robotic electronic sound",
                       {"speech": None}),
    "misc_burp": ("burp", "a person burping", {"speech": None}),
    "misc_cineboom": ("boom", "a deep cinematic boom", _NOT_MUSIC),
    "misc_crow": ("crow", "a crow cawing",
                  {"speech": False, "instrument": False, "drum": False}),
    "perc": ("percussion", "a percussive hit", _NOT_MUSIC),
    "perc_bell": ("bell", "a bell ringing", _NOT_MUSIC),
    "perc_door": ("door", "a door sound", _NOT_MUSIC),
    "perc_impact": ("impact", "a heavy impact", _NOT_MUSIC),
    "perc_snap": ("finger snap", "a finger snap", _NOT_MUSIC),
    "perc_swash": ("swoosh", "a swooshing sound", _NOT_MUSIC),
    "perc_swoosh": ("swoosh", "a swooshing sound", _NOT_MUSIC),
    "perc_till": ("cash register", "a cash register till", _NOT_MUSIC),
    "tabla": ("tabla", "a tabla drum stroke",
              {"speech": False, "instrument": True, "drum": True,
               "cymbal": False}),
    "vinyl": ("vinyl", "a vinyl record sound",
              {"speech": False, "instrument": False, "drum": False}),
    "vinyl_scratch": ("vinyl scratch", "a vinyl record being scratched",
                      {"speech": False, "instrument": False, "drum": False}),
    "vinyl_hiss": ("vinyl hiss", "the hiss of a vinyl record",
                   {"speech": False, "instrument": False, "drum": False}),
}

# --------------------------------------------------------------- events ----
_EVENT = {"speech": False, "instrument": False, "drum": False}
# freedesktop event name -> (event label, caption); any other name gets a
# generic notification label and caption.
EVENT_SOUNDS = {
    "alarm-clock-elapsed": ("alarm clock", "an alarm clock ringing"),
    "audio-test-signal": ("test signal", "an audio test signal"),
    "audio-volume-change": ("click", "a short click as the volume changes"),
    "bell": ("bell", "a bell ringing"),
    "camera-shutter": ("camera shutter", "a camera shutter clicking"),
    "complete": ("chime", "a chime telling that something is complete"),
    "dialog-error": ("alert", "an error alert sound"),
    "dialog-warning": ("alert", "a warning alert sound"),
    "phone-incoming-call": ("telephone ring", "a telephone ringing"),
    "phone-outgoing-busy": ("busy tone", "a telephone busy tone"),
    "phone-outgoing-calling": ("ringback tone", "a telephone calling tone"),
    "screen-capture": ("camera shutter", "a camera shutter click"),
    "trash-empty": ("trash", "the trash being emptied"),
}

# ------------------------------------------------------------- captions ----
PITCH_WORDS = ((48, "low"), (72, "mid"), (128, "high"))
VELOCITY_WORDS = ((64, "soft"), (96, "medium"), (128, "loud"))
YES_NO = ("yes", "no")


def pitch_word(pitch):
    """``low`` (below MIDI 48), ``mid`` (48-71) or ``high`` (72 and up).

    Arguments
    ---------
    pitch : int
        MIDI pitch.

    Returns
    -------
    str
    """
    return next(word for limit, word in PITCH_WORDS if pitch < limit)


def velocity_word(velocity):
    """``soft`` (below 64), ``medium`` (64-95) or ``loud`` (96 and up).

    Arguments
    ---------
    velocity : int
        MIDI velocity.

    Returns
    -------
    str
    """
    return next(word for limit, word in VELOCITY_WORDS if velocity < limit)


def drum_class(name):
    """Drum class of a Hydrogen instrument name, or None when unclear.

    Arguments
    ---------
    name : str
        The ``<name>`` of an instrument in a ``drumkit.xml``.

    Returns
    -------
    str or None
        A key of :data:`DRUM_CLASSES`.
    """
    lowered = name.lower()
    for pattern, label in DRUM_NAME_RULES:
        if re.search(pattern, lowered):
            return label
    return None


def register_localsounds_templates(path=TEMPLATES_FILE):
    """Registers the templates of ``templates.yaml``; safe to call again.

    Arguments
    ---------
    path : str
        The yaml file (``{name: {prompt, target, ...}}``).

    Returns
    -------
    list of str
        The template names it holds.

    Raises
    ------
    ValueError
        When a template of the same name but another prompt or target is
        registered already.
    """
    with open(path, encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    load_templates({k: v for k, v in spec.items() if k not in TEMPLATES})
    for name, entry in spec.items():
        known = get_template(name)
        if (known.prompt, known.target) != (entry["prompt"], entry["target"]):
            raise ValueError(
                f"{path}: template '{name}' is registered already with "
                f"prompt '{known.prompt}' -> '{known.target}'; rename it in "
                "the yaml file"
            )
    return list(spec)


register_localsounds_templates()


@dataclass
class Clip:
    """One audio clip of the corpus and what is known about it.

    Arguments
    ---------
    clip_id : str
        Unique id; the wav is ``<data_folder>/<source>/<clip_id>.wav``.
    source : str
        One of :data:`SOURCES`.
    group : str
        The source item the split is made by: all clips of a group share a
        split.
    stratum : str
        Groups are split in the same proportions within each stratum.
    caption : str
        The training caption.
    references : list of str
        Caption references for evaluation (the caption first).
    facts : dict
        Answers to the yes/no questions (``speech``, ``instrument``,
        ``drum``, ``cymbal``, ``family``, ``language``, ``pitch_word``);
        None or absent: the question is not asked about this clip.
    fields : dict
        Extra manifest fields (``program``, ``kit``, ``text``...).
    event : str, optional
        The ``sound_event`` label.
    duration : float
        Seconds, once the clip is written.
    split : str, optional
        ``train``, ``valid`` or ``test``.
    """

    clip_id: str
    source: str
    group: str
    stratum: str
    caption: str
    references: list
    facts: dict
    fields: dict = field(default_factory=dict)
    event: str = None
    duration: float = 0.0
    split: str = None


# ------------------------------------------------------------ utilities ----
def _slug(text):
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def _read_mono(path, max_seconds, trim=False):
    """Reads at most ``max_seconds`` of ``path`` as mono float32."""
    info = soundfile.info(path)
    sr = info.samplerate
    lookahead = 2.0 if trim else 0.0
    frames = min(info.frames, int((max_seconds + lookahead) * sr))
    data, sr = soundfile.read(
        path, frames=frames, dtype="float32", always_2d=True
    )
    wave = data.mean(axis=1)
    if trim:
        wave = _trim_leading_silence(wave, sr)
    return wave[: int(max_seconds * sr)], sr


def _trim_leading_silence(wave, sr, below_db=40.0, keep_seconds=0.05):
    peak = float(np.abs(wave).max()) if wave.size else 0.0
    if peak == 0.0:
        return wave
    loud = np.nonzero(np.abs(wave) > peak * 10 ** (-below_db / 20))[0]
    start = max(0, int(loud[0]) - int(keep_seconds * sr))
    return wave[start:]


def fingerprint(path, seconds=0.5):
    """A digest of the first ``seconds`` of sound in ``path``.

    Two files with the same recording (copies under another name, a kit
    reusing another kit's samples) get the same digest, whatever their
    container, so a recording is never used twice (in two splits).

    Arguments
    ---------
    path : str
        An audio file.
    seconds : float
        How much audio, after the leading silence, is compared.

    Returns
    -------
    str or None
        None when the file cannot be decoded.
    """
    try:
        wave, sr = _read_mono(path, 3.0, trim=True)
    except (RuntimeError, soundfile.LibsndfileError):
        return None
    head = np.round(wave[: int(seconds * sr)] * 32767).astype(np.int16)
    return hashlib.md5(head.tobytes() + str(sr).encode()).hexdigest()


def _first_unique(paths, seen):
    """True when no path's :func:`fingerprint` is in ``seen``; adds them."""
    prints = [fingerprint(p) for p in paths]
    if any(f is None or f in seen for f in prints):
        return False
    seen.update(prints)
    return True


def _take_unique(candidates, paths_of, limit, rng):
    """Keeps candidates whose audio is new, up to ``limit`` of them.

    Arguments
    ---------
    candidates : list
        In a deterministic order.
    paths_of : callable
        ``candidate -> list of audio paths``.
    limit : int or None
        How many to keep; with a limit, candidates are taken in random
        order, without one all are walked in the given order.
    rng : random.Random
        Source of the order.

    Returns
    -------
    list
        The kept candidates, in the order they were taken.
    """
    order = list(candidates)
    if limit is not None:
        rng.shuffle(order)
    seen, kept = set(), []
    for candidate in order:
        if limit is not None and len(kept) >= limit:
            break
        if _first_unique(paths_of(candidate), seen):
            kept.append(candidate)
    return kept


def _finish(wave, sr, sample_rate, max_seconds, min_seconds):
    """Resamples, crops, pads and keeps a clip below full scale."""
    if sr != sample_rate:
        wave = torchaudio.functional.resample(
            torch.from_numpy(np.ascontiguousarray(wave)), sr, sample_rate
        ).numpy()
    wave = wave[: int(round(max_seconds * sample_rate))]
    short = int(round(min_seconds * sample_rate)) - len(wave)
    if short > 0:
        wave = np.concatenate([wave, np.zeros(short, dtype=wave.dtype)])
    peak = float(np.abs(wave).max())
    if peak > 0.99:
        wave = wave * (0.99 / peak)
    return wave.astype(np.float32)


def _write(wave, path, sample_rate):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    soundfile.write(path, wave, sample_rate, subtype="PCM_16")
    return len(wave) / sample_rate


def _convert(src, dst, opts, trim=False):
    """Writes ``src`` as a corpus clip at ``dst``; returns its duration.

    Returns None (and logs why) for a file that cannot be decoded or is
    silent, so that one bad system file does not stop the build.
    """
    try:
        wave, sr = _read_mono(src, opts["max_seconds"], trim=trim)
    except (RuntimeError, soundfile.LibsndfileError) as err:
        logger.warning("LocalSounds: skipping %s (cannot decode: %s)", src,
                       err)
        return None
    if wave.size == 0 or not np.any(wave):
        logger.warning("LocalSounds: skipping %s (empty or silent)", src)
        return None
    wave = _finish(wave, sr, opts["sample_rate"], opts["max_seconds"],
                   opts["min_seconds"])
    return _write(wave, dst, opts["sample_rate"])


def _split_groups(strata, rng, valid_fraction, test_fraction):
    """Assigns every group to a split, stratum by stratum.

    Arguments
    ---------
    strata : dict
        ``{stratum: iterable of group ids}``.
    rng : random.Random
        Source of the shuffles.
    valid_fraction, test_fraction : float
        Share of each stratum's groups held out; a stratum of 3 or more
        groups gives at least one to each held-out split.

    Returns
    -------
    dict
        ``{group: split}``.
    """
    splits = {}
    for stratum in sorted(strata):
        groups = sorted(set(strata[stratum]))
        rng.shuffle(groups)
        n = len(groups)
        n_test = int(n * test_fraction + 0.5)
        n_valid = int(n * valid_fraction + 0.5)
        if n >= 3:
            n_test = max(n_test, 1 if test_fraction > 0 else 0)
            n_valid = max(n_valid, 1 if valid_fraction > 0 else 0)
        while n_test + n_valid >= n and n_test + n_valid > 0:
            if n_valid >= n_test:
                n_valid -= 1
            else:
                n_test -= 1
        for i, group in enumerate(groups):
            if i < n_test:
                splits[group] = "test"
            elif i < n_test + n_valid:
                splits[group] = "valid"
            else:
                splits[group] = "train"
    return splits


# ------------------------------------------------------- source checks ----
def _paths(source_root, soundfont):
    root = SOURCE_ROOT if source_root is None else source_root
    return {
        "root": root,
        "soundfont": soundfont or os.path.join(root, SOUNDFONT),
        "asterisk": os.path.join(root, ASTERISK_DIR),
        "drumkits": os.path.join(root, DRUMKITS_DIR),
        "sonic_pi": os.path.join(root, SONIC_PI_DIR),
        "freedesktop": os.path.join(root, FREEDESKTOP_DIR),
    }


def _voices(asterisk_dir, lang):
    """``[(folder, gender letter)]`` of the Asterisk voices of ``lang``."""
    if not os.path.isdir(asterisk_dir):
        return []
    found = []
    for name in sorted(os.listdir(asterisk_dir)):
        match = VOICE_DIR.match(name)
        path = os.path.join(asterisk_dir, name)
        if match and match.group(1) == lang and os.path.isdir(path):
            found.append((path, match.group(3)))
    return found


def check_options(sources, languages):
    """Raises ValueError for unknown sources or languages.

    Arguments
    ---------
    sources : list of str
        A non-empty subset of :data:`SOURCES`.
    languages : list of str
        Keys of :data:`LANGUAGE_NAMES`.
    """
    unknown = sorted(set(sources) - set(SOURCES))
    if unknown or not sources:
        raise ValueError(f"unknown LocalSounds source(s) {unknown}; "
                         f"choose one or more of {list(SOURCES)}")
    unknown = sorted(set(languages) - set(LANGUAGE_NAMES))
    if unknown or ("speech" in sources and not languages):
        raise ValueError(f"unknown language(s) {unknown}; choose one or "
                         f"more of {sorted(LANGUAGE_NAMES)}")


def check_sources(sources, languages, paths, fluidsynth):
    """Raises :class:`LayoutError` naming every missing Debian source.

    Arguments
    ---------
    sources : list of str
        The sources used (a subset of :data:`SOURCES`).
    languages : list of str
        Asterisk language codes used by the ``speech`` source.
    paths : dict
        Source locations (see ``_paths``).
    fluidsynth : str
        The fluidsynth program (name on PATH or path).
    """
    check_options(sources, languages)
    missing = []
    if "notes" in sources:
        if shutil.which(fluidsynth) is None:
            missing.append(f"program '{fluidsynth}' (package fluidsynth)")
        if not os.path.isfile(paths["soundfont"]):
            missing.append(
                f"{paths['soundfont']} (package timgm6mb-soundfont)"
            )
    if "speech" in sources:
        for lang in languages:
            if not _voices(paths["asterisk"], lang):
                missing.append(
                    f"{paths['asterisk']}/{lang}_*_[fm]_* "
                    f"(package asterisk-core-sounds-{lang}-wav)"
                )
            tr = os.path.join(paths["root"],
                              ASTERISK_TRANSCRIPTS.format(lang=lang))
            if not os.path.isfile(tr):
                missing.append(f"{tr} (package asterisk-core-sounds-{lang})")
    if "drums" in sources and not _drumkit_files(paths["drumkits"]):
        missing.append(f"{paths['drumkits']}/*/drumkit.xml "
                       "(package hydrogen-drumkits or hydrogen-data)")
    if "samples" in sources and not _listing(paths["sonic_pi"], ".flac"):
        missing.append(f"{paths['sonic_pi']}/*.flac "
                       "(package sonic-pi-samples)")
    if "events" in sources and not _listing(paths["freedesktop"], ".oga"):
        missing.append(f"{paths['freedesktop']}/*.oga "
                       "(package sound-theme-freedesktop)")
    if missing:
        raise LayoutError(
            f"{DATASET}: the Debian sources are not installed: "
            + "; ".join(missing)
            + f". Install them with: {INSTALL_HINT} (or choose fewer "
            "sources with the 'sources' option)"
        )


def _listing(folder, ext):
    if not os.path.isdir(folder):
        return []
    return sorted(n for n in os.listdir(folder) if n.endswith(ext))


def _drumkit_files(folder):
    if not os.path.isdir(folder):
        return []
    kits = []
    for name in sorted(os.listdir(folder)):
        xml = os.path.join(folder, name, "drumkit.xml")
        if os.path.isfile(xml):
            kits.append(xml)
    return kits


# ---------------------------------------------------------------- notes ----
def _vlq(value):
    """MIDI variable-length quantity."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    return bytes(reversed(out))


def write_note_midi(notes, path, note_seconds, hold_fraction=0.75):
    """Writes one single-track MIDI file playing ``notes`` one by one.

    Note ``i`` starts at ``i * note_seconds``, is released after
    ``hold_fraction`` of it and is silenced at the end of its slot.

    Arguments
    ---------
    notes : list of (int, int, int)
        ``(program, pitch, velocity)``.
    path : str
        The ``.mid`` file to write.
    note_seconds : float
        Length of a slot.
    hold_fraction : float
        Share of the slot the key is held.
    """
    track = bytearray()
    last = 0

    def event(tick, data):
        nonlocal last
        track.extend(_vlq(tick - last) + bytes(data))
        last = tick

    for i, (program, pitch, velocity) in enumerate(notes):
        start = int(round(i * note_seconds * TICKS_PER_SECOND))
        end = int(round((i + 1) * note_seconds * TICKS_PER_SECOND))
        event(start, (0xB0, 121, 0))  # reset controllers
        event(start, (0xC0, program))
        event(start, (0x90, pitch, velocity))
        event(start + int(hold_fraction * (end - start)), (0x80, pitch, 0))
        event(end - 1, (0xB0, 120, 0))  # all sound off
    track.extend(_vlq(1) + b"\xff\x2f\x00")
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480)
    with open(path, "wb") as f:
        f.write(header + b"MTrk" + struct.pack(">I", len(track)) + track)


def _render_notes(notes, soundfont, fluidsynth, sample_rate, note_seconds):
    """Renders ``notes`` with fluidsynth; returns one mono array per note."""
    with tempfile.TemporaryDirectory() as tmp:
        midi = os.path.join(tmp, "notes.mid")
        out = os.path.join(tmp, "notes.wav")
        write_note_midi(notes, midi, note_seconds)
        cmd = [
            fluidsynth, "-ni", "-q", "-R", "0", "-C", "0",
            "-g", str(FLUIDSYNTH_GAIN), "-r", str(sample_rate),
            "-T", "wav", "-O", "s16", "-F", out, soundfont, midi,
        ]
        run = subprocess.run(cmd, capture_output=True, text=True,
                             timeout=600)
        if run.returncode != 0 or not os.path.isfile(out):
            raise RuntimeError(
                f"{DATASET}: fluidsynth failed ({' '.join(cmd)}): "
                f"{run.stderr.strip()[-500:]}"
            )
        data, sr = soundfile.read(out, dtype="float32", always_2d=True)
    wave = data.mean(axis=1)
    peak = float(np.abs(wave).max())
    if peak > 0.99:  # one gain for all notes keeps the velocity differences
        wave *= 0.99 / peak
    size = int(round(note_seconds * sr))
    return [wave[i * size:(i + 1) * size] for i in range(len(notes))]


def collect_notes(opts, rng):
    """Plans the soundfont notes: programs, pitches, velocities, splits.

    Arguments
    ---------
    opts : dict
        The preparation options.
    rng : random.Random
        Source of the pitch choices and splits.

    Returns
    -------
    list of Clip
        With ``fields`` holding ``program``, ``pitch``, ``velocity``.
    """
    clips = []
    for family, spec in INSTRUMENT_FAMILIES.items():
        programs = spec["programs"][: opts["programs_per_family"]]
        if len(programs) < opts["programs_per_family"]:
            raise ValueError(
                f"programs_per_family={opts['programs_per_family']}: family "
                f"'{family}' has {len(spec['programs'])} programs"
            )
        low, high = spec["pitches"]
        for program in programs:
            pitches = sorted(rng.sample(range(low, high + 1),
                                        opts["pitches_per_program"]))
            for pitch in pitches:
                group = f"note_p{program:03d}_n{pitch:03d}"
                for velocity in opts["velocities"]:
                    clips.append(_note_clip(family, program, pitch,
                                            velocity, group))
    return _assign(clips, rng, opts)


def _note_clip(family, program, pitch, velocity, group):
    noun = FAMILY_NOUNS[family]
    vel, pw = velocity_word(velocity), pitch_word(pitch)
    caption = f"a {vel} {family} note at a {pw} pitch"
    return Clip(
        clip_id=f"{group}_v{velocity:03d}",
        source="notes",
        group=group,
        stratum=f"program{program:03d}",
        caption=caption,
        references=[
            caption,
            f"a {noun} playing a single {vel} {pw} note",
            f"one {vel} {pw}-pitched note on a {noun}",
        ],
        facts={"speech": False, "instrument": True, "drum": False,
               "family": family, "pitch_word": pw},
        fields={"family": family, "program": program,
                "program_name": GM_PROGRAM_NAMES.get(program, ""),
                "pitch": pitch, "velocity": velocity},
    )


def write_notes(clips, paths, opts, fluidsynth):
    """Renders the note clips into ``<data_folder>/notes``."""
    if not clips:
        return
    note_seconds = opts["max_seconds"]
    notes = [(c.fields["program"], c.fields["pitch"], c.fields["velocity"])
             for c in clips]
    waves = _render_notes(notes, paths["soundfont"], fluidsynth,
                          opts["sample_rate"], note_seconds)
    for clip, wave in zip(clips, waves):
        dst = os.path.join(opts["data_folder"], "notes",
                           f"{clip.clip_id}.wav")
        clip.duration = _write(wave, dst, opts["sample_rate"])


# --------------------------------------------------------------- speech ----
def read_transcripts(path):
    """Reads an Asterisk ``core-sounds-XX.txt.gz`` (lines ``name: text``).

    Arguments
    ---------
    path : str
        The transcript file.

    Returns
    -------
    dict
        ``{name: text}``; names given twice are left out (ambiguous).
    """
    texts, repeated = {}, set()
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(";") or ":" not in line:
                continue
            name, text = line.split(":", 1)
            if name in texts:
                repeated.add(name)
            texts[name.strip()] = text.strip()
    return {k: v for k, v in texts.items() if k not in repeated}


def _spoken_words(text):
    """Words of a transcript, without ``[notes]`` and ``(sounds)``."""
    return re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", text).split()


def collect_speech(opts, paths, rng):
    """Chooses the Asterisk recordings of each language and their splits.

    A recording is used when its transcript has at least ``min_words``
    spoken words and it lasts at least ``min_speech_seconds``.

    Arguments
    ---------
    opts : dict
        The preparation options.
    paths : dict
        Source locations.
    rng : random.Random
        Source of the choices and splits.

    Returns
    -------
    list of Clip
        With ``fields['path']`` the source wav.
    """
    clips = []
    for lang in opts["languages"]:
        tr = os.path.join(paths["root"], ASTERISK_TRANSCRIPTS.format(lang=lang))
        texts = read_transcripts(tr)
        eligible = []
        for folder, gender in _voices(paths["asterisk"], lang):
            said = set()  # one recording per sentence and voice
            for name in sorted(texts):
                words = _spoken_words(texts[name])
                sentence = re.sub(r"[^\w ]", "", " ".join(words).lower())
                wav = os.path.join(folder, name + ".wav")
                if len(words) < opts["min_words"] or sentence in said:
                    continue
                if not os.path.isfile(wav):
                    continue
                info = soundfile.info(wav)
                if info.frames / info.samplerate < opts["min_speech_seconds"]:
                    continue
                said.add(sentence)
                eligible.append((wav, name, gender, os.path.basename(folder)))
        chosen = _take_unique(eligible, lambda e: [e[0]],
                              opts["speech_per_language"], rng)
        if len(chosen) < opts["speech_per_language"]:
            logger.warning("LocalSounds: only %d usable %s recordings",
                           len(chosen), lang)
        for wav, name, gender, voice in sorted(chosen):
            clips.append(_speech_clip(lang, wav, name, gender, voice,
                                      texts[name]))
    return _assign(clips, rng, opts)


def _speech_clip(lang, wav, name, gender, voice, text):
    language = LANGUAGE_NAMES[lang]
    person, adjective = GENDER_WORDS.get(gender, ("person", "human"))
    caption = f"a {person} speaking {language}"
    clip_id = f"{voice}_{_slug(name)}"
    return Clip(
        clip_id=clip_id,
        source="speech",
        group=clip_id,
        stratum=lang,
        caption=caption,
        references=[
            caption,
            f"a {adjective} voice speaking in {language}",
            f"a {person} says a short phrase in {language}",
        ],
        facts={"speech": True, "instrument": False, "drum": False,
               "language": language},
        fields={"path": wav, "language": language, "lang_code": lang,
                "gender": person, "voice": voice, "text": text},
    )


# ---------------------------------------------------------------- drums ----
def read_drumkit(xml_path):
    """Reads a Hydrogen ``drumkit.xml``.

    Arguments
    ---------
    xml_path : str
        The kit's ``drumkit.xml`` (any Hydrogen format version).

    Returns
    -------
    dict
        ``{"name", "license", "instruments": [(name, [(file, min, max)])]}``
        with the layers sorted from soft to hard and only the files that
        exist.
    """
    root = ET.parse(xml_path).getroot()
    for element in root.iter():
        element.tag = element.tag.rsplit("}", 1)[-1]
    folder = os.path.dirname(xml_path)
    instruments = []
    for inst in root.iter("instrument"):
        name = (inst.findtext("name") or "").strip()
        layers = []
        for layer in inst.iter("layer"):
            layers.append((layer.findtext("filename"),
                           float(layer.findtext("min") or 0),
                           float(layer.findtext("max") or 1)))
        if not layers and inst.findtext("filename"):
            layers.append((inst.findtext("filename"), 0.0, 1.0))
        layers = sorted(
            ((os.path.join(folder, f.strip()), lo, hi) for f, lo, hi in layers
             if f and os.path.isfile(os.path.join(folder, f.strip()))),
            key=lambda x: (x[1], x[2], x[0]),
        )
        if name and layers:
            instruments.append((name, layers))
    return {
        "name": (root.findtext("name") or os.path.basename(folder)).strip(),
        "license": (root.findtext("license") or "").strip(),
        "instruments": instruments,
    }


def collect_drums(opts, paths, rng):
    """Chooses drum hits, balanced over drum classes, and their splits.

    Each chosen instrument of a kit gives its softest and hardest layer
    (one clip when it has one layer); the instrument is the split group.

    Arguments
    ---------
    opts : dict
        The preparation options.
    paths : dict
        Source locations.
    rng : random.Random
        Source of the choices and splits.

    Returns
    -------
    list of Clip
    """
    by_class = {}
    for xml in _drumkit_files(paths["drumkits"]):
        try:
            kit = read_drumkit(xml)
        except ET.ParseError as err:
            logger.warning("LocalSounds: skipping %s (%s)", xml, err)
            continue
        for name, layers in kit["instruments"]:
            label = drum_class(name)
            if label is not None:
                by_class.setdefault(label, []).append((kit, name, layers))
    if not by_class:
        return []
    quota = math.ceil(opts["drum_hits"] / len(by_class))
    clips = []
    seen = set()
    for label in sorted(by_class):
        candidates = sorted(by_class[label], key=lambda x: (x[0]["name"],
                                                            x[1]))
        rng.shuffle(candidates)
        taken = 0
        for kit, name, layers in candidates:
            if taken >= quota:
                break
            chosen = [(layers[0][0], None)]
            if len(layers) > 1 and fingerprint(layers[0][0]) != fingerprint(
                    layers[-1][0]):
                chosen = [(layers[0][0], "soft"), (layers[-1][0], "loud")]
            if not _first_unique([p for p, _ in chosen], seen):
                continue
            for path, vel in chosen:
                clips.append(_drum_clip(label, kit, name, path, vel))
                taken += 1
    return _assign(clips, rng, opts)


def _drum_clip(label, kit, name, path, vel):
    noun, is_drum, is_cymbal = DRUM_CLASSES[label]
    caption = f"a {vel} {noun}" if vel else f"a {noun}"
    group = f"{_slug(kit['name'])}_{_slug(name)}"
    layer = _slug(os.path.splitext(os.path.basename(path))[0])
    return Clip(
        clip_id=f"{group}_{layer}",
        source="drums",
        group=group,
        stratum=label,
        caption=caption,
        references=[caption, f"a single {label} sound",
                    f"the sound of a {label} in a drum kit"],
        facts={"speech": False, "instrument": True, "drum": is_drum,
               "cymbal": is_cymbal},
        fields={"path": path, "kit": kit["name"], "kit_instrument": name,
                "license": kit["license"][:120]},
        event=label,
    )


# ------------------------------------------------------ samples, events ----
def _sample_entry(name):
    """``(event, caption, facts)`` of a Sonic Pi sample name."""
    best = None
    for prefix in SAMPLE_PREFIXES:
        if name.startswith(prefix) and (best is None
                                        or len(prefix) > len(best)):
            best = prefix
    if best is None:
        return None
    event, caption, facts = SAMPLE_PREFIXES[best]
    if facts is None:  # a drum sound: the drum class says it all
        _, is_drum, is_cymbal = DRUM_CLASSES[event]
        facts = {"speech": False, "instrument": True, "drum": is_drum,
                 "cymbal": is_cymbal}
    return event, caption, dict(facts)


def collect_samples(opts, paths, rng):
    """Lists the Sonic Pi samples (up to ``max_samples``) and their splits.

    Arguments
    ---------
    opts : dict
        The preparation options.
    paths : dict
        Source locations.
    rng : random.Random
        Source of the choices and splits.

    Returns
    -------
    list of Clip
    """
    clips = []
    for fname in _listing(paths["sonic_pi"], ".flac"):
        name = fname[: -len(".flac")]
        entry = _sample_entry(name)
        if entry is None:
            logger.info("LocalSounds: no label for Sonic Pi sample %s", name)
            continue
        event, caption, facts = entry
        words = name.replace("_", " ")
        clips.append(Clip(
            clip_id=_slug(name), source="samples", group=_slug(name),
            stratum=name.split("_")[0], caption=caption,
            references=[caption, f"a {event} sound",
                        f"the sonic pi sample {words}"],
            facts=facts,
            fields={"path": os.path.join(paths["sonic_pi"], fname),
                    "sample_name": name},
            event=event,
        ))
    clips = _take_unique(clips, lambda c: [c.fields["path"]],
                         opts["max_samples"], rng)
    return _assign(sorted(clips, key=lambda c: c.clip_id), rng, opts)


def collect_events(opts, paths, rng):
    """Lists the freedesktop event sounds and their splits.

    Arguments
    ---------
    opts : dict
        The preparation options.
    paths : dict
        Source locations.
    rng : random.Random
        Source of the splits.

    Returns
    -------
    list of Clip
    """
    clips = []
    for fname in _listing(paths["freedesktop"], ".oga"):
        name = fname[: -len(".oga")]
        words = name.replace("-", " ")
        facts = dict(_EVENT)
        if name.startswith("audio-channel-"):
            spoken = words[len("audio channel "):]
            event, caption = "speech", f"a voice saying {spoken}"
            facts["speech"] = True
            refs = [caption, f"a person says {spoken}",
                    f"someone speaking the words {spoken}"]
        else:
            event, caption = EVENT_SOUNDS.get(
                name, ("notification", f"a short {words} notification sound")
            )
            if event == "bell":
                facts["instrument"] = None
            refs = [caption, f"a {words} sound",
                    f"a computer {event} sound"]
        clips.append(Clip(
            clip_id=_slug(name), source="events", group=_slug(name),
            stratum="speech" if facts["speech"] else "event",
            caption=caption, references=refs, facts=facts,
            fields={"path": os.path.join(paths["freedesktop"], fname),
                    "event_name": name},
            event=event,
        ))
    clips = _take_unique(clips, lambda c: [c.fields["path"]],
                         opts["max_events"], rng)
    return _assign(sorted(clips, key=lambda c: c.clip_id), rng, opts)


def _assign(clips, rng, opts):
    """Sets each clip's split, its group's, stratified by ``stratum``."""
    strata = {}
    for clip in clips:
        strata.setdefault(clip.stratum, []).append(clip.group)
    splits = _split_groups(strata, rng, opts["valid_fraction"],
                           opts["test_fraction"])
    for clip in clips:
        clip.split = splits[clip.group]
    return clips


def write_copied(clips, opts, trim=False):
    """Converts the recorded clips (speech, drums, samples, events).

    Clips that cannot be decoded are dropped; returns those written.
    """
    kept = []
    for clip in clips:
        dst = os.path.join(opts["data_folder"], clip.source,
                           f"{clip.clip_id}.wav")
        duration = _convert(clip.fields["path"], dst, opts, trim=trim)
        if duration is not None:
            clip.duration = duration
            kept.append(clip)
    return kept


# ---------------------------------------------------------------- items ----
def aqa_questions(clip):
    """The yes/no questions that can be asked about ``clip``.

    Arguments
    ---------
    clip : Clip
        A clip with its ``facts``.

    Returns
    -------
    dict
        ``{question: "yes" | "no"}``.
    """
    facts = clip.facts
    answers = {}
    for key, question in (
        ("speech", "is someone speaking?"),
        ("instrument", "is this a musical instrument?"),
        ("drum", "is this a drum?"),
        ("cymbal", "is this a cymbal?"),
    ):
        if facts.get(key) is not None:
            answers[question] = YES_NO[0] if facts[key] else YES_NO[1]
    if facts.get("family"):
        for family, noun in FAMILY_NOUNS.items():
            article = "an" if noun[0] in "aeiou" else "a"
            answers[f"is this {article} {noun}?"] = (
                "yes" if facts["family"] == family else "no"
            )
    if facts.get("pitch_word") in ("low", "high"):
        answers["is this a low note?"] = (
            "yes" if facts["pitch_word"] == "low" else "no"
        )
    if facts.get("language"):
        for language in LANGUAGE_NAMES.values():
            answers[f"is this person speaking {language}?"] = (
                "yes" if facts["language"] == language else "no"
            )
    return answers


def _balanced_aqa(clips, rng, max_per_answer):
    """``[(clip, question, answer)]`` with as many yes as no per question."""
    by_question = {}
    for clip in clips:
        for question, answer in aqa_questions(clip).items():
            by_question.setdefault(question, {"yes": [], "no": []})
            by_question[question][answer].append(clip)
    chosen = []
    for question in sorted(by_question):
        pools = by_question[question]
        k = min(len(pools["yes"]), len(pools["no"]), max_per_answer)
        for answer in YES_NO:
            for clip in rng.sample(pools[answer], k):
                chosen.append((clip, question, answer))
    return chosen


def _base_fields(clip):
    fields = {k: v for k, v in clip.fields.items() if k != "path"}
    fields.update(split=clip.split, dataset=DATASET, source=clip.source,
                  clip=clip.clip_id, group=clip.group)
    return fields


def build_items(clips, opts, rng):
    """Builds the manifest items of every split.

    Arguments
    ---------
    clips : list of Clip
        Written clips with their splits.
    opts : dict
        The preparation options.
    rng : random.Random
        Source of the question sampling.

    Returns
    -------
    dict
        ``{split: {item id: item}}``; test items all carry ``eval_task``.
    """
    items = {split: {} for split in SPLITS}
    for clip in clips:
        wav = relative_to_root(
            os.path.join(opts["data_folder"], clip.source,
                         f"{clip.clip_id}.wav"),
            opts["data_folder"],
        )
        base = _base_fields(clip)
        tasks = []
        if clip.source == "notes":
            tasks.append(("note", "music_note", {
                "instrument": clip.fields["family"],
                "eval_task": "instrument_family"}))
        elif clip.source == "speech":
            tasks.append(("language", "spoken_language",
                          {"eval_task": "language"}))
        if clip.event is not None:
            tasks.append(("event", "sound_event", {"events": [clip.event]}))
        tasks.append(("caption", "captioning", {
            "caption": clip.caption, "eval_task": "captioning"}))
        for suffix, task, extra in tasks:
            if clip.split == "test" and "eval_task" not in extra:
                continue
            item = make_item(wav, clip.duration, task, **base, **extra)
            if task == "captioning":
                item["references"] = list(clip.references)
            items[clip.split][f"{clip.clip_id}__{suffix}"] = item
    for split in SPLITS:
        in_split = [c for c in clips if c.split == split]
        for clip, question, answer in _balanced_aqa(
                in_split, rng, opts["aqa_max_per_answer"]):
            wav = relative_to_root(
                os.path.join(opts["data_folder"], clip.source,
                             f"{clip.clip_id}.wav"),
                opts["data_folder"],
            )
            item = make_item(
                wav, clip.duration, "audio_qa", labels=[answer],
                question=question, answer=answer, answer_type="yes_no",
                eval_task="aqa_yes_no", **_base_fields(clip),
            )
            items[split][f"{clip.clip_id}__qa_{_slug(question)}"] = item
    return items


def eval_labels(opts):
    """Candidate labels of the close-ended evaluation tasks.

    Arguments
    ---------
    opts : dict
        The preparation options.

    Returns
    -------
    dict
        ``{eval_task: [label, ...]}`` for the sources used.
    """
    labels = {"aqa_yes_no": list(YES_NO)}
    if "notes" in opts["sources"]:
        labels["instrument_family"] = list(INSTRUMENT_FAMILIES)
    if "speech" in opts["sources"]:
        labels["language"] = [LANGUAGE_NAMES[x] for x in opts["languages"]]
    return labels


# ------------------------------------------------------------------ main ----
def prepare_localsounds(
    data_folder,
    save_folder,
    skip_prep=False,
    sample_rate=16000,
    seed=1234,
    sources=SOURCES,
    languages=tuple(LANGUAGE_NAMES),
    speech_per_language=80,
    programs_per_family=4,
    pitches_per_program=12,
    velocities=(50, 115),
    drum_hits=150,
    max_samples=None,
    max_events=None,
    max_seconds=4.0,
    min_seconds=0.5,
    min_words=3,
    min_speech_seconds=1.5,
    valid_fraction=0.1,
    test_fraction=0.2,
    aqa_max_per_answer=40,
    source_root=None,
    soundfont=None,
    fluidsynth=None,
):
    """Builds the LocalSounds audio and its train/valid/test manifests.

    Arguments
    ---------
    data_folder : str
        Where the clips are written (``notes/``, ``speech/``, ``drums/``,
        ``samples/``, ``events/``); the manifests' ``{data_root}``.
    save_folder : str
        Where ``train.json``, ``valid.json``, ``test.json``,
        ``labels_<eval_task>.json`` and ``templates.yaml`` are written.
    skip_prep : bool
        Do nothing but return the manifest paths.
    sample_rate : int
        Sample rate of every clip (mono, 16-bit).
    seed : int
        Seed of every random choice (pitches, recordings, splits,
        questions); the same options give the same corpus.
    sources : list of str
        Which of :data:`SOURCES` to use.
    languages : list of str
        Asterisk language codes (``en``, ``es``, ``fr``, ``it``, ``ru``).
    speech_per_language : int
        Recordings per language.
    programs_per_family : int
        GM programs per instrument family (at most 6).
    pitches_per_program : int
        Pitches rendered per program; one or more of them are held out
        for valid and test (by ``valid_fraction`` / ``test_fraction``).
    velocities : list of int
        MIDI velocities each pitch is rendered at.
    drum_hits : int
        About how many drum hits (balanced over drum classes).
    max_samples, max_events : int or None
        Caps on the Sonic Pi samples and freedesktop sounds (None: all).
    max_seconds : float
        Clip length cap (and the length of a note clip).
    min_seconds : float
        Shorter clips are padded with silence to this length.
    min_words : int
        Least spoken words in a speech recording's transcript.
    min_speech_seconds : float
        Least duration of a speech recording.
    valid_fraction, test_fraction : float
        Share of the source items of each stratum held out.
    aqa_max_per_answer : int
        Most items per yes/no question and answer in each split.
    source_root : str, optional
        Root the Debian files are found under (default :data:`SOURCE_ROOT`).
    soundfont : str, optional
        A GM ``.sf2`` file (default: the TimGM6mb one).
    fluidsynth : str, optional
        The fluidsynth program (default :data:`FLUIDSYNTH`).

    Returns
    -------
    dict
        ``{split: manifest path}``.

    Raises
    ------
    LayoutError
        When Debian sources are missing; names the packages and
        ``install_sources.sh``.
    """
    outputs = {s: os.path.join(save_folder, f"{s}.json") for s in SPLITS}
    if skip_prep:
        return outputs
    fluidsynth = fluidsynth or FLUIDSYNTH
    paths = _paths(source_root, soundfont)
    check_options(sources, languages)
    opts = {
        "data_folder": os.path.abspath(data_folder),
        "sample_rate": int(sample_rate), "seed": seed,
        "sources": [s for s in SOURCES if s in sources],
        "languages": list(languages),
        "speech_per_language": speech_per_language,
        "programs_per_family": programs_per_family,
        "pitches_per_program": pitches_per_program,
        "velocities": [int(v) for v in velocities],
        "drum_hits": drum_hits, "max_samples": max_samples,
        "max_events": max_events, "max_seconds": float(max_seconds),
        "min_seconds": float(min_seconds), "min_words": min_words,
        "min_speech_seconds": min_speech_seconds,
        "valid_fraction": valid_fraction, "test_fraction": test_fraction,
        "aqa_max_per_answer": aqa_max_per_answer,
        "source_root": paths["root"], "soundfont": paths["soundfont"],
    }
    labels = eval_labels(opts)
    label_files = [os.path.join(save_folder, f"labels_{k}.json")
                   for k in labels]
    conf_file = os.path.join(save_folder, "prepare_opts.json")
    if os.path.isdir(data_folder) and already_prepared(
            [*outputs.values(), *label_files], conf_file, opts):
        logger.info("LocalSounds: %s is prepared already, skipping",
                    save_folder)
        return outputs
    check_sources(opts["sources"], opts["languages"], paths, fluidsynth)
    start = time.time()
    clips = []
    for source in opts["sources"]:
        # one generator per source, so a source's choices do not depend on
        # which other sources are used
        rng = random.Random(f"{seed}-{source}")
        if source == "notes":
            planned = collect_notes(opts, rng)
            write_notes(planned, paths, opts, fluidsynth)
        elif source == "speech":
            planned = write_copied(collect_speech(opts, paths, rng), opts,
                                   trim=True)
        elif source == "drums":
            planned = write_copied(collect_drums(opts, paths, rng), opts)
        elif source == "samples":
            planned = write_copied(collect_samples(opts, paths, rng), opts)
        else:
            planned = write_copied(collect_events(opts, paths, rng), opts)
        logger.info("LocalSounds: %d %s clips", len(planned), source)
        clips.extend(planned)
    splits = build_items(clips, opts, random.Random(f"{seed}-items"))
    for split, items in splits.items():
        if not items:
            logger.warning("LocalSounds: the %s split is empty; use more "
                           "clips or larger held-out fractions", split)
    os.makedirs(save_folder, exist_ok=True)
    for task, names in labels.items():
        write_manifest_labels(names, os.path.join(save_folder,
                                                  f"labels_{task}.json"))
    shutil.copyfile(TEMPLATES_FILE, os.path.join(save_folder,
                                                 "templates.yaml"))
    save_prepared(splits, save_folder, conf=opts)
    logger.info(
        "LocalSounds: %d clips, items %s, built in %.1f s", len(clips),
        {s: len(v) for s, v in splits.items()}, time.time() - start,
    )
    return outputs


def write_manifest_labels(labels, path):
    """Writes a candidate-label list as JSON.

    Arguments
    ---------
    labels : list of str
        The class labels.
    path : str
        The ``labels_<eval_task>.json`` file.
    """
    with open(path, "w", encoding="utf-8") as f:
        json.dump(list(labels), f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    from pengi_sb.prepare.cli import run_prepare_cli

    run_prepare_cli(prepare_localsounds,
                    "Build the LocalSounds corpus from Debian packages")
