"""Prepares ClothoAQA for Pengi: audio question answering manifests.

Reads the official Zenodo release (https://zenodo.org/record/6473207)
downloaded into ``data_folder``, ``audio_files.zip`` unpacked there::

    <data_folder>/audio_files/<Clotho file name>.wav
    <data_folder>/clotho_aqa_train.csv
    <data_folder>/clotho_aqa_val.csv
    <data_folder>/clotho_aqa_test.csv

Each CSV row is one annotator's answer: ``file_name, QuestionText,
answer, confidence`` (confidence yes/maybe/no); every question of a file
is answered by 3 annotators. Answers are lower-cased and stripped.

Task ``audio_qa`` ("question: {question}" -> ``{answer}``):

- ``train``: one item per annotator answer (IDs ``<file>_q<k>_a<j>``);
- ``valid`` and ``test``: one item per question (IDs ``<file>_q<k>``),
  target = the majority answer (ties: the most confident annotator, then
  the first), ``answers`` = every annotator's answer, for accuracy.

Every item has ``answer_type``: ``yes_no`` when the question's majority
answer is yes or no (the binary questions of ClothoAQA), else ``open``
(single-word answers).

The release disagrees with itself on a few file names: the question CSVs
write ``souffle_me_tallique.wav`` where ``audio_files.zip`` holds
``souffle_me.tallique.wav`` (and ``clotho_aqa_metadata.csv``, not read
here, writes ``Geese1 - (Apollonia&#39;s sPA) 18_44 05.10.wav`` for
``Geese1 - (Apollonia's sPA) 18.44 05.10.wav``). A listed name whose file
does not exist is matched to the one file whose name differs only in
spelling (HTML entities, ``.`` for ``_``, Unicode form, letter case: see
:mod:`pengi_sb.prepare.names`); those matches are logged and listed in
``prepare_report.json``. A file still missing leaves its questions out
(counted, logged, listed in the report); the preparation fails only when
more than ``max_missing_fraction`` of a split's items have no audio (see
:mod:`pengi_sb.prepare.cli`). ``file_name`` keeps the name the CSV wrote.

Authors
 * pengi-sb developers 2026
"""

import os
from collections import Counter

from speechbrain.utils.logger import get_logger

from pengi_sb.prepare.cli import run_preparation, run_prepare_cli
from pengi_sb.prepare.speech_text import clean_text, read_csv_rows

logger = get_logger(__name__)

DATASET = "ClothoAQA"
DOWNLOAD = (
    "https://zenodo.org/record/6473207 (audio_files.zip and the three "
    "clotho_aqa_*.csv)"
)
SPLITS = {"train": "train", "valid": "val", "test": "test"}
COLUMNS = ("file_name", "QuestionText", "answer", "confidence")
CONFIDENCE_RANK = {"yes": 2, "maybe": 1, "no": 0}


def normalize_answer(answer):
    """Lower-cased answer without surrounding spaces or final period.

    Example
    -------
    >>> normalize_answer(" Yes. ")
    'yes'
    """
    return clean_text(answer).lower().rstrip(".").strip()


def majority_answer(answers, confidences):
    """The answer most annotators gave.

    Arguments
    ---------
    answers : list of str
        One answer per annotator.
    confidences : list of str
        Each annotator's confidence (yes, maybe or no, lower case).

    Returns
    -------
    str

    Example
    -------
    >>> majority_answer(["dog", "cat", "dog"], ["no", "yes", "no"])
    'dog'
    >>> majority_answer(["dog", "cat", "bird"], ["maybe", "yes", "no"])
    'cat'
    """
    counts = Counter(answers)
    best = max(counts.values())
    tied = [a for a in counts if counts[a] == best]
    if len(tied) == 1:
        return tied[0]
    ranks = {}
    for i, answer in enumerate(answers):
        rank = CONFIDENCE_RANK.get(confidences[i], -1)
        ranks[answer] = max(rank, ranks.get(answer, -1))
    return max(tied, key=lambda a: ranks[a])


def group_questions(rows):
    """Groups annotator rows by file and question, in file order.

    Arguments
    ---------
    rows : list of dict
        Rows of a ClothoAQA CSV.

    Returns
    -------
    dict
        ``{file_name: {question: [rows]}}`` (insertion ordered).
    """
    grouped = {}
    for row in rows:
        question = clean_text(row["QuestionText"])
        grouped.setdefault(row["file_name"], {}).setdefault(
            question, []).append(row)
    return grouped


def prepare_clothoaqa(data_folder, save_folder, skip_prep=False,
                      grouped_splits=("valid", "test"),
                      max_missing_fraction=None):
    """Writes ClothoAQA question-answering manifests.

    Arguments
    ---------
    data_folder : str
        The ClothoAQA folder (``audio_files``, ``clotho_aqa_*.csv``).
    save_folder : str
        Where ``train.json``, ``valid.json``, ``test.json`` are written.
    skip_prep : bool
        Do nothing.
    grouped_splits : sequence of str
        Splits written one item per question (majority answer + all
        answers); the others get one item per annotator answer.
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 0.05; 0: any missing file fails).

    Returns
    -------
    dict
        ``{split: manifest_path}``.
    """

    audio_dir = os.path.join(data_folder, "audio_files")

    def build(builder):
        for split, name in SPLITS.items():
            rows = read_csv_rows(
                os.path.join(data_folder, f"clotho_aqa_{name}.csv"), COLUMNS
            )
            for file_name, questions in group_questions(rows).items():
                path = builder.audio_path(audio_dir, file_name,
                                          fold_case=True)
                stem = os.path.splitext(file_name)[0]
                for k, (question, q_rows) in enumerate(questions.items(), 1):
                    _add_question(builder, split, f"{stem}_q{k}", path,
                                  question, q_rows, split in grouped_splits,
                                  file_name=file_name)
        return []

    return run_preparation(
        DATASET, data_folder, save_folder, list(SPLITS), build,
        required=["audio_files"]
        + [f"clotho_aqa_{n}.csv" for n in SPLITS.values()],
        download_hint=DOWNLOAD,
        options={"grouped_splits": list(grouped_splits)},
        skip_prep=skip_prep, max_missing_fraction=max_missing_fraction,
    )


def _add_question(builder, split, question_id, path, question, rows,
                  grouped, **fields):
    """Adds the items of one question (see :func:`prepare_clothoaqa`)."""
    kept = [(normalize_answer(r["answer"]), clean_text(r["confidence"]).lower())
            for r in rows]
    kept = [(a, c) for a, c in kept if a]
    if not question or not kept:
        return
    answers = [a for a, _ in kept]
    majority = majority_answer(answers, [c for _, c in kept])
    answer_type = "yes_no" if majority in ("yes", "no") else "open"
    if grouped:
        if builder.add(split, question_id, path, "audio_qa",
                       question=question, answer=majority,
                       answer_type=answer_type, **fields):
            builder.splits[split][question_id]["answers"] = answers
        return
    for j, (answer, confidence) in enumerate(kept, start=1):
        builder.add(split, f"{question_id}_a{j}", path, "audio_qa",
                    question=question, answer=answer,
                    answer_type=answer_type, confidence=confidence, **fields)


if __name__ == "__main__":
    run_prepare_cli(prepare_clothoaqa, "Prepare ClothoAQA manifests")
