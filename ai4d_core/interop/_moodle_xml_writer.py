"""Moodle XML export: items to a `<quiz>` that `parse_moodle_xml` (and Moodle) read back (losses: see moodle_xml).

Texts are written `markdown` (AI4D's text format), option and answer texts `plain_text`; grades must be
Moodle's, cloze part weights whole numbers; ordering items become qtype_ordering questions.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from ai4d_core.domain.items import (
    ClozeItem,
    Item,
    MatchingItem,
    MultipleChoiceItem,
    NumericItem,
    OpenResponseItem,
    OrderingItem,
    ShortAnswerItem,
    SingleChoiceItem,
    TrueFalseItem,
)
from ai4d_core.interop._cloze import format_cloze, weight_problems
from ai4d_core.interop._common import (
    PLACEHOLDER_EXPLANATION,
    PLACEHOLDER_MODEL_ANSWER,
    MoodleXmlError,
    category_path,
    number,
    numeric_bounds,
    percent,
)
from ai4d_core.interop._importing import grade_problems

_QTYPES = {
    "single_choice": "multichoice",
    "multiple_choice": "multichoice",
    "true_false": "truefalse",
    "short_answer": "shortanswer",
    "numeric": "numerical",
    "matching": "matching",
    "open_response": "essay",
    "cloze": "cloze",
    "ordering": "ordering",
}
_GRADINGS = {
    "all_or_nothing": "ALL_OR_NOTHING",
    "absolute_position": "ABSOLUTE_POSITION",
    "relative_next": "RELATIVE_NEXT_EXCLUDE_LAST",
}


def _value(parent: ET.Element, tag: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = value
    return element


def _formatted(parent: ET.Element, tag: str, text: str, fmt: str = "markdown", **attrs: str) -> ET.Element:
    """`<tag format="markdown" ...><text>text</text></tag>`."""
    element = ET.SubElement(parent, tag, {"format": fmt, **attrs})
    _value(element, "text", text)
    return element


def _answer(question: ET.Element, weight: float, text: str, feedback: str = "") -> ET.Element:
    answer = _formatted(question, "answer", text, "plain_text", fraction=percent(weight))
    _formatted(answer, "feedback", feedback)
    return answer


def _choices(question: ET.Element, item: SingleChoiceItem | MultipleChoiceItem) -> None:
    _value(question, "single", "true" if isinstance(item, SingleChoiceItem) else "false")
    _value(question, "shuffleanswers", "true")
    _value(question, "answernumbering", "abc")
    if isinstance(item, MultipleChoiceItem):
        for option in item.options:
            _answer(question, option.weight, option.text, option.feedback)
        return
    wrong = -1 / (len(item.options) - 1) if item.negative_marking else 0.0
    for choice in item.options:
        _answer(question, 1.0 if choice.id == item.key else wrong, choice.text)


def _matching(question: ET.Element, item: MatchingItem) -> None:
    _value(question, "shuffleanswers", "true")
    targets = {t.id: t.text for t in item.targets}
    pairs = [(p.text, targets[item.key[p.id]]) for p in item.prompts]
    used = set(item.key.values())
    for prompt, target in pairs + [("", text) for tid, text in targets.items() if tid not in used]:
        sub = _formatted(question, "subquestion", prompt, "plain_text")
        _value(ET.SubElement(sub, "answer"), "text", target)


def _essay(question: ET.Element, item: OpenResponseItem) -> None:
    for tag, value in (("responseformat", "editor"), ("responserequired", "1"), ("responsefieldlines", "10")):
        _value(question, tag, value)
    _value(question, "minwordlimit", "")
    _value(question, "maxwordlimit", str(item.max_words))
    _value(question, "attachments", "0")
    _value(question, "attachmentsrequired", "0")
    model = "" if item.model_answer == PLACEHOLDER_MODEL_ANSWER else item.model_answer
    _formatted(question, "graderinfo", model)
    _formatted(question, "responsetemplate", "")


def _ordering(question: ET.Element, item: OrderingItem) -> None:
    entries = {e.id: e.text for e in item.entries}
    for tag, value in (("layouttype", "VERTICAL"), ("selecttype", "ALL"), ("selectcount", "0")):
        _value(question, tag, value)
    _value(question, "gradingtype", _GRADINGS[item.grading])
    _value(question, "showgrading", "SHOW")
    _value(question, "numberingstyle", "none")
    for position, entry_id in enumerate(item.key, start=1):
        _formatted(question, "answer", entries[entry_id], "plain_text", fraction=str(position))


def _body(question: ET.Element, item: Item) -> None:
    """The type-specific elements of a question."""
    if isinstance(item, SingleChoiceItem | MultipleChoiceItem):
        _choices(question, item)
    elif isinstance(item, TrueFalseItem):
        _answer(question, 1.0 if item.key else 0.0, "true")
        _answer(question, 0.0 if item.key else 1.0, "false")
    elif isinstance(item, ShortAnswerItem):
        _value(question, "usecase", "1" if item.case_sensitive else "0")
        for accepted in item.answers:
            _answer(question, accepted.weight, accepted.text, accepted.feedback)
    elif isinstance(item, NumericItem):
        for numeric in item.answers:
            value, tolerance = numeric_bounds(numeric)
            _value(_answer(question, numeric.weight, number(value), numeric.feedback), "tolerance", number(tolerance))
    elif isinstance(item, MatchingItem):
        _matching(question, item)
    elif isinstance(item, OpenResponseItem):
        _essay(question, item)
    elif isinstance(item, OrderingItem):
        _ordering(question, item)


def to_moodle_xml(items: Iterable[Item], *, skip_unsupported: bool = False) -> str:
    """Items as a Moodle XML `<quiz>`: a category question per change of topic; each question named and
    id-numbered with the item id, its texts in `markdown` format.

    Items Moodle cannot take (SQL questions, weights that are not Moodle's grades, cloze weights that are not
    whole) raise a `MoodleXmlError` naming them, or are left out with `skip_unsupported=True`.
    """
    quiz = ET.Element("quiz")
    quiz.append(ET.Comment(" Exported by AI4D. Each idnumber is the item id; each category, its topic. "))
    problems: list[str] = []
    topic = None
    for item in items:
        qtype = _QTYPES.get(item.type)
        if qtype is None:
            problems.append(f"item {item.id!r}: Moodle XML export does not carry {item.type} items")
            continue
        if bad := grade_problems(item) + (weight_problems(item) if isinstance(item, ClozeItem) else []):
            problems.extend(bad)
            continue
        if item.topic != topic:
            topic = item.topic
            category = ET.SubElement(quiz, "question", type="category")
            _value(ET.SubElement(category, "category"), "text", category_path(topic))
        question = ET.SubElement(quiz, "question", type=qtype)
        _value(ET.SubElement(question, "name"), "text", item.id)
        _formatted(question, "questiontext", format_cloze(item) if isinstance(item, ClozeItem) else item.stem)
        explanation = "" if item.explanation == PLACEHOLDER_EXPLANATION else item.explanation
        _formatted(question, "generalfeedback", explanation)
        for tag, value in (("defaultgrade", "1"), ("penalty", "0.3333333"), ("hidden", "0"), ("idnumber", item.id)):
            _value(question, tag, value)
        _body(question, item)
        if item.tags:
            tags = ET.SubElement(question, "tags")
            for tag_text in item.tags:
                _value(ET.SubElement(tags, "tag"), "text", tag_text)
    if problems and not skip_unsupported:
        raise MoodleXmlError(problems)
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"
