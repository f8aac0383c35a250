"""Moodle GIFT import (export: `to_gift`, in `_gift_writer`). Pure: text in, items out.

Questions are separated by blank lines; whole-line `//` comments are skipped; `$CATEGORY: path` sets the topic of
the questions after it (the last path segment, slugified). A question is `::title::` (optional), a stem and one
answer block `{...}` (text after the block makes a "missing word" stem, with `_____` where the block was):

* `{=right ~wrong}` single_choice (one `=`; `~%-50%` weights on every wrong option turn negative marking on);
* `{~%50%a ~%50%b ~%-100%c}` multiple_choice (no `=`: weights, as Moodle's "several answers");
* `{T}` `{TRUE}` `{F}` `{FALSE}` true_false; `{=a =%50%b}` short_answer; `{=a -> 1 =b -> 2 = -> extra}` matching;
* `{#3.14:0.01}`, `{#1..5}`, `{#=3.14:0.01 =%50%3:1}` numeric; `{}` open_response (essay).

`#feedback` follows an answer; `####text` ends the block with the general feedback, which becomes the
explanation (and an essay's model answer). Escapes: `\\~ \\= \\# \\{ \\} \\: \\\\` and `\\n` (a new line).
An item's id is its title when that is a valid id (the export writes the id as the title), else the title's
slug, else `gift-<hash of the stem>`; duplicates in one file get `-2`, `-3`...

What GIFT cannot carry is lost: per-option feedback of single choice and true/false, partial credit on the wrong
options of a single-answer question, the wrong-answer feedback `~` of numeric questions, case sensitivity (always
off), level, difficulty, subtopic, tags, version (the caller's `default_level`, and defaults, on import).
Any problem refuses the whole file with a `GiftError` naming the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ai4d_core.domain.item_base import ItemStatus
from ai4d_core.domain.items import Item
from ai4d_core.interop._common import (
    GiftError,
    ImportOptions,
    derive_id,
    html_to_text,
    numeric_spec,
    open_response_fields,
    topic_from_category,
    unique_ids,
    validate,
    weight_from_percent,
)
from ai4d_core.interop._gift_writer import to_gift

_PROTECT = {"\\": "\ue000", "~": "\ue001", "=": "\ue002", "#": "\ue003", "{": "\ue004", "}": "\ue005", ":": "\ue006"}
_RESTORE = str.maketrans({v: k for k, v in _PROTECT.items()} | {"\ue007": "\n"})
_PRIVATE = dict.fromkeys(range(0xE000, 0xE008))
_ESCAPE = re.compile(r"\\([\\~=#{}:n])")
_TITLE = re.compile(r"^\s*::(.*?)::", re.DOTALL)
_FORMAT = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]")
_TRUE_FALSE = re.compile(r"(T|TRUE|F|FALSE)\s*(#.*)?", re.DOTALL)
_WEIGHT = re.compile(r"\s*%([^%\n]*)%")
BLANK = "_____"


@dataclass
class _Block:
    lines: list[tuple[int, str]] = field(default_factory=list)

    @property
    def first(self) -> int:
        return self.lines[0][0]

    def line_at(self, offset: int) -> int:
        """The file line of a character offset of the block's joined text."""
        seen = 0
        for number, line in self.lines:
            seen += len(line) + 1
            if offset < seen:
                return number
        return self.lines[-1][0]


def _restore(text: str) -> str:
    return text.translate(_RESTORE).strip()


def _blocks(text: str) -> list[_Block]:
    text = text.removeprefix("\ufeff").translate(_PRIVATE)  # the placeholders must not come from the text
    protected = _ESCAPE.sub(lambda m: "\ue007" if m.group(1) == "n" else _PROTECT[m.group(1)], text)
    blocks, current = [], _Block()
    for number, line in enumerate(protected.splitlines(), start=1):
        if line.strip().startswith("//"):
            continue
        if line.strip():
            current.lines.append((number, line))
        elif current.lines:
            blocks.append(current)
            current = _Block()
    if current.lines:
        blocks.append(current)
    return blocks


