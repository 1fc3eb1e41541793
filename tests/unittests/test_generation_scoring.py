"""Tests of pengi_sb.metrics.generation: the one scoring of generated text.

Training (``generation_stats``), the benchmark's captioning / AQA tasks and
the LocalSounds held-out evaluation all go through ``score_generations``;
these tests pin its numbers to the metrics it combines and its handling of
what cannot be computed.

Authors
 * pengi-sb developers 2026
"""

import pytest

from pengi_sb.metrics import (
    aqa_accuracy,
    caption_metrics,
    check_caption_tools,
    score_generations,
)
from pengi_sb.metrics.generation import answer_type

CAPTIONS = [
    {"task": "captioning", "hypothesis": "a dog barks",
     "target": "a dog barks loudly",
     "references": ["a dog is barking", "a dog barks loudly"]},
    {"task": "captioning", "hypothesis": "rain falls on a roof",
     "target": "heavy rain", "references": ["rain falls on a tin roof",
                                            "heavy rain"]},
    {"task": "captioning", "hypothesis": "a car passes by",
     "target": "a car drives past"},
]
ANSWERS = [
    {"task": "aqa", "hypothesis": "Yes.", "target": "yes"},
    {"task": "aqa", "hypothesis": "no", "target": "yes",
     "answer_type": "yes_no"},
    {"task": "aqa", "hypothesis": "The dog", "target": "a dog",
     "answers": ["a dog", "dog"]},
    {"task": "aqa", "hypothesis": "a cat", "target": "bird",
     "answers": ["bird", "a cat"]},
    {"task": "emotion", "hypothesis": "sad", "target": "angry"},
]


def test_captions_score_as_caption_metrics():
    metrics = ("bleu_1", "bleu_4", "rouge_l", "cider_d")
    scores = score_generations(CAPTIONS, metrics, tokenize=False)
    refs = [r.get("references") or [r["target"]] for r in CAPTIONS]
    expected = caption_metrics([r["hypothesis"] for r in CAPTIONS], refs,
                               metrics, tokenize=False)
    assert list(scores.captions) == [*metrics, "n"]
    assert {k: scores.captions[k] for k in metrics} == expected
    assert scores.captions["n"] == 3
    assert scores.answers == {} and scores.unavailable == {}


def test_answers_score_as_aqa_accuracy():
    scores = score_generations(ANSWERS, ("bleu_4",), tokenize=False)
    hyps = [r["hypothesis"] for r in ANSWERS]
    types = ["yes_no", "yes_no", "open", "open", "open"]
    expected = aqa_accuracy(hyps, [[r["target"]] for r in ANSWERS], types)
    assert {k: v for k, v in scores.answers.items()
            if k != "accuracy_any_annotator"} == expected
    assert expected["accuracy"] == 0.4 and expected["accuracy_open"] == 1 / 3
    assert scores.answers["accuracy_any_annotator"] == 0.6
    assert scores.captions == {}


def test_mixed_records_are_split_by_task():
    scores = score_generations(CAPTIONS + ANSWERS, ("cider_d",),
                               tokenize=False)
    assert scores.captions["n"] == 3 and scores.answers["n"] == 5


def test_too_few_captions_are_unavailable_not_an_error():
    scores = score_generations(CAPTIONS[:1], ("bleu_4", "cider_d"),
                               tokenize=False)
    assert scores.captions == {"bleu_4": None, "cider_d": None, "n": 1}
    assert set(scores.unavailable) == {"bleu_4", "cider_d"}
    assert "at least 2" in scores.unavailable["cider_d"]


def test_missing_spice_is_unavailable(tmp_path):
    scores = score_generations(CAPTIONS, ("cider_d", "spice", "spider"),
                               tokenize=False, spice_dir=str(tmp_path))
    assert isinstance(scores.captions["cider_d"], float)
    assert scores.captions["spice"] is None
    assert scores.captions["spider"] is None
    assert "SPICE" in scores.unavailable["spider"]


def test_records_without_a_field_are_named():
    with pytest.raises(ValueError, match="record 1 has no 'hypothesis'"):
        score_generations([ANSWERS[0], {"task": "aqa", "target": "yes"}])
    with pytest.raises(ValueError, match="record 0 has no 'task'"):
        score_generations([{"hypothesis": "x", "target": "y"}])


def test_answer_type():
    assert answer_type({"target": "No."}) == "yes_no"
    assert answer_type({"target": "no", "answer_type": "open"}) == "open"
    assert answer_type({"target": "a dog"}) == "open"


def test_check_caption_tools():
    check_caption_tools(("bleu_4", "cider_d"), tokenize=False)
    check_caption_tools(("spice", "spider"), tokenize=True,
                        java_path="/nonexistent/java")  # SPICE: optional
    with pytest.raises(ValueError, match="unknown caption metrics"):
        check_caption_tools(("cider",), tokenize=False)
    with pytest.raises(RuntimeError, match="/nonexistent/java"):
        check_caption_tools(("bleu_4",), tokenize=True,
                            java_path="/nonexistent/java")
