"""Captioning metrics: BLEU-1..4, METEOR, ROUGE-L, CIDEr-D, SPICE, SPIDEr.

Audio captioning (AudioCaps, Clotho) is scored with SPIDEr, plus BLEU-1..4,
METEOR, ROUGE-L, CIDEr-D and SPICE: see :func:`caption_metrics`.

The caption metrics use the field's standard code rather than a rewrite:
``pycocoevalcap`` (the COCO caption evaluation code that the DCASE task 6
baselines and ``aac-metrics`` reproduce) for BLEU, ROUGE-L and CIDEr-D,
its ``meteor-1.5.jar`` for METEOR, its Stanford PTB tokenizer jar for the
tokenisation (:func:`ptb_tokenize`), and the SPICE jar for SPICE.
``pycocoevalcap``'s ``Cider`` class is the CIDEr-D formula (clipped n-gram
counts, Gaussian length penalty with sigma = 6, scaled by 10) and gives
the same numbers as ``aac-metrics``' ``cider_d``. Install them with ``pip
install pycocoevalcap`` (the ``metrics`` extra of pengi-sb); the jars need
Java 8 or newer (:mod:`pengi_sb.metrics.tools` finds them). SPICE (and so
SPIDEr) also needs Stanford CoreNLP 3.6.0, which no package registry
ships: see :func:`~pengi_sb.metrics.tools.find_spice`.

Authors
 * pengi-sb developers 2026
"""

import json
import math
import os
import subprocess
import tempfile
import time

import numpy as np
from speechbrain.utils.logger import get_logger

from pengi_sb.metrics.inputs import as_list, check_same_length
from pengi_sb.metrics.tools import (
    SPICE_JAR,
    find_java,
    find_spice,
    pycocoevalcap_dir,
    pycocoevalcap_jar,
    run_java,
)

logger = get_logger(__name__)

__all__ = [
    "CAPTION_METRICS",
    "PTB_PUNCTUATIONS",
    "SPICE_METRICS",
    "caption_metrics",
    "ptb_tokenize",
]

CAPTION_METRICS = (
    "bleu_1",
    "bleu_2",
    "bleu_3",
    "bleu_4",
    "meteor",
    "rouge_l",
    "cider_d",
    "spice",
    "spider",
)
"""Names :func:`caption_metrics` knows, in its default output order."""

PTB_PUNCTUATIONS = frozenset(
    ["''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?",
     "!", ",", ":", "-", "--", "...", ";"]
)
"""Tokens that the COCO / DCASE evaluation drops after PTB tokenisation."""

SPICE_METRICS = ("spice", "spider")
"""Caption metrics that need the SPICE installation (optional: where it is
missing they are reported as unavailable, see
:func:`pengi_sb.metrics.generation.score_generations`)."""

_JAVA_MEMORY_METEOR = "2G"
_JAVA_MEMORY_SPICE = "8G"


def _one_line(text):
    """The text with line breaks turned into spaces."""
    return " ".join(text.splitlines()) if text else ""


def ptb_tokenize(sentences, java_path=None):
    """Tokenises like the COCO / DCASE caption evaluation.

    Stanford's PTB tokenizer (``stanford-corenlp-3.4.1.jar`` from
    pycocoevalcap) with lower-casing, then the punctuation tokens of
    :data:`PTB_PUNCTUATIONS` removed. Line breaks inside a sentence become
    spaces.

    Arguments
    ---------
    sentences : list of str
        The sentences.
    java_path : str, optional
        The Java executable (see :func:`find_java`).

    Returns
    -------
    list of str
        Each sentence's tokens joined by single spaces.

    Example
    -------
    >>> ptb_tokenize(["A dog barks, then a car passes."])  # doctest: +SKIP
    ['a dog barks then a car passes']
    """
    sentences = [_one_line(s) for s in as_list(sentences, "sentences")]
    if not sentences:
        return []
    java = find_java(java_path)
    jar = pycocoevalcap_jar("tokenizer", "stanford-corenlp-3.4.1.jar")
    with tempfile.TemporaryDirectory(prefix="pengi_ptb_") as tmp:
        path = os.path.join(tmp, "sentences.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(sentences))
        output = run_java(
            [java, "-cp", jar, "edu.stanford.nlp.process.PTBTokenizer",
             "-preserveLines", "-lowerCase", "-encoding", "utf-8", path],
            "PTB tokenizer",
        )
    lines = output.split("\n")
    if len(lines) != len(sentences):
        raise RuntimeError(
            f"PTB tokenizer returned {len(lines)} lines for "
            f"{len(sentences)} sentences"
        )
    return [
        " ".join(t for t in line.rstrip().split(" ")
                 if t and t not in PTB_PUNCTUATIONS)
        for line in lines
    ]


def _meteor(candidates, references, java):
    """METEOR 1.5 (pycocoevalcap's jar): corpus score and per-item scores."""
    jar = pycocoevalcap_jar("meteor", "meteor-1.5.jar")
    command = [
        java, "-Duser.language=en", "-Duser.country=US", "-jar",
        f"-Xmx{_JAVA_MEMORY_METEOR}", jar, "-", "-", "-stdio", "-l", "en",
        "-norm",
    ]

    def clean(text):
        return _one_line(text).replace("|||", "").replace("  ", " ")

    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            command, cwd=os.path.dirname(jar), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=errors,
        )

        def send(line):
            process.stdin.write((line + "\n").encode("utf-8"))
            process.stdin.flush()

        def receive():
            answer = process.stdout.readline().decode("utf-8").strip()
            if not answer:
                process.kill()
                process.wait()
                errors.seek(0)
                raise RuntimeError(
                    "METEOR (meteor-1.5.jar) stopped: "
                    + errors.read().decode(errors="replace")[-2000:]
                )
            return answer

        try:
            stats = []
            for cand, refs in zip(candidates, references):
                send(" ||| ".join(
                    ["SCORE"] + [clean(r) for r in refs] + [clean(cand)]
                ))
                stats.append(receive())
            send("EVAL ||| " + " ||| ".join(stats))
            per_item = [float(receive()) for _ in candidates]
            corpus = float(receive())
        finally:
            if process.poll() is None:
                process.stdin.close()
                process.kill()
            process.wait()
    return corpus, per_item


