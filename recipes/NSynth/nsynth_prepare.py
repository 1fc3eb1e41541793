"""Manifests for NSynth (305,979 four-second notes of 1,006 instruments).

Reads the official json/wav release
(https://magenta.tensorflow.org/datasets/nsynth; ``nsynth-train.jsonwav.tar.gz``
etc. unpack to these folders, side by side in the data folder)::

    nsynth-train/examples.json   {note_str: {note, note_str, instrument,
    nsynth-valid/examples.json    instrument_str, pitch, velocity,
    nsynth-test/examples.json     sample_rate, qualities, qualities_str,
                                  instrument_family, instrument_family_str,
                                  instrument_source, instrument_source_str}}
    nsynth-<split>/audio/<note_str>.wav      (16 kHz, 4 s)

Task ``music_note`` ("this music note is"), target built from the note's
fields: ``produced by bass, pitch 33, velocity 50, qualities dark,
percussive`` (the instrument is the instrument family; qualities are
omitted when the note has none). Names are written as text: ``synth_lead``
-> ``synth lead``, ``fast_decay`` -> ``fast decay``, ``long_release`` ->
``long release``, ``nonlinear_env`` -> ``nonlinear env``;
``tempo-synced`` stays.

``target`` picks what ``labels`` (and ``labels.json``) hold, i.e. which
benchmark the manifests serve; the target text is the same full template
text in every case:

===================  ==============================  ====================
target               labels of a note                labels.json
===================  ==============================  ====================
``full`` (default)   ``["bass"]`` (pretraining)      the 11 families
``instrument_family``  ``["bass"]``                  the 11 families
``pitch``            ``["pitch 33"]``                every pitch present
``velocity``         ``["velocity 50"]``             every velocity present
``qualities``        ``["dark", "percussive"]``      the 10 qualities
                     (may be empty)
===================  ==============================  ====================

The pitch and velocity labels are the phrases written in the target
(``pitch 33``), so that a label never matches the wrong number (``50`` is
both a pitch and a velocity). Manifests: ``train.json``, ``valid.json``,
``test.json`` for the splits named in ``splits`` (default all three; the
paper's benchmarks use ``test``, 4,096 notes).

Authors
 * pengi-sb developers 2026
"""

import json
import os

from pengi_sb.prepare.cli import readable, run_preparation, run_prepare_cli

DATASET = "NSynth"
DOWNLOAD = (
    "https://magenta.tensorflow.org/datasets/nsynth: the json/wav archives "
    "nsynth-{train,valid,test}.jsonwav.tar.gz unpacked in the data folder"
)
FAMILIES = (
    "bass", "brass", "flute", "guitar", "keyboard", "mallet", "organ",
    "reed", "string", "synth_lead", "vocal",
)
QUALITIES = (
    "bright", "dark", "distortion", "fast_decay", "long_release",
    "multiphonic", "nonlinear_env", "percussive", "reverb", "tempo-synced",
)
TARGETS = ("full", "instrument_family", "pitch", "velocity", "qualities")
SPLITS = ("train", "valid", "test")
FIELDS = ("pitch", "velocity", "instrument_family_str", "qualities_str")


def note_fields(note_str, note, path):
    """The ``music_note`` template fields of one examples.json entry."""
    missing = [k for k in FIELDS if k not in note]
    if missing:
        raise ValueError(
            f"{path}, note {note_str}: missing field(s) {missing}"
        )
    family = note["instrument_family_str"]
    odd = [q for q in note["qualities_str"] if q not in QUALITIES]
    if family not in FAMILIES or odd:
        raise ValueError(
            f"{path}, note {note_str}: unknown family '{family}' or "
            f"qualities {odd}"
        )
    return {
        "instrument": readable(family),
        "pitch": int(note["pitch"]),
        "velocity": int(note["velocity"]),
        "qualities": [readable(q) for q in note["qualities_str"]],
    }


def note_labels(fields, target):
    """The labels of a note for the benchmark ``target``."""
    if target in ("full", "instrument_family"):
        return [fields["instrument"]]
    if target in ("pitch", "velocity"):
        return [f"{target} {fields[target]}"]
    return list(fields["qualities"])


def prepare_nsynth(
    data_folder, save_folder, skip_prep=False, target="full", splits=SPLITS,
    max_missing_fraction=None,
):
    """Writes ``<split>.json`` for each NSynth split and ``labels.json``.

    Arguments
    ---------
    data_folder : str
        The folder holding ``nsynth-train``, ``nsynth-valid``,
        ``nsynth-test``.
    save_folder : str
        Where the manifests and ``labels.json`` go.
    skip_prep : bool
        Do nothing (return the manifest paths).
    target : str
        One of ``full``, ``instrument_family``, ``pitch``, ``velocity``,
        ``qualities`` (see the module docstring).
    splits : list of str
        Which of ``train``, ``valid``, ``test`` to prepare.
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 0.05; 0: any missing file fails; see
        :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{split: manifest path}``.
    """
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got '{target}'")
    splits = [splits] if isinstance(splits, str) else list(splits)
    odd = [s for s in splits if s not in SPLITS]
    if odd or not splits:
        raise ValueError(f"splits must be among {SPLITS}, got {splits}")

    def build(builder):
        numbers = set()
        for split in splits:
            folder = os.path.join(data_folder, f"nsynth-{split}")
            path = os.path.join(folder, "examples.json")
            with open(path, encoding="utf-8") as f:
                notes = json.load(f)
            for note_str, note in notes.items():
                fields = note_fields(note_str, note, path)
                labels = note_labels(fields, target)
                if target in ("pitch", "velocity"):
                    numbers.add(fields[target])
                builder.add(
                    split, note_str,
                    os.path.join(folder, "audio", f"{note_str}.wav"),
                    "music_note", labels=labels,
                    instrument_source=note.get("instrument_source_str"),
                    **fields,
                )
        if target in ("pitch", "velocity"):
            return [f"{target} {n}" for n in sorted(numbers)]
        if target == "qualities":
            return [readable(q) for q in QUALITIES]
        return [readable(f) for f in FAMILIES]

    required = []
    for split in splits:
        required += [f"nsynth-{split}/examples.json", f"nsynth-{split}/audio"]
    return run_preparation(
        DATASET, data_folder, save_folder, splits, build, required, DOWNLOAD,
        options={"target": target}, skip_prep=skip_prep,
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_nsynth, "Prepare NSynth manifests for Pengi")
