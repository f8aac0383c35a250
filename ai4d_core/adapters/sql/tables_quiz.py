"""Quiz sessions and their answers (`adapters.sql.quiz_sessions`).

Models on `tables.Base`, imported at the end of `tables` so that the metadata is the whole schema.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, DateTime, Float, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ai4d_core.adapters.sql.tables import Base, _now


class QuizSession(Base):
    """A quiz in progress (or ended): its adaptive state and the question shown now; one active per learner."""

    __tablename__ = "quiz_sessions"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    state: Mapped[dict[str, Any]] = mapped_column(JSONB)  # `domain.adaptive_state.QuizState.to_dict()`
    position: Mapped[int] = mapped_column(Integer)  # the current question's number, from 1
    current: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # item id, version, pretest, presentation
    stop_reason: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint("mode in ('diagnostic', 'practice')", name="mode"),
        CheckConstraint("status in ('active', 'finished', 'abandoned')", name="status"),
        Index("uq_quiz_sessions_one_active", "learner_id", unique=True, postgresql_where="status = 'active'"),
    )


class QuizAnswer(Base):
    """One answered question of a quiz session, scored at once (open responses: once graded), with its feedback;
    (session, position) once."""

    __tablename__ = "quiz_answers"
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quiz_sessions.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(64, collation="C"))
    item_version: Mapped[int] = mapped_column(Integer)
    pretest: Mapped[bool] = mapped_column(Boolean)
    answer: Mapped[Any] = mapped_column(JSONB)  # as scored (e.g. the number read from what was typed)
    typed: Mapped[Any] = mapped_column(JSONB)  # what the page sent
    presentation: Mapped[dict[str, Any]] = mapped_column(JSONB)
    score: Mapped[float | None] = mapped_column(Float)  # NULL: an open response awaiting review
    feedback: Mapped[dict[str, Any]] = mapped_column(JSONB)
    submission_id: Mapped[uuid.UUID] = mapped_column(unique=True)  # the raw submission (and later attempt) id
    answered_at: Mapped[datetime] = _now()
    suggested_score: Mapped[float | None] = mapped_column(Float)  # open responses: the rules' rubric score
    __table_args__ = (
        CheckConstraint("score between -1 and 1", name="score"),
        CheckConstraint("suggested_score between 0 and 1", name="suggested_score"),
    )


# Read by time by the activity relay (`adapters.sql.activity`).
Index("ix_quiz_sessions_started_at", QuizSession.started_at)
Index("ix_quiz_answers_answered_at", QuizAnswer.answered_at)

__all__ = ["QuizAnswer", "QuizSession"]
