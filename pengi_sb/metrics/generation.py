"""Scores generated text (captions and answers): the one place that does.

Training (:class:`~pengi_sb.training.brain.PengiBrain`'s validation and
test generations), the benchmark's captioning and AQA tasks
(:mod:`pengi_sb.benchmark.scoring`) and the LocalSounds held-out
evaluation all score what the model wrote with :func:`score_generations`,
and check that the tools it needs run, before any slow step, with
:func:`check_caption_tools`.

An item is a record ``{"task", "hypothesis", "target", "references"}``
(the records PengiBrain writes to ``generations_*.json``), optionally with
``answers`` (every annotator's accepted answer) and ``answer_type``:

* ``task`` ``captioning``: the hypothesis is a caption, scored against
  ``references`` (default ``[target]``) with
  :func:`~pengi_sb.metrics.captioning.caption_metrics`. SPICE and SPIDEr
  need an optional installation (:func:`~pengi_sb.metrics.tools.find_spice`):
  where it is missing they are ``None`` and the reason is in
  ``unavailable``. The caption metrics need at least 2 captions (CIDEr-D
  weighs n-grams by the corpus): with fewer, each is unavailable.
* any other task: the hypothesis is an answer, right when its normalised
  form (:func:`~pengi_sb.metrics.aqa.normalize_answer`) equals the
  target's (``accuracy``, and per question type ``accuracy_yes_no`` /
  ``accuracy_open``) or any of ``answers`` (``accuracy_any_annotator``).

Example
-------
>>> scores = score_generations([
...     {"task": "captioning", "hypothesis": "a dog barks",
...      "target": "a dog barks", "references": ["a dog barks"]},
...     {"task": "captioning", "hypothesis": "rain",
...      "target": "rain falls", "references": ["rain falls", "rain"]},
...     {"task": "aqa", "hypothesis": "Yes.", "target": "yes"},
...     {"task": "aqa", "hypothesis": "a cat", "target": "dog",
...      "answers": ["dog", "cat"]}],
...     metrics=("bleu_1", "cider_d"), tokenize=False)
>>> sorted(scores.captions), scores.captions["n"]
(['bleu_1', 'cider_d', 'n'], 2)
>>> scores.answers["accuracy"], scores.answers["accuracy_any_annotator"]
(0.5, 1.0)
>>> scores.answers["accuracy_yes_no"], scores.answers["n_open"]
(1.0, 1)

Authors
 * pengi-sb developers 2026
"""

from typing import NamedTuple

from speechbrain.utils.logger import get_logger

from pengi_sb.metrics.aqa import aqa_accuracy, normalize_answer
from pengi_sb.metrics.captioning import (
    CAPTION_METRICS,
    SPICE_METRICS,
    caption_metrics,
)

logger = get_logger(__name__)

__all__ = [
    "GenerationScores",
    "answer_type",
    "check_caption_tools",
    "score_generations",
]

CAPTIONING = "captioning"
"""The task whose generated texts are captions (the others are answers)."""


class GenerationScores(NamedTuple):
    """What :func:`score_generations` returns."""

    captions: dict
    """Caption metric -> corpus score (``None`` where unavailable), then
    ``n`` (captions scored); empty without captioning records."""
    answers: dict
    """Over the other records: ``accuracy``, ``n``, ``accuracy_<type>``,
    ``n_<type>`` (:func:`~pengi_sb.metrics.aqa.aqa_accuracy`) and
    ``accuracy_any_annotator``; empty without such records."""
    unavailable: dict
    """Caption metric -> why it was not computed."""


def check_caption_tools(metrics, tokenize=True, java_path=None):
    """Fails early (before any audio is scored or any model trained) when
    the caption metrics cannot run: unknown names, no Java, no
    pycocoevalcap. SPICE is not checked: without it, SPICE and SPIDEr are
    reported as unavailable by :func:`score_generations`.

    Arguments
    ---------
    metrics : sequence of str
        The caption metrics that will be computed.
    tokenize : bool
        Whether captions will be PTB-tokenised (needs Java).
    java_path : str, optional
        The Java executable (see :func:`~pengi_sb.metrics.tools.find_java`).

    Example
    -------
    >>> check_caption_tools(("bleu_4", "spice"), tokenize=False)
    >>> check_caption_tools(("bleu_5",), tokenize=False)
    Traceback (most recent call last):
     ...
    ValueError: unknown caption metrics ['bleu_5']: choose from [...]
    """
    core = [m for m in metrics if m not in SPICE_METRICS]
    if core:
        caption_metrics(["a dog barks", "rain falls"],
                        [["a dog barks"], ["heavy rain"]], core,
                        tokenize=bool(tokenize), java_path=java_path)


