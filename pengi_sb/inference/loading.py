"""Loading a Pengi from command-line model options, shared by ``pengi-sb``
and the web app: ``--source``, ``--savedir``, ``--device``, ``--precision``,
``--window-mode``.

Nothing heavy is imported at module level, so that ``--help`` and usage
errors answer at once.

Example
-------
>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> add_model_options(parser)
>>> args = parser.parse_args(["--source", "owner/name", "--device", "cpu"])
>>> args.device, args.precision, args.window_mode
('cpu', 'fp32', 'mean')

Authors
 * pengi-sb developers 2026
"""

import os
import re

__all__ = ["PRECISIONS", "UsageError", "add_model_options", "load_model",
           "resolve_device"]

PRECISIONS = ("fp32", "bf16", "fp16")
REPO_ID = re.compile(r"^[\w.-]+/[\w.-]+$")


class UsageError(Exception):
    """A command-line mistake; ``main`` reports it and exits 2."""


def add_model_options(parser):
    """Options of every subcommand that loads a model."""
    group = parser.add_argument_group("model")
    group.add_argument(
        "--source", default=os.environ.get("PENGI_SOURCE"),
        help="pretrained folder or Hugging Face repo 'owner/name' "
        "(default: $PENGI_SOURCE; required when it is unset)")
    group.add_argument("--savedir", default=None,
                       help="where fetched hub files are kept (default: the "
                       "Hugging Face cache)")
    group.add_argument("--device", default="auto",
                       help="auto (CUDA, then MPS, then CPU), cpu, cuda, "
                       "cuda:1, mps (default: auto)")
    group.add_argument("--precision", default="fp32", choices=PRECISIONS,
                       help="autocast dtype of the model (default: fp32)")
    group.add_argument("--window-mode", default="mean",
                       choices=("mean", "first", "centre"),
                       help="clips longer than the model window: average "
                       "overlapping windows, or take one (default: mean)")


def resolve_device(name):
    """``auto`` -> ``cuda``, then ``mps``, then ``cpu``; others unchanged.

    Example
    -------
    >>> resolve_device("cpu")
    'cpu'
    >>> resolve_device("auto") in ("cuda", "mps", "cpu")
    True
    """
    if name != "auto":
        return name
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def load_model(args):
    """The ``Pengi`` of ``--source`` on ``--device`` at ``--precision``."""
    if not args.source:
        raise UsageError("--source is required (a pretrained folder or a "
                         "Hugging Face repo 'owner/name'), or set "
                         "PENGI_SOURCE")
    local = os.path.isdir(args.source)
    if not local and not REPO_ID.match(args.source):
        raise UsageError(f"--source {args.source}: no such folder, and not a "
                         "Hugging Face repo id 'owner/name'")
    if local and not os.path.isfile(os.path.join(args.source,
                                                  "hyperparams.yaml")):
        raise UsageError(f"--source {args.source}: the folder has no "
                         "hyperparams.yaml, so it is not a pretrained Pengi "
                         "folder (convert a release checkpoint with python -m "
                         "pengi_sb.convert, or export a trained model)")
    from pengi_sb.inference import Pengi

    savedir = args.savedir or (args.source if local else None)
    return Pengi.from_hparams(
        source=args.source, savedir=savedir,
        run_opts={"device": resolve_device(args.device),
                  "precision": args.precision},
        window_mode=args.window_mode)