def _spice(candidates, references, java, spice_dir):
    """SPICE 1.0 (``-subset`` mode): mean F-score and per-item F-scores."""
    jar = os.path.join(spice_dir, SPICE_JAR)
    with tempfile.TemporaryDirectory(prefix="pengi_spice_") as tmp:
        in_path = os.path.join(tmp, "input.json")
        out_path = os.path.join(tmp, "output.json")
        cache = os.path.join(tmp, "cache")
        os.makedirs(cache)
        with open(in_path, "w", encoding="utf-8") as f:
            json.dump(
                [
                    {"image_id": i, "test": cand, "refs": list(refs)}
                    for i, (cand, refs) in enumerate(
                        zip(candidates, references)
                    )
                ],
                f,
            )
        run_java(
            [java, "-jar", f"-Xmx{_JAVA_MEMORY_SPICE}", jar, in_path,
             "-cache", cache, "-out", out_path, "-subset", "-silent"],
            "SPICE",
        )
        with open(out_path, encoding="utf-8") as f:
            results = json.load(f)
    by_id = {item["image_id"]: item["scores"]["All"]["f"] for item in results}
    if sorted(by_id) != list(range(len(candidates))):
        raise RuntimeError(
            f"SPICE returned scores for {len(by_id)} of {len(candidates)} "
            "items"
        )
    per_item = []
    for i in range(len(candidates)):
        try:
            per_item.append(float(by_id[i]))
        except (TypeError, ValueError):
            per_item.append(math.nan)
    return float(np.mean(per_item)), per_item


def _check_captions(candidates, references):
    """Validates caption inputs; returns them as lists of str."""
    candidates = as_list(candidates, "candidates")
    references = as_list(references, "references")
    check_same_length(candidates, references, "candidates", "references")
    for index, cand in enumerate(candidates):
        if not isinstance(cand, str):
            raise TypeError(
                f"candidates[{index}] is {type(cand).__name__}, not str"
            )
    checked = []
    for index, refs in enumerate(references):
        if isinstance(refs, str):
            raise TypeError(
                f"references[{index}] is a string: each item needs a list "
                "of reference captions (wrap a single one as [caption])"
            )
        refs = as_list(refs, f"references[{index}]")
        if not refs:
            raise ValueError(f"references[{index}] has no reference caption")
        if not all(isinstance(r, str) for r in refs):
            raise TypeError(f"references[{index}] must contain only str")
        checked.append(refs)
    return candidates, checked


