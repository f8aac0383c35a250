"""PostgreSQL stores of LLM generation: the answer cache (`LlmCache`) and the rejected candidates."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ai4d_core.adapters.sql.tables import GenerationRejection, ItemRow, LlmCacheEntry
from ai4d_core.domain.verification import KEPT_CHARS, Rejection
from ai4d_core.llm.cache import CacheEntry


class SqlLlmCache:
    """`LlmCache` in the `llm_cache` table: one bulk read and one bulk write per batch of requests."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        if not keys:
            return {}
        query = select(LlmCacheEntry.key, LlmCacheEntry.content).where(LlmCacheEntry.key.in_(list(keys)))
        with self._engine.connect() as conn:
            return {k: v for k, v in conn.execute(query)}

    def put_many(self, entries: Iterable[CacheEntry]) -> None:
        rows = [vars(e) for e in {e.key: e for e in entries}.values()]
        if rows:
            with self._engine.begin() as conn:
                conn.execute(pg_insert(LlmCacheEntry).values(rows).on_conflict_do_nothing())


class SqlGenerationStore:
    """What generation reads from the bank (stems, counts) and the rejected candidates it keeps."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def stems(self, topic: str) -> list[tuple[str, str]]:
        """(id, stem) of every item of the topic, any status or version: what a new stem must not repeat."""
        query = select(ItemRow.id, ItemRow.body["stem"].astext).where(ItemRow.topic == topic).distinct()
        with self._engine.connect() as conn:
            return [(i, s) for i, s in conn.execute(query)]

    def count(self, topic: str, level: int, item_type: str, provenance_like: str) -> int:
        """Distinct item ids of one cell whose provenance matches a LIKE pattern (`llm:%`, `template:%`)."""
        query = select(func.count(func.distinct(ItemRow.id))).where(
            ItemRow.topic == topic,
            ItemRow.level == level,
            ItemRow.type == item_type,
            ItemRow.provenance.like(provenance_like),
        )
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def rejection_count(self, topic: str, level: int, item_type: str) -> int:
        query = select(func.count()).where(
            GenerationRejection.topic == topic,
            GenerationRejection.level == level,
            GenerationRejection.type == item_type,
        )
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def add_rejections(self, topic: str, level: int, item_type: str, source: str, found: Iterable[Rejection]) -> int:
        """Keep rejected candidates with their reasons; the same rejection twice is kept once."""
        rows = []
        for r in found:
            key = hashlib.sha256(f"{topic}|{level}|{item_type}|{r.reason}|{r.detail}|{r.content}".encode())
            rows.append(
                {
                    "id": key.hexdigest(),
                    "topic": topic,
                    "level": level,
                    "type": item_type,
                    "source": source[:160],
                    "reason": str(r.reason),
                    "detail": r.detail,
                    "content": r.content[:KEPT_CHARS],
                }
            )
        if not rows:
            return 0
        with self._engine.begin() as conn:
            stmt = (
                pg_insert(GenerationRejection).values(rows).on_conflict_do_nothing().returning(GenerationRejection.id)
            )
            return len(conn.execute(stmt).all())

    def rejections(self, topic: str | None = None) -> list[tuple[str, str, str]]:
        """(reason, detail, content) of kept rejections, oldest first."""
        query = select(GenerationRejection.reason, GenerationRejection.detail, GenerationRejection.content)
        if topic:
            query = query.where(GenerationRejection.topic == topic)
        with self._engine.connect() as conn:
            return list(conn.execute(query.order_by(GenerationRejection.created_at)))
