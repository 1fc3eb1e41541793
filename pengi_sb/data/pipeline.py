"""Data pipeline of Pengi training and evaluation: manifests -> batches.

::

    manifest items (pengi_sb.data.manifest / pengi_sb.data.mixing)
      -> PengiDataset (a DynamicItemDataset) with three @takes/@provides
         pipelines:
           wav, start, stop -> "sig": windows [W, T] at the model rate
                               (or a SkippedAudio when the file is unusable)
           prompt           -> "prompt_ids", "prompt_mask" [Lp]
           target           -> "target_ids" [Lt] (text + stop sequence)
      -> collate_batch -> PengiBatch: wav [N, T], prompt_ids / mask [B, Lp],
                                      target_ids / mask [B, Lt]

Audio windows:

* training: one window per clip. A clip longer than the window gets a
  random window whose start is drawn from ``(seed, epoch, item id)``:
  the same every time that item is read in that epoch (after a restart
  too, and in any DataLoader worker), a different one each epoch.
* evaluation: deterministic windows chosen by ``window_mode``
  (:func:`pengi_sb.data.audio.window_waveform`: ``"mean"``, the default,
  ``"first"`` or ``"centre"``; with ``"mean"`` a long clip gives several
  windows, whose audio embeddings are averaged by
  :func:`pengi_sb.data.audio.embed_windows`, as in inference).

Shorter clips are tiled to the window length in both cases.

Unreadable audio (missing, empty, corrupt, non-finite) never stops a run:
the audio pipeline returns a :class:`SkippedAudio` (and logs a warning
naming the file), :func:`collate_batch` drops that example and lists it in
``PengiBatch.skipped``, and the training loop counts the skipped items and
reports them at the end of every epoch (see :mod:`pengi_sb.training.brain`). The
count travels inside the batches, so it is right with DataLoader workers
and under DDP.

Example
-------
>>> import tempfile, os
>>> from pengi_sb.data.manifest import make_item
>>> tmp = tempfile.mkdtemp()
>>> import soundfile, numpy as np
>>> soundfile.write(os.path.join(tmp, "a.wav"),
...                 np.zeros(24000, dtype="float32") + 0.1, 16000)
>>> items = {
...     "a": make_item(os.path.join(tmp, "a.wav"), 1.5, "sound_event",
...                    events=["dog"]),
...     "b": make_item(os.path.join(tmp, "missing.wav"), 1.0, "sound_event",
...                    events=["rain"]),
... }
>>> texts = ["this is a sound of", "dog", "rain"] * 30
>>> spm = train_tokenizer(texts, os.path.join(tmp, "tok"), vocab_size=18)
>>> from pengi_sb.text.tokenizers import load_tokenizer
>>> tok = load_tokenizer("sentencepiece", spm)
>>> data = PengiDataset(items, tok, tok, sample_rate=16000, clip_seconds=1.0,
...                     prompt_max_length=24)
>>> batch = collate_batch([data[0], data[1]])
>>> batch.wav.shape, batch.prompt_ids.shape, batch.ids
(torch.Size([2, 16000]), torch.Size([1, 24]), ['a'])
>>> [s.item_id for s in batch.skipped]
['b']

Authors
 * pengi-sb developers 2026
"""

import os
import shutil
import zlib
from dataclasses import dataclass, field, fields
from typing import NamedTuple

import numpy as np
import torch
from speechbrain.dataio.dataset import DynamicItemDataset
from speechbrain.utils.data_pipeline import provides, takes
from speechbrain.utils.logger import get_logger

from pengi_sb.data.audio import (
    DEFAULT_WINDOW_MODE,
    AudioError,
    check_window_mode,
    load_audio,
    stack_windows,
    tile_to_length,
    window_waveform,
)
from pengi_sb.data.manifest import read_manifest
from pengi_sb.text.tokenizers import PromptTooLongError, train_sentencepiece

logger = get_logger(__name__)

__all__ = [
    "DataError",
    "PengiBatch",
    "PengiDataset",
    "SkippedAudio",
    "collate_batch",
    "random_window",
    "right_pad",
    "train_tokenizer",
]

