"""Builds the whole LocalSounds corpus: checks the options and the Debian
sources, builds each source's clips, writes the manifests.

Each source is planned and split with its own random generator
(``Random(f"{seed}-{source}")``), so a source's choices do not depend on
which other sources are used; the yes/no questions use
``Random(f"{seed}-items")``. A second call with the same options finds the
manifests and ``prepare_opts.json`` and does nothing.

Example
-------
>>> check_options(["notes", "events"], ["fr"])
>>> check_options(["birdsong"], [])
Traceback (most recent call last):
...
ValueError: unknown LocalSounds source(s) ['birdsong']; choose one or more \
of ['notes', 'speech', 'drums', 'samples', 'events']

Authors
 * pengi-sb developers 2026
"""

import os
import random
import shutil
import time

from speechbrain.utils.logger import get_logger

from pengi_sb.prepare.layout import already_prepared, save_prepared
from pengi_sb.prepare.localsounds.audio import write_recorded
from pengi_sb.prepare.localsounds.clips import SOURCES, SPLITS
from pengi_sb.prepare.localsounds.drums import collect_drums
from pengi_sb.prepare.localsounds.events import collect_events
from pengi_sb.prepare.localsounds.manifest import (
    build_items,
    eval_labels,
    write_manifest_labels,
)
from pengi_sb.prepare.localsounds.notes import (
    check_soundfonts,
    collect_notes,
    soundfont_name,
    write_notes,
)
from pengi_sb.prepare.localsounds.samples import collect_samples
from pengi_sb.prepare.localsounds.sources import (
    FLUIDSYNTH,
    check_sources,
    soundfont_file,
    source_paths,
)
from pengi_sb.prepare.localsounds.speech import (
    LANGUAGE_NAMES,
    collect_speech,
)
from pengi_sb.prepare.localsounds.templates import TEMPLATES_FILE

__all__ = ["DEFAULT_SOUNDFONTS", "build_source", "check_options",
           "prepare_localsounds"]

logger = get_logger(__name__)

# The soundfonts each split's notes are rendered with: the test notes come
# from recordings of instruments that training and validation never hear
# (TimGM6mb shares no samples with the other two; see sources.SOUNDFONTS).
DEFAULT_SOUNDFONTS = {
    "train": ("FluidR3_GM", "MuseScore_General"),
    "valid": ("FluidR3_GM", "MuseScore_General"),
    "test": ("TimGM6mb",),
}

# The recorded sources: how each is planned, and whether its clips start at
# their first sound.
RECORDED = {
    "speech": (collect_speech, True),
    "drums": (collect_drums, False),
    "samples": (collect_samples, False),
    "events": (collect_events, False),
}


def check_options(sources, languages):
    """Raises ValueError for unknown sources or languages.

    Arguments
    ---------
    sources : list of str
        A non-empty subset of :data:`SOURCES`.
    languages : list of str
        Keys of ``LANGUAGE_NAMES``; at least one when ``speech`` is used.
    """
    unknown = sorted(set(sources) - set(SOURCES))
    if unknown or not sources:
        raise ValueError(f"unknown LocalSounds source(s) {unknown}; "
                         f"choose one or more of {list(SOURCES)}")
    unknown = sorted(set(languages) - set(LANGUAGE_NAMES))
    if unknown or ("speech" in sources and not languages):
        raise ValueError(f"unknown language(s) {unknown}; choose one or "
                         f"more of {sorted(LANGUAGE_NAMES)}")


def build_source(source, opts, paths, fluidsynth, rng):
    """Plans, splits and writes the clips of one source.

    Arguments
    ---------
    source : str
        One of :data:`SOURCES`.
    opts : dict
        The preparation options.
    paths : dict
        Source locations (``pengi_sb.prepare.localsounds.sources``).
    fluidsynth : str
        The fluidsynth program (for ``notes``).
    rng : random.Random
        The source's own generator.

    Returns
    -------
    list of Clip
        The written clips, with their splits and durations.
    """
    if source == "notes":
        clips = collect_notes(opts, rng)
        files = {soundfont_name(font): soundfont_file(font, paths)
                 for fonts in opts["soundfonts"].values() for font in fonts}
        write_notes(clips, files, fluidsynth, opts)
        return clips
    collect, trim = RECORDED[source]
    return write_recorded(collect(opts, paths, rng), opts, trim=trim)


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
    soundfonts=None,
    hold_out_kits=True,
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
        Root the Debian files are found under (default ``/``).
    soundfonts : dict, optional
        ``{split: [soundfont, ...]}``: the General MIDI soundfonts each
        split's notes are rendered with (names of
        ``sources.SOUNDFONTS`` or ``.sf2`` / ``.sf3`` files); a test
        soundfont may render no training or validation note. Default
        :data:`DEFAULT_SOUNDFONTS`: train and valid FluidR3_GM and
        MuseScore_General, test TimGM6mb.
    hold_out_kits : bool
        The drum hits of test (and valid) come from whole drum kits that
        training does not use (when there are 3 kits or more; else each
        kit instrument is a split group).
    fluidsynth : str, optional
        The fluidsynth program (default ``fluidsynth``).

    Returns
    -------
    dict
        ``{split: manifest path}``.

    Raises
    ------
    LayoutError
        When Debian sources are missing; names the packages and
        ``install_sources.sh``.
    ValueError
        For unknown sources or languages.
    """
    outputs = {s: os.path.join(save_folder, f"{s}.json") for s in SPLITS}
    if skip_prep:
        return outputs
    fluidsynth = fluidsynth or FLUIDSYNTH
    paths = source_paths(source_root)
    check_options(sources, languages)
    soundfonts = {split: [str(f) for f in fonts] for split, fonts in
                  (soundfonts or DEFAULT_SOUNDFONTS).items()}
    check_soundfonts(soundfonts)
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
        "source_root": paths["root"], "soundfonts": soundfonts,
        "hold_out_kits": bool(hold_out_kits),
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
    check_sources(opts["sources"], opts["languages"], paths, fluidsynth,
                  [f for fonts in soundfonts.values() for f in fonts])
    start = time.time()
    clips = []
    for source in opts["sources"]:
        built = build_source(source, opts, paths, fluidsynth,
                             random.Random(f"{seed}-{source}"))
        logger.info("LocalSounds: %d %s clips", len(built), source)
        clips.extend(built)
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
