"""The text each clip is contrasted with in the audio-text contrastive term.

Authors
 * pengi-sb developers 2026
"""

import torch

from pengi_sb.data.pipeline import right_pad

__all__ = ["contrastive_texts"]


def contrastive_texts(batch, tokenizer=None, label_tasks=None):
    """Token ids and mask ``[B, T']`` of the text each clip of ``batch`` is
    contrasted with: its target ids, or, for items of ``label_tasks`` with
    class labels, the labels joined with ", " and tokenised by
    ``tokenizer``; e.g. a note is then pulled towards "piano" together
    with every other piano note of the batch (identical texts are
    positives of each other) rather than towards its exact "produced by
    piano, pitch 61, velocity 50".

    Example
    -------
    >>> from pengi_sb.data.pipeline import PengiBatch
    >>> class Chars:  # a stand-in tokenizer: one id per character
    ...     def encode(self, text):
    ...         return [ord(c) for c in text]
    >>> batch = PengiBatch(
    ...     ids=["a", "b"], wav=torch.zeros(2, 4), wav_owner=torch.arange(2),
    ...     prompt_ids=torch.ones(2, 1, dtype=torch.long),
    ...     prompt_mask=torch.ones(2, 1, dtype=torch.long),
    ...     target_ids=torch.tensor([[5, 6, 7, 2], [8, 2, 0, 0]]),
    ...     target_mask=torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]]),
    ...     tasks=["music_note", "captioning"], labels=[["ab"], []])
    >>> ids, mask = contrastive_texts(batch, Chars(), ["music_note"])
    >>> ids.tolist(), mask.tolist()
    ([[97, 98], [8, 2]], [[1, 1], [1, 1]])
    """
    label_tasks = label_tasks or ()
    if not any(task in label_tasks and labels
               for task, labels in zip(batch.tasks, batch.labels)):
        return batch.target_ids, batch.target_mask
    if tokenizer is None:
        raise ValueError("contrasting clips with their labels "
                         "(contrastive_label_tasks) needs the tokenizer")
    rows = []
    for i, (task, labels) in enumerate(zip(batch.tasks, batch.labels)):
        if task in label_tasks and labels:
            rows.append(tokenizer.encode(", ".join(labels)))
        else:
            rows.append(batch.target_ids[i, :int(batch.target_mask[i].sum())]
                        .cpu())
    ids, mask = right_pad(rows)
    device = batch.target_ids.device
    return ids.to(device), mask.to(device)
