"""Manifests for the GTZAN genre collection (10 genres x 100 clips of 30 s).

Reads either release, unpacked in the data folder:

* the original ``genres.tar.gz`` (marsyas.info): ``genres/<genre>/
  <genre>.000NN.au`` (22,050 Hz AU files; the ``.mf`` lists beside them
  are ignored);
* the Kaggle "GTZAN Dataset - Music Genre Classification" archive:
  ``Data/genres_original/<genre>/<genre>.000NN.wav`` (or
  ``genres_original/`` directly); its ``images_original`` and feature
  CSVs are ignored.

Genres: blues, classical, country, disco, hiphop, jazz, metal, pop,
reggae, rock (the folder names, used as labels as they are). A file that
cannot be decoded (the Kaggle copy of ``jazz.00054.wav`` is known to be
broken) is left out with a warning.

Task ``music_analysis`` with the genre: "music analysis" -> "this is a
sound of music and genre jazz". GTZAN has no official split; the paper's
number is zero-shot, so ``test.json`` holds every clip.

Authors
 * pengi-sb developers 2026
"""

import os
import re

from pengi_sb.prepare.layout import LayoutError
from pengi_sb.prepare.cli import run_preparation, run_prepare_cli

DATASET = "GTZANGenres"
DOWNLOAD = (
    "genres.tar.gz of marsyas.info (genres/<genre>/<genre>.000NN.au) or the "
    "Kaggle GTZAN archive (Data/genres_original/<genre>/<genre>.000NN.wav)"
)
GENRES = (
    "blues", "classical", "country", "disco", "hiphop", "jazz", "metal",
    "pop", "reggae", "rock",
)
ROOTS = ("genres", os.path.join("Data", "genres_original"), "genres_original")
CLIP = re.compile(r"^(?P<genre>[a-z]+)\.(?P<number>\d{5})\.(au|wav)$")


def find_genres_root(data_folder):
    """The folder of the per-genre folders, relative to ``data_folder``."""
    for rel in ROOTS:
        if os.path.isdir(os.path.join(data_folder, rel)):
            return rel
    raise LayoutError(
        f"{DATASET}: '{data_folder}' holds none of {list(ROOTS)}; unpack "
        f"{DOWNLOAD} there"
    )


def prepare_gtzan_genres(data_folder, save_folder, skip_prep=False,
                         max_missing_fraction=None):
    """Writes ``test.json`` (all clips) and ``labels.json`` (10 genres).

    Arguments
    ---------
    data_folder : str
        The folder where the release was unpacked.
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
    root = None if skip_prep else find_genres_root(data_folder)

    def build(builder):
        for genre in GENRES:
            folder = os.path.join(data_folder, root, genre)
            for name in sorted(os.listdir(folder)):
                match = CLIP.match(name)
                if match is None:
                    continue
                if match["genre"] != genre:
                    raise ValueError(
                        f"{DATASET}: {os.path.join(folder, name)} is in the "
                        f"'{genre}' folder but named for '{match['genre']}'"
                    )
                builder.add(
                    "test", f"{genre}.{match['number']}",
                    os.path.join(folder, name), "music_analysis",
                    genre=genre,
                )
        return list(GENRES)

    return run_preparation(
        DATASET, data_folder, save_folder, ["test"], build,
        [os.path.join(root or ROOTS[0], g) for g in GENRES], DOWNLOAD,
        options={"root": root}, skip_prep=skip_prep,
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(
        prepare_gtzan_genres, "Prepare GTZAN genre manifests for Pengi"
    )
