"""LocalSounds, a multi-task Pengi corpus of real recorded audio that Debian
packages install: its preparation, one module per source kind.

=========  ==========================================  =====================
source     Debian package(s)                           tasks
=========  ==========================================  =====================
notes      fluidsynth + timgm6mb-soundfont             music_note
                                                       (instrument family),
                                                       captioning, audio_qa
speech     asterisk-core-sounds-{en,es,fr,it,ru}-wav   spoken_language,
           (+ the transcript packages without -wav)    captioning, audio_qa
drums      hydrogen-drumkits (or hydrogen-data)        sound_event,
                                                       captioning, audio_qa
samples    sonic-pi-samples                            sound_event,
                                                       captioning, audio_qa
events     sound-theme-freedesktop                     sound_event,
                                                       captioning, audio_qa
=========  ==========================================  =====================

Every clip is written once, as a mono 16-bit wav at ``sample_rate`` (at most
``max_seconds`` long), under ``data_folder``; the manifests ``train.json``,
``valid.json`` and ``test.json`` in ``save_folder`` refer to the clips as
``{data_root}/...``. The splits are made by source item (a GM program at one
pitch, one recording, one drum of one kit), never by clip, so no test audio
is heard in training. Each test item names the metric it feeds in its
``eval_task`` field (``instrument_family``, ``language``, ``aqa_yes_no``,
``captioning``); captioning items carry a ``references`` list, and the
candidate labels of the close-ended tasks are written to
``labels_<eval_task>.json``.

The modules, in the order of the build:

- ``sources``: where the packages put their files; the install check;
- ``notes``, ``speech``, ``drums``, ``samples``, ``events``: one per source
  kind, each planning its :class:`~.clips.Clip` objects (``collect_*``);
  ``notes`` also writes the MIDI file and renders it with fluidsynth;
- ``clips`` (the clip record), ``fingerprint`` (a recording used once),
  ``split`` (train/valid/test by source item), ``audio`` (clip writing);
- ``questions`` (balanced yes/no questions), ``manifest`` (items and label
  files), ``templates`` (the ``spoken_language`` template);
- ``prepare``: :func:`prepare_localsounds`, the whole build.

Importing the package registers the ``spoken_language`` template
(``this language is`` -> ``{language}``) of ``templates.yaml``.

Example
-------
>>> from pengi_sb.tasks import make_example
>>> make_example("spoken_language", language="french")
('this language is', 'french')
>>> SOURCES
('notes', 'speech', 'drums', 'samples', 'events')

Authors
 * pengi-sb developers 2026
"""

from pengi_sb.prepare.localsounds.clips import (
    DATASET,
    EVAL_TASKS,
    SOURCES,
    SPLITS,
    Clip,
)
from pengi_sb.prepare.localsounds.prepare import (
    check_options,
    prepare_localsounds,
)
from pengi_sb.prepare.localsounds.templates import (
    TEMPLATES_FILE,
    register_localsounds_templates,
)

__all__ = [
    "DATASET",
    "EVAL_TASKS",
    "SOURCES",
    "SPLITS",
    "TEMPLATES_FILE",
    "Clip",
    "check_options",
    "prepare_localsounds",
    "register_localsounds_templates",
]

register_localsounds_templates()
