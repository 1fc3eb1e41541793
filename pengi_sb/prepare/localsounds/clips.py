"""The clip record every LocalSounds source collector produces, and the names
all LocalSounds modules share.

A collector (``notes``, ``speech``, ``drums``, ``samples``, ``events``)
plans :class:`Clip` objects; the split, the audio writers and the manifest
builder fill in and read their fields.

Example
-------
>>> clip = Clip(clip_id="bell", source="events", group="bell",
...             stratum="event", caption="a bell ringing",
...             references=["a bell ringing"], facts={"speech": False})
>>> clip.split is None, clip.fields
(True, {})
>>> slug("Hi-Hat Closed (Paiste 14\\")")
'hi-hat-closed-paiste-14'

Authors
 * pengi-sb developers 2026
"""

import re
from dataclasses import dataclass, field

__all__ = ["DATASET", "EVAL_TASKS", "SOURCES", "SPLITS", "Clip", "slug"]

DATASET = "LocalSounds"
SPLITS = ("train", "valid", "test")
SOURCES = ("notes", "speech", "drums", "samples", "events")
EVAL_TASKS = ("instrument_family", "language", "aqa_yes_no", "captioning")


@dataclass
class Clip:
    """One audio clip of the corpus and what is known about it.

    Arguments
    ---------
    clip_id : str
        Unique id; the wav is ``<data_folder>/<source>/<clip_id>.wav``.
    source : str
        One of :data:`SOURCES`.
    group : str
        The source item the split is made by: all clips of a group share a
        split.
    stratum : str
        Groups are split in the same proportions within each stratum.
    caption : str
        The training caption.
    references : list of str
        Caption references for evaluation (the caption first).
    facts : dict
        Answers to the yes/no questions (``speech``, ``instrument``,
        ``drum``, ``cymbal``, ``family``, ``language``, ``pitch_word``);
        None or absent: the question is not asked about this clip.
    fields : dict
        Extra manifest fields (``program``, ``kit``, ``text``...); a
        recorded clip's source file is ``fields["path"]`` (not written to
        the manifest).
    event : str, optional
        The ``sound_event`` label.
    duration : float
        Seconds, once the clip is written.
    split : str, optional
        ``train``, ``valid`` or ``test``.
    """

    clip_id: str
    source: str
    group: str
    stratum: str
    caption: str
    references: list
    facts: dict
    fields: dict = field(default_factory=dict)
    event: str = None
    duration: float = 0.0
    split: str = None


def slug(text):
    """Lower-case ``text`` with every run of other characters as one ``-``.

    Arguments
    ---------
    text : str
        A name (sample, kit, instrument, prompt, question).

    Returns
    -------
    str
        Safe in a file name and an item id.

    Example
    -------
    >>> slug("is this a drum?")
    'is-this-a-drum'
    """
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
