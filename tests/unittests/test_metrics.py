"""Tests of pengi_sb.metrics: caption, AQA, classification, mAP, retrieval.

Authors
 * pengi-sb developers 2026
"""

import csv
import importlib.util
import io
import math
import os
import shutil
import stat
import sys

import numpy as np
import pytest
import torch

from pengi_sb import metrics
from pengi_sb.metrics import (
    ClassificationReport,
    accuracy,
    aqa_accuracy,
    aqa_question_types,
    average_precision,
    caption_metrics,
    multilabel_map,
    normalize_answer,
    ptb_tokenize,
    retrieval_metrics,
)

SAMPLES = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    "samples",
    "aac_examples",
)

HAS_COCO = importlib.util.find_spec("pycocoevalcap") is not None
HAS_JAVA = bool(os.environ.get("JAVA_HOME")) or shutil.which("java") is not None
needs_coco = pytest.mark.skipif(
    not HAS_COCO,
    reason="pycocoevalcap is not installed (pip install pycocoevalcap, the "
    "'metrics' extra)",
)
# under CI=true a missing Java fails these tests (find_java names it)
needs_java = pytest.mark.skipif(
    not HAS_JAVA and os.environ.get("CI", "").lower() != "true",
    reason="Java is not installed (no java on PATH, no JAVA_HOME): "
    "bash scripts/setup_env.sh installs it",
)

# Reference scores of aac-metrics 0.6.0 itself on its data/example_{1,2}.csv
# (candidate = caption_predicted, references = caption_1..caption_5),
# computed with
#   aac_metrics.evaluate(cands, refs, preprocess=True, metrics=["bleu_1",
#       "bleu_2", "bleu_3", "bleu_4", "meteor", "rouge_l", "cider_d"])
# in a separate venv (aac-metrics 0.6.0, pythonwrench 0.3.0, numpy 1.26.4,
# torch 2.14.1, Python 3.11), with stanford-corenlp-3.4.1.jar and
# meteor-1.5.jar (+ data/paraphrase-en.gz) copied from pycocoevalcap 1.2
# into its cache folder, OpenJDK 17.0.15, run under `python -O` (its sanity
# check rejects Java > 13 as "not officially supported"; the jars run fine).
AAC_METRICS_0_6_0_SCORES = {
    "example_1": {
        "bleu_1": 0.5041298775276263,
        "bleu_2": 0.3348984284798925,
        "bleu_3": 0.22295284460382805,
        "bleu_4": 0.1449174503141603,
        "meteor": 0.17883999368875647,
        "rouge_l": 0.3958084293671707,
        "cider_d": 0.40172373459481703,
    },
    "example_2": {
        "bleu_1": 0.6689078141340701,
        "bleu_2": 0.49516179470148197,
        "bleu_3": 0.3578480251561179,
        "bleu_4": 0.24882238841152565,
        "meteor": 0.22516706156864766,
        "rouge_l": 0.46536659397343266,
        "cider_d": 0.6342852251812827,
    },
}
# Their per-item CIDEr-D and METEOR scores of the first three items.
AAC_METRICS_0_6_0_FIRST_ITEMS = {
    "example_1": {
        "cider_d": [0.0005827316828176284, 1.099328792959668,
                    1.1624798666606821],
        "meteor": [0.05875409836065575, 0.2490090113095601,
                   0.3449145787145531],
    },
    "example_2": {
        "cider_d": [0.4386936060154688, 0.6788617811236652,
                    0.19304908777130428],
        "meteor": [0.21797251469163667, 0.23356093911006537,
                   0.18885587756938726],
    },
}
OFFLINE = ("bleu_1", "bleu_2", "bleu_3", "bleu_4", "rouge_l", "cider_d")


