"""The XP ledger and the badge awards (streaks and levels are computed from evidence, never stored).

Models on `tables.Base`, imported at the end of `tables` so that the metadata is the whole schema. The primary
keys are the anti-farming guards: one XP row per (learner, item) ever, one award per (learner, badge).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Float, ForeignKey, Index, Integer, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ai4d_core.adapters.sql.tables import Base


class XpAward(Base):
    """The XP an item earned a learner: its first answer with a positive score (`domain.gamification`)."""

    __tablename__ = "xp_awards"
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64, collation="C"), primary_key=True)
    xp: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    b: Mapped[float] = mapped_column(Float)  # the item's calibrated difficulty when awarded
    # The answer that earned it: "quiz:<session>:<position>" or "response:<attempt>:<item>".
    source: Mapped[str] = mapped_column(String(160))
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # server time of that answer
    awarded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    __table_args__ = (
        CheckConstraint("xp > 0", name="xp"),
        CheckConstraint("score > 0 and score <= 1", name="score"),
        Index("ix_xp_awards_answered_at", "answered_at"),  # the weekly leaderboard
    )


class BadgeAward(Base):
    """A badge a learner earned, with the evidence that earned it (item ids, quiz id, dates)."""

    __tablename__ = "badge_awards"
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    badge: Mapped[str] = mapped_column(String(32), primary_key=True)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONB)
    awarded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    __table_args__ = (Index("ix_badge_awards_awarded_at", "awarded_at"),)  # relayed to `activity` in order


__all__ = ["BadgeAward", "XpAward"]