# "target_text": the target the ids encode (the manifest's, or the one an
# augmentation rendered for this epoch)
OUTPUT_KEYS = ("id", "sig", "prompt_ids", "prompt_mask", "target_ids",
               "prompt", "target_text", "task", "references", "labels")
TOKENIZER_FILE = "tokenizer.model"


class DataError(ValueError):
    """Training data that cannot be used; the message names the item."""


class SkippedAudio(NamedTuple):
    """Stands in for the audio of an item that could not be read."""

    item_id: str
    reason: str


def random_window(wav, length, rng):
    """A random ``length``-sample window of ``wav [T]`` (tiled if shorter).

    Arguments
    ---------
    wav : torch.Tensor
        ``[T]`` samples.
    length : int
        Window length in samples.
    rng : numpy.random.Generator
        Draws the window start.

    Returns
    -------
    torch.Tensor
        ``[length]``.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> random_window(torch.arange(10.0), 4, rng).shape
    torch.Size([4])
    >>> random_window(torch.arange(3.0), 5, rng).tolist()
    [0.0, 1.0, 2.0, 0.0, 1.0]
    """
    if wav.shape[-1] <= length:
        return tile_to_length(wav, length)
    start = int(rng.integers(0, wav.shape[-1] - length + 1))
    return wav[start:start + length]


class ExampleEncoder:
    """Prompt and target tokenisation of one example, shared by
    :class:`PengiDataset` and the sharded stream (as its ``transform``).

    Arguments
    ---------
    prompt_tokenizer, target_tokenizer : TextTokenizer
        As :class:`PengiDataset`.
    prompt_max_length : int
        Prompt length of the model (longer prompts are refused).
    max_target_tokens : int, optional
        Longer targets are cut, keeping the stop sequence.
    """

    def __init__(self, prompt_tokenizer, target_tokenizer, prompt_max_length,
                 max_target_tokens=None):
        self.prompt_tokenizer = prompt_tokenizer
        self.target_tokenizer = target_tokenizer
        self.prompt_max_length = int(prompt_max_length)
        self.stop_ids = target_tokenizer.encode_target("")
        if max_target_tokens is not None and (
            max_target_tokens <= len(self.stop_ids)
        ):
            raise ValueError(
                f"max_target_tokens={max_target_tokens} leaves no room for "
                f"text before the {len(self.stop_ids)}-token stop sequence"
            )
        self.max_target_tokens = max_target_tokens
        self._prompts = {}

    def encode_prompt(self, prompt, where="prompt"):
        """``(ids [Lp], mask [Lp])`` of a prompt (cached per text)."""
        if prompt not in self._prompts:
            try:
                ids, mask = self.prompt_tokenizer.encode_prompts(
                    [prompt], self.prompt_max_length)
            except PromptTooLongError as err:
                raise DataError(f"{where}: {err}") from None
            self._prompts[prompt] = (ids[0], mask[0])
        return self._prompts[prompt]

    def encode_target(self, text):
        """Target text -> ids ending with the stop sequence (cut to
        ``max_target_tokens``)."""
        ids = self.target_tokenizer.encode_target(text)
        if self.max_target_tokens and len(ids) > self.max_target_tokens:
            keep = self.max_target_tokens - len(self.stop_ids)
            ids = ids[:keep] + self.stop_ids
        return ids

    def __call__(self, example):
        """A shard sample (``id``, ``sig``, ``prompt``, ``target``...) ->
        the same sample with ``prompt_ids``, ``prompt_mask`` and
        ``target_ids``, ready for :func:`collate_batch`."""
        ids, mask = self.encode_prompt(example["prompt"],
                                       f"shard sample '{example['id']}'")
        return {**example, "prompt_ids": ids, "prompt_mask": mask,
                "references": example.get("references"),
                "labels": example.get("labels"),
                "target_text": example["target"],
                "target_ids": torch.tensor(
                    self.encode_target(example["target"]), dtype=torch.long)}


