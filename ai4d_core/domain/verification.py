"""Checks a generated item must pass before it may enter the bank (DESIGN §5, §7). Pure: no I/O.

The LLM's output is untrusted. In order: the response's size (`too_large`, before any parsing), JSON
(`invalid_json`), the envelope (`schema`), text content (`markup`, `control_characters`, `too_long`), the item
model (`schema`), bounded values (`loose_tolerance`, `position_dependent_option`), the SQL reference on its
fixture (`sql_reference`), the key re-derived by an independent solver (`key_disagrees`, `unverified`), and
near-duplicates (`duplicate`, see `dedupe`). Each rejection names its reason.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ai4d_core.domain.answer_match import AnswerError
from ai4d_core.domain.items import (
    Item,
    MultipleChoiceItem,
    NumericItem,
    OpenResponseItem,
    SingleChoiceItem,
    SqlQueryItem,
    parse_item,
)
from ai4d_core.domain.result_sets import FixtureError
from ai4d_core.domain.scoring import QueryRunner, score_answer

MAX_RESPONSE_CHARS = 100_000  # a whole LLM answer; anything larger is refused before parsing
MAX_STEM_CHARS = 1_500
MAX_OPTION_CHARS = 300
MAX_TEXT_CHARS = 4_000  # any other text field (explanations, fixtures, model answers)
MAX_RELATIVE_TOLERANCE = 0.05  # a numeric key may accept at most ±5 % of its value
KEPT_CHARS = 20_000  # how much of a rejected candidate is kept
SERVER_FIELDS = frozenset(
    {"id", "version", "type", "topic", "level", "language", "provenance", "status", "calibration"}
)
CODE_FIELDS = frozenset({"setup_sql", "reference_query"})  # code, shown escaped: `<` is an operator there

# A tag (`<b>`, `</p>`, `<script ...>`, `<!-- `), an entity-encoded tag, or a script URL.
_MARKUP = re.compile(r"<\s*[a-zA-Z/!?][^<>]*>|<!--|&lt;\s*/?\s*[a-zA-Z]|javascript\s*:|\bon\w+\s*=", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_POSITIONAL = re.compile(
    r"\b(all|none|both|neither) of the (above|below|others)\b|\b(both|either) [a-h] (and|or) [a-h]\b"
)


class Reason(StrEnum):
    TOO_LARGE = "too_large"
    INVALID_JSON = "invalid_json"
    SCHEMA = "schema"
    MARKUP = "markup"
    CONTROL_CHARACTERS = "control_characters"
    TOO_LONG = "too_long"
    LOOSE_TOLERANCE = "loose_tolerance"
    POSITION_DEPENDENT = "position_dependent_option"
    SQL_REFERENCE = "sql_reference"
    KEY_DISAGREES = "key_disagrees"
    UNVERIFIED = "unverified"
    DUPLICATE = "duplicate"
    LLM_ERROR = "llm_error"


@dataclass(frozen=True)
class Rejection:
    reason: Reason
    detail: str
    content: str = ""  # the candidate as received (truncated to `KEPT_CHARS`)


class _Batch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[dict[str, Any]] = Field(max_length=50)


def parse_batch(content: str | None) -> tuple[list[dict[str, Any]], Rejection | None]:
    """The candidate drafts of one generation answer, or why the whole answer is refused."""
    if content is None:
        return [], Rejection(Reason.LLM_ERROR, "no content")
    if len(content) > MAX_RESPONSE_CHARS:
        return [], Rejection(Reason.TOO_LARGE, f"{len(content):,} characters > {MAX_RESPONSE_CHARS:,}", content)
    try:
        data = json.loads(content)
    except ValueError as exc:
        return [], Rejection(Reason.INVALID_JSON, str(exc)[:200], content)
    try:
        return _Batch.model_validate(data).items, None
    except ValidationError as exc:
        return [], Rejection(Reason.SCHEMA, _summary(exc), content)


def dumps(data: object) -> str:
    """Canonical JSON (sorted keys, no spaces): what hashes and rejection records hold."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _summary(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in exc.errors()[:5])[:500]


