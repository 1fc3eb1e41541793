"""The LocalSounds ``notes`` source: single notes of General MIDI programs,
planned per instrument family and rendered from a soundfont with fluidsynth.

Each of the 8 instrument families (:data:`INSTRUMENT_FAMILIES`) plays
``programs_per_family`` GM programs at ``pitches_per_program`` random
pitches of its range and at each of ``velocities``. A (program, pitch) pair
is one split group, so a held-out pitch of a program is never heard in
training. Each split renders its notes with its own soundfonts
(``soundfonts``, :func:`assign_soundfonts`): by default the test notes come
from a soundfont that no training or validation note uses, so the family is
judged on recordings of instruments never heard. :func:`collect_notes` plans
the clips; :func:`write_notes` writes one MIDI file per soundfont
(:func:`write_note_midi`), renders it with fluidsynth
(:func:`render_notes`) and cuts it into clips.

Example
-------
>>> sorted(INSTRUMENT_FAMILIES)[:3]
['bass', 'brass', 'flute']
>>> pitch_word(40), pitch_word(60), pitch_word(84)
('low', 'mid', 'high')
>>> clip = note_clip("mallet", 12, 64, 115, "note_p012_n064", "TimGM6mb")
>>> clip.clip_id, clip.caption
('note_p012_n064_v115_timgm6mb', 'a loud mallet note at a mid pitch')
>>> clip.references[1]
'a mallet instrument playing a single loud mid note'

Authors
 * pengi-sb developers 2026
"""

import os
import struct
import subprocess
import tempfile

import numpy as np
import soundfile

from pengi_sb.prepare.localsounds.audio import clip_path, write_clip
from pengi_sb.prepare.localsounds.clips import DATASET, SPLITS, Clip, slug
from pengi_sb.prepare.localsounds.split import assign_splits

__all__ = [
    "FAMILY_NOUNS",
    "FLUIDSYNTH_GAIN",
    "GM_PROGRAM_NAMES",
    "INSTRUMENT_FAMILIES",
    "TICKS_PER_SECOND",
    "assign_soundfonts",
    "check_soundfonts",
    "collect_notes",
    "note_clip",
    "pitch_word",
    "render_notes",
    "soundfont_name",
    "velocity_word",
    "vlq",
    "write_note_midi",
    "write_notes",
]

# family -> GM programs (0-based, in order of use) and a MIDI pitch range.
INSTRUMENT_FAMILIES = {
    "piano": {"programs": (0, 1, 2, 3, 4, 5), "pitches": (33, 96)},
    "mallet": {"programs": (11, 12, 13, 9, 8, 14), "pitches": (60, 96)},
    "organ": {"programs": (16, 17, 18, 19, 20, 21), "pitches": (36, 84)},
    "guitar": {"programs": (24, 25, 26, 27, 28, 29), "pitches": (40, 81)},
    "bass": {"programs": (32, 33, 34, 35, 36, 37), "pitches": (28, 55)},
    "string": {"programs": (40, 41, 42, 48, 49, 44), "pitches": (43, 88)},
    "brass": {"programs": (56, 57, 60, 61, 58, 62), "pitches": (40, 76)},
    "flute": {"programs": (73, 72, 74, 75, 79, 77), "pitches": (60, 96)},
}
# How a family is named inside a sentence (captions, questions).
FAMILY_NOUNS = {
    "piano": "piano",
    "mallet": "mallet instrument",
    "organ": "organ",
    "guitar": "guitar",
    "bass": "bass",
    "string": "string instrument",
    "brass": "brass instrument",
    "flute": "flute",
}
GM_PROGRAM_NAMES = {
    0: "acoustic grand piano", 1: "bright acoustic piano",
    2: "electric grand piano", 3: "honky-tonk piano", 4: "electric piano 1",
    5: "electric piano 2", 8: "celesta", 9: "glockenspiel", 11: "vibraphone",
    12: "marimba", 13: "xylophone", 14: "tubular bells", 16: "drawbar organ",
    17: "percussive organ", 18: "rock organ", 19: "church organ",
    20: "reed organ", 21: "accordion", 24: "nylon guitar", 25: "steel guitar",
    26: "jazz guitar", 27: "clean electric guitar", 28: "muted guitar",
    29: "overdriven guitar", 32: "acoustic bass", 33: "finger bass",
    34: "pick bass", 35: "fretless bass", 36: "slap bass 1",
    37: "slap bass 2", 40: "violin", 41: "viola", 42: "cello",
    44: "tremolo strings", 48: "string ensemble 1", 49: "string ensemble 2",
    56: "trumpet", 57: "trombone", 58: "tuba", 60: "french horn",
    61: "brass section", 62: "synth brass 1", 72: "piccolo", 73: "flute",
    74: "recorder", 75: "pan flute", 77: "shakuhachi", 79: "ocarina",
}
FLUIDSYNTH_GAIN = 1.5
TICKS_PER_SECOND = 960  # 480 ticks per quarter note at 120 bpm