class _QuestionError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def _entries(answers: str, line: int) -> list[tuple[str, float | None, str, str]]:
    """`=a#fb ~%50%b` -> [(mark, weight or None, text, feedback)...]; texts are restored (unescaped)."""
    head, *chunks = re.split(r"(?=[=~])", answers)
    if head.strip():
        raise _QuestionError(line, f"answer {_restore(head)!r} must start with '=' or '~'")
    entries = []
    for chunk in chunks:
        mark, body = chunk[0], chunk[1:]
        weight = None
        if match := _WEIGHT.match(body):
            try:
                weight = weight_from_percent(match.group(1))
            except ValueError:
                raise _QuestionError(line, f"weight %{_restore(match.group(1))}% is not a percentage") from None
            body = body[match.end() :]
        text, _, feedback = body.partition("#")
        entries.append((mark, weight, text, _restore(feedback)))
    return entries


def _choice(answers: str, line: int) -> dict[str, Any]:
    entries = _entries(answers, line)
    ids = [chr(ord("a") + i) for i in range(len(entries))]
    keys = [i for i, (mark, *_) in enumerate(entries) if mark == "="]
    if len(keys) > 1:
        raise _QuestionError(line, "several '=' answers: mark several right options with ~%n% weights instead")
    if keys:
        options = [{"id": ids[i], "text": _restore(e[2])} for i, e in enumerate(entries)]
        wrong = [e[1] for i, e in enumerate(entries) if i != keys[0]]
        negative = bool(wrong) and all(w is not None and w < 0 for w in wrong)
        return {"type": "single_choice", "options": options, "key": ids[keys[0]], "negative_marking": negative}
    weighted = [
        {"id": ids[i], "text": _restore(text), "weight": weight or 0.0, "feedback": feedback}
        for i, (_, weight, text, feedback) in enumerate(entries)
    ]
    return {"type": "multiple_choice", "options": weighted}


def _short_answer(answers: str, line: int) -> dict[str, Any]:
    entries = _entries(answers, line)
    accepted = [
        {"text": _restore(text), "weight": 1.0 if weight is None else weight, "feedback": feedback}
        for _, weight, text, feedback in entries
    ]
    return {"type": "short_answer", "answers": accepted}


def _matching(answers: str, line: int) -> dict[str, Any]:
    prompts: list[dict[str, str]] = []
    targets: dict[str, str] = {}  # text -> id
    key: dict[str, str] = {}
    for _, weight, text, _ in _entries(answers, line):
        if weight is not None:
            raise _QuestionError(line, "matching pairs take no %weight%")
        if "->" not in text:
            raise _QuestionError(line, f"matching pair {_restore(text)!r} has no '->'")
        prompt, _, target = (_restore(part) for part in text.partition("->"))
        target_id = targets.setdefault(target, f"t{len(targets) + 1}")
        if prompt:  # an empty prompt adds a distractor target
            prompts.append({"id": f"p{len(prompts) + 1}", "text": prompt})
            key[prompts[-1]["id"]] = target_id
    return {
        "type": "matching",
        "prompts": prompts,
        "targets": [{"id": i, "text": t} for t, i in targets.items()],
        "key": key,
    }


def _numeric_value(text: str, line: int) -> dict[str, float]:
    raw = _restore(text)
    try:
        return numeric_spec(raw)
    except ValueError:
        raise _QuestionError(line, f"numeric answer {raw!r} is not a number, number:tolerance or low..high") from None


