#!/usr/bin/env python3
"""Recipe: fine-tuning Pengi on TUT2017 with PengiBrain.

One run of the protocol per call (``--run_name <run>``), or every run with
the mean and std of their scores (``--run_name all``). The loop is
:func:`pengi_sb.benchmark.finetune.main`; the yamls in ``hparams/``
(``finetune.yaml``) hold what this benchmark changes and take the rest from
``recipes/hparams/finetune_common.yaml``.

To run::

    python recipes/TUT2017/finetune/train.py \\
        recipes/TUT2017/finetune/hparams/finetune.yaml \\
        --data_folder <TUT2017> \\
        --pretrained_source pretrained/pengi_base [--run_name <run>|all]

Authors
 * pengi-sb developers 2026
"""

import pathlib
import sys

from pengi_sb.benchmark.finetune import main

# tut2017_prepare.py (the yamls' `prepare`) is in the dataset folder
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

if __name__ == "__main__":
    main(sys.argv[1:], script_file=__file__)
