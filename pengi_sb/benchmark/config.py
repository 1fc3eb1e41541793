"""How one benchmark is scored: the task config a recipe's hparams describe.

:class:`TaskConfig` holds the task keys of a benchmark recipe's hparams
(task type, prompt, label template, close-ended methods, metric, caption
metrics, decoding) and checks them; a config that cannot be scored raises
:class:`EvaluationError`, which says why.

Example
-------
>>> config = TaskConfig(task_type="classification",
...                     prompt="this is a sound of")
>>> config.methods
('likelihood', 'text')
>>> TaskConfig(task_type="tagging")
Traceback (most recent call last):
 ...
pengi_sb.benchmark.config.EvaluationError: task_type 'tagging' ...

Authors
 * pengi-sb developers 2026
"""

from dataclasses import dataclass, fields

from pengi_sb.metrics.captioning import CAPTION_METRICS, SPICE_METRICS

__all__ = [
    "DEFAULT_CAPTION_METRICS",
    "METHODS",
    "SPICE_METRICS",
    "TASK_TYPES",
    "TEXT_MATCHES",
    "EvaluationError",
    "TaskConfig",
]

TASK_TYPES = ("classification", "multilabel", "captioning", "aqa",
              "retrieval")
METHODS = ("likelihood", "text")
TEXT_MATCHES = ("embedding", "phrase")
DEFAULT_CAPTION_METRICS = CAPTION_METRICS


class EvaluationError(ValueError):
    """A benchmark that cannot be scored as configured; says why."""


@dataclass
class TaskConfig:
    """How one benchmark is scored (the task keys of a recipe's hparams).

    Arguments
    ---------
    task_type : str
        One of :data:`TASK_TYPES`.
    prompt : str
        The paper's template prompt; ``{field}`` slots are filled from each
        item (``question: {question}`` for AQA).
    label_template : str
        How a class label is written in the model's output
        (``{label}``, or ``produced by {label}`` for NSynth families);
        what the likelihood scores and the text matching compares.
    methods : tuple of str
        Close-ended methods to run: ``likelihood`` and / or ``text``.
    primary_method : str
        The method whose number stands beside the paper's (``text``: the
        paper matched generated text to the labels).
    text_match : str
        ``embedding``: rank labels by sentence-embedding similarity to the
        generated text; ``phrase``: labels whose text occurs in the
        generated text (as whole words) come first, then the others, each
        group by similarity (for outputs that hold several fields, such as
        NSynth's ``produced by bass, pitch 50, velocity 25``).
    text_encoder : str, optional
        Sentence encoder for the text method (default: the model's own
        prompt encoder).
    include_stop : bool
        Likelihood: score the stop token after the label (the label ends
        the output).
    metric : str
        The benchmark's metric name (``accuracy``, ``mAP``, ``spider``,
        ``text_to_audio_R@1``...), the one compared with the paper.
    caption_metrics : tuple of str
        Caption metrics to compute (SPICE and SPIDEr are attempted and
        reported as unavailable when their jars are missing).
    caption_tokenize : bool
        PTB-tokenise captions before scoring (the standard; needs Java).
    spice_dir, java_path : str, optional
        Where SPICE and Java are (see :mod:`pengi_sb.metrics`).
    search, beam_size, max_len : str, int, int
        Decoding of generated text (``beam`` or ``greedy``; the text
        method of close-ended tasks always uses beam search, greedy with
        ``beam_size`` 1).
    batch_size : int
        Clips per batch.
    num_workers : int
        Audio loading processes.
    text_batch_size : int
        Texts embedded at once (retrieval).
    """

    task_type: str
    prompt: str = ""
    label_template: str = "{label}"
    methods: tuple = METHODS
    primary_method: str = "text"
    text_match: str = "embedding"
    text_encoder: str = None
    include_stop: bool = True
    metric: str = "accuracy"
    caption_metrics: tuple = DEFAULT_CAPTION_METRICS
    caption_tokenize: bool = True
    spice_dir: str = None
    java_path: str = None
    search: str = "beam"
    beam_size: int = 3
    max_len: int = 30
    batch_size: int = 16
    num_workers: int = 0
    text_batch_size: int = 256

    def __post_init__(self):
        if self.task_type not in TASK_TYPES:
            raise EvaluationError(
                f"task_type '{self.task_type}' is not one of {TASK_TYPES}"
            )
        self.methods = tuple(
            [self.methods] if isinstance(self.methods, str) else self.methods
        )
        odd = [m for m in self.methods if m not in METHODS]
        if odd or not self.methods:
            raise EvaluationError(
                f"methods {list(self.methods)}: choose among {METHODS}"
            )
        if self.primary_method not in self.methods:
            self.primary_method = self.methods[0]
        if self.text_match not in TEXT_MATCHES:
            raise EvaluationError(
                f"text_match '{self.text_match}' is not one of {TEXT_MATCHES}"
            )
        if "{label}" not in self.label_template:
            raise EvaluationError(
                f"label_template '{self.label_template}' has no {{label}} "
                "slot"
            )
        if self.search not in ("beam", "greedy"):
            raise EvaluationError(
                f"search must be 'beam' or 'greedy', not '{self.search}'"
            )
        self.caption_metrics = tuple(self.caption_metrics)
        for name in ("beam_size", "max_len", "batch_size", "text_batch_size"):
            if int(getattr(self, name)) < 1:
                raise EvaluationError(f"{name} must be at least 1")
        if self.metric not in self.measured():
            raise EvaluationError(
                f"metric '{self.metric}' is not measured for task_type "
                f"'{self.task_type}': choose among {self.measured()}"
            )

    def measured(self):
        """Names of the metrics this task type reports."""
        if self.task_type == "classification":
            return ["accuracy"]
        if self.task_type == "multilabel":
            return ["accuracy", "mAP"]
        if self.task_type == "captioning":
            return list(self.caption_metrics)
        if self.task_type == "aqa":
            return ["accuracy", "accuracy_yes_no", "accuracy_open",
                    "accuracy_any_annotator"]
        return [f"{d}_{m}" for d in ("text_to_audio", "audio_to_text")
                for m in ("R@1", "R@5", "R@10", "mAP@10", "mean_rank",
                          "median_rank")]

    @classmethod
    def from_hparams(cls, hparams):
        """The config from a recipe's hparams (keys named as the fields;
        the others are ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in hparams.items() if k in names})

    def generation(self):
        """Decoding options for the inference interface."""
        return {"method": self.search, "beam_size": int(self.beam_size),
                "max_len": int(self.max_len)}
