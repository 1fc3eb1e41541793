"""Turns LocalSounds' written clips into manifest items and candidate-label
files.

Every clip gives a ``captioning`` item; notes add a ``music_note`` item,
speech a ``spoken_language`` item, labelled sounds a ``sound_event`` item
(training and validation only), and each split gets its balanced yes/no
``audio_qa`` items. Test items all name the metric they feed in
``eval_task``; captioning items carry their ``references``.

Example
-------
>>> eval_labels({"sources": ["speech"], "languages": ["fr", "it"]})
{'aqa_yes_no': ['yes', 'no'], 'language': ['french', 'italian']}

Authors
 * pengi-sb developers 2026
"""

import json

from pengi_sb.data.manifest import make_item
from pengi_sb.prepare.layout import relative_to_root
from pengi_sb.prepare.localsounds.audio import clip_path
from pengi_sb.prepare.localsounds.clips import DATASET, SPLITS, slug
from pengi_sb.prepare.localsounds.notes import INSTRUMENT_FAMILIES
from pengi_sb.prepare.localsounds.questions import YES_NO, balanced_aqa
from pengi_sb.prepare.localsounds.speech import LANGUAGE_NAMES

__all__ = [
    "base_fields",
    "build_items",
    "eval_labels",
    "write_manifest_labels",
]


def base_fields(clip):
    """The manifest fields every item of ``clip`` carries.

    Arguments
    ---------
    clip : Clip
        A written clip with its split.

    Returns
    -------
    dict
        Its ``fields`` (but the source ``path``), ``split``, ``dataset``,
        ``source``, ``clip`` and ``group``.
    """
    fields = {k: v for k, v in clip.fields.items() if k != "path"}
    fields.update(split=clip.split, dataset=DATASET, source=clip.source,
                  clip=clip.clip_id, group=clip.group)
    return fields


def build_items(clips, opts, rng):
    """Builds the manifest items of every split.

    Arguments
    ---------
    clips : list of Clip
        Written clips with their splits.
    opts : dict
        The preparation options (``data_folder``, ``aqa_max_per_answer``).
    rng : random.Random
        Source of the question sampling.

    Returns
    -------
    dict
        ``{split: {item id: item}}``; test items all carry ``eval_task``.
    """
    items = {split: {} for split in SPLITS}
    for clip in clips:
        wav = relative_to_root(clip_path(opts["data_folder"], clip),
                               opts["data_folder"])
        base = base_fields(clip)
        tasks = []
        if clip.source == "notes":
            tasks.append(("note", "music_note", {
                "instrument": clip.fields["family"],
                "eval_task": "instrument_family"}))
        elif clip.source == "speech":
            tasks.append(("language", "spoken_language",
                          {"eval_task": "language"}))
        if clip.event is not None:
            tasks.append(("event", "sound_event", {"events": [clip.event]}))
        tasks.append(("caption", "captioning", {
            "caption": clip.caption, "eval_task": "captioning"}))
        for suffix, task, extra in tasks:
            if clip.split == "test" and "eval_task" not in extra:
                continue
            item = make_item(wav, clip.duration, task, **base, **extra)
            if task == "captioning":
                item["references"] = list(clip.references)
            items[clip.split][f"{clip.clip_id}__{suffix}"] = item
    for split in SPLITS:
        in_split = [c for c in clips if c.split == split]
        for clip, question, answer in balanced_aqa(
                in_split, rng, opts["aqa_max_per_answer"]):
            wav = relative_to_root(clip_path(opts["data_folder"], clip),
                                   opts["data_folder"])
            item = make_item(
                wav, clip.duration, "audio_qa", labels=[answer],
                question=question, answer=answer, answer_type="yes_no",
                eval_task="aqa_yes_no", **base_fields(clip),
            )
            items[split][f"{clip.clip_id}__qa_{slug(question)}"] = item
    return items


def eval_labels(opts):
    """Candidate labels of the close-ended evaluation tasks.

    Arguments
    ---------
    opts : dict
        The preparation options (``sources``, ``languages``).

    Returns
    -------
    dict
        ``{eval_task: [label, ...]}`` for the sources used.
    """
    labels = {"aqa_yes_no": list(YES_NO)}
    if "notes" in opts["sources"]:
        labels["instrument_family"] = list(INSTRUMENT_FAMILIES)
    if "speech" in opts["sources"]:
        labels["language"] = [LANGUAGE_NAMES[x] for x in opts["languages"]]
    return labels


def write_manifest_labels(labels, path):
    """Writes a candidate-label list as JSON.

    Arguments
    ---------
    labels : list of str
        The class labels.
    path : str
        The ``labels_<eval_task>.json`` file.
    """
    with open(path, "w", encoding="utf-8") as f:
        json.dump(list(labels), f, indent=1, ensure_ascii=False)
