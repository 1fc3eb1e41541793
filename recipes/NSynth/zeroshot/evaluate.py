#!/usr/bin/env python3
"""Recipe: zero-shot evaluation of a pretrained Pengi on NSynth.

The loop is :func:`pengi_sb.benchmark.zeroshot.main`; the yamls in
``hparams/`` (``zeroshot_instrument.yaml``, ``zeroshot_pitch.yaml``,
``zeroshot_qualities.yaml``, ``zeroshot_velocity.yaml``) hold what this
benchmark changes and take the rest from
``recipes/hparams/zeroshot_common.yaml``.

To run::

    python recipes/NSynth/zeroshot/evaluate.py \\
        recipes/NSynth/zeroshot/hparams/zeroshot_instrument.yaml \\
        --data_folder <NSynth> \\
        --pretrained_source pretrained/pengi_base

Authors
 * pengi-sb developers 2026
"""

import pathlib
import sys

from pengi_sb.benchmark.zeroshot import main

# nsynth_prepare.py (the yamls' `prepare`) is in the dataset folder
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

if __name__ == "__main__":
    main(sys.argv[1:], script_file=__file__)
