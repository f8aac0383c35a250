"""One round of LLM generation: ask for candidate batches, check them, have each batch solved blind.

Two phases, each one `complete_many` (one cache read, requests `concurrency` at a time, one cache write):
the generation requests, then one solving request per batch holding that batch's surviving candidates shown
as a learner sees them. A candidate survives when the solver's answer scores full marks on its key.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ai4d_core.domain.items import Item, SqlQueryItem, public_view
from ai4d_core.domain.scoring import QueryRunner
from ai4d_core.domain.verification import (
    MAX_RESPONSE_CHARS,
    Reason,
    Rejection,
    build_item,
    check_key,
    check_sql_reference,
    draft_id,
    dumps,
    parse_batch,
)
from ai4d_core.llm.client import ChatRequest, LlmClient
from ai4d_core.llm.prompts import (
    BATCH_SCHEMA_NAME,
    GENERATE_VERSION,
    SOLVE_SCHEMA,
    SOLVE_SCHEMA_NAME,
    SOLVE_VERSION,
    batch_schema,
    generation_messages,
    solve_messages,
)

Cell = tuple[str, int, str]


@dataclass
class Round:
    verified: list[Item] = field(default_factory=list)
    already_stored: list[str] = field(default_factory=list)  # drafts identical to a stored item: verified then
    rejected: list[Rejection] = field(default_factory=list)
    failed_calls: int = 0
    errors: list[str] = field(default_factory=list)


class _Answer(BaseModel):
    index: int
    answer: Any = None


class _Solutions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: list[_Answer] = Field(max_length=100)


def _solver_answers(content: str | None, n: int) -> dict[int, Any] | str:
    """The solver's answers by index, or why there are none."""
    if content is None:
        return "the solving call failed"
    if len(content) > MAX_RESPONSE_CHARS:
        return f"the solving answer is too large ({len(content):,} characters)"
    try:
        solutions = _Solutions.model_validate_json(content)
    except ValidationError as exc:
        return f"the solving answer is not valid: {exc.errors()[0]['msg']}"[:300]
    return {a.index: a.answer for a in solutions.answers if 0 <= a.index < n}


def run_round(
    llm: LlmClient,
    cell: Cell,
    sizes: list[int],
    variation: int,
    source: str,
    sql: QueryRunner | None,
    stored: Container[str] = (),
) -> Round:
    """Ask for `len(sizes)` batches (numbered from `variation`) and verify them; see the module docstring.

    A draft whose id (a hash of its content) is in `stored` was verified when it was stored: it is only listed.
    """
    topic, level, item_type = cell
    done = Round()
    schema = batch_schema(item_type)
    asks = [
        ChatRequest(generation_messages(*cell, n, variation + j), BATCH_SCHEMA_NAME, schema, GENERATE_VERSION)
        for j, n in enumerate(sizes)
    ]
    groups: list[list[Item]] = []
    for result in llm.complete_many(asks):
        group: list[Item] = []
        groups.append(group)
        if result.error:
            done.failed_calls += 1
            done.errors.append(result.error)
            done.rejected.append(Rejection(Reason.LLM_ERROR, f"generation request failed: {result.error}"))
            continue
        drafts, refused = parse_batch(result.content)
        if refused:
            done.rejected.append(refused)
        for draft in drafts:
            if (known := draft_id(draft, *cell)) in stored:
                done.already_stored.append(known)
                continue
            built = build_item(draft, topic=topic, level=level, item_type=item_type, provenance=source)
            if isinstance(built, SqlQueryItem) and sql is not None and (bad := check_sql_reference(built, sql)):
                built = Rejection(bad.reason, bad.detail, dumps(draft))
            if isinstance(built, Rejection):
                done.rejected.append(built)
            else:
                group.append(built)
    to_solve = [g for g in groups if g]
    solve = [
        ChatRequest(
            solve_messages(item_type, [public_view(i) for i in g]), SOLVE_SCHEMA_NAME, SOLVE_SCHEMA, SOLVE_VERSION
        )
        for g in to_solve
    ]
    for group, result in zip(to_solve, llm.complete_many(solve), strict=True):
        answers = _solver_answers(result.content, len(group))
        for index, item in enumerate(group):
            content = dumps(item.model_dump(mode="json"))
            if isinstance(answers, str):
                done.rejected.append(Rejection(Reason.UNVERIFIED, answers, content))
            elif bad := check_key(item, answers.get(index), sql):
                done.rejected.append(Rejection(bad.reason, bad.detail, content))
            else:
                done.verified.append(item)
    return done
