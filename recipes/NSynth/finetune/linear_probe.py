#!/usr/bin/env python3
"""Recipe: linear probe of Pengi's frozen audio embeddings on NSynth.

Every run of the protocol is probed. The loop is
:func:`pengi_sb.benchmark.probe_recipe.main`; the yamls in ``hparams/``
(``linear_probe_instrument.yaml``, ``linear_probe_pitch.yaml``,
``linear_probe_qualities.yaml``, ``linear_probe_velocity.yaml``) hold what
this benchmark changes and take the rest from
``recipes/hparams/linear_probe_common.yaml``.

To run::

    python recipes/NSynth/finetune/linear_probe.py \\
        recipes/NSynth/finetune/hparams/linear_probe_instrument.yaml \\
        --data_folder <NSynth> \\
        --pretrained_source pretrained/pengi_base

Authors
 * pengi-sb developers 2026
"""

import pathlib
import sys

from pengi_sb.benchmark.probe_recipe import main

# nsynth_prepare.py (the yamls' `prepare`) is in the dataset folder
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

if __name__ == "__main__":
    main(sys.argv[1:], script_file=__file__)
