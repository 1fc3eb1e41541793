#!/usr/bin/env python3
"""Recipe: fine-tuning Pengi on ClothoAQA with PengiBrain.

One run of the protocol per call (``--run_name <run>``), or every run with
the mean and std of their scores (``--run_name all``). The loop is
:func:`pengi_sb.benchmark.finetune.main`; the yamls in ``hparams/``
(``finetune.yaml``) hold what this benchmark changes and take the rest from
``recipes/hparams/finetune_common.yaml``.

To run::

    python recipes/ClothoAQA/finetune/train.py \\
        recipes/ClothoAQA/finetune/hparams/finetune.yaml \\
        --data_folder <ClothoAQA> \\
        --pretrained_source pretrained/pengi_base [--run_name <run>|all]

Authors
 * pengi-sb developers 2026
"""

import pathlib
import sys

from pengi_sb.benchmark.finetune import main

# clothoaqa_prepare.py (the yamls' `prepare`) is in the dataset folder
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

if __name__ == "__main__":
    main(sys.argv[1:], script_file=__file__)
