"""Learner settings (time zone, opt-ins, pseudonym), the activity relay's watermarks and the "your profile is
ready" notifications already queued.

Models on `tables.Base`, imported at the end of `tables` so that the metadata is the whole schema. The indexes
at the end serve the activity relay, which reads each source table by time (`adapters.sql.activity`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ai4d_core.adapters.sql.tables import Base, OutboxMessage


class LearnerSettingsRow(Base):
    """What a learner chose; a row is made (with a fresh pseudonym) the first time anything reads them."""

    __tablename__ = "learner_settings"
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    time_zone: Mapped[str] = mapped_column(String(64), server_default="UTC")  # an IANA name, checked on the way in
    leaderboard_opt_in: Mapped[bool] = mapped_column(Boolean, server_default="false")
    notify_profile_ready: Mapped[bool] = mapped_column(Boolean, server_default="false")
    pseudonym: Mapped[str] = mapped_column(String(40), unique=True)  # random words, never from name or e-mail
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    __table_args__ = (CheckConstraint("length(pseudonym) > 0", name="pseudonym"),)


class ActivityWatermark(Base):
    """How far the activity relay has read one source table (the newest fact time it has relayed)."""

    __tablename__ = "activity_relay"
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    watermark: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    relayed: Mapped[int] = mapped_column(BigInteger, server_default="0")  # events newly stored, all runs
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ProfileNotification(Base):
    """A "your profile is ready" e-mail queued for one profile version: at most one per (learner, version)."""

    __tablename__ = "profile_notifications"
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    mail_id: Mapped[int | None] = mapped_column(BigInteger)  # its mail_outbox row (set once queued, same transaction)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


Index(
    "ix_outbox_profile_delivered", OutboxMessage.delivered_at,
    postgresql_where=(OutboxMessage.topic == "profile") & OutboxMessage.delivered_at.is_not(None),
)  # fmt: skip

__all__ = ["ActivityWatermark", "LearnerSettingsRow", "ProfileNotification"]
