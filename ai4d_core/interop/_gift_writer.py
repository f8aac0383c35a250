"""GIFT export: items to text that `parse_gift` (and Moodle) read back to the same items (losses: see `gift`).

Each question is titled with the item id and preceded by a comment `// [id:<id>] [tag:<tag>]...` (Moodle's
idnumber and tags); its texts are declared `[markdown]`, the text format of AI4D. Grades must be Moodle's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ai4d_core.domain.items import (
    Item,
    MatchingItem,
    MultipleChoiceItem,
    NumericAnswer,
    NumericItem,
    OpenResponseItem,
    ShortAnswerItem,
    SingleChoiceItem,
    TrueFalseItem,
)
from ai4d_core.interop._common import PLACEHOLDER_EXPLANATION, GiftError, category_path, number, percent
from ai4d_core.interop._importing import grade_problems

_SPECIAL = re.compile(r"([\\~=#{}:])")
_TAG_UNSAFE = re.compile(r"[<>\x00-\x1f\x7f]")


def _esc(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text).replace("\r\n", "\n").replace("\n", "\\n")


def _feedback(text: str) -> str:
    return f"#{_esc(text)}" if text else ""


def _weight(weight: float, full: float = 1.0) -> str:
    return "" if weight == full else f"%{percent(weight)}%"


def _numeric(answer: NumericAnswer) -> str:
    if answer.value is None:
        return f"{number(float(answer.low or 0))}..{number(float(answer.high or 0))}"
    tolerance = answer.tolerance * abs(answer.value) if answer.relative else answer.tolerance
    return f"{number(answer.value)}:{number(tolerance)}"


def _matching(item: MatchingItem) -> list[str]:
    targets = {t.id: t.text for t in item.targets}
    if any("->" in text for text in [p.text for p in item.prompts] + list(targets.values())):
        raise GiftError([f"item {item.id!r}: a matching text holds '->', which GIFT cannot escape"])
    lines = [f"={_esc(p.text)} -> {_esc(targets[item.key[p.id]])}" for p in item.prompts]
    used = set(item.key.values())
    return lines + [f"= -> {_esc(text)}" for tid, text in targets.items() if tid not in used]


def _comment(item: Item) -> str:
    """`// [id:...] [tag:...]`: Moodle reads the idnumber and the tags of a question from its comment."""
    if bad := [t for t in item.tags if _TAG_UNSAFE.search(t)]:
        raise GiftError([f"item {item.id!r}: tag {bad[0]!r} holds '<', '>' or a control character, which GIFT "
                         "cannot carry"])  # fmt: skip
    tags = "".join(" [tag:" + t.replace("]", "\\]") + "]" for t in item.tags)
    return f"// [id:{item.id}]{tags}\n"


def _answers(item: Item) -> list[str] | None:
    """The answer lines of an item's block; None for a type GIFT cannot carry."""
    if isinstance(item, SingleChoiceItem):
        wrong = f"%{percent(-1 / (len(item.options) - 1))}%" if item.negative_marking else ""
        return [f"={_esc(o.text)}" if o.id == item.key else f"~{wrong}{_esc(o.text)}" for o in item.options]
    if isinstance(item, MultipleChoiceItem):
        return [f"~{_weight(o.weight, 0.0)}{_esc(o.text)}{_feedback(o.feedback)}" for o in item.options]
    if isinstance(item, TrueFalseItem):
        return ["TRUE" if item.key else "FALSE"]
    if isinstance(item, ShortAnswerItem):
        return [f"={_weight(a.weight)}{_esc(a.text)}{_feedback(a.feedback)}" for a in item.answers]
    if isinstance(item, NumericItem):
        if len(item.answers) == 1 and item.answers[0].weight == 1:
            return [f"#{_numeric(item.answers[0])}{_feedback(item.answers[0].feedback)}"]
        return ["#"] + [f"={_weight(a.weight)}{_numeric(a)}{_feedback(a.feedback)}" for a in item.answers]
    if isinstance(item, MatchingItem):
        return _matching(item)
    if isinstance(item, OpenResponseItem):
        return []
    return None  # ordering, cloze, sql_query


def to_gift(items: Iterable[Item], *, skip_unsupported: bool = False) -> str:
    """Items as a GIFT file: a `$CATEGORY:` line per change of topic, each item titled with its id.

    Items GIFT cannot carry (ordering, cloze and SQL questions, weights that are not Moodle's grades, tags with
    `<`, `>` or control characters) raise a `GiftError` naming them, or are left out with `skip_unsupported=True`.
    """
    parts = ["// Exported by AI4D. Each title is the item id; each category, its topic."]
    problems: list[str] = []
    topic = None
    for item in items:
        lines = _answers(item)
        if lines is None:
            problems.append(f"item {item.id!r}: GIFT cannot carry {item.type} items")
            continue
        if bad := grade_problems(item):
            problems.extend(bad)
            continue
        try:
            comment = _comment(item)
        except GiftError as exc:
            problems.extend(exc.problems)
            continue
        if item.topic != topic:
            topic = item.topic
            parts.append(f"$CATEGORY: {category_path(topic)}")
        if item.explanation != PLACEHOLDER_EXPLANATION:
            lines.append(f"####{_esc(item.explanation)}")
        block = "{" + "".join(f"\n\t{line}" for line in lines) + ("\n}" if lines else "}")
        parts.append(f"{comment}::{item.id}::[markdown]{_esc(item.stem)} {block}")
    if problems and not skip_unsupported:
        raise GiftError(problems)
    return "\n\n".join(parts) + "\n"
