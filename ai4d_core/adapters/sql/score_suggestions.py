"""Open responses waiting for a suggested score, and the suggestions, in PostgreSQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ai4d_core.adapters.sql.tables import ItemRow, Response, ScoreSuggestion


@dataclass(frozen=True, slots=True)
class OpenAnswer:
    attempt_id: uuid.UUID
    item_id: str
    item_body: dict[str, Any]
    answer_json: str
    rule_score: float


def awaiting_suggestion(engine: Engine, limit: int) -> list[OpenAnswer]:
    """Open responses with no suggestion yet (failed ones are not retried: their reason is kept), with the
    rules' score (`suggested_score` while awaiting review; the score of one stored before grading existed)."""
    query = (
        select(
            Response.attempt_id,
            Response.item_id,
            ItemRow.body,
            Response.answer,
            func.coalesce(Response.suggested_score, Response.score, 0.0),  # the rules' score
        )
        .join(ItemRow, (ItemRow.id == Response.item_id) & (ItemRow.version == Response.item_version))
        .outerjoin(
            ScoreSuggestion,
            (ScoreSuggestion.attempt_id == Response.attempt_id) & (ScoreSuggestion.item_id == Response.item_id),
        )
        .where(ItemRow.type == "open_response", ScoreSuggestion.attempt_id.is_(None))
        .order_by(Response.attempt_id, Response.item_id)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [OpenAnswer(*row) for row in conn.execute(query)]


def save(engine: Engine, rows: list[dict[str, Any]]) -> int:
    """Store suggestions; one per (attempt, item), so a re-run never doubles them."""
    if not rows:
        return 0
    stmt = pg_insert(ScoreSuggestion).values(rows).on_conflict_do_nothing().returning(ScoreSuggestion.item_id)
    with engine.begin() as conn:
        return len(conn.execute(stmt).all())


def suggestions_for(engine: Engine, attempt_id: uuid.UUID) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(ScoreSuggestion.__table__).where(ScoreSuggestion.attempt_id == attempt_id))
        return [dict(row._mapping) for row in rows]
