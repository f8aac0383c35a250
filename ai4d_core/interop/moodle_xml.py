"""Moodle XML import, read as Moodle's qformat_xml reads it (export: `to_moodle_xml`, in `_moodle_xml_writer`).

Parsed with defusedxml, DTDs forbidden: a `<!DOCTYPE>` (so any entity, internal or external, and any "billion
laughs") refuses the file. Question types read (see `_xml_readers`): `category` (sets the topic of the questions
after it: the last path segment, slugified), `multichoice` (`<single>` true, Moodle's default: single_choice
keyed by the 100% answer; false: multiple_choice, the grades as weights), `truefalse`, `shortanswer`
(`<usecase>`), `numerical` (value ± `<tolerance>`), `matching` (a subquestion without text is a distractor),
`essay` (`<graderinfo>` the model answer, `<maxwordlimit>` the word limit), `cloze`/`multianswer` (embedded
answers, see `_cloze`) and `ordering` (qtype_ordering: the answers in their right order).
Texts follow Moodle's formats per element: a `<questiontext>` without `format` is html (entities decoded, tags
dropped: see `_text`); the other texts default to the question text's format. Grades must be Moodle's
(`GRADE_LIST` in `_importing`; `fraction="33"` refuses the file, as Moodle does, unless
`match_grades="nearest"`). `<generalfeedback>` is the explanation; `<tags>` and `<coursetags>` the tags;
`<idnumber>`, when a valid id, the id (the export writes it), else the `<name>` (tags dropped, as Moodle does) as
in GIFT, and an idnumber that is no valid id is kept as the tag `moodle-idnumber:<idnumber>`.

What AI4D cannot carry, and so refuses (or leaves out with `skip_unsupported=True`, listed in `skipped`):
`description` questions, calculated (simple, multi), drag-and-drop, select-missing-words, random and plugin
types, attached files (`<file>`, `@@PLUGINFILE@@`), images and media, numerical units with multipliers,
essays needing attached files, several 100% answers in a one-answer question, multiple-answer grades not
adding up to 100%, questions without a reachable 100%, ordering graded otherwise than all or nothing, absolute
position or next entries, or showing a subset, and anything beyond the limits of an AI4D item (say 9 options,
two alike, a matching question of one pair, a word limit under 10). Imported but not carried (listed per
question in `notes`): per-answer feedback of single choice and true/false, partial credit and penalties on the
other answers of a one-answer question, answers worth 0% or less of short answer and numerical questions (the
`*` catch-all), hints, attachments allowed, minimum word counts and response templates of essays, a single unit;
never carried: combined feedback, penalties for retries, default marks, level, difficulty, subtopic, version.
Moodle refuses, and so does AI4D: a file without any question, bytes that are not UTF-8, a question without
`<name>` (but cloze), XML that is not well formed, fractions that are no numbers or not Moodle's grades, a short
answer without a 100% answer, a numerical answer that is no number, cloze texts Moodle's validation refuses.
Each problem names its question (number and name).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ai4d_core.domain.item_base import ItemStatus
from ai4d_core.domain.items import Item
from ai4d_core.interop._common import ImportOptions, MoodleXmlError, topic_from_category
from ai4d_core.interop._importing import (
    NO_QUESTIONS,
    BankImport,
    Draft,
    Gatherer,
    MatchGrades,
    QuestionError,
    question_name,
    unsupported,
)
from ai4d_core.interop._moodle_xml_writer import to_moodle_xml
from ai4d_core.interop._xml_readers import READERS, Question, raw_text, text_format

_KNOWN_ELSEWHERE = {
    "description": "a description is no question",
    "calculated": "calculated questions (values drawn from datasets)",
    "calculatedsimple": "calculated questions (values drawn from datasets)",
    "calculatedmulti": "calculated questions (values drawn from datasets)",
    "random": "a random question drawn from a category",
    "randomsamatch": "random short-answer matching",
    "ddwtos": "drag-and-drop into text",
    "ddimageortext": "drag-and-drop onto an image",
    "ddmarker": "drag-and-drop markers",
    "gapselect": "select missing words",
}


def _root(text: str | bytes) -> ET.Element:
    if isinstance(text, bytes):
        try:
            text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MoodleXmlError([f"document: byte {exc.start} is not UTF-8 (Moodle refuses it too: Moodle XML files "
                                  "must use UTF-8)"]) from None  # fmt: skip
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


def _fields(element: ET.Element, qtype: str, grades: MatchGrades) -> tuple[dict[str, Any], list[str]]:
    if element.find("name/text") is None and qtype not in ("cloze", "multianswer"):  # cloze: a default name
        raise QuestionError("has no <name> (Moodle refuses it too: missing question name in XML file)")
    if qtype in _KNOWN_ELSEWHERE:
        raise unsupported(_KNOWN_ELSEWHERE[qtype])
    reader = READERS.get(qtype)
    if reader is None:
        raise unsupported(f"question type {qtype!r} (a Moodle plugin or an unknown type)")
    if (element.findtext("image_base64") or "").strip() and (element.findtext("image") or "").strip():
        raise unsupported("an image (the old <image> element)")  # Moodle reads it only with both parts
    fmt = text_format(element.find("questiontext"), "html")
    question = Question(element, fmt, grades)
    stem = question.text("questiontext", "the question text")
    fields, notes = reader(question)
    if any(raw_text(hint) for hint in element.findall("hint")):
        notes.append("hints are not carried")
    explanation = question.text("generalfeedback", "the general feedback")
    return {"stem": stem, "explanation": explanation} | fields, notes


def read_moodle_xml(
    text: str | bytes,
    *,
    default_topic: str = "imported",
    default_level: int = 1,
    status: ItemStatus = ItemStatus.PROVISIONAL,
    language: str = "en",
    match_grades: MatchGrades = "error",
    skip_unsupported: bool = False,
) -> BankImport:
    """Every question of a Moodle XML file as a validated item, in file order, with what was left out and what
    the items do not carry; a `MoodleXmlError` refuses the whole file, naming each problem's question."""
    options = ImportOptions("moodle_xml", default_topic, default_level, status, language)
    root = _root(text)
    gathered = Gatherer(MoodleXmlError, "moodle_xml", skip_unsupported)
    topic = options.default_topic
    questions = root.findall("question")
    if not questions:
        raise MoodleXmlError([f"document: {NO_QUESTIONS}"])
    for n, element in enumerate(questions, start=1):
        qtype = element.get("type", "").strip()
        name = question_name(element.findtext("name/text") or "")
        where = f"question #{n} ({qtype} {name!r})" if name else f"question #{n} ({qtype or 'no type'})"
        if qtype == "category":
            topic = topic_from_category(element.findtext("category/text") or "", options.default_topic)
            continue
        try:
            fields, notes = _fields(element, qtype, match_grades)
        except QuestionError as exc:
            gathered.refused(n, where, exc)
            continue
        stem, explanation = str(fields.pop("stem")), str(fields.pop("explanation"))
        found = element.findall("coursetags/tag") + element.findall("tags/tag")  # Moodle merges course tags in
        tags = tuple(dict.fromkeys(t for t in (raw_text(tag) for tag in found) if t))
        common = options.common("", topic, stem, explanation) | {"tags": tags}
        idnumber = (element.findtext("idnumber") or "").strip()
        gathered.drafts.append(Draft(n, where, name, idnumber, common | fields))
        gathered.note(where, notes)
    return gathered.result()


def parse_moodle_xml(
    text: str | bytes,
    *,
    default_topic: str = "imported",
    default_level: int = 1,
    status: ItemStatus = ItemStatus.PROVISIONAL,
    language: str = "en",
    match_grades: MatchGrades = "error",
    skip_unsupported: bool = False,
) -> list[Item]:
    """The items of `read_moodle_xml` (a `MoodleXmlError` refuses the whole file)."""
    return read_moodle_xml(
        text,
        default_topic=default_topic,
        default_level=default_level,
        status=status,
        language=language,
        match_grades=match_grades,
        skip_unsupported=skip_unsupported,
    ).items


__all__ = ["MoodleXmlError", "parse_moodle_xml", "read_moodle_xml", "to_moodle_xml"]
