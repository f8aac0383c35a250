"""Profile review: learners' review requests and educators' re-runs.

Models on `tables.Base`, imported at the end of `tables` so that the metadata is the whole schema.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ai4d_core.adapters.sql.tables import Base

OUTCOMES = ("kept", "rerun", "dismissed")


def _now() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class ProfileReviewRequest(Base):
    """A learner's request that an educator look at their profile; at most one open per learner."""

    __tablename__ = "profile_review_requests"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(Text)
    profile_version: Mapped[int | None] = mapped_column(Integer)  # the latest version when asked
    requested_at: Mapped[datetime] = _now()
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(String(16))
    __table_args__ = (
        CheckConstraint("char_length(note) <= 500", name="note"),
        CheckConstraint("outcome is null or outcome in ('kept', 'rerun', 'dismissed')", name="outcome"),
        CheckConstraint("(resolved_at is null) = (outcome is null)", name="resolved"),
        Index("uq_profile_review_requests_one_open", "learner_id", unique=True, postgresql_where="resolved_at is null"),
    )


class ProfileRerun(Base):
    """An educator's re-run of profiles with the LLM: the Prefect flow run that does it, and for whom."""

    __tablename__ = "profile_reruns"
    flow_run_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    n_learners: Mapped[int] = mapped_column(Integer)  # how many (the audit entry has the count too)
    started_at: Mapped[datetime] = _now()
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")  # e.g. all fallbacks
