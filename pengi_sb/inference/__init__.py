"""Using a trained Pengi: the ``Pretrained`` interface and the ``pengi-sb`` command.

``from pengi_sb.inference import Pengi`` is the entry point
(:mod:`pengi_sb.inference.interface`); :mod:`pengi_sb.inference.cli` is
the command line.
"""

__all__ = ["ClassificationResult", "GenerationResult", "Pengi"]


def __getattr__(name):
    """``Pengi`` and its result classes, imported on first use (so that the
    command line's ``--help`` does not load torch and SpeechBrain)."""
    if name in __all__:
        from pengi_sb.inference import interface

        return getattr(interface, name)
    raise AttributeError(f"module 'pengi_sb.inference' has no attribute "
                         f"'{name}'")
