"""Pitch-shift augmentation of training notes, the pitch label moved along.

A sampled instrument's note a few semitones away is, to a first
approximation, the same recording played faster or slower: that is how a
soundfont (or a sampler) renders the keys of one sample zone. So a
training note resampled by the frequency ratio ``2 ** (s / 12)`` stands in
for the same instrument ``s`` semitones higher, and its item's ``pitch``
field (a MIDI number) moves by ``s``; the target is rendered again from the
item's fields through its task template (:mod:`pengi_sb.tasks`), so
"produced by guitar, pitch 61, velocity 50" becomes "..., pitch 63, ..." for
a two-semitone shift.

Only items of the listed tasks that carry the pitch field, and whose stored
target is what their template renders (so nothing a user wrote by hand is
replaced), are shifted. The shift of an item is drawn from ``(seed, epoch,
item id)``, like the training windows (:mod:`pengi_sb.data.pipeline`): the audio
and the target pipelines draw the same one, in any DataLoader worker and
after a restart; a different one each epoch.

Shifts are whole semitones, each played as the nearest small-integer
frequency ratio (``Fraction.limit_denominator``; within 0.04 semitone), so
the resampling kernel stays small (about 1 ms per 4-second clip). The
shifted clip keeps its length: a note played faster is padded with
silence at the end, one played slower is cut.

Example
-------
>>> import torch
>>> shift = PitchShift(tasks=["music_note"], max_semitones=2, prob=1.0)
>>> item = {"task": "music_note", "instrument": "guitar", "pitch": 61,
...         "velocity": 50,
...         "target": "produced by guitar, pitch 61, velocity 50"}
>>> semitones = shift.draw("note_1", item, seed=0, epoch=3)
>>> semitones in (-2, -1, 1, 2)
True
>>> shift.shift_target(item, 2)
'produced by guitar, pitch 63, velocity 50'
>>> t = torch.arange(16000) / 16000
>>> tone = torch.sin(2 * torch.pi * 440.0 * t)
>>> up = shift.shift_audio(tone, 2)      # ~493.9 Hz, same length
>>> up.shape
torch.Size([16000])
>>> int(torch.fft.rfft(up[:8000]).abs().argmax()) * 2   # Hz (0.5 s FFT)
494

Authors
 * pengi-sb developers 2026
"""

import zlib
from fractions import Fraction

import numpy as np
import torch
from torchaudio.functional import resample

from pengi_sb.tasks import get_template

__all__ = ["PitchShift"]

# Separates the shift's random stream from the training window's, which is
# drawn from the same (seed, epoch, item id).
_STREAM = 0x5E1F


class PitchShift:
    """Resamples training notes by whole semitones and moves their pitch.

    Arguments
    ---------
    tasks : list of str
        Tasks whose items are shifted (their template must render the pitch
        field, e.g. ``music_note``).
    max_semitones : int
        Shifts are drawn uniformly from ``-max_semitones .. max_semitones``
        without 0.
    prob : float
        Share of the eligible items shifted in an epoch (the rest are kept).
    pitch_field : str
        The item field holding the MIDI pitch.
    pitch_range : tuple of int
        A shift that would move the pitch outside is not used (the item is
        kept as it is that epoch).
    max_denominator : int
        Largest denominator of the resampling ratios.
    """

    def __init__(self, tasks=("music_note",), max_semitones=3, prob=0.75,
                 pitch_field="pitch", pitch_range=(0, 127),
                 max_denominator=24):
        if int(max_semitones) < 1:
            raise ValueError(f"PitchShift: max_semitones must be at least 1, "
                             f"not {max_semitones}")
        if not 0.0 <= float(prob) <= 1.0:
            raise ValueError(f"PitchShift: prob must be in [0, 1], not {prob}")
        self.tasks = set(tasks)
        self.prob = float(prob)
        self.pitch_field = pitch_field
        self.pitch_range = tuple(pitch_range)
        self.shifts = [s for s in range(-int(max_semitones),
                                        int(max_semitones) + 1) if s != 0]
        self.ratios = {
            s: Fraction(2.0 ** (s / 12)).limit_denominator(max_denominator)
            for s in self.shifts
        }

    def applies_to(self, item):
        """Whether ``item`` can be shifted: a listed task, a numeric pitch
        and a stored target equal to its template's rendering."""
        if item.get("task") not in self.tasks:
            return False
        pitch = item.get(self.pitch_field)
        if isinstance(pitch, bool) or not isinstance(pitch, (int, float)):
            return False
        try:
            return self._render(item, pitch) == item.get("target")
        except (KeyError, ValueError):
            return False

    def draw(self, item_id, item, seed, epoch):
        """The shift in semitones of ``item`` in ``epoch`` (0: unchanged).

        Arguments
        ---------
        item_id : str
            The item's id (with ``seed`` and ``epoch``, seeds the draw).
        item : dict
            Its manifest fields (``task``, the pitch field...).
        seed, epoch : int
            The run's seed and the epoch.

        Returns
        -------
        int
        """
        if item.get("task") not in self.tasks:
            return 0
        rng = np.random.default_rng(
            [int(seed), int(epoch), zlib.crc32(item_id.encode("utf-8")),
             _STREAM])
        if rng.random() >= self.prob:
            return 0
        semitones = int(self.shifts[rng.integers(len(self.shifts))])
        low, high = self.pitch_range
        pitch = item.get(self.pitch_field)
        if not isinstance(pitch, (int, float)) or not (
                low <= pitch + semitones <= high):
            return 0
        return semitones

    def shift_audio(self, wav, semitones):
        """Plays ``wav`` ``semitones`` higher (lower when negative).

        Arguments
        ---------
        wav : torch.Tensor
            ``[T]`` waveform.
        semitones : int
            One of the configured shifts, or 0.

        Returns
        -------
        torch.Tensor
            ``[T]``: the resampled note, padded with zeros or cut.
        """
        if semitones == 0:
            return wav
        ratio = self.ratios[semitones]
        # read at `numerator` Hz, written at `denominator` Hz: played
        # `ratio` times faster at the original rate, every frequency x ratio
        out = resample(wav, ratio.numerator, ratio.denominator)
        length = wav.shape[-1]
        if out.shape[-1] >= length:
            return out[..., :length]
        return torch.nn.functional.pad(out, (0, length - out.shape[-1]))

    def shift_target(self, item, semitones):
        """The item's target rendered with its pitch moved by ``semitones``."""
        if semitones == 0:
            return item["target"]
        return self._render(item, item[self.pitch_field] + semitones)

    def _render(self, item, pitch):
        fields = {k: v for k, v in item.items() if k != "task"}
        fields[self.pitch_field] = pitch
        return get_template(item["task"]).render(**fields)[1]

    def __repr__(self):
        return (f"PitchShift(tasks={sorted(self.tasks)}, "
                f"shifts={self.shifts}, prob={self.prob})")
