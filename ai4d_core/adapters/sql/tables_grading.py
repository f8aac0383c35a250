"""Open responses graded by people (issue 8): the rules' suggestion is kept, an educator's grade is final.

The model, and why:

- `responses.score` is NULL while an open response awaits review, and `responses.suggested_score` holds the
  rule-based rubric score (NULL for every other type). Every consumer of `responses.score` (profiles,
  calibration, the warehouse, XP) skips NULL rows, so an ungraded answer counts nowhere until it is graded;
  no flag has to be kept in step with the score. `quiz_answers` mirrors it (score NULL, `suggested_score`).
- `grades` holds every grade given, one row each: a regrade adds a row and clears `current` on the previous
  one, so the audit of who graded what, when and with which comment is never overwritten. A partial unique
  index keeps one current grade per response. The current grade's score is copied into `responses.score` (and
  the quiz answer's score and feedback) in the same transaction, so readers need no join.
- A grade names its response by (attempt, item) with no foreign key, like `score_suggestions` (a key on
  `responses` would make its maintenance, `TRUNCATE` included, depend on grades); the learner's foreign key
  cascades, and erasure deletes the grades of their answers. The grader's is set to NULL when that account is
  deleted.
- `grades.id` is in the "activity" relay's order (a bigint identity), and `learner_id` lets profile analysis
  count a learner's grades as new evidence (`adapters.sql.grading.evidence_counts`).

Models on `tables.Base`, imported at the end of `tables` so that the metadata is the whole schema.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from ai4d_core.adapters.sql.tables import Base

MAX_COMMENT = 2000


class Grade(Base):
    """One educator's grade of one open response; `current` marks the one that counts."""

    __tablename__ = "grades"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    attempt_id: Mapped[uuid.UUID] = mapped_column()
    item_id: Mapped[str] = mapped_column(String(64, collation="C"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    grader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    score: Mapped[float] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    graded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    current: Mapped[bool] = mapped_column(Boolean)
    __table_args__ = (
        CheckConstraint("score between 0 and 1", name="score"),
        CheckConstraint(f"comment is null or length(comment) <= {MAX_COMMENT}", name="comment"),
        Index("ix_grades_response", "attempt_id", "item_id"),
        Index("uq_grades_current", "attempt_id", "item_id", unique=True, postgresql_where="current"),
    )


__all__ = ["MAX_COMMENT", "Grade"]
