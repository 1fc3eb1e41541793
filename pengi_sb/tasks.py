"""Pengi's task templates, as data.

Every Pengi task is ``audio + prompt -> text``. A :class:`TaskTemplate`
turns a dataset's labels into the ``(prompt, target)`` pair the model is
trained on, exactly as the paper's Table 1 lays them out:

=========================  ==========================  ====================================
task                       prompt                      target
=========================  ==========================  ====================================
captioning                 generate audio caption      {caption}
audio_qa                   question: {question}        {answer}
sound_event                this is a sound of          {event a}, {event b}, ..
acoustic_scene             this acoustic scene is      {scene}
emotion                    this emotion is             {emotion}
sentiment                  this sentiment is           {sentiment}
music_analysis             music analysis              this is a sound of music in language
                                                       {language} and genre {genre} ..
music_note                 this music note is          produced by {instrument}, pitch
                                                       {pitch}, ..
metadata                   generate metadata           {metadata}
=========================  ==========================  ====================================

A user adds a template without touching any other code, either in Python
(:func:`register_template`) or from a yaml file (:func:`load_templates`),
for example in a recipe's hparams::

    extra_templates:
        vocal_sound:
            prompt: "this vocal sound is"
            target: "{sound}"

Example
-------
>>> make_example("sound_event", events=["dog", "rain"])
('this is a sound of', 'dog, rain')
>>> make_example("music_note", instrument="guitar", pitch=60, velocity=100)
('this music note is', 'produced by guitar, pitch 60, velocity 100')
>>> make_example("audio_qa", question="is it raining?", answer="yes")
('question: is it raining?', 'yes')

Authors
 * pengi-sb developers 2026
"""

import string
from dataclasses import dataclass, field

__all__ = [
    "TaskTemplate",
    "TEMPLATES",
    "get_template",
    "load_templates",
    "make_example",
    "register_template",
]


@dataclass(frozen=True)
class TaskTemplate:
    """One task: how labels become a prompt and a target text.

    Arguments
    ---------
    name : str
        The task's name (``sound_event``, ``captioning``...).
    prompt : str
        The text prompt; may hold ``{field}`` slots (``question: {question}``).
    target : str
        Format string of the target text for the required fields.
    optional : tuple of (str, str)
        ``(field, phrase)`` pairs appended to the target, in order, when the
        field is given and not empty (``("pitch", "pitch {pitch}")``).
    joiner : str
        What stands between the target and each optional phrase.
    list_joiner : str
        How a list value (several events) is written inside a slot.
    labels_field : str or None
        The field that holds the class label(s) of a close-ended task, used
        by zero-shot evaluation.
    """

    name: str
    prompt: str
    target: str
    optional: tuple = field(default_factory=tuple)
    joiner: str = ", "
    list_joiner: str = ", "
    labels_field: str = None

    def fields(self):
        """Names of the required fields (slots in prompt and target)."""
        names = []
        for text in (self.prompt, self.target):
            for _, name, _, _ in string.Formatter().parse(text):
                if name and name not in names:
                    names.append(name)
        return names

    def _fmt(self, value):
        if isinstance(value, (list, tuple)):
            return self.list_joiner.join(str(v) for v in value)
        return str(value)

    def render(self, **values):
        """Returns ``(prompt, target)`` for these field values.

        Raises
        ------
        KeyError
            If a required field is missing; the message names the task,
            the field and the fields that were given.
        """
        missing = [n for n in self.fields() if _empty(values.get(n))]
        if missing:
            raise KeyError(
                f"task '{self.name}' needs field(s) {missing} "
                f"(given: {sorted(values)}); fill them in the manifest or "
                "prepare script"
            )
        shown = {k: self._fmt(v) for k, v in values.items()}
        prompt = self.prompt.format(**shown)
        parts = [self.target.format(**shown)]
        for name, phrase in self.optional:
            if not _empty(values.get(name)):
                parts.append(phrase.format(**shown))
        return prompt, self.joiner.join(parts)


def _empty(value):
    return value is None or (
        isinstance(value, (str, list, tuple)) and len(value) == 0
    )


TEMPLATES = {}


def register_template(template, overwrite=False):
    """Adds a template to the registry and returns it.

    Arguments
    ---------
    template : TaskTemplate
        The template to add.
    overwrite : bool
        Replace an existing template of the same name.

    Returns
    -------
    TaskTemplate
    """
    if template.name in TEMPLATES and not overwrite:
        raise ValueError(
            f"a task template named '{template.name}' exists already; "
            "pass overwrite=True to replace it"
        )
    TEMPLATES[template.name] = template
    return template


for _t in (
    TaskTemplate("captioning", "generate audio caption", "{caption}"),
    TaskTemplate("audio_qa", "question: {question}", "{answer}"),
    TaskTemplate(
        "sound_event", "this is a sound of", "{events}", labels_field="events"
    ),
    TaskTemplate(
        "acoustic_scene", "this acoustic scene is", "{scene}",
        labels_field="scene",
    ),
    TaskTemplate(
        "emotion", "this emotion is", "{emotion}", labels_field="emotion"
    ),
    TaskTemplate(
        "sentiment", "this sentiment is", "{sentiment}",
        labels_field="sentiment",
    ),
    TaskTemplate(
        "music_analysis",
        "music analysis",
        "this is a sound of music",
        optional=(
            ("language", "in language {language}"),
            ("genre", "and genre {genre}"),
        ),
        joiner=" ",
        labels_field="genre",
    ),
    TaskTemplate(
        "music_note",
        "this music note is",
        "produced by {instrument}",
        optional=(
            ("pitch", "pitch {pitch}"),
            ("velocity", "velocity {velocity}"),
            ("qualities", "qualities {qualities}"),
        ),
        labels_field="instrument",
    ),
    TaskTemplate("metadata", "generate metadata", "{metadata}"),
):
    register_template(_t)


def get_template(name):
    """Returns the registered template ``name`` or raises a clear error."""
    if name not in TEMPLATES:
        raise KeyError(
            f"unknown task '{name}'; known tasks: {sorted(TEMPLATES)}. "
            "Add one with pengi_sb.tasks.register_template or an "
            "'extra_templates' entry in the hparams"
        )
    return TEMPLATES[name]


def make_example(task, **values):
    """Returns ``(prompt, target)`` of ``task`` for the given field values."""
    return get_template(task).render(**values)


def load_templates(spec, overwrite=False):
    """Registers templates from a mapping (as read from yaml).

    Arguments
    ---------
    spec : dict
        ``{name: {prompt: ..., target: ..., optional: [[field, phrase]..],
        joiner: ..., list_joiner: ..., labels_field: ...}}``.
    overwrite : bool
        Replace templates of the same name.

    Returns
    -------
    list of TaskTemplate

    Example
    -------
    >>> t = load_templates({"vocal_sound_demo": {
    ...     "prompt": "this vocal sound is", "target": "{sound}"}})
    >>> make_example("vocal_sound_demo", sound="cough")
    ('this vocal sound is', 'cough')
    """
    if not isinstance(spec, dict):
        raise TypeError(
            "extra_templates must be a mapping name -> {prompt, target, ...}, "
            f"got {type(spec).__name__}"
        )
    out = []
    for name, entry in spec.items():
        if not isinstance(entry, dict) or "prompt" not in entry or (
            "target" not in entry
        ):
            raise ValueError(
                f"template '{name}' needs at least 'prompt' and 'target' keys"
            )
        kwargs = dict(entry)
        kwargs["optional"] = tuple(tuple(p) for p in kwargs.get("optional", ()))
        out.append(register_template(TaskTemplate(name, **kwargs), overwrite))
    return out
