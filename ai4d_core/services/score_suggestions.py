"""LLM-suggested scores for open responses: stored next to the rules' suggestion; an educator's grade is the
only score that counts (`services.grading`, which shows both suggestions in the grading queue)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ai4d_core.adapters.sql import score_suggestions as sql
from ai4d_core.bootstrap import Container
from ai4d_core.domain import rubric_suggestion as rubric
from ai4d_core.domain.items import OpenResponseItem, parse_item
from ai4d_core.llm.client import ChatRequest


@dataclass(frozen=True, slots=True)
class SuggestionReport:
    suggested: int
    failed: int
    skipped_reason: str | None = None

    def __str__(self) -> str:
        if self.skipped_reason:
            return f"no score suggestions: {self.skipped_reason}"
        return f"{self.suggested} score suggestion(s) stored, {self.failed} failed (kept with the reason)"


def suggest_open_scores(c: Container, limit: int = 200) -> SuggestionReport:
    """Ask the LLM for a second opinion on open responses not assessed yet."""
    llm = c.llm
    if llm is None:
        return SuggestionReport(0, 0, "no LLM configured (AI4D_LLM_BASE_URL is unset)")
    pending = sql.awaiting_suggestion(c.engine, limit)
    items = [parse_item(p.item_body) for p in pending]
    requests = [
        ChatRequest(rubric.messages(item, json.loads(p.answer_json)), rubric.SCHEMA_NAME, rubric.schema(),
                    rubric.PROMPT_VERSION)
        for p, item in zip(pending, items, strict=True)
        if isinstance(item, OpenResponseItem)
    ]  # fmt: skip
    results = llm.complete_many(requests) if requests else []
    rows = []
    for p, item, result in zip(pending, items, results, strict=True):
        assert isinstance(item, OpenResponseItem)
        row = {"attempt_id": p.attempt_id, "item_id": p.item_id, "rule_score": p.rule_score, "model": llm.model,
               "prompt_version": rubric.PROMPT_VERSION, "suggested_score": None, "comment": None}  # fmt: skip
        try:
            if result.error:
                raise rubric.SuggestionError(f"the LLM call failed: {result.error}")
            score, comment = rubric.suggested_score(item, result.content)
            row |= {"status": "suggested", "reason": None, "suggested_score": score, "comment": comment}
        except rubric.SuggestionError as exc:
            row |= {"status": "failed", "reason": str(exc)}
        rows.append(row)
    sql.save(c.engine, rows)
    failed = sum(1 for r in rows if r["status"] == "failed")
    return SuggestionReport(len(rows) - failed, failed)
