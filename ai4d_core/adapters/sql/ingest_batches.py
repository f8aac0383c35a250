"""One ingest batch as one PostgreSQL transaction: claim pending submissions, load what they hold, mark them,
and write the ledger row, all committed together (or not at all)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import psycopg
from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update

from ai4d_core.adapters.sql.response_loader import ResponseRow, load_responses
from ai4d_core.adapters.sql.tables import Attempt, IngestLedger, Submission, User


@dataclass(frozen=True, slots=True)
class PendingSubmission:
    id: uuid.UUID
    learner_id: int | None
    payload: str
    size_bytes: int
    received_at: datetime


@dataclass(frozen=True, slots=True)
class AcceptedAttempt:
    submission_id: uuid.UUID
    learner_id: int
    submitted_at: datetime
    responses: list[ResponseRow]


@dataclass(frozen=True, slots=True)
class BatchCounts:
    batch_id: str
    n_submissions: int
    n_accepted: int
    n_rejected: int
    n_responses: int


def batch_id_of(ids: list[uuid.UUID]) -> str:
    """A deterministic id for a set of submissions."""
    return hashlib.sha256("".join(sorted(str(i) for i in ids)).encode()).hexdigest()[:32]


class IngestBatch:
    """Operations inside one open transaction (see `open_batch`)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def claim(self, limit: int) -> list[PendingSubmission]:
        """Lock up to `limit` pending submissions, oldest first; concurrent runs skip each other's rows."""
        rows = self._conn.execute(
            select(
                Submission.id, Submission.learner_id, Submission.payload, Submission.size_bytes, Submission.received_at
            )
            .where(Submission.status == "pending")
            .order_by(Submission.received_at, Submission.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [PendingSubmission(*row) for row in rows]

    def active_learners(self, ids: set[int]) -> set[int]:
        if not ids:
            return set()
        rows = self._conn.execute(select(User.id).where(User.id.in_(ids), User.role == "learner"))
        return {int(r[0]) for r in rows}

    def commit(self, batch_id: str, accepted: list[AcceptedAttempt], rejected: dict[uuid.UUID, str]) -> BatchCounts:
        """Write attempts, responses, statuses and the ledger row; the caller's transaction commits them."""
        conn = self._conn
        n_responses = 0
        if accepted:
            conn.execute(
                insert(Attempt),
                [
                    {
                        "id": a.submission_id,
                        "learner_id": a.learner_id,
                        "submitted_at": a.submitted_at,
                        "n_items": len(a.responses),
                        "score": sum(r.score for r in a.responses if r.score is not None),  # graded ones
                        "batch_id": batch_id,
                    }
                    for a in accepted
                ],
            )
            driver = conn.connection.driver_connection
            assert isinstance(driver, psycopg.Connection)
            n_responses = load_responses(driver, [r for a in accepted for r in a.responses])
        outcomes = [{"sid": a.submission_id, "st": "accepted", "why": None} for a in accepted]
        outcomes += [{"sid": sid, "st": "rejected", "why": why} for sid, why in rejected.items()]
        if outcomes:
            conn.execute(
                update(Submission)
                .where(Submission.id == bindparam("sid"))
                .values(status=bindparam("st"), reason=bindparam("why"), processed_at=func.now(), batch_id=batch_id),
                outcomes,
            )
        counts = BatchCounts(batch_id, len(outcomes), len(accepted), len(rejected), n_responses)
        conn.execute(
            insert(IngestLedger).values(
                batch_id=batch_id,
                n_submissions=counts.n_submissions,
                n_accepted=counts.n_accepted,
                n_rejected=counts.n_rejected,
                n_responses=counts.n_responses,
            )
        )
        return counts


@contextmanager
def open_batch(engine: Engine) -> Iterator[IngestBatch]:
    """A transaction for one batch: committed when the block ends, rolled back on any error."""
    with engine.begin() as conn:
        yield IngestBatch(conn)