def caption_metrics(
    candidates,
    references,
    metrics=CAPTION_METRICS,
    tokenize=True,
    java_path=None,
    spice_dir=None,
    return_per_item=False,
):
    """Captioning metrics (BLEU-1..4, METEOR, ROUGE-L, CIDEr-D, SPICE, SPIDEr).

    The DCASE / aac-metrics evaluation: candidates and references are PTB
    tokenised (lower-cased, punctuation dropped), then scored with the
    COCO caption evaluation code (``pycocoevalcap``): BLEU with the
    "closest" reference length, ROUGE-L (beta 1.2), CIDEr-D (sigma 6,
    x10, document frequencies from the references of the whole corpus,
    so at least two items are needed), METEOR 1.5 (corpus score), SPICE
    (mean F-score) and SPIDEr = (CIDEr-D + SPICE) / 2.

    Arguments
    ---------
    candidates : list of str
        The generated caption per item.
    references : list of list of str
        The reference captions per item (any number >= 1).
    metrics : sequence of str
        Names from :data:`CAPTION_METRICS`. SPICE and SPIDEr need the
        Stanford CoreNLP 3.6.0 jars (see :func:`find_spice`); leave them
        out where those are not installed.
    tokenize : bool
        PTB-tokenise first (needs Java). Only turn off for text that is
        already tokenised.
    java_path : str, optional
        The Java executable (see :func:`find_java`).
    spice_dir : str, optional
        Folder with ``spice-1.0.jar`` and ``lib/`` (see
        :func:`find_spice`).
    return_per_item : bool
        Also return the per-item scores (METEOR's corpus score is not
        their mean).

    Returns
    -------
    dict or (dict, dict)
        Metric name -> corpus score (float), in the order of ``metrics``;
        with ``return_per_item``, also metric name -> list of per-item
        scores.

    Example
    -------
    >>> cands = ["a dog barks", "rain falls on a roof"]
    >>> refs = [["a dog is barking", "a dog barks loudly"],
    ...         ["rain falls on a tin roof", "heavy rain"]]
    >>> scores = caption_metrics(cands, refs, ("bleu_1", "rouge_l", "cider_d"),
    ...                          tokenize=False)
    >>> {name: round(value, 4) for name, value in scores.items()}
    {'bleu_1': 0.7788, 'rouge_l': 0.865, 'cider_d': 3.713}
    >>> scores = caption_metrics(cands, refs, ("meteor", "cider_d"))
    ... # doctest: +SKIP
    >>> {name: round(value, 4) for name, value in scores.items()}
    ... # doctest: +SKIP
    {'meteor': 0.395, 'cider_d': 3.713}
    """
    candidates, references = _check_captions(candidates, references)
    if isinstance(metrics, str):
        metrics = (metrics,)
    metrics = tuple(metrics)
    unknown = [m for m in metrics if m not in CAPTION_METRICS]
    if unknown or not metrics:
        raise ValueError(
            f"unknown caption metrics {unknown}: choose from "
            f"{list(CAPTION_METRICS)}"
        )
    wanted = set(metrics)
    if "spider" in wanted:
        wanted |= {"cider_d", "spice"}
    if "cider_d" in wanted and len(candidates) < 2:
        raise ValueError(
            "CIDEr-D (and SPIDEr) need at least 2 items: its n-gram "
            "weights come from the references of the whole corpus, so "
            "score the whole test set at once"
        )
    # Fail fast on what is missing, before any slow step runs.
    spice_folder = find_spice(spice_dir) if "spice" in wanted else None
    needs_java = tokenize or bool(wanted & {"meteor", "spice"})
    java = find_java(java_path) if needs_java else None
    if tokenize or wanted - {"spice"}:
        pycocoevalcap_dir()

    if tokenize:
        start = time.perf_counter()
        candidates = ptb_tokenize(candidates, java)
        flat = ptb_tokenize([r for refs in references for r in refs], java)
        tokenized, offset = [], 0
        for refs in references:
            tokenized.append(flat[offset:offset + len(refs)])
            offset += len(refs)
        references = tokenized
        logger.debug("PTB tokenisation: %.2f s", time.perf_counter() - start)

    corpus, per_item = {}, {}
    if wanted & {"bleu_1", "bleu_2", "bleu_3", "bleu_4"}:
        from pycocoevalcap.bleu.bleu_scorer import BleuScorer

        scorer = BleuScorer(n=4)
        for cand, refs in zip(candidates, references):
            scorer += (cand, refs)
        scores, item_scores = scorer.compute_score(option="closest", verbose=0)
        for n in range(4):
            corpus[f"bleu_{n + 1}"] = float(scores[n])
            per_item[f"bleu_{n + 1}"] = [float(s) for s in item_scores[n]]
    if "rouge_l" in wanted:
        from pycocoevalcap.rouge.rouge import Rouge

        rouge = Rouge()
        per_item["rouge_l"] = [
            float(rouge.calc_score([cand], refs))
            for cand, refs in zip(candidates, references)
        ]
        corpus["rouge_l"] = float(np.mean(per_item["rouge_l"]))
    if "cider_d" in wanted:
        from pycocoevalcap.cider.cider_scorer import CiderScorer

        scorer = CiderScorer(n=4, sigma=6.0)
        for cand, refs in zip(candidates, references):
            scorer += (cand, refs)
        score, item_scores = scorer.compute_score()
        corpus["cider_d"] = float(score)
        per_item["cider_d"] = [float(s) for s in item_scores]
    if "meteor" in wanted:
        start = time.perf_counter()
        corpus["meteor"], per_item["meteor"] = _meteor(
            candidates, references, java
        )
        logger.debug("METEOR: %.2f s", time.perf_counter() - start)
    if "spice" in wanted:
        corpus["spice"], per_item["spice"] = _spice(
            candidates, references, java, spice_folder
        )
    if "spider" in wanted:
        corpus["spider"] = (corpus["cider_d"] + corpus["spice"]) / 2
        per_item["spider"] = [
            (c + s) / 2 for c, s in zip(per_item["cider_d"], per_item["spice"])
        ]

    corpus = {name: corpus[name] for name in metrics}
    if return_per_item:
        return corpus, {name: per_item[name] for name in metrics}
    return corpus
