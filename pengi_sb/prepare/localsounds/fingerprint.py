"""Recognises the same recording under two names, so that LocalSounds uses each
recording once (and never in two splits).

Debian packages install some sounds twice: Hydrogen kits reuse each other's
samples, the freedesktop theme links one sound under several event names.
:func:`fingerprint` digests the first half second of sound after the
leading silence, whatever the file name; :func:`take_unique` keeps the
candidates whose audio has not been seen yet.

Example
-------
>>> import os, random, tempfile
>>> import numpy as np, soundfile
>>> tmp = tempfile.TemporaryDirectory()
>>> tone = np.sin(np.arange(8000) / 5.0).astype(np.float32) * 0.5
>>> silence = np.zeros(4000, np.float32)
>>> waves = {"a.wav": np.r_[silence[:1000], tone],  # same sound as b.wav
...          "b.wav": np.r_[silence, tone], "c.wav": tone / 4}
>>> paths = {}
>>> for name, wave in waves.items():
...     paths[name] = os.path.join(tmp.name, name)
...     soundfile.write(paths[name], wave, 16000)
>>> fingerprint(paths["a.wav"]) == fingerprint(paths["b.wav"])
True
>>> take_unique(sorted(paths), lambda n: [paths[n]], None, random.Random(0))
['a.wav', 'c.wav']
>>> tmp.cleanup()

Authors
 * pengi-sb developers 2026
"""

import hashlib

import numpy as np

from pengi_sb.prepare.localsounds.audio import DECODE_ERRORS, read_mono

__all__ = ["first_unique", "fingerprint", "take_unique"]


def fingerprint(path, seconds=0.5):
    """A digest of the first ``seconds`` of sound in ``path``.

    Two files with the same recording (copies under another name, a kit
    reusing another kit's samples) get the same digest, whatever their
    container, so a recording is never used twice (in two splits).

    Arguments
    ---------
    path : str
        An audio file.
    seconds : float
        How much audio, after the leading silence, is compared.

    Returns
    -------
    str or None
        None when the file cannot be decoded.
    """
    try:
        wave, sr = read_mono(path, 3.0, trim=True)
    except DECODE_ERRORS:
        return None
    head = np.round(wave[: int(seconds * sr)] * 32767).astype(np.int16)
    return hashlib.md5(head.tobytes() + str(sr).encode()).hexdigest()


def first_unique(paths, seen):
    """True when no path's :func:`fingerprint` is in ``seen``; adds them.

    Arguments
    ---------
    paths : list of str
        The audio files of one candidate (one recording, or the layers of
        one drum).
    seen : set of str
        Fingerprints used so far; updated only when True is returned.

    Returns
    -------
    bool
        False too when a file cannot be decoded.
    """
    prints = [fingerprint(p) for p in paths]
    if any(f is None or f in seen for f in prints):
        return False
    seen.update(prints)
    return True


def take_unique(candidates, paths_of, limit, rng):
    """Keeps candidates whose audio is new, up to ``limit`` of them.

    Arguments
    ---------
    candidates : list
        In a deterministic order.
    paths_of : callable
        ``candidate -> list of audio paths``.
    limit : int or None
        How many to keep; with a limit, candidates are taken in random
        order, without one all are walked in the given order.
    rng : random.Random
        Source of the order.

    Returns
    -------
    list
        The kept candidates, in the order they were taken.
    """
    order = list(candidates)
    if limit is not None:
        rng.shuffle(order)
    seen, kept = set(), []
    for candidate in order:
        if limit is not None and len(kept) >= limit:
            break
        if first_unique(paths_of(candidate), seen):
            kept.append(candidate)
    return kept
