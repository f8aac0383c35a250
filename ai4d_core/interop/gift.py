"""Moodle GIFT import, read as Moodle's qformat_gift reads it (export: `to_gift`, in `_gift_writer`). Pure.

Questions are separated by blank lines. Whole-line `//` comments are skipped, except that `[id:...]` and
`[tag:...]` in a question's comments give its idnumber and tags, as in Moodle (`\\]` escapes `]`). A block
`$CATEGORY: path` sets the topic of the questions after it (the last path segment, slugified). A question is
`::title::` (optional), a stem, and an answer block `{...}` (text after the block makes a "missing word" stem,
`_____` where the block was). `####text` ends the block with the general feedback (the explanation, and an
essay's model answer); `#feedback` follows an answer. Escapes: `\\~ \\= \\# \\{ \\} \\: \\\\` and `\\n`.

* `{=right ~wrong ~%50%half}` single_choice (one 100% answer); `{~%50%a ~%50%b ~%-100%c}` multiple_choice
  (no `=`: the grades are the option weights); `{T}` `{TRUE}` `{F}` `{FALSE}` true_false;
* `{=a =%50%b =%0%*#catch-all}` short_answer (`*` is a wildcard; answers worth 0% are left out, they score 0);
* `{=a -> 1 =b -> 2 = -> extra}` matching; `{#3.14:0.01}`, `{#1..5}`, `{#=3:0 =%50%3:1 ~#other}` numeric;
* `{}` open_response (essay).

Grades must be Moodle's (`GRADE_LIST` in `_importing`): `%33%` refuses the file, as Moodle does, unless
`match_grades="nearest"`. A text's format prefix (`[html]`, `[moodle]`, `[plain]`, `[markdown]`) sets how it
becomes AI4D text (see `_text`); the stem's format is the default of the other texts of its question.
An item's id is the idnumber when a valid id, else the title (tags dropped as Moodle does, slugified), else
`gift-<hash of the stem>`; an idnumber that is no valid id is kept as the tag `moodle-idnumber:<idnumber>`.
Duplicates get `-2`, `-3`...

What AI4D cannot carry, and so refuses (or leaves out with `skip_unsupported=True`, listed in `skipped`):
descriptions (no answer block), questions without text, images, media and files, several 100% answers in a
one-answer question, multiple-answer grades not adding up to 100%, numerical answers `*` worth marks, numerical
questions without a 100% answer, and anything beyond the limits of an AI4D item (say 9 options, or two alike).
What imports but is not carried (listed per question in `notes`): per-answer feedback of single choice and
true/false, partial credit and penalties on the other answers of a one-answer question (penalties become AI4D's
-1/(n-1) when every wrong answer has one), answers worth 0% and their feedback (the `*` catch-all), negative
grades of short and numerical answers, the "first matching answer" rule when answers are not in decreasing order
of grade. Never carried: level, difficulty, subtopic, version (the caller's defaults).
Where Moodle's own reading is an accident, AI4D refuses with the reason: a numerical answer that is no number
(Moodle stores `*`, accepting anything), a second `{...}` block or an unescaped brace in a text, and lines after
`$CATEGORY:` in the same block (Moodle reads them as part of the category name). Lines keep their indentation.
Moodle refuses, and so does AI4D: a file without any question, braces that do not pair, fewer than two choices or
pairs, a pair without `->`, a weight or margin that is no number, a grade not in Moodle's list, a short answer
without a 100% answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ai4d_core.domain.item_base import ItemStatus
from ai4d_core.domain.items import Item
from ai4d_core.interop import _gift_answers as answers
from ai4d_core.interop._common import (
    MOODLE_NO_WORD_LIMIT,
    GiftError,
    ImportOptions,
    open_response_fields,
    topic_from_category,
)
from ai4d_core.interop._gift_writer import to_gift
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

_PROTECT = {"\\": "\ue000", "~": "\ue001", "=": "\ue002", "#": "\ue003", "{": "\ue004", "}": "\ue005", ":": "\ue006"}
_RESTORE = str.maketrans({v: k for k, v in _PROTECT.items()} | {"\ue007": "\n"})
_PRIVATE = dict.fromkeys(range(0xE000, 0xE008))
_ESCAPE = re.compile(r"\\([\\~=#{}:n])")
_TRUE_FALSE = re.compile(r"T|TRUE|F|FALSE")
_ID = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
_TAG = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f\x7f])+)\]")
BLANK = "_____"


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


@dataclass
class _Block:
    lines: list[tuple[int, str]] = field(default_factory=list)  # comment lines blanked, as Moodle does
    comments: list[str] = field(default_factory=list)

    @property
    def first(self) -> int:
        return next((n for n, line in self.lines if line.strip()), self.lines[0][0])

    def line_at(self, offset: int) -> int:
        """The file line of a character offset of the block's joined (stripped) text."""
        text = "\n".join(line for _, line in self.lines)
        offset += len(text) - len(text.lstrip())
        seen = 0
        for number, line in self.lines:
            seen += len(line) + 1
            if offset < seen:
                return number
        return self.lines[-1][0]


