"""Moodle's grades mapped to AI4D items, for GIFT and XML alike: what a choice or answer list becomes, and the
notes on what the item does not carry. Each returns (fields, notes)."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from ai4d_core.interop._importing import QuestionError, unsupported

Fields = tuple[dict[str, Any], list[str]]


def order_note(fractions: list[float]) -> list[str]:
    if all(a >= b for a, b in pairwise(fractions)):
        return []
    return ["answers are not in decreasing order of grade: Moodle gives the grade of the first answer that "
            "matches, AI4D the best one that matches"]  # fmt: skip


def single_choice(ids: list[str], texts: list[str], fractions: list[float], feedbacks: list[str]) -> Fields:
    """A one-answer question (GIFT with `=`, XML `<single>true`): one key; what else Moodle grades is noted."""
    keys = [i for i, w in zip(ids, fractions, strict=True) if w == 1]
    if len(keys) != 1:
        found = "no answer" if not keys else f"{len(keys)} answers"
        raise unsupported(f"{found} worth 100% in a one-answer question (AI4D's single choice has one key)")
    wrong = [w for i, w in zip(ids, fractions, strict=True) if i != keys[0]]
    negative = bool(wrong) and all(w < 0 for w in wrong)
    notes = []
    if partial := [f"{w * 100:g}%" for w in wrong if w > 0]:
        notes.append(f"partial credit on other answers ({', '.join(partial)}) is not carried: they score 0")
    if negative and any(abs(w + 1 / len(wrong)) > 1e-6 for w in wrong):
        notes.append(f"wrong answers score -1/{len(wrong)} each (AI4D's negative marking), not their own grades")
    elif not negative and any(w < 0 for w in wrong):
        notes.append("penalties on some wrong answers are not carried: they score 0")
    if any(feedbacks):
        notes.append("per-answer feedback is not carried by a single choice item")
    options = [{"id": i, "text": t} for i, t in zip(ids, texts, strict=True)]
    return {"type": "single_choice", "options": options, "key": keys[0], "negative_marking": negative}, notes


def multiple_choice(ids: list[str], texts: list[str], fractions: list[float], feedbacks: list[str]) -> Fields:
    """A several-answers question: the grades are the option weights (Moodle clamps a total below 0 to 0 too)."""
    total = sum(w for w in fractions if w > 0)
    if abs(total - 1) > 1e-6:
        raise unsupported(f"the grades of the right answers add up to {total * 100:g}%, not 100% (Moodle imports "
                          "it with a warning; AI4D needs full marks to be reachable, and no more)")  # fmt: skip
    options = [
        {"id": i, "text": t, "weight": w, "feedback": f}
        for i, t, w, f in zip(ids, texts, fractions, feedbacks, strict=True)
    ]
    return {"type": "multiple_choice", "options": options}, []


def short_answers(answers: list[tuple[float, str, str]]) -> Fields:
    """AI4D's accepted answers from Moodle's (fraction, text, feedback): those worth nothing are dropped."""
    if max((w for w, _, _ in answers), default=0.0) != 1:
        raise QuestionError("no answer is worth 100%, so full marks cannot be reached (Moodle refuses it too)")
    notes = order_note([w for w, _, _ in answers])
    for weight, text, feedback in answers:
        if weight < 0:
            notes.append(f"the penalty {weight * 100:g}% of answer {text!r} is not carried: it scores 0")
        elif weight == 0 and (feedback or text != "*"):
            notes.append(f"answer {text!r} worth 0% is kept out (it scores 0 anyway); its feedback is lost")
    accepted = [{"text": t, "weight": w, "feedback": f} for w, t, f in answers if w > 0]
    return {"type": "short_answer", "answers": accepted}, notes


def numeric_answers(answers: list[tuple[float, dict[str, Any] | None, str, str]]) -> Fields:
    """AI4D's numeric answers from Moodle's (fraction, value or range or None for `*`, source text, feedback)."""
    notes = order_note([w for w, _, _, _ in answers])
    found = []
    for weight, spec, text, feedback in answers:
        if spec is None and weight > 0:
            raise unsupported("an answer '*' worth more than 0% (any number scores); AI4D's numeric answers are "
                              "values or ranges")  # fmt: skip
        if spec is None:
            notes.append("the feedback for any other answer ('*') is not carried")
        elif weight > 0:
            found.append(spec | {"weight": weight, "feedback": feedback})
        else:
            notes.append(f"answer {text!r} worth {weight * 100:g}% is kept out (it scores 0); its feedback is lost")
    if not any(a["weight"] == 1 for a in found):
        raise unsupported("no answer is worth 100% (Moodle imports it; AI4D needs full marks to be reachable)")
    return {"type": "numeric", "answers": found}, notes
