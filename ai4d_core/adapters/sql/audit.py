"""The security audit log in PostgreSQL (`audit_log`): append-only rows, read newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from ai4d_core.adapters.sql.tables import AuditEntry


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audit entry as read back."""

    id: int
    at: datetime
    event: str
    actor_id: int | None
    target_id: int | None
    source: str | None
    detail: dict[str, Any]


class SqlAuditLog:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(
        self,
        event: str,
        actor_id: int | None,
        target_id: int | None,
        source: str | None,
        detail: dict[str, Any],
        conn: Connection | None = None,
    ) -> None:
        """Append one entry (in the caller's transaction when `conn` is given)."""
        stmt = insert(AuditEntry).values(
            event=event, actor_id=actor_id, target_id=target_id, source=source, detail=detail
        )
        if conn is not None:
            conn.execute(stmt)
            return
        with self._engine.begin() as own:
            own.execute(stmt)

    def recent(self, limit: int, event: str | None = None, target_id: int | None = None) -> list[AuditRecord]:
        query = select(
            AuditEntry.id, AuditEntry.at, AuditEntry.event, AuditEntry.actor_id,
            AuditEntry.target_id, AuditEntry.source, AuditEntry.detail,
        )  # fmt: skip
        if event is not None:
            query = query.where(AuditEntry.event == event)
        if target_id is not None:
            query = query.where(AuditEntry.target_id == target_id)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(AuditEntry.id.desc()).limit(limit)).all()
        return [AuditRecord(*row) for row in rows]
