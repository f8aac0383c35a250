"""The mail outbox in PostgreSQL: rows are inserted by requests and claimed one at a time by the sender.

A claim is `SELECT … FOR UPDATE SKIP LOCKED` of one due row inside a transaction that stays open while that
message is sent and is committed with its outcome: two senders never hold, and so never send, the same row.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, func, insert, select, update

from ai4d_core.adapters.sql.tables import MailMessage


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One claimed row: what the sender needs to send it."""

    id: int
    to_address: str
    template: str
    subject: str
    text_body: str
    html_body: str
    attempts: int


@dataclass(frozen=True, slots=True)
class OutboxFailure:
    id: int
    to_address: str
    template: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None


class Claim:
    """A claimed row, held locked until the `claim_one` block ends; record its outcome with one call."""

    def __init__(self, conn: Connection, message: OutboxMessage) -> None:
        self._conn = conn
        self.message = message

    def sent(self, at: datetime) -> None:
        self._set(status="sent", sent_at=at, attempts=self.message.attempts + 1, last_error=None)

    def failed(self, error: str, retry_at: datetime | None) -> None:
        """Record a failure: retried at `retry_at`, or given up (`failed`) when it is None."""
        values: dict[str, object] = {"attempts": self.message.attempts + 1, "last_error": error[:2000]}
        if retry_at is None:
            values["status"] = "failed"
        else:
            values["next_attempt_at"] = retry_at
        self._set(**values)

    def _set(self, **values: object) -> None:
        self._conn.execute(update(MailMessage).where(MailMessage.id == self.message.id).values(**values))


class SqlMailOutbox:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(
        self,
        *,
        user_id: int | None,
        to_address: str,
        template: str,
        subject: str,
        text_body: str,
        html_body: str,
        conn: Connection | None = None,
    ) -> int:
        """Insert a pending message, in `conn`'s transaction if given (else in its own); returns its id."""
        stmt = (
            insert(MailMessage)
            .values(
                user_id=user_id,
                to_address=to_address,
                template=template,
                subject=subject,
                text_body=text_body,
                html_body=html_body,
            )
            .returning(MailMessage.id)
        )
        if conn is not None:
            return int(conn.execute(stmt).scalar_one())
        with self._engine.begin() as own:
            return int(own.execute(stmt).scalar_one())

    @contextmanager
    def claim_one(self, now: datetime) -> Iterator[Claim | None]:
        """Lock the oldest due pending row that no one else holds (None when there is none)."""
        stmt = (
            select(
                MailMessage.id,
                MailMessage.to_address,
                MailMessage.template,
                MailMessage.subject,
                MailMessage.text_body,
                MailMessage.html_body,
                MailMessage.attempts,
            )
            .where(MailMessage.status == "pending", MailMessage.next_attempt_at <= now)
            .order_by(MailMessage.next_attempt_at, MailMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        with self._engine.begin() as conn:
            row = conn.execute(stmt).first()
            yield Claim(conn, OutboxMessage(*row)) if row else None

    def now(self) -> datetime:
        """The database's clock: the one `created_at` and the first `next_attempt_at` come from."""
        with self._engine.connect() as conn:
            return conn.execute(select(func.now())).scalar_one()

    def counts(self) -> dict[str, int]:
        """Messages per status (every status present, zero when none)."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(MailMessage.status, func.count()).group_by(MailMessage.status)).all()
        found = {str(status): int(n) for status, n in rows}
        return {status: found.get(status, 0) for status in ("pending", "sent", "failed")}

    def recent_failures(self, limit: int = 10) -> list[OutboxFailure]:
        """The latest messages with a recorded error that are not sent: given up, or waiting to retry."""
        stmt = (
            select(
                MailMessage.id,
                MailMessage.to_address,
                MailMessage.template,
                MailMessage.status,
                MailMessage.attempts,
                MailMessage.next_attempt_at,
                MailMessage.last_error,
            )
            .where(MailMessage.status != "sent", MailMessage.last_error.is_not(None))
            .order_by(MailMessage.id.desc())
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [OutboxFailure(*row) for row in conn.execute(stmt)]


__all__ = ["Claim", "OutboxFailure", "OutboxMessage", "SqlMailOutbox"]
