"""Registers the task templates LocalSounds adds to :mod:`pengi_sb.tasks`
(``spoken_language``), read from ``templates.yaml`` beside this file.

The package registers them when it is imported, so that its manifests can
be built and read; ``prepare_localsounds`` copies the yaml file beside the
manifests for scripts that load it themselves.

Example
-------
>>> register_localsounds_templates()
['spoken_language']
>>> from pengi_sb.tasks import make_example
>>> make_example("spoken_language", language="french")
('this language is', 'french')

Authors
 * pengi-sb developers 2026
"""

import os

import yaml

from pengi_sb.tasks import TEMPLATES, get_template, load_templates

__all__ = ["TEMPLATES_FILE", "register_localsounds_templates"]

TEMPLATES_FILE = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "templates.yaml"
)


def register_localsounds_templates(path=TEMPLATES_FILE):
    """Registers the templates of ``templates.yaml``; safe to call again.

    Arguments
    ---------
    path : str
        The yaml file (``{name: {prompt, target, ...}}``).

    Returns
    -------
    list of str
        The template names it holds.

    Raises
    ------
    ValueError
        When a template of the same name but another prompt or target is
        registered already.
    """
    with open(path, encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    load_templates({k: v for k, v in spec.items() if k not in TEMPLATES})
    for name, entry in spec.items():
        known = get_template(name)
        if (known.prompt, known.target) != (entry["prompt"], entry["target"]):
            raise ValueError(
                f"{path}: template '{name}' is registered already with "
                f"prompt '{known.prompt}' -> '{known.target}'; rename it in "
                "the yaml file"
            )
    return list(spec)