class PengiDataset(DynamicItemDataset):
    """Manifest items -> Pengi training examples.

    Arguments
    ---------
    items : dict
        ``{id: item}`` with the manifest fields (``wav``, ``prompt``,
        ``target``, ``task``; optional ``start``, ``stop``, ``references``),
        as :func:`pengi_sb.data.manifest.read_manifest` or
        :func:`pengi_sb.data.mixing.load_mixture` return them.
    prompt_tokenizer : pengi_sb.text.tokenizers.TextTokenizer
        Tokenises prompts (``encode_prompts``).
    target_tokenizer : pengi_sb.text.tokenizers.TextTokenizer
        Tokenises targets (``encode_target``: text + stop sequence).
    sample_rate : int
        The model's sample rate.
    clip_seconds : float
        The model's window length in seconds.
    prompt_max_length : int
        Prompt length of the model (prompts are padded to it).
    max_target_tokens : int, optional
        Longer targets are cut (the stop sequence is kept at the end).
    train : bool
        Random (seeded) windows of long clips; else deterministic windows.
    window_mode : str
        Evaluation windows (:mod:`pengi_sb.data.audio`): ``"mean"`` (the
        default, as inference), ``"first"`` or ``"centre"``.
    seed : int
        Seed of the training windows (and of the augmentation).
    name : str
        Named in error messages.
    augment : pengi_sb.data.augment.PitchShift, optional
        Training only: shifts the notes of its tasks by whole semitones and
        renders their targets with the moved pitch (drawn per item and
        epoch from ``seed``, like the windows).

    Raises
    ------
    DataError
        A prompt longer than ``prompt_max_length`` tokens (named with its
        item), found when the dataset is built rather than mid-epoch.
    """

    def __init__(self, items, prompt_tokenizer, target_tokenizer,
                 sample_rate, clip_seconds, prompt_max_length,
                 max_target_tokens=None, train=False,
                 window_mode=DEFAULT_WINDOW_MODE, seed=0, name="dataset",
                 augment=None):
        check_window_mode(window_mode)
        if not items:
            raise DataError(f"{name}: no items")
        data = {}
        for item_id, item in items.items():
            item = dict(item)
            for key in ("start", "stop", "references", "labels"):
                item.setdefault(key, None)
            data[item_id] = item
        super().__init__(data)
        self.name = name
        self.sample_rate = int(sample_rate)
        self.window = int(round(clip_seconds * sample_rate))
        self.train = train
        self.window_mode = window_mode
        self.seed = int(seed)
        self.epoch = 0
        self.encoder = ExampleEncoder(prompt_tokenizer, target_tokenizer,
                                      prompt_max_length, max_target_tokens)
        for item_id in self.data_ids:  # long prompts fail now, not mid-epoch
            self.encoder.encode_prompt(self.data[item_id]["prompt"],
                                       f"{self.name}, item '{item_id}'")
        self.augment = augment if train else None
        self.shiftable = set()
        if self.augment is not None:
            self.shiftable = {i for i in self.data_ids
                              if self.augment.applies_to(self.data[i])}
            logger.info("%s: %s applies to %d of %d items", self.name,
                        self.augment, len(self.shiftable), len(self.data_ids))

        @takes("id", "wav", "start", "stop")
        @provides("sig")
        def audio_pipeline(item_id, path, start, stop):
            return self.load_windows(item_id, path, start, stop)

        @takes("prompt")
        @provides("prompt_ids", "prompt_mask")
        def prompt_pipeline(prompt):
            ids, mask = self.encoder.encode_prompt(prompt)
            yield ids
            yield mask

        @takes("id", "target")
        @provides("target_text", "target_ids")
        def target_pipeline(item_id, target):
            semitones = self.semitones(item_id)
            if semitones:
                target = self.augment.shift_target(self.data[item_id],
                                                   semitones)
            yield target
            yield torch.tensor(self.encode_target(target), dtype=torch.long)

        for pipeline in (audio_pipeline, prompt_pipeline, target_pipeline):
            self.add_dynamic_item(pipeline)
        self.set_output_keys(list(OUTPUT_KEYS))

    @classmethod
    def from_manifest(cls, path, data_root=None, **kwargs):
        """A dataset of one manifest file (``{data_root}`` filled in).

        Arguments
        ---------
        path : str
            A .json or .csv manifest.
        data_root : str, optional
            Replaces ``{data_root}`` in audio paths.
        **kwargs
            Passed to :class:`PengiDataset`.

        Returns
        -------
        PengiDataset
        """
        kwargs.setdefault("name", path)
        return cls(read_manifest(path, data_root=data_root), **kwargs)

    def set_epoch(self, epoch):
        """Selects the epoch the training windows are drawn for."""
        self.epoch = int(epoch)

    def semitones(self, item_id):
        """The augmentation's pitch shift of ``item_id`` this epoch (0:
        none, and always 0 outside training)."""
        if item_id not in self.shiftable:
            return 0
        return self.augment.draw(item_id, self.data[item_id], self.seed,
                                 self.epoch)

    def encode_target(self, text):
        """Target text -> ids ending with the stop sequence (cut to
        ``max_target_tokens``)."""
        return self.encoder.encode_target(text)

    def load_windows(self, item_id, path, start=None, stop=None):
        """Audio of one item -> windows ``[W, T]``, or a
        :class:`SkippedAudio` when the file cannot be used."""
        try:
            wav = load_audio(path, self.sample_rate, start=start, stop=stop)
        except AudioError as err:
            logger.warning("skipping item '%s' of %s: %s", item_id,
                           self.name, err)
            return SkippedAudio(item_id, str(err))
        if self.train:
            semitones = self.semitones(item_id)
            if semitones:
                wav = self.augment.shift_audio(wav, semitones)
            rng = np.random.default_rng(
                [self.seed, self.epoch, zlib.crc32(item_id.encode("utf-8"))]
            )
            return random_window(wav, self.window, rng).unsqueeze(0)
        return window_waveform(wav, self.window, mode=self.window_mode)

    def texts(self, fields=("target", "prompt")):
        """Every item's texts of ``fields`` (e.g. to train a tokenizer)."""
        return [self.data[i][f] for i in self.data_ids for f in fields]