def _blocks(text: str) -> list[_Block]:
    text = text.removeprefix("\ufeff").translate(_PRIVATE)  # the placeholders must not come from the text
    protected = _ESCAPE.sub(lambda m: "\ue007" if m.group(1) == "n" else _PROTECT[m.group(1)], text)
    blocks, current = [], _Block()
    for number, line in enumerate(protected.splitlines(), start=1):
        if not line.strip():
            if current.lines:
                blocks.append(current)
            current = _Block()
        elif line.strip().startswith("//"):
            current.comments.append(_restore(line.strip()))
            current.lines.append((number, ""))
        else:
            current.lines.append((number, line))
    if current.lines:
        blocks.append(current)
    return [b for b in blocks if any(line.strip() for _, line in b.lines)]


def idnumber_and_tags(comments: str) -> tuple[str, list[str]]:
    """The idnumber (the first `[id:...]`) and the tags (`[tag:...]`) of a question's comments, as Moodle reads
    them: trimmed, `\\]` for `]`, never across a line break."""
    found = _ID.search(comments)
    idnumber = found.group(1).strip().replace("\\]", "]") if found else ""
    tags = [t.strip().replace("\\]", "]") for t in _TAG.findall(comments)]
    return idnumber, list(dict.fromkeys(t for t in tags if t))


@dataclass(frozen=True)
class _Question:
    title: str | None
    fields: dict[str, Any]
    notes: list[str]


def _question(block: _Block, topic: str, options: ImportOptions, grades: MatchGrades) -> _Question:
    """The question of a block; a QuestionError about its answers names the line of its `{`."""
    full = "\n".join(line for _, line in block.lines).strip()
    text = full
    title = None
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            text = text[2:]
        else:
            title, text = _restore(text[2:end]).strip() or None, text[end + 2 :].strip()
    start, end = text.find("{"), text.find("}")
    try:
        return _answered(text, start, end, title, topic, options, grades)
    except QuestionError as exc:
        brace = start if start >= 0 else end
        exc.line = block.line_at(len(full) - len(text) + brace) if brace >= 0 else None
        raise


