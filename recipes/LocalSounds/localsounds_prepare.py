#!/usr/bin/env python3
"""Prepares LocalSounds, a multi-task Pengi corpus of real recorded audio.

LocalSounds is built from audio that Debian packages install (see
``install_sources.sh`` beside this file), so it needs no download. The
preparation itself lives in :mod:`pengi_sb.prepare.localsounds`, one module
per source kind (``notes``, ``speech``, ``drums``, ``samples``,
``events``); this script is its command line::

    python recipes/LocalSounds/localsounds_prepare.py \\
        --data_folder data/LocalSounds --save_folder results/LocalSounds/save

Every option of :func:`prepare_localsounds` can be given as
``--name value`` (for example ``--speech_per_language 20``). Importing this
module registers the corpus's ``spoken_language`` template, as importing
the package does.

Example
-------
>>> prepare_localsounds("data", "save", skip_prep=True)["test"]
'save/test.json'

Authors
 * pengi-sb developers 2026
"""

from pengi_sb.prepare.cli import run_prepare_cli
from pengi_sb.prepare.localsounds import prepare_localsounds

__all__ = ["prepare_localsounds"]

if __name__ == "__main__":
    run_prepare_cli(prepare_localsounds,
                    "Build the LocalSounds corpus from Debian packages")
