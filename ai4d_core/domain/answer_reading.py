"""Reading what a learner typed or picked into the answer shape scoring expects (pure).

An answer that cannot be read raises `Unreadable`, whose message is plain and safe to show (no ids); the quiz
sends it back with the question's number to fix, and nothing is stored or scored. What can be read is
scored as usual, however wrong.

Numbers (numeric items and numeric cloze gaps) are read in the usual unambiguous ways:

- `4722432`, `-3`, `+3`, `3.5`, `.5`, `5.`, `1.5e3`, `1.5E-3`; a Unicode minus sign (U+2212) or an en dash
  for the minus, full-width digits;
- thousands grouped by spaces (any kind: `4 722 432`, no-break or thin spaces), underscores or apostrophes
  (`4'722'432`), or commas when unambiguous: at least two groups (`4,722,432`) or a decimal part
  (`1,500.25`). The decimal mark is a dot.
- Sent back: `1,5` (a decimal comma: "write 1.5"), `1,500` (1500 or 1.5?), `1.234.567` (dots grouping
  thousands), badly grouped digits (`12,34,567`), text (`abc`), NaN, infinities and overflows.
- A percentage (`15 %`, `15%`) is read both as 15 and as 0.15 and the reading that scores better counts
  (the first, 15, when both score the same): whether a key is written in percent units or as a fraction, a
  right percentage is right. The number that counted is the answer stored; what was typed is kept beside it.

Other types: an option must be one of those shown; an answer left empty (no option, no text, no blank filled,
no pair matched) is sent back; an open answer over its word limit or a short answer over 1,000 characters is
sent back with the count. SQL is read as text here; its syntax is checked by the sandbox (see `quiz_sessions`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import singledispatch

from ai4d_core.domain.answer_match import MAX_NUMBER_CHARS, MAX_TEXT_CHARS, numeric_score
from ai4d_core.domain.item_types import GAP, Gap, NumericAnswer
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
    SqlQueryItem,
    TrueFalseItem,
)
from ai4d_core.domain.scoring import MAX_SQL_CHARS


class Unreadable(ValueError):  # noqa: N818 - what the quiz says: the answer is unreadable
    """An answer the server cannot read; `str()` is a plain message for the learner (without the question number)."""


_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-"})
_SIGN = r"(?P<sign>[+-]?)\s*"
_FRACTION = r"(?P<fraction>\.\d*)?"
_EXPONENT = r"(?P<exponent>[eE][+-]?\d+)?"
_PLAIN = re.compile(_SIGN + r"(?P<whole>\d*)" + _FRACTION + _EXPONENT)
# Grouped thousands: one separator kind throughout, groups of exactly three digits.
_GROUPED = re.compile(_SIGN + r"(?P<whole>\d{1,3}(?:(?P<sep>[ _',])\d{3})(?:(?P=sep)\d{3})*)" + _FRACTION + _EXPONENT)
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")
_EXAMPLE = "write it like 1234.5 or 1,234.5"


def _number_text(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_MINUS).replace("\u2019", "'").strip()


def read_number(value: object) -> tuple[float, ...]:
    """The readings of a typed number (one, or two for a percentage: as written, then as a fraction)."""
    if isinstance(value, bool) or value is None:
        raise Unreadable("Write a number.")
    if isinstance(value, int | float):
        if not math.isfinite(float(value)):
            raise Unreadable("Write a finite number.")
        return (float(value),)
    if not isinstance(value, str):
        raise Unreadable("Write a number.")
    text = _number_text(value)
    if not text:
        raise Unreadable("Write a number.")
    if len(text) > MAX_NUMBER_CHARS:
        raise Unreadable(f"That is longer than {MAX_NUMBER_CHARS} characters; write just the number.")
    percent = text.endswith("%")
    number = _parse(text.removesuffix("%").rstrip(), value)
    return (number, number / 100) if percent else (number,)


def _parse(text: str, typed: str) -> float:
    shown = typed.strip()[:MAX_NUMBER_CHARS]
    match = _PLAIN.fullmatch(text)
    if match is None:
        match = _GROUPED.fullmatch(text)
        if match and match["sep"] == "," and match["whole"].count(",") == 1 and not match["fraction"]:
            whole = match["whole"]
            raise Unreadable(
                f"“{shown}” could be {whole.replace(',', '')} or {whole.replace(',', '.')}: "
                "write it without the comma, or with a dot for decimals."
            )
    if match is None or not (match["whole"] or (match["fraction"] or "").strip(".")):
        if _DECIMAL_COMMA.fullmatch(text):
            raise Unreadable(f"Use a dot for decimals: write {text.replace(',', '.')} rather than “{shown}”.")
        raise Unreadable(f"“{shown}” is not a number we can read: {_EXAMPLE}.")
    digits = (match["whole"] or "0").translate(str.maketrans("", "", " _',"))
    try:
        number = float(f"{match['sign']}{digits}{match['fraction'] or ''}{match['exponent'] or ''}")
    except OverflowError:  # pragma: no cover - float() returns inf rather than raising
        number = math.inf
    if not math.isfinite(number):
        raise Unreadable(f"“{shown}” is too large a number.")
    return number


def best_reading(readings: Sequence[float], answers: Sequence[NumericAnswer]) -> float:
    """The reading that scores best against `answers` (the first on a tie)."""
    return max(readings, key=lambda r: (numeric_score(answers, r), -readings.index(r)))


def _text(value: object, empty: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Unreadable(empty)
    if not isinstance(value, str):
        raise Unreadable("Write your answer as text.")
    return value


@singledispatch
def read_answer(item: Item, value: object) -> object:
    """The answer to `item` in the shape `scoring` expects, from what the page sent; else `Unreadable`."""
    raise Unreadable("This question cannot be answered here.")


@read_answer.register
def _(item: SingleChoiceItem, value: object) -> object:
    if value is None or value == "":
        raise Unreadable("Choose one of the options.")
    if value not in {o.id for o in item.options}:
        raise Unreadable("Choose one of the options shown.")
    return value


@read_answer.register
def _(item: MultipleChoiceItem, value: object) -> object:
    chosen = [value] if isinstance(value, str) else value
    if not chosen:
        raise Unreadable("Choose at least one option.")
    ids = {o.id for o in item.options}
    if not isinstance(chosen, list | tuple) or not all(isinstance(c, str) and c in ids for c in chosen):
        raise Unreadable("Choose among the options shown.")
    return [o.id for o in item.options if o.id in chosen]


@read_answer.register
def _(item: TrueFalseItem, value: object) -> object:
    if isinstance(value, bool):
        return value
    text = value.strip().casefold() if isinstance(value, str) else None
    if text in ("true", "false"):
        return text == "true"
    raise Unreadable("Choose true or false.")


@read_answer.register
def _(item: ShortAnswerItem, value: object) -> object:
    text = _text(value, "Write an answer.").strip()
    if len(text) > MAX_TEXT_CHARS:
        raise Unreadable(f"Your answer is longer than {MAX_TEXT_CHARS:,} characters; shorten it.")
    return text


@read_answer.register
def _(item: NumericItem, value: object) -> object:
    return best_reading(read_number(value), item.answers)


@read_answer.register
def _(item: OrderingItem, value: object) -> object:
    if not isinstance(value, list | tuple) or sorted(map(str, value)) != sorted(item.key):
        raise Unreadable("Put every entry in order, each once.")
    return list(value)


@read_answer.register
def _(item: MatchingItem, value: object) -> object:
    if not isinstance(value, Mapping):
        raise Unreadable("Choose a match for the items on the left.")
    targets = {t.id for t in item.targets}
    pairs: dict[str, str | None] = {}
    for prompt in item.prompts:
        target = value.get(prompt.id)
        if target in (None, ""):
            pairs[prompt.id] = None
        elif target in targets:
            pairs[prompt.id] = str(target)
        else:
            raise Unreadable("Choose each match among the options shown.")
    if set(value) - set(pairs) or all(t is None for t in pairs.values()):
        raise Unreadable("Choose a match for at least one item on the left.")
    return pairs


def _gap(gap: Gap, value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if gap.kind == "numeric":
        return best_reading(read_number(value), gap.numeric)
    if gap.kind == "single_choice":
        if value not in {o.id for o in gap.options}:
            raise Unreadable("choose one of the options shown.")
        return value
    text = _text(value, "").strip()
    if len(text) > MAX_TEXT_CHARS:
        raise Unreadable(f"that is longer than {MAX_TEXT_CHARS:,} characters.")
    return text


@read_answer.register
def _(item: ClozeItem, value: object) -> object:
    if not isinstance(value, Mapping) or set(value) - {g.id for g in item.gaps}:
        raise Unreadable("Fill in the blanks of the text.")
    by_id = {g.id: g for g in item.gaps}
    filled: dict[str, object] = {}
    for number, gap_id in enumerate(GAP.findall(item.stem), start=1):
        try:
            filled[gap_id] = _gap(by_id[gap_id], value.get(gap_id))
        except Unreadable as exc:
            message = str(exc)
            raise Unreadable(f"Blank {number}: {message[:1].lower()}{message[1:]}") from None
    if all(v is None for v in filled.values()):
        raise Unreadable("Fill in at least one blank.")
    return filled


def word_count(text: str) -> int:
    """Words as the open-response counter shows them: runs of non-space characters."""
    return len(text.split())


@read_answer.register
def _(item: OpenResponseItem, value: object) -> object:
    text = _text(value, "Write an answer.").strip()
    words = word_count(text)
    if words > item.max_words or len(text) > 40 * item.max_words:
        raise Unreadable(f"Your answer has {words:,} words; keep it to {item.max_words:,}.")
    return text


@read_answer.register
def _(item: SqlQueryItem, value: object) -> object:
    text = _text(value, "Write a SQL query.")
    if len(text) > MAX_SQL_CHARS:
        raise Unreadable(f"Your query is longer than {MAX_SQL_CHARS:,} characters; shorten it.")
    return text


__all__ = ["Unreadable", "best_reading", "read_answer", "read_number", "word_count"]
