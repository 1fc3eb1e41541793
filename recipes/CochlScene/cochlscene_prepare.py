"""Pretraining manifests for CochlScene (13 acoustic scenes, 76k clips).

Reads the official release (https://zenodo.org/record/7080122, the split
zip ``CochlScene.z01`` ... ``CochlScene.zip`` unpacks to ``CochlScene/``;
pass that folder)::

    CochlScene/
        Train/<Scene>/<Scene>_user<NNNN>_<id>_<n>.wav    (10 s, 44.1 kHz)
        Val/<Scene>/...
        Test/<Scene>/...

Scenes: Bus, Cafe, Car, CrowdedIndoor, Elevator, Kitchen, Park,
ResidentialArea, Restaurant, Restroom, Street, Subway, SubwayStation;
written as lower-case words (``CrowdedIndoor`` -> ``crowded indoor``,
``SubwayStation`` -> ``subway station``).

Task ``acoustic_scene``: "this acoustic scene is" -> ``subway station``.
Manifests: ``train.json``, ``valid.json``, ``test.json`` from the official
Train / Val / Test folders.

Authors
 * pengi-sb developers 2026
"""

import os
import re

from pengi_sb.prepare.cli import run_preparation, run_prepare_cli

DATASET = "CochlScene"
DOWNLOAD = (
    "https://zenodo.org/record/7080122: join and unzip the archive into "
    "CochlScene/ with Train/, Val/ and Test/"
)
SPLITS = {"train": "Train", "valid": "Val", "test": "Test"}
WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def scene_text(folder_name):
    """``ResidentialArea`` -> ``residential area``."""
    words = WORD.findall(folder_name.replace("_", " "))
    return " ".join(w.lower() for w in words) or folder_name.lower()


def prepare_cochlscene(data_folder, save_folder, skip_prep=False,
                       max_missing_fraction=None):
    """Writes ``train.json``, ``valid.json``, ``test.json``, ``labels.json``.

    Arguments
    ---------
    data_folder : str
        The unpacked ``CochlScene`` folder.
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
        scenes = set()
        for split, folder in SPLITS.items():
            root = os.path.join(data_folder, folder)
            for scene in sorted(os.listdir(root)):
                scene_dir = os.path.join(root, scene)
                if not os.path.isdir(scene_dir):
                    continue
                label = scene_text(scene)
                scenes.add(label)
                for name in sorted(os.listdir(scene_dir)):
                    stem, ext = os.path.splitext(name)
                    if ext.lower() != ".wav":
                        continue
                    builder.add(
                        split, f"{scene}/{stem}",
                        os.path.join(scene_dir, name), "acoustic_scene",
                        scene=label,
                    )
        return sorted(scenes)

    return run_preparation(
        DATASET, data_folder, save_folder, list(SPLITS), build,
        list(SPLITS.values()), DOWNLOAD, skip_prep=skip_prep,
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(
        prepare_cochlscene, "Prepare CochlScene manifests for Pengi"
    )