def _strings(value: object, path: str = "") -> list[tuple[str, str]]:
    """Every string in a JSON value, with its dotted path (keys included: they are text too)."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        found = [(f"{path}.<key>", str(k)) for k in value]
        for k, v in value.items():
            found += _strings(v, f"{path}.{k}" if path else str(k))
        return found
    if isinstance(value, list | tuple):
        return [s for i, v in enumerate(value) for s in _strings(v, f"{path}.{i}")]
    return []


def check_content(draft: dict[str, Any]) -> Rejection | None:
    """Length caps, and no markup or control characters in any text (code fields: no control characters)."""
    content = dumps(draft)
    for path, text in _strings(draft):
        field = path.rsplit(".", 1)[-1]
        if _CONTROL.search(text):
            return Rejection(Reason.CONTROL_CHARACTERS, f"{path} holds a control or bidi character", content)
        if field not in CODE_FIELDS and _MARKUP.search(text):
            return Rejection(Reason.MARKUP, f"{path} holds markup: {_MARKUP.search(text)[0][:40]!r}", content)  # type: ignore[index]
        limit = MAX_STEM_CHARS if path == "stem" else MAX_OPTION_CHARS if ".text" in path else MAX_TEXT_CHARS
        if len(text) > limit:
            return Rejection(Reason.TOO_LONG, f"{path}: {len(text):,} characters > {limit:,}", content)
    return None


def draft_id(draft: dict[str, Any], topic: str, level: int, item_type: str) -> str:
    """A stable id from the draft's content: the same draft is the same item (re-runs are idempotent)."""
    digest = hashlib.sha256(dumps([topic, level, item_type, draft]).encode()).hexdigest()[:12]
    return f"llm-{topic.replace('_', '-')}-{level}-{digest}"[:64]


def build_item(draft: dict[str, Any], *, topic: str, level: int, item_type: str, provenance: str) -> Item | Rejection:
    """The draft as a `provisional` item of the asked type, or why it does not validate."""
    content = dumps(draft)
    if rejected := check_content(draft):
        return rejected
    fields = {k: v for k, v in draft.items() if k not in SERVER_FIELDS}
    fields |= {
        "id": draft_id(draft, topic, level, item_type),
        "type": item_type,
        "topic": topic,
        "level": level,
        "provenance": provenance,
        "status": "provisional",
    }
    try:
        item = parse_item(fields)
    except ValidationError as exc:
        return Rejection(Reason.SCHEMA, _summary(exc), content)
    return check_item(item, content) or item


def check_item(item: Item, content: str = "") -> Rejection | None:
    """Bounded values: tight numeric keys; no option whose meaning depends on the others' positions."""
    if isinstance(item, NumericItem):
        for a in item.answers:
            width = a.tolerance * (abs(a.value or 0) if a.relative else 1) if a.low is None else (a.high - a.low) / 2  # type: ignore[operator]
            centre = abs(a.value) if a.value is not None else abs(a.low + a.high) / 2  # type: ignore[operator]
            if width > MAX_RELATIVE_TOLERANCE * centre + 1e-9 and not (centre == 0 and width <= 0.01):
                return Rejection(Reason.LOOSE_TOLERANCE, f"answer accepts ±{width:g} around {centre:g}", content)
    if isinstance(item, SingleChoiceItem | MultipleChoiceItem):
        for o in item.options:
            if _POSITIONAL.search(o.text.casefold()):
                return Rejection(Reason.POSITION_DEPENDENT, f"option {o.id}: {o.text[:60]!r}", content)
    return None


def check_sql_reference(item: SqlQueryItem, sql: QueryRunner) -> Rejection | None:
    """The reference query must run on the item's fixture and return rows."""
    try:
        result = sql.reference(item.fixture.setup_sql, item.reference_query)
    except (FixtureError, AnswerError) as exc:
        return Rejection(Reason.SQL_REFERENCE, f"the fixture or reference fails: {exc}"[:300])
    if not result.rows:
        return Rejection(Reason.SQL_REFERENCE, "the reference query returns no rows")
    return None


def check_key(item: Item, solver_answer: object, sql: QueryRunner | None = None) -> Rejection | None:
    """The independent solver's answer must score full marks against the item's key (SQL: the same result set).

    Open responses have no single key: the model answer must cover the whole rubric instead.
    """
    if isinstance(item, OpenResponseItem):
        solver_answer = item.model_answer
    if solver_answer is None:
        return Rejection(Reason.UNVERIFIED, "the solver gave no answer")
    try:
        score = score_answer(item, solver_answer, sql=sql)
    except (AnswerError, FixtureError) as exc:
        return Rejection(Reason.KEY_DISAGREES, f"the solver's answer does not fit: {exc}"[:300])
    if score < 1 - 1e-9:
        shown = dumps(solver_answer)[:120]
        return Rejection(Reason.KEY_DISAGREES, f"the solver answered {shown}, which scores {score:.2f} on the key")
    return None