PITCH_WORDS = ((48, "low"), (72, "mid"), (128, "high"))
VELOCITY_WORDS = ((64, "soft"), (96, "medium"), (128, "loud"))


def pitch_word(pitch):
    """``low`` (below MIDI 48), ``mid`` (48-71) or ``high`` (72 and up).

    Arguments
    ---------
    pitch : int
        MIDI pitch.

    Returns
    -------
    str
    """
    return next(word for limit, word in PITCH_WORDS if pitch < limit)


def velocity_word(velocity):
    """``soft`` (below 64), ``medium`` (64-95) or ``loud`` (96 and up).

    Arguments
    ---------
    velocity : int
        MIDI velocity.

    Returns
    -------
    str
    """
    return next(word for limit, word in VELOCITY_WORDS if velocity < limit)


# ------------------------------------------------------------ planning ----
def check_soundfonts(soundfonts):
    """Raises ValueError unless every split has a soundfont and no test
    soundfont is used by training or validation.

    Arguments
    ---------
    soundfonts : dict
        ``{split: [soundfont, ...]}`` for ``train``, ``valid``, ``test``.

    Example
    -------
    >>> check_soundfonts({"train": ["a", "b"], "valid": ["a"],
    ...                   "test": ["a"]})
    Traceback (most recent call last):
    ...
    ValueError: soundfonts: ['a'] render test notes and training or \
validation notes too; a test soundfont must be heard in no other split
    """
    missing = [s for s in SPLITS if not soundfonts.get(s)]
    if missing or set(soundfonts) - set(SPLITS):
        raise ValueError(
            f"soundfonts: give a list of soundfonts for each of {SPLITS} "
            f"(got {soundfonts})")
    names = {split: {soundfont_name(f) for f in fonts}
             for split, fonts in soundfonts.items()}
    shared = sorted(names["test"] & (names["train"] | names["valid"]))
    if shared:
        raise ValueError(
            f"soundfonts: {shared} render test notes and training or "
            "validation notes too; a test soundfont must be heard in no "
            "other split")


def collect_notes(opts, rng):
    """Plans the soundfont notes: programs, pitches, velocities, splits
    and the soundfont of each note.

    Arguments
    ---------
    opts : dict
        The preparation options (``programs_per_family``,
        ``pitches_per_program``, ``velocities``, the held-out fractions,
        ``soundfonts``).
    rng : random.Random
        Source of the pitch choices, splits and soundfont assignment.

    Returns
    -------
    list of Clip
        With ``fields`` holding ``program``, ``pitch``, ``velocity``,
        ``soundfont``.

    Raises
    ------
    ValueError
        When a family has fewer than ``programs_per_family`` programs.
    """
    planned = []
    for family, spec in INSTRUMENT_FAMILIES.items():
        programs = spec["programs"][: opts["programs_per_family"]]
        if len(programs) < opts["programs_per_family"]:
            raise ValueError(
                f"programs_per_family={opts['programs_per_family']}: family "
                f"'{family}' has {len(spec['programs'])} programs"
            )
        low, high = spec["pitches"]
        for program in programs:
            pitches = sorted(rng.sample(range(low, high + 1),
                                        opts["pitches_per_program"]))
            for pitch in pitches:
                group = f"note_p{program:03d}_n{pitch:03d}"
                for velocity in opts["velocities"]:
                    planned.append(note_clip(family, program, pitch,
                                             velocity, group, None))
    planned = assign_splits(planned, rng, opts)
    return assign_soundfonts(planned, opts["soundfonts"], rng)


