"""Audio question answering: answer normalisation and exact-match accuracy.

ClothoAQA's metric: a generated answer is right when, after
:func:`normalize_answer` (lower case, no punctuation, no articles), it
equals an accepted answer; :func:`aqa_accuracy` also reports it per
question type (:func:`aqa_question_types`: yes/no or open).

Example
-------
>>> aqa_accuracy(["Yes.", "a red car"], [["yes"], ["red car", "car"]])
{'accuracy': 1.0, 'n': 2}

Authors
 * pengi-sb developers 2026
"""

import re
import string

from pengi_sb.metrics.inputs import as_list, check_same_length

__all__ = ["aqa_accuracy", "aqa_question_types", "normalize_answer"]

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION_TABLE = str.maketrans("", "", string.punctuation)


def normalize_answer(text):
    """Normalises an answer for exact matching (SQuAD / ClothoAQA style).

    Lower case, punctuation removed, articles (a, an, the) removed, white
    space collapsed.

    Arguments
    ---------
    text : str
        A predicted or accepted answer.

    Returns
    -------
    str
        The normalised answer.

    Example
    -------
    >>> normalize_answer("  The Dog's bark!")
    'dogs bark'
    """
    text = str(text).lower().translate(_PUNCTUATION_TABLE)
    return " ".join(_ARTICLES.sub(" ", text).split())


def aqa_question_types(answers_per_item):
    """Question type of every item: ``yes_no`` or ``open``.

    ClothoAQA's binary questions are the ones whose answers are yes/no.

    Arguments
    ---------
    answers_per_item : list
        Per item, the accepted answer or a list of accepted answers.

    Returns
    -------
    list of str
        ``"yes_no"`` where every accepted answer is yes or no, otherwise
        ``"open"``.

    Example
    -------
    >>> aqa_question_types([["yes", "Yes"], ["a bird"], "no"])
    ['yes_no', 'open', 'yes_no']
    """
    types = []
    for answers in _answer_lists(answers_per_item):
        normalized = {normalize_answer(a) for a in answers}
        types.append("yes_no" if normalized <= {"yes", "no"} else "open")
    return types


def _answer_lists(answers_per_item):
    """Per item, the list of accepted answers (a lone string is wrapped)."""
    lists = []
    for index, answers in enumerate(
        as_list(answers_per_item, "answers_per_item")
    ):
        if isinstance(answers, str):
            answers = [answers]
        answers = list(answers)
        if not answers:
            raise ValueError(
                f"item {index} has no accepted answer: give at least one"
            )
        lists.append(answers)
    return lists


def aqa_accuracy(predictions, answers_per_item, question_types=None):
    """Audio question answering accuracy (exact match after normalisation).

    A prediction is correct when its :func:`normalize_answer` form equals
    that of any accepted answer of the item.

    Arguments
    ---------
    predictions : list of str
        The generated answer per item.
    answers_per_item : list
        Per item, the accepted answer (str) or a list of accepted answers.
    question_types : list of str, optional
        A type per item (for example from :func:`aqa_question_types`):
        the accuracy is then also reported per type.

    Returns
    -------
    dict
        ``accuracy`` and ``n`` (the number of items); with
        ``question_types``, also ``accuracy_<type>`` and ``n_<type>`` for
        every type.

    Example
    -------
    >>> answers = [["yes"], ["no"], ["dog", "a dog"], ["rain"]]
    >>> result = aqa_accuracy(["Yes", "yes", "The dog.", "thunder"], answers,
    ...                       aqa_question_types(answers))
    >>> result["accuracy"], result["accuracy_yes_no"], result["n_open"]
    (0.5, 0.5, 2)
    """
    predictions = as_list(predictions, "predictions")
    answers = _answer_lists(answers_per_item)
    check_same_length(predictions, answers, "predictions", "answers_per_item")
    correct = [
        normalize_answer(p) in {normalize_answer(a) for a in accepted}
        for p, accepted in zip(predictions, answers)
    ]
    result = {"accuracy": sum(correct) / len(correct), "n": len(correct)}
    if question_types is not None:
        question_types = as_list(question_types, "question_types")
        check_same_length(
            predictions, question_types, "predictions", "question_types"
        )
        for kind in sorted(set(question_types)):
            hits = [c for c, t in zip(correct, question_types) if t == kind]
            result[f"accuracy_{kind}"] = sum(hits) / len(hits)
            result[f"n_{kind}"] = len(hits)
    return result
