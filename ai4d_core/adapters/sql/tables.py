"""The PostgreSQL schema as SQLAlchemy 2 models; alembic migrations create it, tests compare the two."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _now() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _now()
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What the profile analysis needs, stated at sign-up; shown to nobody else.
    field_of_interest: Mapped[str | None] = mapped_column(String(120))
    current_role: Mapped[str | None] = mapped_column(String(120))
    goal: Mapped[str | None] = mapped_column(String(500))
    hours_per_week: Mapped[float | None] = mapped_column(Float)
    __table_args__ = (
        CheckConstraint("role in ('learner', 'educator', 'analyst', 'admin')", name="role"),
        CheckConstraint("hours_per_week is null or hours_per_week between 0 and 80", name="hours_per_week"),
    )


class Session(Base):
    """A server-side login session; the cookie holds the token, the table only its SHA-256."""

    __tablename__ = "sessions"
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = _now()
    last_seen_at: Mapped[datetime] = _now()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    account: Mapped[str] = mapped_column(String(254), index=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = _now()
    # Refused by the throttle before any password check: not counted as a failure.
    throttled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # The id of a device cookie this browser earned by a past login or reset (its own budget), if any.
    device: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (Index("ix_login_attempts_at", "at"),)


class AuthToken(Base):
    """E-mail verification and reset tokens, stored hashed, single use."""

    __tablename__ = "auth_tokens"
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _now()
    __table_args__ = (CheckConstraint("purpose in ('verify', 'reset')", name="purpose"),)


class Cohort(Base):
    __tablename__ = "cohorts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = _now()
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CohortInvite(Base):
    """A join code for a cohort (stored hashed), valid until it expires or is revoked."""

    __tablename__ = "cohort_invites"
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = _now()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    uses: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class CohortMember(Base):
    __tablename__ = "cohort_members"
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    __table_args__ = (
        CheckConstraint("role in ('learner', 'educator')", name="role"),
        Index("ix_cohort_members_user", "user_id"),
    )


class ItemRow(Base):
    """One version of an item; editing an item adds a row with the next version."""

    __tablename__ = "items"
    id: Mapped[str] = mapped_column(String(64, collation="C"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(String(64), index=True)
    level: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    provenance: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = _now()
    __table_args__ = (
        CheckConstraint("level between 1 and 3", name="level"),
        CheckConstraint("status in ('provisional', 'active', 'review', 'retired')", name="status"),
    )


class Submission(Base):
    """A submission exactly as received, with what became of it."""

    __tablename__ = "submissions"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = _now()
    size_bytes: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    batch_id: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        CheckConstraint("status in ('pending', 'accepted', 'rejected')", name="status"),
        Index("ix_submissions_pending", "received_at", postgresql_where="status = 'pending'"),
    )


class Attempt(Base):
    """A quiz attempt: one accepted submission, scored by the server."""

    __tablename__ = "attempts"
    id: Mapped[uuid.UUID] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    n_items: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    batch_id: Mapped[str] = mapped_column(String(64))
    ingested_at: Mapped[datetime] = _now()


class Response(Base):
    """One scored answer; (attempt_id, item_id) is the natural key that makes loading idempotent."""

    __tablename__ = "responses"
    attempt_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # Ids are ASCII: the "C" collation compares bytes, far cheaper for the key index than a locale's rules.
    item_id: Mapped[str] = mapped_column(String(64, collation="C"), primary_key=True)
    item_version: Mapped[int] = mapped_column(Integer)
    # Not indexed: per-learner reads go through `attempts` (indexed by learner) and this primary key, and
    # a second index would halve the COPY rate (bench/README.md).
    learner_id: Mapped[int] = mapped_column(Integer)
    answer: Mapped[str] = mapped_column(Text)
    # NULL while an open response awaits an educator's grade (`tables_grading`): it counts nowhere until then.
    score: Mapped[float | None] = mapped_column(Float)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The order the options, entries, targets or gap options were shown in (`domain.presentation`).
    presentation: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    suggested_score: Mapped[float | None] = mapped_column(Float)  # open responses: the rules' rubric score
    __table_args__ = (
        # No foreign keys on the hot table: the loader checks items and learners per batch, and
        # a trigger per row would cost the COPY fast path most of its speed.
        CheckConstraint("score between -1 and 1", name="score"),
        CheckConstraint("suggested_score between 0 and 1", name="suggested_score"),
        # The grading queue's index: partial, so it holds only the few answers awaiting review.
        Index("ix_responses_awaiting_review", "answered_at", postgresql_where="score is null"),
    )


class IngestLedger(Base):
    """One row per loaded batch, committed in the same transaction as the rows it loaded."""

    __tablename__ = "ingest_ledger"
    batch_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    committed_at: Mapped[datetime] = _now()
    n_submissions: Mapped[int] = mapped_column(Integer)
    n_accepted: Mapped[int] = mapped_column(Integer)
    n_rejected: Mapped[int] = mapped_column(Integer)
    n_responses: Mapped[int] = mapped_column(Integer)


class ProfileState(Base):
    """How far profile analysis has got for a learner (its watermark and last version)."""

    __tablename__ = "profile_state"
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    # A count, not a timestamp: an ingest transaction that commits late cannot slip under a count. It counts
    # attempts plus educators' grades (`grading.evidence_counts`): the name predates grading.
    analyzed_attempts: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = _now()


class OutboxMessage(Base):
    """A write that must reach MongoDB, committed with the change that caused it."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = _now()
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        UniqueConstraint("topic", "dedupe_key", name="uq_outbox_topic_key"),
        Index("ix_outbox_undelivered", "id", postgresql_where="delivered_at is null"),
    )


