#!/usr/bin/env python3
"""Recipe: linear probe of Pengi's frozen audio embeddings on CREMAD.

Every run of the protocol is probed. The loop is
:func:`pengi_sb.benchmark.probe_recipe.main`; the yamls in ``hparams/``
(``linear_probe.yaml``) hold what this benchmark changes and take the rest
from ``recipes/hparams/linear_probe_common.yaml``.

To run::

    python recipes/CREMAD/finetune/linear_probe.py \\
        recipes/CREMAD/finetune/hparams/linear_probe.yaml \\
        --data_folder <CREMA-D> \\
        --pretrained_source pretrained/pengi_base

Authors
 * pengi-sb developers 2026
"""

import pathlib
import sys

from pengi_sb.benchmark.probe_recipe import main

# cremad_prepare.py (the yamls' `prepare`) is in the dataset folder
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

if __name__ == "__main__":
    main(sys.argv[1:], script_file=__file__)
