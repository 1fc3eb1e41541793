"""The LocalSounds ``events`` source: the freedesktop desktop event sounds,
labelled by their event name.

Known event names (:data:`EVENT_SOUNDS`) have their own label and caption,
``audio-channel-*`` sounds are a voice saying the channel's name, and any
other name is a generic notification sound. Each sound is its own split
group, stratified into speech and non-speech.

Example
-------
>>> clip = event_clip("/s/bell.oga", "bell")
>>> clip.event, clip.caption, clip.facts
('bell', 'a bell ringing', {'speech': False, 'instrument': None, \
'drum': False})
>>> event_clip("/s/audio-channel-front-left.oga",
...            "audio-channel-front-left").caption
'a voice saying front left'

Authors
 * pengi-sb developers 2026
"""

import os

from pengi_sb.prepare.localsounds.clips import Clip, slug
from pengi_sb.prepare.localsounds.fingerprint import take_unique
from pengi_sb.prepare.localsounds.sources import listing
from pengi_sb.prepare.localsounds.split import assign_splits

__all__ = ["EVENT_SOUNDS", "collect_events", "event_clip"]

_EVENT = {"speech": False, "instrument": False, "drum": False}
# freedesktop event name -> (event label, caption); any other name gets a
# generic notification label and caption.
EVENT_SOUNDS = {
    "alarm-clock-elapsed": ("alarm clock", "an alarm clock ringing"),
    "audio-test-signal": ("test signal", "an audio test signal"),
    "audio-volume-change": ("click", "a short click as the volume changes"),
    "bell": ("bell", "a bell ringing"),
    "camera-shutter": ("camera shutter", "a camera shutter clicking"),
    "complete": ("chime", "a chime telling that something is complete"),
    "dialog-error": ("alert", "an error alert sound"),
    "dialog-warning": ("alert", "a warning alert sound"),
    "phone-incoming-call": ("telephone ring", "a telephone ringing"),
    "phone-outgoing-busy": ("busy tone", "a telephone busy tone"),
    "phone-outgoing-calling": ("ringback tone", "a telephone calling tone"),
    "screen-capture": ("camera shutter", "a camera shutter click"),
    "trash-empty": ("trash", "the trash being emptied"),
}


def event_clip(path, name):
    """The clip of one freedesktop sound, with its captions and facts.

    Arguments
    ---------
    path : str
        The ``.oga`` file.
    name : str
        Its event name (the file name without ``.oga``).

    Returns
    -------
    Clip
    """
    words = name.replace("-", " ")
    facts = dict(_EVENT)
    if name.startswith("audio-channel-"):
        spoken = words[len("audio channel "):]
        event, caption = "speech", f"a voice saying {spoken}"
        facts["speech"] = True
        refs = [caption, f"a person says {spoken}",
                f"someone speaking the words {spoken}"]
    else:
        event, caption = EVENT_SOUNDS.get(
            name, ("notification", f"a short {words} notification sound")
        )
        if event == "bell":
            facts["instrument"] = None
        refs = [caption, f"a {words} sound",
                f"a computer {event} sound"]
    return Clip(
        clip_id=slug(name), source="events", group=slug(name),
        stratum="speech" if facts["speech"] else "event",
        caption=caption, references=refs, facts=facts,
        fields={"path": path, "event_name": name},
        event=event,
    )


def collect_events(opts, paths, rng):
    """Lists the freedesktop event sounds and their splits.

    Arguments
    ---------
    opts : dict
        The preparation options (``max_events``, the held-out fractions).
    paths : dict
        Source locations (``freedesktop``).
    rng : random.Random
        Source of the choices and splits.

    Returns
    -------
    list of Clip
        Sorted by clip id, with ``fields['path']`` the source sound.
    """
    clips = []
    for fname in listing(paths["freedesktop"], ".oga"):
        clips.append(event_clip(os.path.join(paths["freedesktop"], fname),
                                fname[: -len(".oga")]))
    clips = take_unique(clips, lambda c: [c.fields["path"]],
                        opts["max_events"], rng)
    return assign_splits(sorted(clips, key=lambda c: c.clip_id), rng, opts)
