"""Raw submissions in PostgreSQL: every payload is kept as received, with its status and reason."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from uuid6 import uuid7

from ai4d_core.adapters.sql.tables import Submission

KEEP_BYTES = 64_000  # an oversized payload keeps its first 64 kB for inspection; its size is recorded


@dataclass(frozen=True, slots=True)
class StoredSubmission:
    id: uuid.UUID
    status: str
    reason: str | None
    duplicate: bool


class SqlSubmissionStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(
        self,
        *,
        idempotency_key: str,
        learner_id: int | None,
        source: str,
        raw: bytes,
        status: str,
        reason: str | None,
    ) -> StoredSubmission:
        """Store a submission once per idempotency key; a repeat returns the first one, marked duplicate."""
        text = raw[:KEEP_BYTES].decode("utf-8", errors="replace").replace("\x00", "\ufffd")
        new_id = uuid7()  # time-ordered: responses are COPYed in primary-key order, near the index's end
        stmt = (
            pg_insert(Submission)
            .values(
                id=new_id,
                idempotency_key=idempotency_key,
                learner_id=learner_id,
                source=source,
                size_bytes=len(raw),
                payload=text,
                status=status,
                reason=reason,
            )
            .on_conflict_do_nothing(index_elements=[Submission.idempotency_key])
            .returning(Submission.id)
        )
        with self._engine.begin() as conn:
            inserted = conn.execute(stmt).scalar_one_or_none()
            if inserted is not None:
                return StoredSubmission(inserted, status, reason, duplicate=False)
            row = conn.execute(
                select(Submission.id, Submission.status, Submission.reason).where(
                    Submission.idempotency_key == idempotency_key
                )
            ).one()
        return StoredSubmission(row.id, row.status, row.reason, duplicate=True)

    def get(self, submission_id: uuid.UUID) -> StoredSubmission | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(Submission.id, Submission.status, Submission.reason).where(Submission.id == submission_id)
            ).first()
        return StoredSubmission(row.id, row.status, row.reason, duplicate=False) if row else None