def assign_soundfonts(clips, soundfonts, rng):
    """Gives each planned note the soundfont it is rendered with.

    In each split, the notes of each program are shared out evenly over
    the split's soundfonts (in a shuffled order), so every program is heard
    from each of them and the split keeps its size.

    Arguments
    ---------
    clips : list of Clip
        Notes with their split, planned with no soundfont.
    soundfonts : dict
        ``{split: [soundfont, ...]}`` (see :func:`check_soundfonts`).
    rng : random.Random
        Source of the order.

    Returns
    -------
    list of Clip
        New clips, in the same order, each with its soundfont in its id and
        ``fields["soundfont"]``.

    Example
    -------
    >>> import random
    >>> notes = [note_clip("piano", 0, p, 50, f"note_p000_n{p:03d}", None)
    ...          for p in (40, 41, 42, 43)]
    >>> for clip, split in zip(notes, ["train", "train", "test", "valid"]):
    ...     clip.split = split
    >>> fonts = {"train": ["A", "B"], "valid": ["A"], "test": ["C"]}
    >>> out = assign_soundfonts(notes, fonts, random.Random(0))
    >>> sorted(c.fields["soundfont"] for c in out[:2]), out[2].clip_id
    (['A', 'B'], 'note_p000_n042_v050_c')
    """
    chosen = {}
    by_program = {}
    for i, clip in enumerate(clips):
        by_program.setdefault((clip.split, clip.fields["program"]),
                              []).append(i)
    for (split, _), members in sorted(by_program.items()):
        fonts = list(soundfonts[split])
        rng.shuffle(members)
        for k, i in enumerate(members):
            chosen[i] = fonts[k % len(fonts)]
    out = []
    for i, clip in enumerate(clips):
        f = clip.fields
        note = note_clip(f["family"], f["program"], f["pitch"],
                         f["velocity"], clip.group, chosen[i])
        note.split = clip.split
        out.append(note)
    return out


def note_clip(family, program, pitch, velocity, group, soundfont=None):
    """The clip of one note, with its captions and facts.

    Arguments
    ---------
    family : str
        A key of :data:`INSTRUMENT_FAMILIES`.
    program : int
        The GM program (0-based).
    pitch, velocity : int
        MIDI pitch and velocity.
    group : str
        The split group (one program at one pitch).
    soundfont : str or None
        The soundfont it is rendered with (its name, or its file: then the
        file's name without its extension); None while planning.

    Returns
    -------
    Clip
    """
    noun = FAMILY_NOUNS[family]
    vel, pw = velocity_word(velocity), pitch_word(pitch)
    caption = f"a {vel} {family} note at a {pw} pitch"
    font = soundfont_name(soundfont) if soundfont else None
    return Clip(
        clip_id=f"{group}_v{velocity:03d}" + (f"_{slug(font)}" if font
                                              else ""),
        source="notes",
        group=group,
        stratum=f"program{program:03d}",
        caption=caption,
        references=[
            caption,
            f"a {noun} playing a single {vel} {pw} note",
            f"one {vel} {pw}-pitched note on a {noun}",
        ],
        facts={"speech": False, "instrument": True, "drum": False,
               "family": family, "pitch_word": pw},
        fields={"family": family, "program": program,
                "program_name": GM_PROGRAM_NAMES.get(program, ""),
                "pitch": pitch, "velocity": velocity,
                **({"soundfont": font} if font else {})},
    )


def soundfont_name(soundfont):
    """A soundfont's name: itself, or a file's name without extension.

    Example
    -------
    >>> soundfont_name("/x/FluidR3_GM.sf2"), soundfont_name("TimGM6mb")
    ('FluidR3_GM', 'TimGM6mb')
    """
    return os.path.splitext(os.path.basename(soundfont))[0]


# ---------------------------------------------------------------- MIDI ----
def vlq(value):
    """The MIDI variable-length quantity of ``value``.

    Arguments
    ---------
    value : int
        A non-negative delta time.

    Returns
    -------
    bytes
        7 bits per byte, most significant first, the high bit set on all
        but the last.

    Example
    -------
    >>> vlq(0), vlq(127), vlq(128)
    (b'\\x00', b'\\x7f', b'\\x81\\x00')
    """
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    return bytes(reversed(out))