def _field(record, index, key):
    try:
        return record[key]
    except (KeyError, TypeError):
        raise ValueError(
            f"generated record {index} has no '{key}': each record needs "
            "'task', 'hypothesis' and 'target' (and 'references' for "
            "captions)"
        ) from None


def answer_type(record):
    """A record's question type: its ``answer_type``, else ``yes_no`` when
    the target is yes or no, else ``open``.

    Example
    -------
    >>> answer_type({"target": "Yes"}), answer_type({"target": "a dog"})
    ('yes_no', 'open')
    """
    return record.get("answer_type") or (
        "yes_no" if normalize_answer(record["target"]) in ("yes", "no")
        else "open")


def _score_captions(hypotheses, references, metrics, tokenize, java_path,
                    spice_dir):
    """``(values, unavailable)`` of the caption metrics."""
    values, unavailable = {}, {}
    if len(hypotheses) < 2:
        reason = ("caption metrics need at least 2 scored clips (CIDEr-D "
                  f"weights come from the corpus); {len(hypotheses)} scored")
        for name in metrics:
            values[name], unavailable[name] = None, reason
        return values, unavailable
    options = {"tokenize": bool(tokenize), "java_path": java_path}
    core = [m for m in metrics if m not in SPICE_METRICS]
    spice = [m for m in metrics if m in SPICE_METRICS]
    if core:
        values.update(caption_metrics(hypotheses, references, core,
                                      **options))
    if spice:
        try:
            values.update(caption_metrics(hypotheses, references, spice,
                                          spice_dir=spice_dir, **options))
        except (FileNotFoundError, RuntimeError) as err:
            logger.warning("SPICE / SPIDEr not computed: %s", err)
            for name in spice:
                values[name], unavailable[name] = None, str(err)
    return values, unavailable


def score_generations(records, metrics=CAPTION_METRICS, tokenize=True,
                      java_path=None, spice_dir=None):
    """Scores generated captions and answers (see the module's docstring).

    Arguments
    ---------
    records : list of dict
        ``{"task", "hypothesis", "target", "references"}`` per item, with
        optional ``answers`` and ``answer_type``.
    metrics : sequence of str
        Caption metrics for the ``captioning`` records (names of
        :data:`~pengi_sb.metrics.captioning.CAPTION_METRICS`).
    tokenize : bool
        PTB-tokenise captions first (needs Java).
    java_path : str, optional
        The Java executable.
    spice_dir : str, optional
        Folder with SPICE (``spice-1.0.jar`` and ``lib/``).

    Returns
    -------
    GenerationScores
        ``(captions, answers, unavailable)``.
    """
    captions = {"hypotheses": [], "references": []}
    answers = {"hypotheses": [], "majority": [], "everyone": [], "types": []}
    for index, record in enumerate(records):
        task = _field(record, index, "task")
        hypothesis = _field(record, index, "hypothesis")
        if task == CAPTIONING:
            captions["hypotheses"].append(hypothesis)
            captions["references"].append(
                record.get("references") or [_field(record, index, "target")])
        else:
            target = _field(record, index, "target")
            answers["hypotheses"].append(hypothesis)
            answers["majority"].append([target])
            answers["everyone"].append(record.get("answers") or [target])
            answers["types"].append(answer_type(record))
    caption_values, unavailable = {}, {}
    if captions["hypotheses"]:
        caption_values, unavailable = _score_captions(
            captions["hypotheses"], captions["references"],
            tuple(metrics), tokenize, java_path, spice_dir)
        caption_values["n"] = len(captions["hypotheses"])
    answer_values = {}
    if answers["hypotheses"]:
        answer_values = aqa_accuracy(answers["hypotheses"],
                                     answers["majority"], answers["types"])
        answer_values["accuracy_any_annotator"] = aqa_accuracy(
            answers["hypotheses"], answers["everyone"])["accuracy"]
    return GenerationScores(caption_values, answer_values, unavailable)
