"""The yes/no questions LocalSounds asks about its clips, balanced between the
two answers.

A question is asked only about clips whose answer is clear from their
``facts`` (:func:`aqa_questions`); :func:`balanced_aqa` then draws, per
question, as many ``yes`` as ``no`` clips.

Example
-------
>>> from pengi_sb.prepare.localsounds.notes import note_clip
>>> answers = aqa_questions(note_clip("organ", 16, 40, 50, "g"))
>>> answers["is this a drum?"], answers["is this an organ?"]
('no', 'yes')
>>> answers["is this a low note?"], "is someone speaking?" in answers
('yes', True)
>>> len(answers)
12

Authors
 * pengi-sb developers 2026
"""

from pengi_sb.prepare.localsounds.notes import FAMILY_NOUNS
from pengi_sb.prepare.localsounds.speech import LANGUAGE_NAMES

__all__ = ["YES_NO", "aqa_questions", "balanced_aqa"]

YES_NO = ("yes", "no")


def aqa_questions(clip):
    """The yes/no questions that can be asked about ``clip``.

    Arguments
    ---------
    clip : Clip
        A clip with its ``facts``.

    Returns
    -------
    dict
        ``{question: "yes" | "no"}``.
    """
    facts = clip.facts
    answers = {}
    for key, question in (
        ("speech", "is someone speaking?"),
        ("instrument", "is this a musical instrument?"),
        ("drum", "is this a drum?"),
        ("cymbal", "is this a cymbal?"),
    ):
        if facts.get(key) is not None:
            answers[question] = YES_NO[0] if facts[key] else YES_NO[1]
    if facts.get("family"):
        for family, noun in FAMILY_NOUNS.items():
            article = "an" if noun[0] in "aeiou" else "a"
            answers[f"is this {article} {noun}?"] = (
                "yes" if facts["family"] == family else "no"
            )
    if facts.get("pitch_word") in ("low", "high"):
        answers["is this a low note?"] = (
            "yes" if facts["pitch_word"] == "low" else "no"
        )
    if facts.get("language"):
        for language in LANGUAGE_NAMES.values():
            answers[f"is this person speaking {language}?"] = (
                "yes" if facts["language"] == language else "no"
            )
    return answers


def balanced_aqa(clips, rng, max_per_answer):
    """Draws as many ``yes`` as ``no`` clips for every question.

    Arguments
    ---------
    clips : list of Clip
        The clips of one split.
    rng : random.Random
        Source of the draws.
    max_per_answer : int
        Most clips per question and answer.

    Returns
    -------
    list of (Clip, str, str)
        ``(clip, question, answer)``, questions in sorted order, the
        ``yes`` draws of a question before its ``no`` draws.
    """
    by_question = {}
    for clip in clips:
        for question, answer in aqa_questions(clip).items():
            by_question.setdefault(question, {"yes": [], "no": []})
            by_question[question][answer].append(clip)
    chosen = []
    for question in sorted(by_question):
        pools = by_question[question]
        k = min(len(pools["yes"]), len(pools["no"]), max_per_answer)
        for answer in YES_NO:
            for clip in rng.sample(pools[answer], k):
                chosen.append((clip, question, answer))
    return chosen
