"""Text-to-audio and audio-to-text retrieval metrics: R@k, mAP@k, ranks.

See :func:`retrieval_metrics` (the DCASE 2022 task 6b and CLAP
conventions).

Authors
 * pengi-sb developers 2026
"""

import numpy as np
from speechbrain.utils.logger import get_logger

from pengi_sb.metrics.inputs import as_array, as_list

logger = get_logger(__name__)

__all__ = ["retrieval_metrics"]


def _ranks(similarity):
    """0-based rank of every column for every row (stable descending)."""
    order = np.argsort(-similarity, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(similarity.shape[0])[:, None]
    ranks[rows, order] = np.arange(similarity.shape[1])[None, :]
    return ranks


def retrieval_metrics(similarity, text_to_audio_gt, ks=(1, 5, 10), map_k=10):
    """Text-to-audio and audio-to-text retrieval metrics.

    The conventions of the DCASE 2022 task 6b and CLAP evaluations
    (Clotho, AudioCaps): every text (caption) has one relevant audio; an
    audio has as relevant texts all its captions.

    * text-to-audio: for each text, the rank r (1-based) of its audio
      among all audios; R@k is the fraction of texts with r <= k and
      mAP@k the mean of 1/r (0 when r > k).
    * audio-to-text: for each audio, the ranks of its captions among all
      texts; R@k counts the audio when its best-ranked caption is within
      the top k; AP@k is ``sum_i i / r_i / n_relevant`` over its
      captions ranked within the top k (r_1 < r_2 < ...), as in CLAP.
      Audios without any caption are left out of this direction.

    Ties are broken by index (a stable sort), so that scores are
    reproducible.

    Arguments
    ---------
    similarity : array-like, shape [n_text, n_audio]
        Similarity of every text to every audio (higher is closer).
    text_to_audio_gt : sequence of int
        Index of the relevant audio of every text.
    ks : tuple of int
        The cut-offs of recall.
    map_k : int
        The cut-off of mAP.

    Returns
    -------
    dict
        ``text_to_audio_R@k``, ``text_to_audio_mAP@<map_k>``,
        ``text_to_audio_mean_rank``, ``text_to_audio_median_rank`` and the
        same for ``audio_to_text`` (its ranks being each audio's best).

    Example
    -------
    >>> sim = [[0.9, 0.1, 0.3],   # text 0 -> audio 0 ranked 1st
    ...        [0.2, 0.8, 0.1],   # text 1 -> audio 1 ranked 1st
    ...        [0.7, 0.15, 0.5],  # text 2 -> audio 1 ranked 3rd
    ...        [0.1, 0.2, 0.6]]   # text 3 -> audio 2 ranked 1st
    >>> out = retrieval_metrics(sim, [0, 1, 1, 2], ks=(1, 2), map_k=2)
    >>> out["text_to_audio_R@1"], out["text_to_audio_mAP@2"]
    (0.75, 0.75)
    >>> out["audio_to_text_R@1"], round(out["audio_to_text_mAP@2"], 4)
    (1.0, 0.8333)
    """
    similarity = as_array(similarity, "similarity", 2)
    n_text, n_audio = similarity.shape
    gt = as_list(text_to_audio_gt, "text_to_audio_gt")
    if n_text == 0 or n_audio == 0:
        raise ValueError(
            f"similarity has shape {similarity.shape}: need at least one "
            "text and one audio"
        )
    if len(gt) != n_text:
        raise ValueError(
            f"similarity has {n_text} rows (texts) but text_to_audio_gt has "
            f"{len(gt)} entries: give the audio index of every text"
        )
    if not np.all(np.isfinite(similarity)):
        raise ValueError("similarity contains nan or inf values")
    for index, audio in enumerate(gt):
        if not _is_index(audio, n_audio):
            raise ValueError(
                f"text_to_audio_gt[{index}] = {audio!r} is not an audio "
                f"index in [0, {n_audio})"
            )
    gt = np.asarray(gt, dtype=np.int64)
    ks = tuple(int(k) for k in ks)
    if not ks or min(ks) < 1 or map_k < 1:
        raise ValueError("ks and map_k must be positive integers")

    results = {}
    # text -> audio: one relevant audio per text
    t2a = _ranks(similarity)[np.arange(n_text), gt]
    results.update(_rank_stats("text_to_audio", t2a, ks))
    results[f"text_to_audio_mAP@{map_k}"] = float(
        np.mean(np.where(t2a < map_k, 1.0 / (t2a + 1), 0.0))
    )

    # audio -> text: every caption of the audio is relevant
    a2t_ranks = _ranks(similarity.T)
    best, average_precisions = [], []
    for audio in range(n_audio):
        relevant = np.nonzero(gt == audio)[0]
        if relevant.size == 0:
            continue
        ranks = np.sort(a2t_ranks[audio, relevant])
        best.append(ranks[0])
        hits = ranks[ranks < map_k]
        average_precisions.append(
            float(np.sum(np.arange(1, hits.size + 1) / (hits + 1)))
            / relevant.size
        )
    if len(best) < n_audio:
        logger.warning(
            "audio-to-text retrieval: %d of %d audios have no caption and "
            "are left out",
            n_audio - len(best),
            n_audio,
        )
    results.update(_rank_stats("audio_to_text", np.asarray(best), ks))
    results[f"audio_to_text_mAP@{map_k}"] = float(np.mean(average_precisions))
    return results


def _is_index(value, size):
    """Whether ``value`` is an integer in [0, size)."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return isinstance(value, (int, np.integer)) and 0 <= value < size


def _rank_stats(prefix, ranks, ks):
    """R@k, mean and median rank (1-based, CLAP style) of 0-based ranks."""
    stats = {f"{prefix}_R@{k}": float(np.mean(ranks < k)) for k in ks}
    stats[f"{prefix}_mean_rank"] = float(np.mean(ranks) + 1)
    stats[f"{prefix}_median_rank"] = float(np.floor(np.median(ranks)) + 1)
    return stats
