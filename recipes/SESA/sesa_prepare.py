"""Manifests for SESA (Sound Events for Surveillance Applications, 4
classes: casual (not a threat), gunshot, explosion, siren (also alarms)).

Reads the Zenodo release (https://zenodo.org/record/3519845, ``SESA.zip``
unpacks to ``SESA/``; pass that folder)::

    SESA/
        train/<class>_<n>.wav        (480 clips, 16 kHz mono, <= 33 s)
        test/<class>_<n>.wav         (105 clips)

The class is the file-name prefix before the first ``_`` (or digit):
``casual``, ``gunshot``, ``explosion``, and ``siren`` or ``alarm`` for
the fourth class, which the dataset documents as "Siren (also contains
alarms)"; both prefixes get the label ``siren``.

Task ``sound_event``: "this is a sound of" -> ``gunshot``. Manifests:
``train.json`` and ``test.json`` (the official folders; ``test`` is the
zero-shot benchmark set).

Authors
 * pengi-sb developers 2026
"""

import os
import re

from pengi_sb.prepare.cli import run_preparation, run_prepare_cli

DATASET = "SESA"
DOWNLOAD = "https://zenodo.org/record/3519845, SESA.zip unpacked as SESA/"
PREFIX_TO_LABEL = {
    "casual": "casual",
    "gunshot": "gunshot",
    "explosion": "explosion",
    "siren": "siren",
    "alarm": "siren",
}
LABELS = ("casual", "gunshot", "explosion", "siren")
PREFIX = re.compile(r"^(?P<prefix>[A-Za-z]+)")
SPLITS = {"train": "train", "test": "test"}


def clip_label(name):
    """The SESA class of a file name (None when it names none)."""
    match = PREFIX.match(name)
    if match is None:
        return None
    return PREFIX_TO_LABEL.get(match["prefix"].lower())


def prepare_sesa(data_folder, save_folder, skip_prep=False,
                 max_missing_fraction=None):
    """Writes ``train.json`` and ``test.json`` and ``labels.json``.

    Arguments
    ---------
    data_folder : str
        The unpacked ``SESA`` folder.
    save_folder : str
        Where the manifests and ``labels.json`` go.
    skip_prep : bool
        Do nothing (return the manifest paths).
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 0.05; 0: any missing file fails; see
        :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{split: manifest path}``.
    """

    def build(builder):
        for split, folder in SPLITS.items():
            folder = os.path.join(data_folder, folder)
            for name in sorted(os.listdir(folder)):
                stem, ext = os.path.splitext(name)
                if ext.lower() != ".wav":
                    continue
                label = clip_label(name)
                if label is None:
                    raise ValueError(
                        f"{DATASET}: cannot tell the class of "
                        f"{os.path.join(folder, name)}: its name should start "
                        f"with one of {sorted(PREFIX_TO_LABEL)}"
                    )
                builder.add(
                    split, stem, os.path.join(folder, name), "sound_event",
                    events=[label],
                )
        return list(LABELS)

    return run_preparation(
        DATASET, data_folder, save_folder, list(SPLITS), build,
        list(SPLITS.values()), DOWNLOAD, skip_prep=skip_prep,
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_sesa, "Prepare SESA manifests for Pengi")