def load_aac_example(name):
    """Candidates and references of one aac-metrics example file."""
    with open(os.path.join(SAMPLES, f"{name}.csv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    candidates = [row["caption_predicted"] for row in rows]
    references = [[row[f"caption_{i}"] for i in range(1, 6)] for row in rows]
    return candidates, references


@pytest.fixture(scope="module")
def aac_scores():
    """Our scores (corpus, per item) on both examples, computed once."""
    names = ("bleu_1", "bleu_2", "bleu_3", "bleu_4", "meteor", "rouge_l",
             "cider_d")
    return {
        example: caption_metrics(
            *load_aac_example(example), metrics=names, return_per_item=True
        )
        for example in AAC_METRICS_0_6_0_SCORES
    }


# ---------------------------------------------------------------------------
# Caption metrics
# ---------------------------------------------------------------------------


@needs_coco
@needs_java
@pytest.mark.parametrize("example", sorted(AAC_METRICS_0_6_0_SCORES))
def test_caption_metrics_reproduce_aac_metrics(aac_scores, example):
    corpus, per_item = aac_scores[example]
    expected = AAC_METRICS_0_6_0_SCORES[example]
    assert list(corpus) == list(expected)
    for name, value in expected.items():
        assert corpus[name] == pytest.approx(value, abs=1e-4), name
    n_items = len(load_aac_example(example)[0])
    for name, values in AAC_METRICS_0_6_0_FIRST_ITEMS[example].items():
        assert len(per_item[name]) == n_items
        assert per_item[name][:3] == pytest.approx(values, abs=1e-4), name


@needs_coco
@needs_java
def test_caption_metrics_aac_readme_example():
    # Published in the aac-metrics README (and its test_doc_examples.py):
    # BLEU-1 0.4278, CIDEr-D 0.9614, per-item CIDEr-D [1.3641, 0.5587].
    candidates = ["a man is speaking", "rain falls"]
    references = [
        ["a man speaks.", "someone speaks.",
         "a man is speaking while a bird is chirping in the background"],
        ["rain is falling hard on a surface"],
    ]
    corpus, per_item = caption_metrics(
        candidates, references, ("bleu_1", "cider_d"), return_per_item=True
    )
    assert corpus["bleu_1"] == pytest.approx(0.4278, abs=1e-4)
    assert corpus["cider_d"] == pytest.approx(0.9614, abs=1e-4)
    assert per_item["cider_d"] == pytest.approx([1.3641, 0.5587], abs=1e-4)


@needs_coco
@needs_java
def test_ptb_tokenize_matches_coco_preprocessing():
    out = ptb_tokenize([
        "A dog barks, then a car passes.",
        "Rain!\nMore RAIN",
        "",
        'the "quoted" dog\'s bark...',
        "Café au lait",
    ])
    assert out == [
        "a dog barks then a car passes",
        "rain more rain",
        "",
        "the quoted dog 's bark",
        "café au lait",
    ]
    # caption_metrics tokenises candidates and references the same way
    scores = caption_metrics(["A dog barks.", "Rain, falls!"],
                             [["a dog barks"], ["RAIN falls"]],
                             ("bleu_1", "rouge_l"))
    assert scores == pytest.approx({"bleu_1": 1.0, "rouge_l": 1.0})


@needs_coco
def test_offline_metrics_hand_computed():
    candidates = ["a dog barks", "rain falls on a roof"]
    references = [["a dog is barking", "a dog barks loudly"],
                  ["rain falls on a tin roof", "heavy rain"]]
    scores = caption_metrics(candidates, references, OFFLINE, tokenize=False)
    # BLEU-1: every candidate word matches (precision 1); closest reference
    # lengths 4 and 6 against 8 candidate words: brevity penalty e^(1-10/8).
    assert scores["bleu_1"] == pytest.approx(math.exp(-0.25), rel=1e-6)
    # ROUGE-L (beta 1.2) from the best LCS precision and recall per item:
    # item 1: P=1, R=3/4; item 2: P=1, R=5/6.
    def f_beta(p, r):
        return (1 + 1.2**2) * p * r / (r + 1.2**2 * p)

    assert scores["rouge_l"] == pytest.approx(
        (f_beta(1, 3 / 4) + f_beta(1, 5 / 6)) / 2, rel=1e-9
    )
    assert list(scores) == list(OFFLINE)


@needs_coco
def test_cider_d_hand_computed():
    # Each candidate equals its only reference and the two items share no
    # n-gram: every n-gram's tf-idf cosine is 1, no length penalty, x10.
    # The 3-word candidate has no 4-gram (that n contributes 0): 10 * 3/4.
    corpus, per_item = caption_metrics(
        ["a b c d", "e f g"], [["a b c d"], ["e f g"]], ("cider_d",),
        tokenize=False, return_per_item=True,
    )
    assert per_item["cider_d"] == pytest.approx([10.0, 7.5])
    assert corpus["cider_d"] == pytest.approx(8.75)
    # A longer reference: all n-grams of item 1 have the same idf, so the
    # cosine for n-grams of length n is sqrt(candidate count / reference
    # count); the Gaussian length penalty (sigma 6) uses the lengths that
    # CIDEr-D counts (bigrams: 3 vs 5, delta 2).
    _, per_item = caption_metrics(
        ["a b c d", "e f g"], [["a b c d x y"], ["e f g"]], ("cider_d",),
        tokenize=False, return_per_item=True,
    )
    cosines = [math.sqrt(4 / 6), math.sqrt(3 / 5), math.sqrt(2 / 4),
               math.sqrt(1 / 3)]
    assert per_item["cider_d"] == pytest.approx(
        [10 * np.mean(cosines) * math.exp(-(2**2) / (2 * 6**2)), 7.5]
    )


@needs_coco
def test_empty_candidate_scores_zero():
    _, per_item = caption_metrics(
        ["", "rain falls"], [["a dog barks"], ["rain falls hard"]], OFFLINE,
        tokenize=False, return_per_item=True,
    )
    for name in OFFLINE:
        assert per_item[name][0] == 0.0, name


@needs_coco
def test_spice_missing_raises_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        caption_metrics(["a dog", "a cat"], [["a dog"], ["a cat"]],
                        ("bleu_1", "spider"), spice_dir=str(tmp_path))
    message = str(err.value)
    assert "stanford-corenlp-3.6.0.jar" in message
    assert "stanford-corenlp-3.6.0-models.jar" in message
    assert "spice-1.0.jar" in message
    assert "stanford-corenlp-full-2015-12-09.zip" in message
    assert str(tmp_path) in message
    # SPICE alone fails the same way, before any other work.
    with pytest.raises(FileNotFoundError, match="CoreNLP 3.6.0"):
        caption_metrics(["a dog", "a cat"], [["a dog"], ["a cat"]],
                        ("spice",), spice_dir=str(tmp_path))


def _fake_spice(tmp_path):
    """A complete-looking SPICE folder and a fake 'java' that answers."""
    spice_dir = tmp_path / "spice"
    (spice_dir / "lib").mkdir(parents=True)
    (spice_dir / metrics.SPICE_JAR).write_bytes(b"")
    for jar in metrics.SPICE_LIB_JARS:
        (spice_dir / "lib" / jar).write_bytes(b"")
    java = tmp_path / "java"
    java.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        "args = sys.argv[1:]\n"
        "assert args[0] == '-jar' and args[2].endswith('spice-1.0.jar')\n"
        "assert '-subset' in args and '-cache' in args\n"
        "items = json.load(open(args[3]))\n"
        "out = [{'image_id': it['image_id'], 'scores': {'All': {\n"
        "    'f': 0.1 * (it['image_id'] + 1) * len(it['refs'])}}}\n"
        "    for it in items]\n"
        "json.dump(out, open(args[args.index('-out') + 1], 'w'))\n"
    )
    java.chmod(java.stat().st_mode | stat.S_IEXEC)
    return str(spice_dir), str(java)


@needs_coco
def test_spice_and_spider_plumbing_with_fake_jar(tmp_path):
    spice_dir, java = _fake_spice(tmp_path)
    candidates = ["a b c d", "e f g"]
    references = [["a b c d"], ["e f g", "e f"]]
    corpus, per_item = caption_metrics(
        candidates, references, ("spice", "spider", "cider_d"),
        tokenize=False, java_path=java, spice_dir=spice_dir,
        return_per_item=True,
    )
    # The fake jar scores item i as 0.1 * (i + 1) * number of references.
    assert per_item["spice"] == pytest.approx([0.1, 0.4])
    assert corpus["spice"] == pytest.approx(0.25)
    assert corpus["spider"] == pytest.approx(
        (corpus["cider_d"] + corpus["spice"]) / 2
    )
    assert per_item["spider"] == pytest.approx(
        [(c + s) / 2 for c, s in zip(per_item["cider_d"], per_item["spice"])]
    )
    assert list(corpus) == ["spice", "spider", "cider_d"]


def test_missing_java_is_reported(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(RuntimeError, match="Java is not installed"):
        metrics.find_java()
    with pytest.raises(RuntimeError, match="Java is not installed"):
        caption_metrics(["a dog", "a cat"], [["a dog"], ["a cat"]],
                        ("bleu_1",))
    with pytest.raises(RuntimeError, match="does not exist"):
        metrics.find_java(str(tmp_path / "java"))


@needs_coco
def test_offline_metrics_need_no_java(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    scores = caption_metrics(["a dog", "a cat"], [["a dog"], ["a cat"]],
                             OFFLINE, tokenize=False)
    assert scores["bleu_1"] == pytest.approx(1.0)


def test_missing_pycocoevalcap_is_reported(monkeypatch):
    monkeypatch.setitem(sys.modules, "pycocoevalcap", None)
    with pytest.raises(ImportError, match="pip install pycocoevalcap"):
        caption_metrics(["a dog", "a cat"], [["a dog"], ["a cat"]],
                        ("bleu_1",), tokenize=False)


@pytest.mark.parametrize(
    "candidates, references, error, match",
    [
        (["a dog"], [["a dog"], ["a cat"]], ValueError, "1 items"),
        ([], [], ValueError, "empty"),
        (["a dog", "a cat"], ["a dog", "a cat"], TypeError, "list"),
        (["a dog", "a cat"], [["a dog"], []], ValueError, "references\\[1\\]"),
        (["a dog", 3], [["a dog"], ["a cat"]], TypeError, "candidates\\[1\\]"),
        ("a dog", [["a dog"]], TypeError, "single string"),
    ],
)
def test_caption_metrics_bad_input(candidates, references, error, match):
    with pytest.raises(error, match=match):
        caption_metrics(candidates, references, ("bleu_1",), tokenize=False)


def test_caption_metrics_bad_metric_names():
    with pytest.raises(ValueError, match="unknown caption metrics"):
        caption_metrics(["a", "b"], [["a"], ["b"]], ("cider",))
    with pytest.raises(ValueError, match="unknown caption metrics"):
        caption_metrics(["a", "b"], [["a"], ["b"]], ())
    with pytest.raises(ValueError, match="at least 2 items"):
        caption_metrics(["a"], [["a"]], ("cider_d",), tokenize=False)


# ---------------------------------------------------------------------------
# Accuracy, AQA, per-class report
# ---------------------------------------------------------------------------


def test_accuracy_inputs():
    assert accuracy(["dog", "cat", "rain"], ["dog", "cat", "wind"]) == 2 / 3
    assert accuracy(torch.tensor([1, 2, 3, 4]), [1, 2, 0, 0]) == 0.5
    scores = torch.tensor([[0.1, 0.7, 0.2], [0.9, 0.05, 0.05]])
    assert accuracy(scores, torch.tensor([1, 2])) == 0.5
    assert accuracy(np.array([[0.2, 0.8]]), [1]) == 1.0
    assert accuracy([[0.2, 0.8], [0.6, 0.4]], [1, 1]) == 0.5


def test_accuracy_bad_input():
    with pytest.raises(ValueError, match="2 items but targets has 3"):
        accuracy([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="empty"):
        accuracy([], [])
    with pytest.raises(TypeError, match="single string"):
        accuracy("dog", ["dog"])


def test_normalize_answer():
    assert normalize_answer("The  Cat!") == "cat"
    assert normalize_answer("An apple, a banana.") == "apple banana"
    assert normalize_answer("Yes.") == "yes"
    assert normalize_answer("theatre") == "theatre"  # only whole articles


def test_aqa_accuracy_and_types():
    answers = [["yes"], "No", ["a dog", "puppy"], ["rain"], ["two birds"]]
    predictions = ["Yes!", "yes", "Puppy.", "The rain", "3 birds"]
    types = aqa_question_types(answers)
    assert types == ["yes_no", "yes_no", "open", "open", "open"]
    result = aqa_accuracy(predictions, answers, types)
    assert result == {
        "accuracy": 3 / 5, "n": 5,
        "accuracy_open": 2 / 3, "n_open": 3,
        "accuracy_yes_no": 1 / 2, "n_yes_no": 2,
    }
    assert aqa_accuracy(predictions, answers) == {"accuracy": 0.6, "n": 5}


def test_aqa_accuracy_bad_input():
    with pytest.raises(ValueError, match="2 items but answers_per_item has 1"):
        aqa_accuracy(["yes", "no"], [["yes"]])
    with pytest.raises(ValueError, match="empty"):
        aqa_accuracy([], [])
    with pytest.raises(ValueError, match="item 1 has no accepted answer"):
        aqa_accuracy(["yes", "no"], [["yes"], []])
    with pytest.raises(ValueError, match="question_types has 1"):
        aqa_accuracy(["yes", "no"], [["yes"], ["no"]], ["yes_no"])


def test_classification_report():
    report = ClassificationReport(labels=["dog", "cat", "bird"])
    report.append(None, ["dog", "cat"], ["dog", "dog"])
    report.append(None, ["dog", "car"], ["dog", "cat"])
    assert report.ids == ["0", "1", "2", "3"]
    per_class = report.per_class_accuracy()
    assert list(per_class) == ["bird", "cat", "dog"]
    assert math.isnan(per_class["bird"])
    assert per_class["cat"] == 0.0 and per_class["dog"] == 2 / 3
    summary = report.summarize()
    assert summary["accuracy"] == 0.5
    assert summary["balanced_accuracy"] == pytest.approx(1 / 3)
    assert summary["unknown_predictions"] == 1
    assert summary["classwise_accuracy"]["dog"] == pytest.approx(2 / 3)
    assert report.summarize("balanced_accuracy") == pytest.approx(1 / 3)
    stream = io.StringIO()
    report.write_stats(stream)
    assert "Overall Accuracy: 50%" in stream.getvalue()


def test_classification_report_tensors_and_errors():
    report = ClassificationReport()
    report.append(["a", "b", "c"], torch.tensor([1, 0, 2]),
                  torch.tensor([1, 1, 2]))
    assert report.per_class_accuracy() == {1: 0.5, 2: 1.0}
    assert report.summarize("unknown_predictions") == 0
    with pytest.raises(ValueError, match="2 items but targets has 1"):
        report.append(None, [1, 2], [1])
    with pytest.raises(ValueError, match="ids"):
        report.append(["x"], [1, 2], [1, 2])
    labelled = ClassificationReport(labels=["dog"])
    with pytest.raises(ValueError, match="not in the report's labels"):
        labelled.append(None, ["dog"], ["cat"])
    with pytest.raises(ValueError, match="empty"):
        labelled.per_class_accuracy()
    with pytest.raises(ValueError, match="duplicates"):
        ClassificationReport(labels=["dog", "dog"])


# ---------------------------------------------------------------------------
# Average precision and mAP
# ---------------------------------------------------------------------------


def test_average_precision_hand_computed():
    # hits at ranks 1 and 3: (1 + 2/3) / 2
    assert average_precision([0.9, 0.8, 0.7, 0.1], [1, 0, 1, 0]) == (
        pytest.approx(5 / 6)
    )
    # tied scores form one threshold: P=1/2 at R=1/2, then P=2/3 at R=1
    assert average_precision([0.5, 0.5, 0.1], [1, 0, 1]) == pytest.approx(
        0.5 * 0.5 + 0.5 * 2 / 3
    )
    assert average_precision([0.5, 0.5, 0.1], [0, 1, 1]) == pytest.approx(
        0.5 * 0.5 + 0.5 * 2 / 3
    )
    assert average_precision([0.1, 0.2], [1, 1]) == 1.0
    assert math.isnan(average_precision([0.1, 0.2], [0, 0]))


def test_multilabel_map_hand_computed():
    scores = torch.tensor([[0.9, 0.2, 0.1], [0.3, 0.8, 0.4], [0.6, 0.1, 0.2]])
    targets = torch.tensor([[1, 0, 0], [0, 1, 0], [0, 1, 0]])
    result = multilabel_map(scores, targets)
    assert result.per_class[:2] == pytest.approx([1.0, 5 / 6])
    assert math.isnan(result.per_class[2])
    assert result.skipped == [2]
    assert result.map == pytest.approx((1 + 5 / 6) / 2)


def test_multilabel_map_matches_sklearn():
    sklearn_metrics = pytest.importorskip(
        "sklearn.metrics", reason="scikit-learn is not installed"
    )
    rng = np.random.default_rng(0)
    scores = rng.random((60, 7)).round(1)  # rounding makes ties
    targets = (rng.random((60, 7)) < 0.3).astype(int)
    targets[:, 4] = 0  # a class without positives
    targets[0, 4] = 0
    result = multilabel_map(scores, targets)
    kept = [c for c in range(7) if targets[:, c].any()]
    expected = sklearn_metrics.average_precision_score(
        targets[:, kept], scores[:, kept], average=None
    )
    assert result.skipped == [4]
    assert [result.per_class[c] for c in kept] == pytest.approx(expected)
    assert result.map == pytest.approx(float(np.mean(expected)))


def test_multilabel_map_bad_input():
    with pytest.raises(ValueError, match="shape"):
        multilabel_map(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="2 dimension"):
        multilabel_map([0.1, 0.2], [0, 1])
    with pytest.raises(ValueError, match="no class has a positive"):
        multilabel_map(np.ones((3, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="multi-hot"):
        multilabel_map(np.ones((2, 2)), [[0, 2], [1, 0]])
    with pytest.raises(ValueError, match="nan"):
        multilabel_map([[math.nan, 0.1]], [[1, 0]])
    with pytest.raises(ValueError, match="at least one item"):
        multilabel_map(np.zeros((0, 2)), np.zeros((0, 2)))


# ---------------------------------------------------------------------------
# Retrieval
# ---------------------------------------------------------------------------


def test_retrieval_hand_computed():
    # 3 audios; texts 0-1 describe audio 0, texts 2-4 audio 1, text 5 audio 2.
    sim = torch.tensor([
        [0.9, 0.1, 0.0],  # text 0: audio 0 ranked 1
        [0.2, 0.5, 0.1],  # text 1: audio 0 ranked 2
        [0.1, 0.3, 0.6],  # text 2: audio 1 ranked 2
        [0.0, 0.8, 0.1],  # text 3: audio 1 ranked 1
        [0.5, 0.2, 0.4],  # text 4: audio 1 ranked 3
        [0.3, 0.2, 0.1],  # text 5: audio 2 ranked 3
    ])
    gt = [0, 0, 1, 1, 1, 2]
    out = retrieval_metrics(sim, gt, ks=(1, 2), map_k=2)
    t2a = [1, 2, 2, 1, 3, 3]  # 1-based ranks
    assert out["text_to_audio_R@1"] == pytest.approx(2 / 6)
    assert out["text_to_audio_R@2"] == pytest.approx(4 / 6)
    assert out["text_to_audio_mAP@2"] == pytest.approx(
        sum(1 / r for r in t2a if r <= 2) / 6
    )
    assert out["text_to_audio_mean_rank"] == pytest.approx(np.mean(t2a))
    assert out["text_to_audio_median_rank"] == 2.0
    # audio -> text, 1-based ranks of the relevant texts in each column:
    # audio 0 column [.9 .2 .1 0 .5 .3]: texts 0, 1 at ranks 1, 4
    # audio 1 column [.1 .5 .3 .8 .2 .2]: texts 2, 3, 4 at ranks 3, 1, 4
    #   (texts 4 and 5 tie at 0.2: the lower index ranks first)
    # audio 2 column [0 .1 .6 .1 .4 .1]: text 5 at rank 5 (after texts 1, 3
    #   with the same 0.1)
    assert out["audio_to_text_R@1"] == pytest.approx(2 / 3)
    assert out["audio_to_text_R@2"] == pytest.approx(2 / 3)
    assert out["audio_to_text_mAP@2"] == pytest.approx((1 / 2 + 1 / 3 + 0) / 3)
    assert out["audio_to_text_mean_rank"] == pytest.approx((1 + 1 + 5) / 3)
    assert out["audio_to_text_median_rank"] == 1.0


def test_retrieval_clotho_layout_perfect_and_default_keys():
    # 4 audios x 5 captions, each caption most similar to its own audio.
    gt = np.repeat(np.arange(4), 5)
    sim = np.eye(4)[gt] + 0.01 * np.arange(20)[:, None] / 20
    out = retrieval_metrics(sim, gt)
    assert sorted(out) == sorted(
        [f"{d}_{m}" for d in ("text_to_audio", "audio_to_text")
         for m in ("R@1", "R@5", "R@10", "mAP@10", "mean_rank",
                   "median_rank")]
    )
    for direction in ("text_to_audio", "audio_to_text"):
        assert out[f"{direction}_R@1"] == 1.0
        assert out[f"{direction}_mAP@10"] == pytest.approx(1.0)


def test_retrieval_audio_without_caption_is_left_out(caplog):
    sim = [[0.9, 0.1, 0.5], [0.8, 0.2, 0.1]]
    out = retrieval_metrics(sim, [0, 0], ks=(1,), map_k=1)
    assert out["audio_to_text_R@1"] == 1.0
    assert out["audio_to_text_mAP@1"] == 0.5  # second caption ranked 2nd
    assert "2 of 3 audios have no caption" in caplog.text


@pytest.mark.parametrize(
    "sim, gt, match",
    [
        ([[0.1, 0.2]], [2], "not an audio index"),
        ([[0.1, 0.2]], [-1], "not an audio index"),
        ([[0.1, 0.2]], [0.5], "not an audio index"),
        ([[0.1, 0.2]], [True], "not an audio index"),
        ([[0.1, 0.2], [0.3, 0.4]], [0], "2 rows"),
        (np.zeros((0, 3)), [], "at least one"),
        ([[math.inf, 0.2]], [0], "nan or inf"),
        ([0.1, 0.2], [0], "2 dimension"),
    ],
)
def test_retrieval_bad_input(sim, gt, match):
    with pytest.raises(ValueError, match=match):
        retrieval_metrics(sim, gt)


def test_reference_numbers_recorded_for_every_fixture():
    # The fixture files and the recorded reference numbers stay in step.
    for name in AAC_METRICS_0_6_0_SCORES:
        candidates, references = load_aac_example(name)
        assert len(candidates) == len(references) > 400
        assert all(len(refs) == 5 for refs in references)
