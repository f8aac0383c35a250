"""The readers of Moodle XML question types, as Moodle's qformat_xml reads them, mapped to AI4D item fields.

Each reader takes a `Question` (the element and its question-text format) and returns (fields, notes); a
`QuestionError` says why the question is not imported. Formats default as in Moodle: the question text `html`; the
general feedback, choice answers, feedback, matching prompts and the grader information that of the question
text; short-answer and numerical answers, matching answers and tags are plain text whatever their attribute.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ai4d_core.interop._cloze import parse_cloze
from ai4d_core.interop._common import MOODLE_NO_WORD_LIMIT, open_response_fields
from ai4d_core.interop._importing import MatchGrades, QuestionError, match_grade, php_number, unsupported
from ai4d_core.interop._moodle_grading import multiple_choice, numeric_answers, short_answers, single_choice
from ai4d_core.interop._text import XML_FORMATS, MediaError, to_text

Fields = tuple[dict[str, Any], list[str]]


def text_format(element: ET.Element | None, default: str) -> str:
    """The AI4D name of an element's `format` attribute; Moodle reads an unknown one as html."""
    raw = None if element is None else element.get("format")
    return default if raw is None else XML_FORMATS.get(raw.strip(), "html")


def raw_text(element: ET.Element | None) -> str:
    return "" if element is None else (element.findtext("text") or "").strip()


def formatted(element: ET.Element | None, default: str, what: str) -> str:
    """The `<text>` of a formatted field as AI4D text; attached files and media refuse the question."""
    if element is None:
        return ""
    if (attached := element.find("file")) is not None:
        raise unsupported(f"a file ({attached.get('name', '?')}) attached to {what}")
    try:
        return to_text(raw_text(element), text_format(element, default))
    except MediaError as exc:
        raise unsupported(f"{exc} in {what}") from None


@dataclass(frozen=True)
class Question:
    element: ET.Element
    fmt: str  # the question text's format, the default of its other texts
    grades: MatchGrades

    def text(self, tag: str, what: str) -> str:
        return formatted(self.element.find(tag), self.fmt, what)

    def fraction(self, answer: ET.Element, k: int) -> float:
        raw = answer.findtext("fraction") or answer.get("fraction") or "0"  # <fraction>: Moodle's old form
        value = php_number(raw)
        if value is None:
            raise QuestionError(f"answer {k} fraction {raw!r} is not a number")
        return match_grade(value / 100 if answer.find("fraction") is None else value, self.grades)

    def answers(self) -> list[ET.Element]:
        found = self.element.findall("answer")
        if not found:
            raise QuestionError("has no <answer>")
        return found


def _single(value: str | None) -> bool:
    """Moodle's trans_single: `false`, `0` or empty is false, anything else true."""
    value = (value if value is not None else "true").strip()
    return value not in ("false", "0", "")


def multichoice(q: Question) -> Fields:
    entries = []
    for k, answer in enumerate(q.answers(), start=1):
        fraction = q.fraction(answer, k)
        if raw_text(answer):  # Moodle skips blank answers
            entries.append((fraction, formatted(answer, q.fmt, f"answer {k}"),
                            formatted(answer.find("feedback"), q.fmt, f"the feedback of answer {k}")))  # fmt: skip
    if len(entries) < 2:
        raise QuestionError("a multiple choice question needs at least two answers that are not blank")
    ids = [chr(ord("a") + i) for i in range(len(entries))]
    texts, fractions, feedbacks = [e[1] for e in entries], [e[0] for e in entries], [e[2] for e in entries]
    if _single(q.element.findtext("single")):
        return single_choice(ids, texts, fractions, feedbacks)
    return multiple_choice(ids, texts, fractions, feedbacks)


def truefalse(q: Question) -> Fields:
    key, notes = None, []
    for k, answer in enumerate(q.answers()):
        text = raw_text(answer)
        if text not in ("true", "false"):  # old files: localised texts, true first then false
            notes.append(f"answer {text!r} read as {'true' if k == 0 else 'false'} from its position, as Moodle does")
            text = "true" if k == 0 else "false"
        full = php_number(answer.get("fraction", "0")) == 100
        key = full if text == "true" else not full
        if raw_text(answer.find("feedback")):
            notes.append(f"the feedback of answer {text!r} is not carried")
    return {"type": "true_false", "key": key}, notes


def shortanswer(q: Question) -> Fields:
    answers = [(q.fraction(a, k), raw_text(a), q_feedback(q, a, k)) for k, a in enumerate(q.answers(), start=1)]
    fields, notes = short_answers(answers)
    usecase = (q.element.findtext("usecase") or "0").strip().casefold() in {"1", "true", "yes"}
    return fields | {"case_sensitive": usecase}, notes


def q_feedback(q: Question, answer: ET.Element, k: int) -> str:
    return formatted(answer.find("feedback"), q.fmt, f"the feedback of answer {k}")


