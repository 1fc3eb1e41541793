"""Pengi in the browser: a local Gradio page for one model.

::

    pip install "pengi-sb[app]"
    python -m pengi_sb.app --source pretrained/pengi_base   # or: pengi-sb serve
    # -> http://127.0.0.1:7860

Call signature, for ``pengi-sb serve`` and other callers::

    from pengi_sb.app import main
    main(["--source", DIR, "--host", "127.0.0.1", "--port", "7860",
          "--index", FOLDER])        # blocks while serving; returns 0

Options: ``--source DIR`` (pretrained folder or hub repo; default
``$PENGI_SOURCE``), ``--host`` (default 127.0.0.1), ``--port`` (7860),
``--index FOLDER`` (audio to search by text), ``--cache-dir``, and the
model options of every ``pengi-sb`` subcommand (``--savedir``,
``--device``, ``--precision``, ``--window-mode``). Usage errors exit with
2; without Gradio or matplotlib, ``main`` exits with a message naming the
extra to install. Importing this package imports neither (the core
package and the recipes never load them).

Modules: :mod:`~pengi_sb.app.launch` (arguments, offline settings,
server), :mod:`~pengi_sb.app.ui` (the page), :mod:`~pengi_sb.app.actions`
(what each button does, without Gradio), :mod:`~pengi_sb.app.views`
(waveform, log-mel, label and timeline plots), :mod:`~pengi_sb.app.search`
(folder embeddings cached on disk, text search).

Authors
 * pengi-sb developers 2026
"""


def main(argv=None, prog="python -m pengi_sb.app"):
    """Serves the page; see :func:`pengi_sb.app.launch.main`."""
    from pengi_sb.app.launch import main as launch_main

    return launch_main(argv, prog)


__all__ = ["main"]
