"""Starting the web app: arguments, offline settings, model, server.

``python -m pengi_sb.app --source DIR`` and ``pengi-sb serve --source DIR``
both end in :func:`main`. Gradio is imported only here, after
:func:`offline_environment` has turned off everything Gradio would fetch
from the internet, and after :func:`require_app_extra` has checked that the
``app`` extra is installed.

What Gradio would otherwise reach out for, and how it is kept local:

* usage analytics and the PyPI version check, on launch:
  ``GRADIO_ANALYTICS_ENABLED=False`` (and ``analytics_enabled=False``);
* Hugging Face Hub telemetry: ``HF_HUB_DISABLE_TELEMETRY=1``;
* theme fonts: system fonts only (:func:`pengi_sb.app.ui.offline_theme`);
* share links (a tunnel through gradio.live): ``share=False``;
* server-side rendering through Node: ``ssr_mode=False``;
* the page's scripts, styles and icons are served by the app itself.

Example
-------
>>> args = build_parser().parse_args(["--source", "m", "--index", "clips"])
>>> args.source, args.host, args.port, args.index
('m', '127.0.0.1', 7860, 'clips')
>>> demo = create_app(pengi, index_folder="clips")  # doctest: +SKIP
>>> serve(demo, port=7860)  # blocks until Ctrl+C  # doctest: +SKIP

Authors
 * pengi-sb developers 2026
"""

import argparse
import os
import sys

APP_EXTRA = 'pip install "pengi-sb[app]"'
# Environment set before Gradio is imported; the analytics switch is forced
OFFLINE_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_SSR_MODE": "False",
    "MPLBACKEND": "Agg",
}


def build_parser(prog="python -m pengi_sb.app"):
    """The app's command-line arguments: the model options of every
    ``pengi-sb`` subcommand (``--source``, ``--savedir``, ``--device``,
    ``--precision``, ``--window-mode``) and the server's."""
    from pengi_sb.inference.loading import add_model_options

    parser = argparse.ArgumentParser(
        prog=prog, description="Pengi in the browser: a local web page to "
        "caption, question, classify and describe audio, see what is "
        "heard when on a timeline, and search a folder.")
    add_model_options(parser)
    group = parser.add_argument_group("server")
    group.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default: 127.0.0.1, this "
                       "machine only; 0.0.0.0 opens the page, which has no "
                       "login, to the network)")
    group.add_argument("--port", type=int, default=7860)
    group.add_argument("--index", default=None, metavar="FOLDER",
                       help="folder of audio for text search (embedded when "
                       "first searched, cached on disk)")
    group.add_argument("--cache-dir", default=None,
                       help="search cache folder (default "
                       "~/.cache/pengi_sb/search)")
    return parser


def offline_environment():
    """Sets :data:`OFFLINE_ENV` (before Gradio is imported)."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


def require_app_extra(command="pengi-sb serve"):
    """Raises SystemExit naming the extra when Gradio or matplotlib is
    missing."""
    missing = []
    for module in ("gradio", "matplotlib"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise SystemExit(f"{command} needs {' and '.join(missing)}, which "
                         f"are not installed: {APP_EXTRA}")


def create_app(pengi, index_folder=None, cache_dir=None, source=None):
    """The Gradio Blocks of the page for a loaded model.

    Arguments
    ---------
    pengi : pengi_sb.inference.Pengi
        The model.
    index_folder : str, optional
        Folder prefilled in the search tab.
    cache_dir : str, optional
        Search cache folder.
    source : str, optional
        The model's folder (names the model in the search cache).
    """
    offline_environment()
    require_app_extra()
    from pengi_sb.app.search import model_key
    from pengi_sb.app.ui import build_demo

    key = model_key(source) if source else "model"
    return build_demo(pengi, index_folder, cache_dir, key)


def serve(demo, host="127.0.0.1", port=7860, block=True):
    """Starts the server (offline settings); blocks unless ``block=False``.

    Returns
    -------
    str
        The page's local URL.

    Raises
    ------
    SystemExit
        The port is taken.
    """
    from pengi_sb.app.ui import CSS, offline_theme

    demo.queue(default_concurrency_limit=1)
    try:
        _, url, _ = demo.launch(
            server_name=host, server_port=port, share=False, inbrowser=False,
            prevent_thread_lock=True, show_error=False, ssr_mode=False,
            quiet=True, theme=offline_theme(), css=CSS, mcp_server=False,
            pwa=False, enable_monitoring=False,
            footer_links=["gradio", "settings"])
    except OSError as err:
        raise SystemExit(f"cannot listen on {host}:{port} ({err}): the port "
                         "is taken or the address is not this machine's; "
                         "pass another --port or --host") from None
    if block:
        print(f"Pengi web app: {url} (offline; Ctrl+C stops)",
              file=sys.stderr)
        demo.block_thread()
    return url


def main(argv=None, prog="python -m pengi_sb.app"):
    """Parses ``argv``, loads the model and serves the page until stopped.

    Arguments
    ---------
    argv : list of str, optional
        ``--source DIR [--host H] [--port P] [--index FOLDER]
        [--cache-dir D] [--savedir D] [--device D] [--precision P]
        [--window-mode M]`` (default ``sys.argv[1:]``; ``--source``
        defaults to ``$PENGI_SOURCE``).
    prog : str
        The command's name in help and error messages.

    Returns
    -------
    int
        0 after the server stops (usage errors exit with 2).
    """
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    offline_environment()
    require_app_extra(prog)
    if args.index and not os.path.isdir(args.index):
        parser.error(f"--index {args.index} is not a folder: give a folder "
                     "of audio files")
    from pengi_sb.inference.loading import UsageError, load_model

    try:
        pengi = load_model(args)
    except UsageError as err:
        parser.error(str(err))
    demo = create_app(pengi, args.index, args.cache_dir, args.source)
    serve(demo, args.host, args.port, block=True)
    return 0
