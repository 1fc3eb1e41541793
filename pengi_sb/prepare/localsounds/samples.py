"""The LocalSounds ``samples`` source: the Sonic Pi samples, labelled by their
name's prefix.

A sample's name starts with its category (``ambi_``, ``bd_``,
``drum_cymbal_closed``, ``vinyl_``...); the longest known prefix
(:data:`SAMPLE_PREFIXES`) gives its event label, caption and yes/no facts.
Samples with no known prefix are left out; each sample is its own split
group, stratified by the first word of its name.

Example
-------
>>> sample_entry("drum_cymbal_closed")
('hi-hat', 'a closed hi-hat hit', {'speech': False, 'instrument': True, \
'drum': None, 'cymbal': True})
>>> sample_entry("vinyl_hiss")[:2]
('vinyl hiss', 'the hiss of a vinyl record')
>>> sample_entry("zz_unknown") is None
True

Authors
 * pengi-sb developers 2026
"""

import os

from speechbrain.utils.logger import get_logger

from pengi_sb.prepare.localsounds.clips import Clip, slug
from pengi_sb.prepare.localsounds.drums import DRUM_CLASSES
from pengi_sb.prepare.localsounds.fingerprint import take_unique
from pengi_sb.prepare.localsounds.sources import listing
from pengi_sb.prepare.localsounds.split import assign_splits

__all__ = ["SAMPLE_PREFIXES", "collect_samples", "sample_entry"]

logger = get_logger(__name__)

# Sonic Pi sample name prefix -> (event label, caption, facts); the longest
# matching prefix wins. Facts answer the yes/no questions (None: not asked).
_NOT_MUSIC = {"speech": False, "instrument": None, "drum": None}
_MUSIC = {"speech": False, "instrument": True, "drum": False, "cymbal": None}
SAMPLE_PREFIXES = {
    "ambi": ("ambient sound", "an ambient electronic texture", _NOT_MUSIC),
    "ambi_choir": ("choir", "a choir singing a long chord",
                   {"speech": None}),
    "ambi_piano": ("piano", "a soft ambient piano", _MUSIC),
    "bass": ("synth bass", "a deep synthesizer bass note", _MUSIC),
    "bd": ("kick drum", "an electronic kick drum hit", None),
    "sn": ("snare drum", "an electronic snare drum hit", None),
    "drum_bass": ("kick drum", "a kick drum hit", None),
    "drum_heavy_kick": ("kick drum", "a heavy kick drum hit", None),
    "drum_snare": ("snare drum", "a snare drum hit", None),
    "drum_tom": ("tom", "a tom hit", None),
    "drum_cymbal": ("cymbal", "a cymbal hit", None),
    "drum_cymbal_closed": ("hi-hat", "a closed hi-hat hit", None),
    "drum_cymbal_pedal": ("hi-hat", "a pedal hi-hat hit", None),
    "drum_splash": ("cymbal", "a splash cymbal hit", None),
    "drum_cowbell": ("cowbell", "a cowbell hit", None),
    "drum_roll": ("drum roll", "a snare drum roll", None),
    "elec": ("electronic sound", "a short electronic sound", _NOT_MUSIC),
    "glitch": ("glitch", "a glitchy electronic noise", _NOT_MUSIC),
    "glitch_robot": ("robot voice", "a glitchy robotic voice",
                     {"speech": None}),
    "guit": ("guitar", "an electric guitar playing", _MUSIC),
    "loop": ("loop", "a short repeating rhythmic loop", _NOT_MUSIC),
    "mehackit_phone": ("telephone", "a telephone sound", _NOT_MUSIC),
    "mehackit_robot": ("robot sound", "a robotic electronic sound",
                       {"speech": None}),
    "misc_burp": ("burp", "a person burping", {"speech": None}),
    "misc_cineboom": ("boom", "a deep cinematic boom", _NOT_MUSIC),
    "misc_crow": ("crow", "a crow cawing",
                  {"speech": False, "instrument": False, "drum": False}),
    "perc": ("percussion", "a percussive hit", _NOT_MUSIC),
    "perc_bell": ("bell", "a bell ringing", _NOT_MUSIC),
    "perc_door": ("door", "a door sound", _NOT_MUSIC),
    "perc_impact": ("impact", "a heavy impact", _NOT_MUSIC),
    "perc_snap": ("finger snap", "a finger snap", _NOT_MUSIC),
    "perc_swash": ("swoosh", "a swooshing sound", _NOT_MUSIC),
    "perc_swoosh": ("swoosh", "a swooshing sound", _NOT_MUSIC),
    "perc_till": ("cash register", "a cash register till", _NOT_MUSIC),
    "tabla": ("tabla", "a tabla drum stroke",
              {"speech": False, "instrument": True, "drum": True,
               "cymbal": False}),
    "vinyl": ("vinyl", "a vinyl record sound",
              {"speech": False, "instrument": False, "drum": False}),
    "vinyl_scratch": ("vinyl scratch", "a vinyl record being scratched",
                      {"speech": False, "instrument": False, "drum": False}),
    "vinyl_hiss": ("vinyl hiss", "the hiss of a vinyl record",
                   {"speech": False, "instrument": False, "drum": False}),
}


def sample_entry(name):
    """The event label, caption and facts of a Sonic Pi sample name.

    Arguments
    ---------
    name : str
        The sample's file name without ``.flac``.

    Returns
    -------
    tuple or None
        ``(event, caption, facts)`` by the longest matching prefix of
        :data:`SAMPLE_PREFIXES` (a drum's facts come from its drum class);
        None when no prefix matches.
    """
    best = None
    for prefix in SAMPLE_PREFIXES:
        if name.startswith(prefix) and (best is None
                                        or len(prefix) > len(best)):
            best = prefix
    if best is None:
        return None
    event, caption, facts = SAMPLE_PREFIXES[best]
    if facts is None:  # a drum sound: the drum class says it all
        _, is_drum, is_cymbal = DRUM_CLASSES[event]
        facts = {"speech": False, "instrument": True, "drum": is_drum,
                 "cymbal": is_cymbal}
    return event, caption, dict(facts)


def collect_samples(opts, paths, rng):
    """Lists the Sonic Pi samples (up to ``max_samples``) and their splits.

    Arguments
    ---------
    opts : dict
        The preparation options (``max_samples``, the held-out fractions).
    paths : dict
        Source locations (``sonic_pi``).
    rng : random.Random
        Source of the choices and splits.

    Returns
    -------
    list of Clip
        Sorted by clip id, with ``fields['path']`` the source sample.
    """
    clips = []
    for fname in listing(paths["sonic_pi"], ".flac"):
        name = fname[: -len(".flac")]
        entry = sample_entry(name)
        if entry is None:
            logger.info("LocalSounds: no label for Sonic Pi sample %s", name)
            continue
        event, caption, facts = entry
        words = name.replace("_", " ")
        clips.append(Clip(
            clip_id=slug(name), source="samples", group=slug(name),
            stratum=name.split("_")[0], caption=caption,
            references=[caption, f"a {event} sound",
                        f"the sonic pi sample {words}"],
            facts=facts,
            fields={"path": os.path.join(paths["sonic_pi"], fname),
                    "sample_name": name},
            event=event,
        ))
    clips = take_unique(clips, lambda c: [c.fields["path"]],
                        opts["max_samples"], rng)
    return assign_splits(sorted(clips, key=lambda c: c.clip_id), rng, opts)