@dataclass
class PengiBatch:
    """A collated batch (``B`` examples, ``N >= B`` audio windows).

    Attributes
    ----------
    ids : list of str
        Item ids.
    wav : torch.Tensor
        ``[N, T]`` audio windows.
    wav_owner : torch.Tensor
        ``[N]`` index of the example each window belongs to.
    prompt_ids, prompt_mask : torch.Tensor
        ``[B, Lp]``.
    target_ids, target_mask : torch.Tensor
        ``[B, Lt]`` (right-padded with 0, mask 0 on padding).
    prompts, targets, tasks : list of str
        The texts and task names.
    references : list
        Reference texts per example (the manifest's ``references`` or
        ``[target]``).
    labels : list
        Class labels per example (the manifest's ``labels``, ``[]`` when
        it has none).
    skipped : list of SkippedAudio
        Examples dropped from this batch (unreadable audio).
    """

    ids: list
    wav: torch.Tensor
    wav_owner: torch.Tensor
    prompt_ids: torch.Tensor
    prompt_mask: torch.Tensor
    target_ids: torch.Tensor
    target_mask: torch.Tensor
    prompts: list = field(default_factory=list)
    targets: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    references: list = field(default_factory=list)
    labels: list = field(default_factory=list)
    skipped: list = field(default_factory=list)

    def __len__(self):
        return len(self.ids)

    @property
    def one_window_each(self):
        """True when every example has exactly one audio window."""
        return self.wav.shape[0] == len(self.ids)

    def _map_tensors(self, fn):
        values = {}
        for f in fields(self):
            value = getattr(self, f.name)
            values[f.name] = fn(value) if torch.is_tensor(value) else value
        return PengiBatch(**values)

    def to(self, device):
        """A copy with every tensor on ``device``."""
        return self._map_tensors(lambda t: t.to(device))

    def pin_memory(self):
        """A copy in pinned memory (DataLoader ``pin_memory=True``)."""
        return self._map_tensors(lambda t: t.pin_memory())


