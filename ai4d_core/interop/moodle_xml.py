"""Moodle XML import (export: `to_moodle_xml`, in `_moodle_xml_writer`). Pure: text in, items out.

Parsed with defusedxml, DTDs forbidden: a `<!DOCTYPE>` (so any entity, internal or external, and any
"billion laughs") refuses the file. Question types read: `category` (sets the topic of the questions after it: the
last path segment, slugified), `multichoice` (`<single>true</single>`: single_choice, keyed by the answer of
fraction 100, negative marking when every wrong answer has a negative fraction; `false`: multiple_choice with the
fractions as weights), `truefalse`, `shortanswer` (`<usecase>`), `numerical` (answer ± `<tolerance>`), `matching`
(subquestions; one with no text is a distractor), `essay` (`<graderinfo>` is the model answer, `<maxwordlimit>`
the word limit) and `cloze`/`multianswer` (embedded answers, see `_cloze`). `description` questions are skipped.
`<generalfeedback>` is the explanation; `<tags>` the tags; `<idnumber>`, when a valid id, the id (the export
writes it), else the `<name>` as in GIFT. HTML texts become plain text.

Not carried: partial credit on a single-answer question's wrong options, answers worth nothing in short answer
and numerical questions (catch-all feedback), per-option feedback of single choice and true/false, units,
penalties, level, difficulty, subtopic, version; numeric ranges and relative tolerances are written as
value ± absolute tolerance. Any problem refuses the whole file with a `MoodleXmlError` naming the question.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ai4d_core.domain.item_base import ItemStatus
from ai4d_core.domain.items import Item
from ai4d_core.interop._cloze import ClozeSyntaxError, parse_cloze
from ai4d_core.interop._common import (
    ID_PATTERN,
    ImportOptions,
    MoodleXmlError,
    derive_id,
    html_to_text,
    open_response_fields,
    topic_from_category,
    unique_ids,
    validate,
    weight_from_percent,
)
from ai4d_core.interop._moodle_xml_writer import to_moodle_xml


class _QuestionError(Exception):
    """A problem inside one question; the caller prefixes where it is."""


def _text(element: ET.Element | None) -> str:
    """The `<text>` of a formatted field (`<questiontext format="html"><text>...`), as plain text."""
    if element is None:
        return ""
    raw = element.findtext("text") or ""
    return html_to_text(raw) if element.get("format", "") == "html" else raw.strip()


def _field(question: ET.Element, tag: str) -> str:
    return _text(question.find(tag))


def _flag(question: ET.Element, tag: str, default: bool) -> bool:
    raw = (question.findtext(tag) or "").strip().casefold()
    return default if not raw else raw in {"1", "true", "yes"}


def _answers(question: ET.Element) -> list[tuple[float, str, str, ET.Element]]:
    """(weight, text, feedback, element) of each `<answer>`."""
    found = []
    for k, answer in enumerate(question.findall("answer"), start=1):
        raw = answer.get("fraction", "0")
        try:
            weight = weight_from_percent(raw)
        except ValueError:
            raise _QuestionError(f"answer {k} fraction {raw!r} is not a number between -100 and 100") from None
        found.append((weight, _text(answer), _field(answer, "feedback"), answer))
    if not found:
        raise _QuestionError("has no <answer>")
    return found


def _multichoice(question: ET.Element, stem: str) -> dict[str, Any]:
    answers = _answers(question)
    ids = [chr(ord("a") + i) for i in range(len(answers))]
    if not _flag(question, "single", default=True):
        options = [
            {"id": i, "text": t, "weight": w, "feedback": f} for i, (w, t, f, _) in zip(ids, answers, strict=True)
        ]
        return {"type": "multiple_choice", "options": options}
    keys = [i for i, (weight, *_) in zip(ids, answers, strict=True) if weight == 1]
    if len(keys) != 1:
        raise _QuestionError(f"a single-answer question needs exactly one answer of fraction 100, found {len(keys)}")
    wrong = [weight for weight, *_ in answers if weight != 1]
    return {
        "type": "single_choice",
        "options": [{"id": i, "text": text} for i, (_, text, _, _) in zip(ids, answers, strict=True)],
        "key": keys[0],
        "negative_marking": bool(wrong) and all(w < 0 for w in wrong),
    }


def _truefalse(question: ET.Element, stem: str) -> dict[str, Any]:
    right = [text.casefold() for weight, text, *_ in _answers(question) if weight == 1]
    if len(right) != 1 or right[0] not in {"true", "false"}:
        raise _QuestionError("needs one answer 'true' or 'false' of fraction 100")
    return {"type": "true_false", "key": right[0] == "true"}


def _shortanswer(question: ET.Element, stem: str) -> dict[str, Any]:
    accepted = [{"text": t, "weight": w, "feedback": f} for w, t, f, _ in _answers(question) if w > 0]
    return {"type": "short_answer", "answers": accepted, "case_sensitive": _flag(question, "usecase", False)}


def _float(raw: str | None, what: str) -> float:
    try:
        return float((raw or "0").strip())
    except ValueError:
        raise _QuestionError(f"{what} {raw!r} is not a number") from None


def _numerical(question: ET.Element, stem: str) -> dict[str, Any]:
    found = []
    for k, (weight, text, feedback, answer) in enumerate(_answers(question), start=1):
        if weight > 0:
            value = _float(text, f"answer {k} value")
            tolerance = _float(answer.findtext("tolerance"), f"answer {k} tolerance")
            found.append({"value": value, "tolerance": tolerance, "weight": weight, "feedback": feedback})
    return {"type": "numeric", "answers": found}


def _matching(question: ET.Element, stem: str) -> dict[str, Any]:
    prompts: list[dict[str, str]] = []
    targets: dict[str, str] = {}  # text -> id
    key: dict[str, str] = {}
    for k, sub in enumerate(question.findall("subquestion"), start=1):
        target = _text(sub.find("answer"))
        if not target:
            raise _QuestionError(f"subquestion {k} has no answer text")
        target_id = targets.setdefault(target, f"t{len(targets) + 1}")
        if prompt := _text(sub):
            prompts.append({"id": f"p{len(prompts) + 1}", "text": prompt})
            key[prompts[-1]["id"]] = target_id
    targets_list = [{"id": i, "text": t} for t, i in targets.items()]
    return {"type": "matching", "prompts": prompts, "targets": targets_list, "key": key}


def _essay(question: ET.Element, stem: str) -> dict[str, Any]:
    fields = open_response_fields(_field(question, "graderinfo") or _field(question, "generalfeedback"), stem)
    raw = (question.findtext("maxwordlimit") or "").strip()
    if raw:
        if not raw.isdigit():
            raise _QuestionError(f"maxwordlimit {raw!r} is not a whole number")
        fields["max_words"] = int(raw)
    return {"type": "open_response", **fields}


def _cloze(question: ET.Element, stem: str) -> dict[str, Any]:
    try:
        new_stem, gaps = parse_cloze(stem)
    except ClozeSyntaxError as exc:
        raise _QuestionError(str(exc)) from None
    return {"type": "cloze", "stem": new_stem, "gaps": gaps}


_READERS: dict[str, Callable[[ET.Element, str], dict[str, Any]]] = {
    "multichoice": _multichoice,
    "truefalse": _truefalse,
    "shortanswer": _shortanswer,
    "numerical": _numerical,
    "matching": _matching,
    "essay": _essay,
    "cloze": _cloze,
    "multianswer": _cloze,
}


def _root(text: str | bytes) -> ET.Element:
    try:
        root: ET.Element = SafeET.fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        reason = "Moodle XML needs no DTD or entity, and they carry entity-expansion and external-entity attacks"
        raise MoodleXmlError([f"document: refused ({type(exc).__name__}): {reason}"]) from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise MoodleXmlError([f"line {line}, column {column}: not well-formed XML ({exc.msg})"]) from None
    if root.tag != "quiz":
        raise MoodleXmlError([f"root element <{root.tag}>: a Moodle XML file has <quiz>"])
    return root


def parse_moodle_xml(
    text: str | bytes,
    *,
    default_topic: str = "imported",
    default_level: int = 1,
    status: ItemStatus = ItemStatus.PROVISIONAL,
    language: str = "en",
) -> list[Item]:
    """Every question of a Moodle XML file as a validated item, in file order; a `MoodleXmlError` refuses the
    whole file."""
    options = ImportOptions("moodle_xml", default_topic, default_level, status, language)
    root = _root(text)
    problems: list[tuple[int, str]] = []
    drafts: list[tuple[int, str, str, dict[str, Any]]] = []
    topic = options.default_topic
    for n, question in enumerate(root.findall("question"), start=1):
        qtype = question.get("type", "")
        name = (question.findtext("name/text") or "").strip()
        where = f"question #{n} ({qtype} {name!r})" if name else f"question #{n} ({qtype or 'no type'})"
        if qtype == "category":
            topic = topic_from_category(question.findtext("category/text") or "", options.default_topic)
            continue
        if qtype == "description":
            continue
        reader = _READERS.get(qtype)
        if reader is None:
            problems.append((n, f"{where}: question type {qtype!r} is not supported"))
            continue
        stem = _field(question, "questiontext")
        try:
            fields = {"stem": stem, **reader(question, stem)}
        except _QuestionError as exc:
            problems.append((n, f"{where}: {exc}"))
            continue
        idnumber = (question.findtext("idnumber") or "").strip()
        tags = tuple(t for t in (_text(tag) for tag in question.findall("tags/tag")) if t)
        common = options.common("", topic, fields["stem"], _field(question, "generalfeedback"))
        title = idnumber if ID_PATTERN.fullmatch(idnumber) else name
        drafts.append((n, where, title, common | {"tags": tags} | fields))
    ids = unique_ids(derive_id("moodle_xml", title, fields["stem"]) for *_, title, fields in drafts)
    items: list[Item] = []
    for (n, where, _, fields), item_id in zip(drafts, ids, strict=True):
        result = validate({**fields, "id": item_id}, where)
        if isinstance(result, str):
            problems.append((n, result))
        else:
            items.append(result)
    if problems:
        raise MoodleXmlError(message for _, message in sorted(problems))
    return items


__all__ = ["MoodleXmlError", "parse_moodle_xml", "to_moodle_xml"]