def write_note_midi(notes, path, note_seconds, hold_fraction=0.75):
    """Writes one single-track MIDI file playing ``notes`` one by one.

    Note ``i`` starts at ``i * note_seconds``, is released after
    ``hold_fraction`` of it and is silenced at the end of its slot.

    Arguments
    ---------
    notes : list of (int, int, int)
        ``(program, pitch, velocity)``.
    path : str
        The ``.mid`` file to write.
    note_seconds : float
        Length of a slot.
    hold_fraction : float
        Share of the slot the key is held.
    """
    track = bytearray()
    last = 0

    def event(tick, data):
        nonlocal last
        track.extend(vlq(tick - last) + bytes(data))
        last = tick

    for i, (program, pitch, velocity) in enumerate(notes):
        start = int(round(i * note_seconds * TICKS_PER_SECOND))
        end = int(round((i + 1) * note_seconds * TICKS_PER_SECOND))
        event(start, (0xB0, 121, 0))  # reset controllers
        event(start, (0xC0, program))
        event(start, (0x90, pitch, velocity))
        event(start + int(hold_fraction * (end - start)), (0x80, pitch, 0))
        event(end - 1, (0xB0, 120, 0))  # all sound off
    track.extend(vlq(1) + b"\xff\x2f\x00")
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480)
    with open(path, "wb") as f:
        f.write(header + b"MTrk" + struct.pack(">I", len(track)) + track)


# ----------------------------------------------------------- rendering ----
def render_notes(notes, soundfont, fluidsynth, sample_rate, note_seconds):
    """Renders ``notes`` with fluidsynth, one gain for all of them.

    Arguments
    ---------
    notes : list of (int, int, int)
        ``(program, pitch, velocity)``.
    soundfont : str
        A General MIDI ``.sf2`` file.
    fluidsynth : str
        The fluidsynth program (name on PATH or path).
    sample_rate : int
        The rate fluidsynth renders at.
    note_seconds : float
        Length of each note's slot (and of each returned array).

    Returns
    -------
    list of numpy.ndarray
        One mono ``[note_seconds * sample_rate]`` float32 array per note;
        the whole rendering is scaled once, if needed, to peak at 0.99, so
        the velocity differences are kept.

    Raises
    ------
    RuntimeError
        When fluidsynth fails (with its command and error output).
    """
    with tempfile.TemporaryDirectory() as tmp:
        midi = os.path.join(tmp, "notes.mid")
        out = os.path.join(tmp, "notes.wav")
        write_note_midi(notes, midi, note_seconds)
        cmd = [
            fluidsynth, "-ni", "-q", "-R", "0", "-C", "0",
            "-g", str(FLUIDSYNTH_GAIN), "-r", str(sample_rate),
            "-T", "wav", "-O", "s16", "-F", out, soundfont, midi,
        ]
        run = subprocess.run(cmd, capture_output=True, text=True,
                             timeout=600)
        if run.returncode != 0 or not os.path.isfile(out):
            raise RuntimeError(
                f"{DATASET}: fluidsynth failed ({' '.join(cmd)}): "
                f"{run.stderr.strip()[-500:]}"
            )
        data, sr = soundfile.read(out, dtype="float32", always_2d=True)
    wave = data.mean(axis=1)
    peak = float(np.abs(wave).max())
    if peak > 0.99:  # one gain for all notes keeps the velocity differences
        wave *= 0.99 / peak
    size = int(round(note_seconds * sr))
    return [wave[i * size:(i + 1) * size] for i in range(len(notes))]


def write_notes(clips, soundfont_files, fluidsynth, opts):
    """Renders note clips into ``<data_folder>/notes``, each with its
    soundfont.

    The clips of one soundfont are rendered in one fluidsynth run
    (:func:`render_notes`), each in a slot of ``max_seconds``.

    Arguments
    ---------
    clips : list of Clip
        Planned by :func:`collect_notes`; their ``duration`` is set.
    soundfont_files : dict
        ``{soundfont name: .sf2 / .sf3 file}`` for every soundfont of the
        clips.
    fluidsynth : str
        The fluidsynth program.
    opts : dict
        The preparation options (``data_folder``, ``sample_rate``,
        ``max_seconds``).
    """
    by_font = {}
    for clip in clips:
        by_font.setdefault(clip.fields["soundfont"], []).append(clip)
    note_seconds = opts["max_seconds"]
    for font in sorted(by_font):
        group = by_font[font]
        notes = [(c.fields["program"], c.fields["pitch"],
                  c.fields["velocity"]) for c in group]
        waves = render_notes(notes, soundfont_files[font], fluidsynth,
                             opts["sample_rate"], note_seconds)
        for clip, wave in zip(group, waves, strict=True):
            dst = clip_path(opts["data_folder"], clip)
            clip.duration = write_clip(wave, dst, opts["sample_rate"])
