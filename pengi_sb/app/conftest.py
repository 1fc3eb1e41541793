"""Doctest collection of the web app: the modules that import the ``app``
extra (Gradio, matplotlib) are left out where it is not installed, so that
``pytest --doctest-modules pengi_sb`` runs without it."""

import importlib.util


def _missing(module):
    return importlib.util.find_spec(module) is None


collect_ignore = []
if _missing("matplotlib"):
    collect_ignore += ["views.py", "actions.py", "ui.py", "__main__.py"]
elif _missing("gradio"):
    collect_ignore += ["ui.py", "__main__.py"]
else:
    collect_ignore += ["__main__.py"]  # importing it would start the app
