"""Matching helpers for typed answers: normalised text, `*` wildcards, numbers (pure). Open responses are read
by `rubric_coverage`.

Conventions (DESIGN §5, after Moodle):

- text is Unicode NFC-normalised, trimmed, with runs of whitespace collapsed to one space; comparisons
  fold case (`str.casefold`) unless the item is case sensitive;
- in an accepted short answer `*` matches any run of characters (possibly empty); every other character is
  literal (no fnmatch: `?` and `[` mean themselves);
- a number is an int or float (never a bool) or a string such as `"3.5"`, `"-1e3"`, `"+.5"`; a comma is read as
  the decimal mark only when the string has no dot and exactly one comma (`"2,5"` is 2.5; `"1,000.5"` and
  `"1,000,000"` are refused, as thousands separators are ambiguous); NaN, infinities and overflows are refused.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from ai4d_core.domain.item_types import AcceptedAnswer, NumericAnswer


class AnswerError(ValueError):
    """An answer that does not fit its item (wrong type, unknown option...)."""


MAX_TEXT_CHARS = 1000  # a short answer or a text gap
MAX_NUMBER_CHARS = 64
_SPACES = re.compile(r"\s+")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def normalise(text: str, *, case_sensitive: bool = False) -> str:
    """NFC, trimmed, whitespace collapsed; case-folded unless `case_sensitive`."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
    return text if case_sensitive else text.casefold()


@lru_cache(maxsize=4096)
def wildcard_pattern(accepted: str, case_sensitive: bool) -> re.Pattern[str]:
    """The regex of an accepted answer: `*` is any run of characters, the rest is literal."""
    parts = normalise(accepted, case_sensitive=case_sensitive).split("*")
    return re.compile(".*".join(re.escape(p) for p in parts), re.DOTALL)


def text_matches(accepted: str, answer: str, *, case_sensitive: bool) -> bool:
    """Whether `answer` matches the accepted answer (both normalised the same way)."""
    pattern = wildcard_pattern(accepted, case_sensitive)
    return pattern.fullmatch(normalise(answer, case_sensitive=case_sensitive)) is not None


def check_text(answer: object) -> str:
    """The answer as text, or `AnswerError` when it is not a string or too long."""
    if not isinstance(answer, str):
        raise AnswerError(f"answer must be text, got {type(answer).__name__}")
    if len(answer) > MAX_TEXT_CHARS:
        raise AnswerError(f"answer is longer than {MAX_TEXT_CHARS} characters")
    return answer


def parse_number(answer: object) -> float:
    """A finite float from an int, a float or a numeric string (see the module docstring); else `AnswerError`."""
    if isinstance(answer, bool) or not isinstance(answer, int | float | str):
        raise AnswerError(f"answer must be a number, got {type(answer).__name__}")
    if isinstance(answer, str):
        text = answer.strip()
        if len(text) > MAX_NUMBER_CHARS:
            raise AnswerError(f"answer is longer than {MAX_NUMBER_CHARS} characters")
        if "," in text and "." not in text and text.count(",") == 1:
            text = text.replace(",", ".")
        if not _NUMBER.fullmatch(text):
            raise AnswerError(f"{answer[:MAX_NUMBER_CHARS]!r} is not a number")
        answer = text
    try:
        value = float(answer)
    except OverflowError:
        raise AnswerError("number is too large") from None
    if not math.isfinite(value):
        raise AnswerError("number must be finite")
    return value


def number_matches(accepted: NumericAnswer, value: float) -> bool:
    """Within the absolute (or relative) tolerance of the value, or within [low, high].

    A slack of 1e-9 x the magnitude absorbs binary rounding: `0.1 + 0.2` matches 0.3 with tolerance 0, and
    3.13 is within 0.01 of 3.14 (in floats, 3.14 - 3.13 is 0.010000000000000231).
    """
    if accepted.value is None:
        assert accepted.low is not None and accepted.high is not None  # the model guarantees a range
        return accepted.low <= value <= accepted.high
    tolerance = accepted.tolerance * abs(accepted.value) if accepted.relative else accepted.tolerance
    slack = 1e-9 * max(abs(value), abs(accepted.value))
    return abs(value - accepted.value) <= tolerance + slack


# Answer shapes and the scores shared by items and cloze gaps.


def id_list(answer: object, what: str) -> list[str]:
    """A list of distinct ids (strings)."""
    if not isinstance(answer, list | tuple) or not all(isinstance(a, str) for a in answer):
        raise AnswerError(f"answer must be a list of {what} ids")
    if len(set(answer)) != len(answer):
        raise AnswerError(f"answer repeats a {what} id")
    return list(answer)


def id_mapping(answer: object, what: str) -> Mapping[str, object]:
    """A mapping keyed by ids (strings)."""
    if not isinstance(answer, Mapping) or not all(isinstance(k, str) for k in answer):
        raise AnswerError(f"answer must map {what} ids to answers")
    return answer


def check_known(ids: Iterable[str], allowed: set[str], what: str) -> None:
    """Refuse ids that are not in `allowed`, naming a few (shortened)."""
    unknown = sorted(set(ids) - allowed)
    if unknown:
        raise AnswerError(f"unknown {what} id(s): {', '.join(repr(u[:16]) for u in unknown[:5])}")


def choice_score(options: Sequence[str], key: str, answer: object, *, negative: bool) -> float:
    """1 for the key; a wrong option 0, or -1/(n-1) with negative marking (Moodle)."""
    if not isinstance(answer, str):
        raise AnswerError(f"answer must be an option id (string), got {type(answer).__name__}")
    if answer not in options:
        raise AnswerError(f"{answer[:16]!r} is not one of its options")
    if answer == key:
        return 1.0
    return -1.0 / (len(options) - 1) if negative else 0.0


def short_answer_score(answers: Sequence[AcceptedAnswer], answer: object, *, case_sensitive: bool) -> float:
    """The best weight among the accepted answers that match, else 0."""
    text = check_text(answer)
    hits = [a.weight for a in answers if text_matches(a.text, text, case_sensitive=case_sensitive)]
    return max(hits, default=0.0)


def numeric_score(answers: Sequence[NumericAnswer], answer: object) -> float:
    """The best weight among the numeric answers that match, else 0."""
    value = parse_number(answer)
    return max((a.weight for a in answers if number_matches(a, value)), default=0.0)