def right_pad(rows):
    """Token id sequences -> ``(ids [B, L], mask [B, L])``, right-padded
    with 0 to the longest (mask 1 on tokens, 0 on padding).

    Example
    -------
    >>> ids, mask = right_pad([torch.tensor([5, 6, 2]), [7, 2]])
    >>> ids.tolist(), mask.tolist()
    ([[5, 6, 2], [7, 2, 0]], [[1, 1, 1], [1, 1, 0]])
    """
    longest = max(len(row) for row in rows)
    ids = torch.zeros(len(rows), longest, dtype=torch.long)
    mask = torch.zeros(len(rows), longest, dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, :len(row)] = torch.as_tensor(row, dtype=torch.long)
        mask[i, :len(row)] = 1
    return ids, mask


def collate_batch(examples):
    """DataLoader ``collate_fn``: examples -> :class:`PengiBatch`.

    Examples whose audio is a :class:`SkippedAudio` (or ``None``) are left
    out and listed in ``skipped``; the batch may then be empty.
    """
    skipped, kept = [], []
    for ex in examples:
        sig = ex["sig"]
        if isinstance(sig, SkippedAudio):
            skipped.append(sig)
        elif sig is None:
            skipped.append(SkippedAudio(ex["id"], "no audio"))
        else:
            kept.append(ex)
    if not kept:
        empty = torch.zeros(0, 0, dtype=torch.long)
        owner = torch.zeros(0, dtype=torch.long)
        return PengiBatch([], torch.zeros(0, 0), owner, empty, empty, empty,
                          empty, skipped=skipped)
    wav, wav_owner = stack_windows([ex["sig"] for ex in kept])
    target_ids, target_mask = right_pad([ex["target_ids"] for ex in kept])
    return PengiBatch(
        ids=[ex["id"] for ex in kept],
        wav=wav,
        wav_owner=wav_owner,
        prompt_ids=torch.stack([ex["prompt_ids"] for ex in kept]),
        prompt_mask=torch.stack([ex["prompt_mask"] for ex in kept]),
        target_ids=target_ids,
        target_mask=target_mask,
        prompts=[ex["prompt"] for ex in kept],
        targets=[ex["target_text"] for ex in kept],
        tasks=[ex["task"] for ex in kept],
        references=[list(ex["references"]) if ex["references"]
                    else [ex["target_text"]] for ex in kept],
        labels=[list(ex.get("labels") or []) for ex in kept],
        skipped=skipped,
    )


# ---------------------------------------------------------------- tokenizers
def train_tokenizer(texts, model_dir, vocab_size, model_type="unigram"):
    """Trains the SentencePiece model of a from-scratch Pengi, once.

    Writes ``<model_dir>/tokenizer.model`` and returns its path; when it
    exists already (a restarted run) it is kept, so that a resumed training
    keeps its vocabulary.

    Arguments
    ---------
    texts : list of str
        Training text (targets and prompts).
    model_dir : str
        Folder for the model and its training files.
    vocab_size : int
        Number of pieces: the model's vocabulary size.
    model_type : str
        ``unigram`` or ``bpe``.

    Returns
    -------
    str
        The ``tokenizer.model`` path.

    Raises
    ------
    DataError
        When the text is too small for ``vocab_size`` pieces (the message
        gives the largest size it supports: set the model's vocab_size).
    """
    final = os.path.join(model_dir, TOKENIZER_FILE)
    if os.path.isfile(final):
        logger.info("using the existing tokenizer %s", final)
        return final
    texts = [t for t in texts if t and t.strip()]
    if not texts:
        raise DataError("no text to train the tokenizer on")
    work = os.path.join(model_dir, f"train_{int(vocab_size)}")
    shutil.rmtree(work, ignore_errors=True)  # a stale corpus.txt is reused
    try:
        path = train_sentencepiece(texts, work, int(vocab_size), model_type)
    except RuntimeError as err:
        limit = _vocab_limit(str(err))
        if limit is None:
            raise
        raise DataError(
            f"the training text ({len(texts)} texts) supports at most "
            f"{limit} SentencePiece pieces, fewer than vocab_size="
            f"{vocab_size}: set the model's vocab_size to {limit} or less"
        ) from None
    shutil.copyfile(path, final)
    return final


def _vocab_limit(message):
    """N of SentencePiece's "Please set it to a value <= N." or None."""
    marker = "value <= "
    if marker not in message:
        return None
    digits = message.split(marker, 1)[1].split(".")[0].strip()
    return int(digits) if digits.isdigit() else None
