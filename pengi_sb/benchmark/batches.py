"""Reads manifest items' audio in padded batches, skipping unreadable files.

:class:`AudioBatches` iterates over :class:`AudioBatch` es (``wavs [B, T]``
at the model's rate, ``wav_lens [B]`` relative lengths) read by a
``DataLoader``; files that cannot be read (missing, empty, corrupt) are
left out and listed in ``skipped``, so that a report can count them.

Authors
 * pengi-sb developers 2026
"""

from dataclasses import dataclass

import torch
from speechbrain.utils.logger import get_logger

from pengi_sb.data.audio import AudioError, load_audio

logger = get_logger(__name__)

__all__ = ["AudioBatch", "AudioBatches"]


class _ClipDataset(torch.utils.data.Dataset):
    """Manifest items -> ``(id, wav [T] or AudioError message)``."""

    def __init__(self, ids, items, sample_rate):
        self.ids = ids
        self.items = items
        self.sample_rate = sample_rate

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        item_id = self.ids[index]
        item = self.items[item_id]
        try:
            wav = load_audio(item["wav"], self.sample_rate,
                             start=item.get("start"), stop=item.get("stop"))
        except AudioError as err:
            return item_id, str(err)
        return item_id, wav


def _collate(examples):
    return examples


@dataclass
class AudioBatch:
    """Readable clips of one batch, padded: ``wavs [B, T]`` at the model
    rate and ``wav_lens [B]`` relative lengths."""

    ids: list
    wavs: torch.Tensor
    wav_lens: torch.Tensor


class AudioBatches:
    """Iterates over the audio of manifest items in padded batches.

    Unreadable files (missing, empty, corrupt) are left out of the batches
    and recorded in ``skipped`` (``{"id", "wav", "reason"}``).

    Arguments
    ---------
    items : dict
        ``{id: item}`` (``wav`` paths resolved, optional ``start``/``stop``).
    sample_rate : int
        The model's rate.
    batch_size : int
        Items per batch (before skipping).
    num_workers : int
        DataLoader processes reading the audio.
    max_batches : int, optional
        Stop after this many batches (``--debug``).
    """

    def __init__(self, items, sample_rate, batch_size, num_workers=0,
                 max_batches=None):
        self.items = items
        self.ids = list(items)
        if max_batches is not None:
            self.ids = self.ids[:int(max_batches) * int(batch_size)]
        self.loader = torch.utils.data.DataLoader(
            _ClipDataset(self.ids, items, int(sample_rate)),
            batch_size=int(batch_size), shuffle=False,
            num_workers=int(num_workers), collate_fn=_collate,
        )
        self.skipped = []

    def __iter__(self):
        self.skipped = []
        for examples in self.loader:
            ids, wavs = [], []
            for item_id, wav in examples:
                if isinstance(wav, str):
                    logger.warning("skipping item '%s': %s", item_id, wav)
                    self.skipped.append({"id": item_id,
                                         "wav": self.items[item_id]["wav"],
                                         "reason": wav})
                    continue
                ids.append(item_id)
                wavs.append(wav)
            if not ids:
                continue
            longest = max(w.shape[0] for w in wavs)
            padded = torch.zeros(len(wavs), longest)
            for i, wav in enumerate(wavs):
                padded[i, :wav.shape[0]] = wav
            lens = torch.tensor([w.shape[0] / longest for w in wavs],
                                dtype=torch.float64)
            yield AudioBatch(ids, padded, lens)

    @property
    def n_selected(self):
        """Items this iterator reads (all, or the first ``max_batches``)."""
        return len(self.ids)
