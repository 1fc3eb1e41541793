"""Manifests for the Beijing Opera Percussion Instrument dataset (236
single strokes of the four percussion instruments of Jingju: bangu
(clapper-drum), naobo (cymbals), daluo (large gong), xiaoluo (small gong)).

Reads the Zenodo release (https://zenodo.org/record/1285212,
``beijing_opera_percussion_instrument_1.0.zip``), whose clips come from
Freesound and carry the class in their name::

    beijing_opera_percussion_instrument_1.0/
        205972__ajaysm__daluo-01.wav
        205973__ajaysm__bangu-06.wav ...

(pass that folder, or the folder holding it). Copies sorted into one folder
per class (``bangu/``, ``daluo/``, ``naobo/``, ``xiaoluo/``, any case) are
read too: there the folder names the class.

Task: ``sound_event`` by default, "this is a sound of" -> ``daluo``. The
clips are single strokes of unpitched percussion, which a sound event
description fits; the ``music_note`` template's pitch and velocity slots
have nothing to hold. ``task="music_note"`` writes "this music note is"
-> "produced by daluo" instead (the template Pengi uses for NSynth's
instrument family). The dataset's test set was never released; the
paper's number is zero-shot, so ``test.json`` holds all clips.

Authors
 * pengi-sb developers 2026
"""

import os
import re

from pengi_sb.prepare.cli import run_preparation, run_prepare_cli

DATASET = "BeijingOpera"
RELEASE = "beijing_opera_percussion_instrument_1.0"
DOWNLOAD = (
    f"https://zenodo.org/record/1285212, {RELEASE}.zip unpacked in the data "
    "folder"
)
INSTRUMENTS = ("bangu", "daluo", "naobo", "xiaoluo")
NAMED = re.compile(r"__(?P<label>[A-Za-z]+)-\d+\.wav$")
TASKS = {"sound_event": "events", "music_note": "instrument"}


def clip_label(path):
    """The instrument of a clip, from its class folder or its file name."""
    folder = os.path.basename(os.path.dirname(path)).lower()
    if folder in INSTRUMENTS:
        return folder
    match = NAMED.search(os.path.basename(path))
    if match and match["label"].lower() in INSTRUMENTS:
        return match["label"].lower()
    return None


def prepare_beijing_opera(
    data_folder, save_folder, skip_prep=False, task="sound_event",
    max_missing_fraction=None,
):
    """Writes ``test.json`` (all clips) and ``labels.json`` (4 classes).

    Arguments
    ---------
    data_folder : str
        The unpacked release folder (or its parent).
    save_folder : str
        Where the manifests and ``labels.json`` go.
    skip_prep : bool
        Do nothing (return the manifest paths).
    task : str
        ``"sound_event"`` or ``"music_note"`` (see the module docstring).
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 0.05; 0: any missing file fails; see
        :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{split: manifest path}``.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {list(TASKS)}, got '{task}'")

    def build(builder):
        unknown = []
        for folder, _, files in sorted(os.walk(data_folder)):
            for name in sorted(files):
                if not name.lower().endswith(".wav"):
                    continue
                path = os.path.join(folder, name)
                label = clip_label(path)
                if label is None:
                    unknown.append(path)
                    continue
                value = [label] if task == "sound_event" else label
                rel = os.path.relpath(path, data_folder)
                builder.add(
                    "test", os.path.splitext(rel)[0].replace(os.sep, "/"),
                    path, task, **{TASKS[task]: value},
                )
        if unknown:
            raise ValueError(
                f"{DATASET}: cannot tell the instrument of {len(unknown)} "
                f"file(s), e.g. {unknown[0]}: expected a name ending in "
                f"'__<instrument>-NN.wav' or a folder named one of "
                f"{list(INSTRUMENTS)}"
            )
        return list(INSTRUMENTS)

    return run_preparation(
        DATASET, data_folder, save_folder, ["test"], build, [], DOWNLOAD,
        options={"task": task}, skip_prep=skip_prep,
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(
        prepare_beijing_opera,
        "Prepare Beijing Opera percussion manifests for Pengi",
    )
