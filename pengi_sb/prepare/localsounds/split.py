"""Assigns LocalSounds' clips to train, valid and test by source item, never by
clip, stratified.

All clips of one ``group`` (a GM program at one pitch, one recording, one
drum of one kit) share a split, so no test audio is heard in training; the
groups of each ``stratum`` (a program, a language, a drum class...) are
split in the same proportions.

Example
-------
>>> import random
>>> strata = {"a": [f"a{i}" for i in range(10)], "b": ["b0"]}
>>> splits = split_groups(strata, random.Random(0), 0.1, 0.2)
>>> sorted(splits.values()).count("test"), splits["b0"]
(2, 'train')

Authors
 * pengi-sb developers 2026
"""

__all__ = ["assign_splits", "split_groups"]


def split_groups(strata, rng, valid_fraction, test_fraction):
    """Assigns every group to a split, stratum by stratum.

    Arguments
    ---------
    strata : dict
        ``{stratum: iterable of group ids}``.
    rng : random.Random
        Source of the shuffles.
    valid_fraction, test_fraction : float
        Share of each stratum's groups held out; a stratum of 3 or more
        groups gives at least one to each held-out split.

    Returns
    -------
    dict
        ``{group: split}``.
    """
    splits = {}
    for stratum in sorted(strata):
        groups = sorted(set(strata[stratum]))
        rng.shuffle(groups)
        n = len(groups)
        n_test = int(n * test_fraction + 0.5)
        n_valid = int(n * valid_fraction + 0.5)
        if n >= 3:
            n_test = max(n_test, 1 if test_fraction > 0 else 0)
            n_valid = max(n_valid, 1 if valid_fraction > 0 else 0)
        while n_test + n_valid >= n and n_test + n_valid > 0:
            if n_valid >= n_test:
                n_valid -= 1
            else:
                n_test -= 1
        for i, group in enumerate(groups):
            if i < n_test:
                splits[group] = "test"
            elif i < n_test + n_valid:
                splits[group] = "valid"
            else:
                splits[group] = "train"
    return splits


def assign_splits(clips, rng, opts):
    """Sets each clip's split, its group's, stratified by ``stratum``.

    Arguments
    ---------
    clips : list of Clip
        The planned clips of one source.
    rng : random.Random
        Source of the shuffles (the source's generator).
    opts : dict
        The preparation options (``valid_fraction``, ``test_fraction``).

    Returns
    -------
    list of Clip
        ``clips``, each with its ``split`` set.
    """
    strata = {}
    for clip in clips:
        strata.setdefault(clip.stratum, []).append(clip.group)
    splits = split_groups(strata, rng, opts["valid_fraction"],
                          opts["test_fraction"])
    for clip in clips:
        clip.split = splits[clip.group]
    return clips