def _answered(
    text: str, start: int, end: int, title: str | None, topic: str, options: ImportOptions, grades: MatchGrades
) -> _Question:
    if start < 0 and end < 0:
        raise unsupported("a description (text without an answer block {...}) is no question")
    if start < 0 or end < start:
        raise QuestionError("braces do not pair: escape a brace in a text as \\{ or \\}")
    answertext = text[start + 1 : end].strip()
    stem_raw = text[:start] + ("" if text.endswith("}") else BLANK) + text[end + 1 :]
    if "{" in stem_raw or "}" in stem_raw:
        raise QuestionError("more than one answer block {...}, or an unescaped brace in the text (Moodle would keep "
                      "the second block in the question text)")  # fmt: skip
    general = ""
    if (split := answertext.rfind("####")) >= 0:
        answertext, general = answertext[:split].strip(), answertext[split + 4 :]
    fmt = answers.with_format(stem_raw.strip(), "moodle", _restore)[0]
    stem = answers.text_of(stem_raw.strip(), "moodle", _restore, "the question text")
    explanation = answers.text_of(general.strip(), fmt, _restore, "the general feedback")
    if not stem:
        raise unsupported("a question without text (an AI4D item needs a stem)")
    notes: list[str] = []
    if not answertext:
        fields: dict[str, Any] = {
            "type": "open_response",
            **open_response_fields(explanation, stem),
            "max_words": MOODLE_NO_WORD_LIMIT,
        }
    elif answertext.startswith("#"):
        fields, notes = answers.numerical(answertext, fmt, _restore, grades)
    elif "~" in answertext:
        fields, notes = answers.multichoice(answertext, fmt, _restore, grades)
    elif "=" in answertext and "->" in answertext:
        fields, notes = answers.matching(answertext, fmt, _restore)
    elif _TRUE_FALSE.fullmatch(answertext.split("#", 1)[0].strip()):
        fields, notes = answers.truefalse(answertext, _restore)
    else:
        fields, notes = answers.shortanswer(answertext, fmt, _restore, grades)
    return _Question(title, options.common("", topic, stem, explanation) | fields, notes)


def read_gift(
    text: str,
    *,
    default_topic: str = "imported",
    default_level: int = 1,
    status: ItemStatus = ItemStatus.PROVISIONAL,
    language: str = "en",
    match_grades: MatchGrades = "error",
    skip_unsupported: bool = False,
) -> BankImport:
    """Every question of a GIFT file as a validated item, in file order, with what was left out and what the
    items do not carry; a `GiftError` refuses the whole file, naming each problem's line and question."""
    options = ImportOptions("gift", default_topic, default_level, status, language)
    gathered = Gatherer(GiftError, "gift", skip_unsupported)
    topic = options.default_topic
    blocks = _blocks(text)
    if not blocks:
        raise GiftError([f"file: {NO_QUESTIONS}"])
    for block in blocks:
        body = "\n".join(line for _, line in block.lines).strip()
        if body.startswith("$CATEGORY:"):
            category = _restore(body.removeprefix("$CATEGORY:")).strip()
            if "\n" in category:
                gathered.refused(block.first, f"line {block.first}", QuestionError(
                    "a $CATEGORY line needs a blank line after it (Moodle reads the lines below it as part of "
                    "the category name)"))  # fmt: skip
            topic = topic_from_category(category, options.default_topic)
            continue
        title = _title_of(body)
        where = f"line {block.first}" + (f" ({title!r})" if title else "")
        try:
            question = _question(block, topic, options, match_grades)
        except QuestionError as exc:
            line = exc.line or block.first
            gathered.refused(line, f"line {line}" + (f" ({title!r})" if title else ""), exc)
            continue
        idnumber, tags = idnumber_and_tags("\n".join(block.comments))
        fields = question.fields | {"tags": tuple(tags)}
        gathered.drafts.append(Draft(block.first, where, title, idnumber, fields))
        gathered.note(where, question.notes)
    return gathered.result()


def _title_of(body: str) -> str | None:
    end = body.find("::", 2) if body.startswith("::") else -1
    return (question_name(_restore(body[2:end])) or None) if end > 0 else None


def parse_gift(
    text: str,
    *,
    default_topic: str = "imported",
    default_level: int = 1,
    status: ItemStatus = ItemStatus.PROVISIONAL,
    language: str = "en",
    match_grades: MatchGrades = "error",
    skip_unsupported: bool = False,
) -> list[Item]:
    """The items of `read_gift` (a `GiftError` refuses the whole file)."""
    return read_gift(
        text,
        default_topic=default_topic,
        default_level=default_level,
        status=status,
        language=language,
        match_grades=match_grades,
        skip_unsupported=skip_unsupported,
    ).items


__all__ = ["BLANK", "GiftError", "idnumber_and_tags", "parse_gift", "read_gift", "to_gift"]