def numerical(q: Question) -> Fields:
    answers = []
    for k, answer in enumerate(q.answers(), start=1):
        text, fraction, feedback = raw_text(answer), q.fraction(answer, k), q_feedback(q, answer, k)
        if not text and not fraction and not feedback:
            continue  # Moodle skips a blank answer
        tolerance_text = (answer.findtext("tolerance") or "").strip() or "0"
        tolerance = php_number(tolerance_text)
        if tolerance is None:
            raise QuestionError(f"answer {k} tolerance {tolerance_text!r} is not a number")
        value = None if text == "*" else php_number(text)
        if value is None and text != "*":
            raise QuestionError(f"answer {k} value {text!r} is not a number")
        spec = None if value is None else {"value": value, "tolerance": abs(tolerance)}
        answers.append((fraction, spec, text, feedback))
    fields, notes = numeric_answers(answers)
    units = [(u.findtext("unit_name") or "").strip() for u in q.element.findall("units/unit")]
    multipliers = [php_number(u.findtext("multiplier") or "1") for u in q.element.findall("units/unit")]
    if len(units) > 1 or any(m != 1 for m in multipliers):
        raise unsupported(f"units {', '.join(units)} (with their multipliers, answers in any of them score)")
    if units:
        notes.append(f"the unit {units[0]!r} is not carried: AI4D takes the number alone")
    return fields, notes


def matching(q: Question) -> Fields:
    prompts: list[dict[str, str]] = []
    targets: dict[str, str] = {}  # text -> id
    key: dict[str, str] = {}
    for k, sub in enumerate(q.element.findall("subquestion"), start=1):
        prompt, target = formatted(sub, q.fmt, f"subquestion {k}"), raw_text(sub.find("answer"))
        if not prompt and not target:
            continue
        if not target:
            raise QuestionError(f"subquestion {k} has no answer text")
        target_id = targets.setdefault(target, f"t{len(targets) + 1}")
        if prompt:  # an empty prompt adds a distractor answer
            prompts.append({"id": f"p{len(prompts) + 1}", "text": prompt})
            key[prompts[-1]["id"]] = target_id
    targets_list = [{"id": i, "text": t} for t, i in targets.items()]
    return {"type": "matching", "prompts": prompts, "targets": targets_list, "key": key}, []


def _number(q: Question, tag: str) -> int | None:
    raw = (q.element.findtext(tag) or "").strip()
    if not raw:
        return None
    if not raw.lstrip("-").isdigit():
        raise QuestionError(f"{tag} {raw!r} is not a whole number")
    return int(raw)


def essay(q: Question) -> Fields:
    if (q.element.findtext("responseformat") or "editor").strip() == "noinline":
        raise unsupported("an essay answered by attached files only (responseformat noinline)")
    if (_number(q, "attachmentsrequired") or 0) > 0:
        raise unsupported("an essay that requires attached files")
    notes = []
    if _number(q, "attachments"):
        notes.append("attachments are not carried: AI4D takes a text answer")
    if (minimum := _number(q, "minwordlimit")) is not None and minimum > 0:
        notes.append(f"the minimum of {minimum} words is not carried")
    if raw_text(q.element.find("responsetemplate")):
        notes.append("the response template is not carried")
    model = q.text("graderinfo", "the grader information") or q.text("generalfeedback", "the general feedback")
    fields = {"type": "open_response", **open_response_fields(model, q.text("questiontext", "the question text"))}
    fields["max_words"] = _number(q, "maxwordlimit") or MOODLE_NO_WORD_LIMIT
    return fields, notes


def cloze(q: Question) -> Fields:
    stem, gaps, notes = parse_cloze(raw_text(q.element.find("questiontext")), q.fmt)
    return {"type": "cloze", "stem": stem, "gaps": gaps}, notes


_GRADINGS = {
    "ALL_OR_NOTHING": "all_or_nothing", "-1": "all_or_nothing",
    "ABSOLUTE_POSITION": "absolute_position", "0": "absolute_position",
    "RELATIVE_NEXT_EXCLUDE_LAST": "relative_next", "1": "relative_next",
}  # fmt: skip


def ordering(q: Question) -> Fields:
    """qtype_ordering (core since Moodle 4.4): the answers in their right order."""
    grading = (q.element.findtext("gradingtype") or "RELATIVE_NEXT_EXCLUDE_LAST").strip().upper()
    if grading not in _GRADINGS:
        raise unsupported(f"ordering graded {grading} (AI4D grades all or nothing, by absolute position, or by "
                          "right next entries excluding the last)")  # fmt: skip
    entries = [formatted(a, q.fmt, f"answer {k}") for k, a in enumerate(q.answers(), start=1) if raw_text(a)]
    count = _number(q, "selectcount") or 0
    select = (q.element.findtext("selecttype") or "ALL").strip().upper()
    if select not in ("ALL", "0") and 0 < count < len(entries):
        raise unsupported(f"ordering that shows {count} of its {len(entries)} entries")
    ids = [chr(ord("a") + i) for i in range(len(entries))]
    notes = ["per-entry feedback is not carried"] if any(raw_text(a.find("feedback")) for a in q.answers()) else []
    return {
        "type": "ordering",
        "entries": [{"id": i, "text": t} for i, t in zip(ids, entries, strict=True)],
        "key": ids,
        "grading": _GRADINGS[grading],
    }, notes


READERS: dict[str, Callable[[Question], Fields]] = {
    "multichoice": multichoice,
    "truefalse": truefalse,
    "shortanswer": shortanswer,
    "numerical": numerical,
    "matching": matching,
    "match": matching,
    "essay": essay,
    "cloze": cloze,
    "multianswer": cloze,
    "ordering": ordering,
}
