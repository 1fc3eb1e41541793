"""The field's metrics of the Pengi benchmarks, one module per kind of task.

================  ==========================================================
module            what it scores
================  ==========================================================
classification    accuracy, per-class report, average precision, mAP
aqa               answer normalisation, exact-match AQA accuracy
retrieval         text-to-audio / audio-to-text R@k, mAP@k, ranks
captioning        BLEU-1..4, METEOR, ROUGE-L, CIDEr-D, SPICE, SPIDEr
tools             where Java, pycocoevalcap's jars and SPICE are
generation        generated text (captions and answers), in one place
inputs            input checks shared by every metric
================  ==========================================================

The public names of every module are importable from here
(``from pengi_sb.metrics import accuracy``).

Example
-------
>>> accuracy(["dog", "cat", "rain"], ["dog", "cat", "wind"])
0.6666666666666666
>>> aqa_accuracy(["Yes.", "a red car"], [["yes"], ["red car", "car"]])
{'accuracy': 1.0, 'n': 2}

Authors
 * pengi-sb developers 2026
"""

from pengi_sb.metrics.aqa import (
    aqa_accuracy,
    aqa_question_types,
    normalize_answer,
)
from pengi_sb.metrics.captioning import (
    CAPTION_METRICS,
    PTB_PUNCTUATIONS,
    SPICE_METRICS,
    caption_metrics,
    ptb_tokenize,
)
from pengi_sb.metrics.classification import (
    ClassificationReport,
    MultilabelMAP,
    accuracy,
    average_precision,
    multilabel_map,
)
from pengi_sb.metrics.generation import (
    GenerationScores,
    check_caption_tools,
    score_generations,
)
from pengi_sb.metrics.retrieval import retrieval_metrics
from pengi_sb.metrics.tools import (
    CORENLP_JARS,
    CORENLP_URL,
    SPICE_DIR_ENV,
    SPICE_JAR,
    SPICE_LIB_JARS,
    find_java,
    find_spice,
)

__all__ = [
    "CAPTION_METRICS",
    "CORENLP_JARS",
    "CORENLP_URL",
    "PTB_PUNCTUATIONS",
    "SPICE_DIR_ENV",
    "SPICE_JAR",
    "SPICE_LIB_JARS",
    "SPICE_METRICS",
    "ClassificationReport",
    "GenerationScores",
    "MultilabelMAP",
    "accuracy",
    "aqa_accuracy",
    "aqa_question_types",
    "average_precision",
    "caption_metrics",
    "check_caption_tools",
    "find_java",
    "find_spice",
    "multilabel_map",
    "normalize_answer",
    "ptb_tokenize",
    "retrieval_metrics",
    "score_generations",
]