def _numeric(answers: str, line: int) -> dict[str, Any]:
    answers = answers.strip()
    if not answers.startswith("="):
        value, _, feedback = answers.partition("~")[0].partition("#")
        return {"type": "numeric", "answers": [{**_numeric_value(value, line), "feedback": _restore(feedback)}]}
    found = [
        {**_numeric_value(text, line), "weight": 1.0 if weight is None else weight, "feedback": feedback}
        for mark, weight, text, feedback in _entries(answers, line)
        if mark == "="  # `~` gives the feedback of any other answer: not kept
    ]
    return {"type": "numeric", "answers": found}


def _question(block: _Block, category: str | None, options: ImportOptions) -> tuple[str | None, dict[str, Any]]:
    """(title, item fields without the id) of one question block."""
    text = "\n".join(line for _, line in block.lines)
    title = None
    if match := _TITLE.match(text):
        title, text = _restore(match.group(1)), text[match.end() :]
    offset = len("\n".join(line for _, line in block.lines)) - len(text)
    html = False
    if match := _FORMAT.match(text):
        html, text, offset = match.group(1) == "html", text[match.end() :], offset + match.end()
    start = text.find("{")
    if start < 0:
        raise _QuestionError(block.first, "no answer block {...} (descriptions are not items)")
    line = block.line_at(offset + start)
    end = text.find("}", start)
    if end < 0:
        raise _QuestionError(line, "the answer block opened here is never closed with '}'")
    inner, after = text[start + 1 : end], text[end + 1 :]
    if "{" in inner or "{" in after or "}" in after:
        raise _QuestionError(line, "more than one answer block, or an unescaped brace ({ or }) in a text")
    before, after = _restore(text[:start]), _restore(after)
    stem = f"{before} {BLANK} {after}" if after else before
    stem = html_to_text(stem) if html else stem
    if not stem:
        raise _QuestionError(block.first, "the question has no text")
    inner, _, general = inner.partition("####")
    explanation = _restore(general)
    answers = inner.strip()
    if not answers:
        fields = {"type": "open_response", **open_response_fields(explanation, stem)}
    elif answers.startswith("#"):
        fields = _numeric(answers[1:], line)
    elif match := _TRUE_FALSE.fullmatch(answers):
        fields = {"type": "true_false", "key": match.group(1).startswith("T")}
    elif "~" in answers:
        fields = _choice(answers, line)
    elif "->" in answers:
        fields = _matching(answers, line)
    else:
        fields = _short_answer(answers, line)
    topic = topic_from_category(category, options.default_topic) if category else options.default_topic
    return title, options.common("", topic, stem, explanation) | fields


def parse_gift(
    text: str,
    *,
    default_topic: str = "imported",
    default_level: int = 1,
    status: ItemStatus = ItemStatus.PROVISIONAL,
    language: str = "en",
) -> list[Item]:
    """Every question of a GIFT file as a validated item, in file order; a `GiftError` refuses the whole file."""
    options = ImportOptions("gift", default_topic, default_level, status, language)
    problems: list[tuple[int, str]] = []
    drafts: list[tuple[int, str | None, dict[str, Any]]] = []
    category: str | None = None
    for block in _blocks(text):
        first = block.lines[0][1].strip()
        if first.startswith("$CATEGORY:"):
            category = _restore(first.removeprefix("$CATEGORY:"))
            block.lines.pop(0)
            if not block.lines:
                continue
        try:
            drafts.append((block.first, *_question(block, category, options)))
        except _QuestionError as exc:
            problems.append((exc.line, str(exc)))
    ids = unique_ids(derive_id("gift", title, fields["stem"]) for _, title, fields in drafts)
    items: list[Item] = []
    for (line, title, fields), item_id in zip(drafts, ids, strict=True):
        name = f" ({title!r})" if title else ""
        result = validate({**fields, "id": item_id}, f"line {line}: {fields['type']} question{name}")
        if isinstance(result, str):
            problems.append((line, result))
        else:
            items.append(result)
    if problems:
        raise GiftError(message for _, message in sorted(problems))
    return items


__all__ = ["BLANK", "GiftError", "parse_gift", "to_gift"]
