"""The LocalSounds ``speech`` source: recorded Asterisk telephone prompts in
five languages, chosen by their transcripts.

Each language has one or more Asterisk voices (folders
``<lang>_<COUNTRY>_<f|m>_<Voice>``) and a transcript file (``name: text``
lines). A prompt is used when its transcript has at least ``min_words``
spoken words, it lasts at least ``min_speech_seconds`` and its sentence and
its audio are new; each recording is its own split group.

Example
-------
>>> spoken_words("[tentativo di] Parcheggio (beep) fallito")
['Parcheggio', 'fallito']
>>> clip = speech_clip("it", "/x/it_IT_m_Carlo/vm-goodbye.wav",
...                    "vm-goodbye", "m", "it_IT_m_Carlo", "Arrivederci!")
>>> clip.clip_id, clip.caption, clip.facts["language"]
('it_IT_m_Carlo_vm-goodbye', 'a man speaking italian', 'italian')

Authors
 * pengi-sb developers 2026
"""

import gzip
import os
import re

import soundfile
from speechbrain.utils.logger import get_logger

from pengi_sb.prepare.localsounds.clips import Clip, slug
from pengi_sb.prepare.localsounds.fingerprint import take_unique
from pengi_sb.prepare.localsounds.sources import (
    asterisk_voices,
    transcript_file,
)
from pengi_sb.prepare.localsounds.split import assign_splits

__all__ = [
    "GENDER_WORDS",
    "LANGUAGE_NAMES",
    "collect_speech",
    "read_transcripts",
    "speech_clip",
    "spoken_words",
]

logger = get_logger(__name__)

LANGUAGE_NAMES = {
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "it": "italian",
    "ru": "russian",
}
GENDER_WORDS = {"f": ("woman", "female"), "m": ("man", "male")}


def read_transcripts(path):
    """Reads an Asterisk ``core-sounds-XX.txt.gz`` (lines ``name: text``).

    Arguments
    ---------
    path : str
        The transcript file.

    Returns
    -------
    dict
        ``{name: text}``; names given twice are left out (ambiguous).
    """
    texts, repeated = {}, set()
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(";") or ":" not in line:
                continue
            name, text = line.split(":", 1)
            if name in texts:
                repeated.add(name)
            texts[name.strip()] = text.strip()
    return {k: v for k, v in texts.items() if k not in repeated}


def spoken_words(text):
    """Words of a transcript, without ``[notes]`` and ``(sounds)``.

    Arguments
    ---------
    text : str
        A transcript line's text.

    Returns
    -------
    list of str
    """
    return re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", text).split()


def collect_speech(opts, paths, rng):
    """Chooses the Asterisk recordings of each language and their splits.

    A recording is used when its transcript has at least ``min_words``
    spoken words and it lasts at least ``min_speech_seconds``.

    Arguments
    ---------
    opts : dict
        The preparation options (``languages``, ``speech_per_language``,
        ``min_words``, ``min_speech_seconds``, the held-out fractions).
    paths : dict
        Source locations (``root``, ``asterisk``).
    rng : random.Random
        Source of the choices and splits.

    Returns
    -------
    list of Clip
        With ``fields['path']`` the source wav.
    """
    clips = []
    for lang in opts["languages"]:
        texts = read_transcripts(transcript_file(paths["root"], lang))
        eligible = []
        for folder, gender in asterisk_voices(paths["asterisk"], lang):
            said = set()  # one recording per sentence and voice
            for name in sorted(texts):
                words = spoken_words(texts[name])
                sentence = re.sub(r"[^\w ]", "", " ".join(words).lower())
                wav = os.path.join(folder, name + ".wav")
                if len(words) < opts["min_words"] or sentence in said:
                    continue
                if not os.path.isfile(wav):
                    continue
                info = soundfile.info(wav)
                if info.frames / info.samplerate < opts["min_speech_seconds"]:
                    continue
                said.add(sentence)
                eligible.append((wav, name, gender, os.path.basename(folder)))
        chosen = take_unique(eligible, lambda e: [e[0]],
                             opts["speech_per_language"], rng)
        if len(chosen) < opts["speech_per_language"]:
            logger.warning("LocalSounds: only %d usable %s recordings",
                           len(chosen), lang)
        for wav, name, gender, voice in sorted(chosen):
            clips.append(speech_clip(lang, wav, name, gender, voice,
                                     texts[name]))
    return assign_splits(clips, rng, opts)


def speech_clip(lang, wav, name, gender, voice, text):
    """The clip of one recorded prompt, with its captions and facts.

    Arguments
    ---------
    lang : str
        A key of :data:`LANGUAGE_NAMES`.
    wav : str
        The source recording.
    name : str
        The prompt's name in the transcript (``vm-goodbye``).
    gender : str
        ``f`` or ``m``, from the voice folder.
    voice : str
        The voice folder's name (the clip id's prefix).
    text : str
        The transcript.

    Returns
    -------
    Clip
    """
    language = LANGUAGE_NAMES[lang]
    person, adjective = GENDER_WORDS.get(gender, ("person", "human"))
    caption = f"a {person} speaking {language}"
    clip_id = f"{voice}_{slug(name)}"
    return Clip(
        clip_id=clip_id,
        source="speech",
        group=clip_id,
        stratum=lang,
        caption=caption,
        references=[
            caption,
            f"a {adjective} voice speaking in {language}",
            f"a {person} says a short phrase in {language}",
        ],
        facts={"speech": True, "instrument": False, "drum": False,
               "language": language},
        fields={"path": wav, "language": language, "lang_code": lang,
                "gender": person, "voice": voice, "text": text},
    )
