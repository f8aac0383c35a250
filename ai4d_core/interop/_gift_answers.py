"""GIFT answer blocks read as Moodle's qformat_gift reads them, then mapped to AI4D item fields.

Texts here are still "protected" (escaped characters hidden by `gift._blocks`); `restore` turns them back. Each
reader returns (fields, notes): the notes say what the item does not carry of the source.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ai4d_core.interop._importing import MatchGrades, QuestionError, match_grade, php_number, unsupported
from ai4d_core.interop._moodle_grading import (
    multiple_choice,
    numeric_answers,
    short_answers,
    single_choice,
)
from ai4d_core.interop._text import GIFT_FORMATS, MediaError, to_text

_WEIGHT = re.compile(r"^%-*([0-9]{1,2})\.?([0-9]*)%")  # Moodle's $giftanswerweightregex
Restore = Callable[[str], str]
Fields = tuple[dict[str, Any], list[str]]


@dataclass(slots=True)
class Answer:
    """One answer of a block: its fraction (None until graded), text and feedback, still protected."""

    fraction: float | None
    text: str
    feedback: str


def with_format(raw: str, default: str, restore: Restore) -> tuple[str, str]:
    """(format, restored text) as Moodle's parse_text_with_format: a leading `[html]`, `[moodle]`, `[plain]` or
    `[markdown]` sets the format and is removed; anything else keeps the default."""
    fmt = default
    if raw.startswith("[") and (end := raw.find("]")) > 0 and raw[1:end] in GIFT_FORMATS:
        fmt, raw = raw[1:end], raw[end + 1 :]
    return fmt, restore(raw).strip()


def text_of(raw: str, default: str, restore: Restore, what: str) -> str:
    """A text with its optional format prefix, as AI4D text (media and files refused)."""
    fmt, text = with_format(raw, default, restore)
    try:
        return to_text(text, fmt)
    except MediaError as exc:
        raise unsupported(f"{exc} in {what}") from None


def _weight(answer: str, restore: Restore) -> tuple[float | None, str]:
    if not (match := _WEIGHT.match(answer)):
        return None, answer
    raw = answer[1 : answer.index("%", 1)]
    value = php_number(restore(raw))
    if value is None:
        raise QuestionError(f"weight %{restore(raw)}% is not a number")
    return value / 100, answer[match.end() :]


def _split(answertext: str, sep: str) -> list[str]:
    """explode(sep) with the first piece dropped when blank, each piece trimmed (as Moodle does)."""
    parts = answertext.split(sep)
    if not parts[0].strip():
        parts.pop(0)
    return [p.strip() for p in parts]


def _answers(parts: list[str], default_fraction: float | None, restore: Restore) -> list[Answer]:
    found = []
    for part in parts:
        fraction, body = _weight(part, restore)
        text, _, feedback = body.partition("#")
        found.append(Answer(default_fraction if fraction is None else fraction, text.strip(), feedback.strip()))
    return found


def _graded(answers: list[Answer], grades: MatchGrades) -> None:
    for answer in answers:
        answer.fraction = match_grade(answer.fraction or 0.0, grades)


def multichoice(answertext: str, fmt: str, restore: Restore, grades: MatchGrades) -> Fields:
    parts = _split(answertext.replace("=", "~="), "~")
    if len(parts) < 2:
        raise QuestionError("a multiple choice question needs at least two answers")
    answers = []
    for part in parts:
        if part.startswith("="):  # `=` is full marks; a %weight% after it stays in the text, as in Moodle
            answers.append(Answer(1.0, *(p.strip() for p in part[1:].partition("#")[::2])))
        else:
            answers.extend(_answers([part], 0.0, restore))
    _graded(answers, grades)
    answers = [a for a in answers if restore(a.text).strip()]  # Moodle skips blank answers
    if len(answers) < 2:
        raise QuestionError("a multiple choice question needs at least two answers that are not blank")
    texts = [text_of(a.text, fmt, restore, f"answer {k}") for k, a in enumerate(answers, start=1)]
    feedbacks = [text_of(a.feedback, fmt, restore, f"the feedback of answer {k}") for k, a in enumerate(answers, 1)]
    fractions = [a.fraction or 0.0 for a in answers]
    ids = [chr(ord("a") + i) for i in range(len(answers))]
    if "=" not in answertext:  # several answers may be chosen
        return multiple_choice(ids, texts, fractions, feedbacks)
    return single_choice(ids, texts, fractions, feedbacks)


def shortanswer(answertext: str, fmt: str, restore: Restore, grades: MatchGrades) -> Fields:
    answers = _answers(_split(answertext, "="), 1.0, restore)
    _graded(answers, grades)
    return short_answers(
        [
            (
                a.fraction or 0.0,
                with_format(a.text, fmt, restore)[1],  # Moodle keeps a short answer as plain text
                text_of(a.feedback, fmt, restore, "an answer's feedback"),
            )
            for a in answers
        ]
    )


def matching(answertext: str, fmt: str, restore: Restore) -> Fields:
    parts = _split(answertext, "=")
    if len(parts) < 2:
        raise QuestionError("a matching question needs at least two pairs")
    prompts: list[dict[str, str]] = []
    targets: dict[str, str] = {}  # text -> id
    key: dict[str, str] = {}
    for part in parts:
        if "->" not in part:
            raise QuestionError(f"matching pair {restore(part)!r} has no '->'")
        raw_prompt, _, raw_target = part.partition("->")
        prompt = text_of(raw_prompt.strip(), fmt, restore, "a matching prompt")
        target = restore(raw_target).strip()  # Moodle reads no format prefix in the answer of a pair
        if not prompt and not target:
            continue
        target_id = targets.setdefault(target, f"t{len(targets) + 1}")
        if prompt:  # an empty prompt adds a distractor answer
            prompts.append({"id": f"p{len(prompts) + 1}", "text": prompt})
            key[prompts[-1]["id"]] = target_id
    fields = {"type": "matching", "prompts": prompts, "key": key}
    return fields | {"targets": [{"id": i, "text": t} for t, i in targets.items()]}, []


def truefalse(answertext: str, restore: Restore) -> Fields:
    answer, *feedbacks = answertext.split("#", 2)
    notes = ["the feedbacks of the true/false answers are not carried"] if any(f.strip() for f in feedbacks) else []
    return {"type": "true_false", "key": answer.strip() in ("T", "TRUE")}, notes


def _numeric_answer(text: str) -> dict[str, Any] | None:
    """Moodle's `min..max`, `value:margin` or `value`; None for `*` (any answer)."""
    if (dots := text.find("..")) > 0:
        low, high = php_number(text[:dots]), php_number(text[dots + 2 :])
        if low is None or high is None:
            raise QuestionError(f"numerical range {text!r} is not two numbers")
        return {"low": min(low, high), "high": max(low, high)}  # Moodle's margin is |max - min| / 2
    value_text, tolerance_text = text.split(":", 1) if text.find(":") > 0 else (text, "0")
    tolerance = php_number(tolerance_text)
    if tolerance is None:
        raise QuestionError(f"numerical margin {tolerance_text.strip()!r} is not a number (Moodle refuses it too)")
    if value_text.strip() == "*":
        return None
    value = php_number(value_text)
    if value is None:
        raise QuestionError(f"numerical answer {value_text.strip()!r} is not a number (Moodle would store it as '*', "
                      "an answer that accepts anything)")  # fmt: skip
    return {"value": value, "tolerance": abs(tolerance)}


def numerical(answertext: str, fmt: str, restore: Restore, grades: MatchGrades) -> Fields:
    body, _, wrong = answertext[1:].partition("~")
    answers = _answers(_split(body, "="), 1.0, restore)
    if not answers:
        raise QuestionError("a numerical question needs an answer after '#'")
    parsed = [(a, _numeric_answer(with_format(a.text, fmt, restore)[1])) for a in answers]
    if wrong:  # Moodle adds it as an answer '*' worth 0%
        parsed.append((Answer(0.0, "*", wrong.partition("#")[2].strip()), None))
    _graded([a for a, _ in parsed], grades)
    return numeric_answers([
        (a.fraction or 0.0, spec, restore(a.text).strip(), text_of(a.feedback, fmt, restore, "a feedback"))
        for a, spec in parsed
    ])  # fmt: skip
