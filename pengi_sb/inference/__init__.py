"""Using a trained Pengi: the ``Pretrained`` interface and the ``pengi-sb`` command.

``from pengi_sb.inference import Pengi`` is the entry point
(:mod:`pengi_sb.inference.interface`); :mod:`pengi_sb.inference.cli` is
the command line.
"""

from pengi_sb.inference.interface import (
    ClassificationResult,
    GenerationResult,
    Pengi,
)

__all__ = ["ClassificationResult", "GenerationResult", "Pengi"]
