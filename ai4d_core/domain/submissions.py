"""Submitted answers: decoding, validation and scoring of a whole submission (pure; no I/O).

Two wire formats are accepted:

* ``ai4d/v1``: ``{"format": "ai4d/v1", "submission_id": UUID, "answers": [{"item_id", "answer"}...]}``;
* the completed questionnaire of the original AI4D backend: ``{"questions_data": [{"numero", "question",
  "type", "options", "user_answer", ...}]}`` (or the bare list). Its ``correct_answer``, ``is_correct`` and
  ``score`` are ignored: the server scores every answer itself.

A submission is accepted or rejected whole; a rejected one is kept raw with the reason (see services).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError

from ai4d_core.domain.items import Item, SingleChoiceItem, TrueFalseItem
from ai4d_core.domain.scoring import AnswerError, QueryRunner, score_answer

MAX_ANSWERS = 200
MAX_DEPTH = 32  # lists and objects in a payload: a real submission needs a handful of levels
SEED_NAMESPACE = uuid.UUID("6f0c3b8e-3d0a-4f43-9f4e-a14d0a1f5eed")
_SEED_TRUE = {"vrai", "true", "oui", "yes", "v", "t"}
_SEED_FALSE = {"faux", "false", "non", "no", "f"}


class SubmissionError(ValueError):
    """A submission that cannot be accepted; the message is shown to the user and stored as the reason."""


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="ignore")  # a client's `is_correct` or `score` is dropped, never trusted
    item_id: Annotated[str, Field(min_length=1, max_length=64)]
    item_version: int | None = Field(default=None, ge=1)
    answer: JsonValue
    presentation: dict[str, JsonValue] | None = None  # the order shown (`domain.presentation`), copied as is


class SubmissionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    format: Literal["ai4d/v1"] = "ai4d/v1"
    submission_id: uuid.UUID
    submitted_at: datetime | None = None
    answers: list[AnswerIn] = Field(min_length=1, max_length=MAX_ANSWERS)


@dataclass(frozen=True, slots=True)
class ScoredAnswer:
    item_id: str
    item_version: int
    answer_json: str
    score: float
    presentation: dict[str, JsonValue] | None = None


def decode(raw: bytes, max_bytes: int) -> object:
    """Bytes to JSON, with a clear error for oversized, non-UTF-8, malformed, too deeply nested payloads
    and numbers JSON cannot carry (NaN, infinities, 1e999, integers of thousands of digits)."""
    if len(raw) > max_bytes:
        raise SubmissionError(f"payload of {len(raw):,} bytes exceeds the limit of {max_bytes:,} bytes")
    try:
        data = json.loads(raw.decode("utf-8"), parse_float=_finite_float, parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise SubmissionError(f"payload is not UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise SubmissionError(f"malformed JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from exc
    except RecursionError as exc:
        raise SubmissionError(f"payload nests deeper than {MAX_DEPTH} levels") from exc
    except SubmissionError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. an integer beyond Python's digit limit
        raise SubmissionError(f"payload holds a value that cannot be read: {_short(exc)}") from exc
    _check_structure(data)
    return data


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise SubmissionError(f"number {text[:40]} is out of range")
    return value


def _no_constant(name: str) -> float:
    raise SubmissionError(f"{name} is not a number JSON allows")


def _check_structure(data: object) -> None:
    """Refuse nesting deeper than `MAX_DEPTH` and text that is not Unicode (an unpaired surrogate escape, which
    no UTF-8 store can keep). Iterative: no recursion limit to hit."""
    stack = [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise SubmissionError(f"payload holds an unpaired surrogate (\\u{ord(value[exc.start]):04x})") from exc
        elif isinstance(value, dict | list):
            if level > MAX_DEPTH:
                raise SubmissionError(f"payload nests deeper than {MAX_DEPTH} levels")
            children = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            stack.extend((child, level + 1) for child in children)


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:120]}" if str(exc) else type(exc).__name__


def normalize_stem(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def parse(data: object, raw: bytes, items_by_stem: Mapping[str, Item]) -> SubmissionIn:
    """Recognise the wire format and return the canonical submission."""
    if isinstance(data, list) or (isinstance(data, dict) and "questions_data" in data):
        return _from_seed(data, raw, items_by_stem)
    try:
        return SubmissionIn.model_validate(data)
    except ValidationError as exc:
        raise SubmissionError("invalid submission: " + _describe(exc)) from exc
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise SubmissionError(f"invalid submission: {_short(exc)}") from exc


def score(
    submission: SubmissionIn,
    items: Mapping[str, Item],
    sql: QueryRunner | None = None,
    versions: Mapping[tuple[str, int], Item] | None = None,
) -> list[ScoredAnswer]:
    """Score every answer against the bank (`sql` runs SQL answers); every problem is listed in one error.

    An answer naming its `item_version` is scored against that version: one of `versions` (every stored
    version) when given, else only the current one in `items`. A version the bank does not have is refused
    with that reason, never relabelled or dropped.
    """
    problems: list[str] = []
    scored: list[ScoredAnswer] = []
    seen: set[str] = set()
    for answer in submission.answers:
        item = items.get(answer.item_id)
        if item is None:
            problems.append(f"unknown item id {answer.item_id!r}")
            continue
        if answer.item_id in seen:
            problems.append(f"item {answer.item_id!r} answered twice")
            continue
        seen.add(answer.item_id)
        if answer.item_version is not None and answer.item_version != item.version:
            current = item.version
            item = versions.get((item.id, answer.item_version)) if versions is not None else None
            if item is None:
                known = "" if versions is not None else f" (the current one is {current})"
                problems.append(f"item {answer.item_id!r} has no version {answer.item_version} in the bank{known}")
                continue
        try:
            value = score_answer(item, answer.answer, sql=sql)
        except AnswerError as exc:
            problems.append(str(exc))
            continue
        except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # a value no rule foresaw
            problems.append(f"item {answer.item_id!r}: the answer cannot be scored ({type(exc).__name__})")
            continue
        answer_json = json.dumps(answer.answer, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        scored.append(ScoredAnswer(item.id, item.version, answer_json, value, answer.presentation))
    if problems:
        more = f" (+{len(problems) - 10} more)" if len(problems) > 10 else ""
        raise SubmissionError("; ".join(problems[:10]) + more)
    return scored


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "payload"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def _from_seed(data: object, raw: bytes, items_by_stem: Mapping[str, Item]) -> SubmissionIn:
    try:
        return _seed_submission(data, raw, items_by_stem)
    except ValidationError as exc:
        raise SubmissionError("invalid submission: " + _describe(exc)) from exc
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        if isinstance(exc, SubmissionError):
            raise
        raise SubmissionError(f"invalid submission: {_short(exc)}") from exc


def _seed_submission(data: object, raw: bytes, items_by_stem: Mapping[str, Item]) -> SubmissionIn:
    questions = data.get("questions_data") if isinstance(data, dict) else data
    if not isinstance(questions, list) or not questions:
        raise SubmissionError("invalid submission: questions_data must be a non-empty list")
    answers: list[AnswerIn] = []
    for index, question in enumerate(questions, start=1):
        where = f"questions_data[{index}]"
        if not isinstance(question, dict) or not isinstance(question.get("question"), str):
            raise SubmissionError(f"{where}: each question needs a 'question' text")
        item = items_by_stem.get(normalize_stem(question["question"]))
        if item is None:
            raise SubmissionError(f"{where}: unknown question {question['question'][:80]!r}")
        if "user_answer" not in question:
            raise SubmissionError(f"{where}: missing user_answer")
        answers.append(AnswerIn(item_id=item.id, answer=_seed_answer(item, question["user_answer"], where)))
    if len(answers) > MAX_ANSWERS:
        raise SubmissionError(f"invalid submission: more than {MAX_ANSWERS} answers")
    digest = hashlib.sha256(raw).hexdigest()
    return SubmissionIn(submission_id=uuid.uuid5(SEED_NAMESPACE, digest), answers=answers)


def _seed_answer(item: Item, value: object, where: str) -> JsonValue:
    if isinstance(item, TrueFalseItem):
        if isinstance(value, bool):
            return value
        text = str(value).strip().casefold()
        if text in _SEED_TRUE:
            return True
        if text in _SEED_FALSE:
            return False
        raise SubmissionError(f"{where}: {value!r} is not true or false (Vrai/Faux)")
    if isinstance(item, SingleChoiceItem):
        text = str(value).strip()
        for position, option in enumerate(item.options):
            letter = chr(ord("A") + position)
            if text.upper() in (letter, f"{letter})", f"{letter}.") or text.casefold() == option.text.casefold():
                return option.id
            if text == option.id:
                return option.id
        raise SubmissionError(f"{where}: {text[:80]!r} matches no option")
    raise SubmissionError(f"{where}: type {item.type} is not accepted in the seed format yet")