class LlmCacheEntry(Base):
    """One LLM answer, keyed by the SHA-256 of (model, prompt version, messages): a re-run pays nothing."""

    __tablename__ = "llm_cache"
    key: Mapped[str] = mapped_column(String(64, collation="C"), primary_key=True)
    model: Mapped[str] = mapped_column(String(128))
    prompt_version: Mapped[str] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()


class GenerationRejection(Base):
    """A generated candidate that failed verification, kept with its reason (DESIGN §9)."""

    __tablename__ = "generation_rejections"
    # SHA-256 of (topic, level, type, reason, content): a re-run keeps one row per distinct rejection.
    id: Mapped[str] = mapped_column(String(64, collation="C"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(64), index=True)
    level: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(160))  # llm:<model>
    reason: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)  # the candidate as received, truncated to 20,000 characters
    created_at: Mapped[datetime] = _now()


__all__ = [
    "Attempt",
    "AuditEntry",
    "AuthToken",
    "Base",
    "Cohort",
    "CohortInvite",
    "CohortMember",
    "GenerationRejection",
    "IngestLedger",
    "ItemRow",
    "LlmCacheEntry",
    "LoginAttempt",
    "MailMessage",
    "OutboxMessage",
    "ProfileState",
    "Response",
    "ScoreSuggestion",
    "Session",
    "Submission",
    "User",
]


class ScoreSuggestion(Base):
    """An LLM's suggested score for an open response, kept next to the rules' one (an educator's grade is final)."""

    __tablename__ = "score_suggestions"
    attempt_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64, collation="C"), primary_key=True)
    rule_score: Mapped[float] = mapped_column(Float)
    suggested_score: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str] = mapped_column(String(128))
    prompt_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = _now()
    __table_args__ = (CheckConstraint("status in ('suggested', 'failed')", name="status"),)


class AuditEntry(Base):
    """One security event: who did what to whom, from where. Never a password, token or answer text."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = _now()
    event: Mapped[str] = mapped_column(String(32), index=True)
    # Plain ids, no foreign keys: an entry outlives the account (erasure clears the ids, not the entry).
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    target_id: Mapped[int | None] = mapped_column(Integer, index=True)
    source: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")


class MailMessage(Base):
    """An e-mail waiting in the outbox, sent by the mail worker (a request never waits on SMTP)."""

    __tablename__ = "mail_outbox"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    template: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()
    next_attempt_at: Mapped[datetime] = _now()
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint("status in ('pending', 'sent', 'failed')", name="status"),
        Index("ix_mail_outbox_due", "next_attempt_at", postgresql_where="status = 'pending'"),
    )


# Models kept in modules of their own, imported here so `Base.metadata` is the whole schema.
from ai4d_core.adapters.sql import (  # noqa: E402, F401
    tables_calibration,
    tables_gamification,
    tables_grading,
    tables_learner,
    tables_quiz,
    tables_review,
)
