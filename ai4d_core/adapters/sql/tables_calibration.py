"""Calibration runs and each item version's estimates and promotion decision in a run.

Models on `tables.Base`, imported at the end of `tables` so that the metadata is the whole schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, DateTime, Float, ForeignKey, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ai4d_core.adapters.sql.tables import Base


class CalibrationRun(Base):
    """One calibration of the bank: when, with which model and policy, on how much data."""

    __tablename__ = "calibration_runs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_version: Mapped[str] = mapped_column(String(32))
    calibrated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False, index=True
    )
    n_responses: Mapped[int] = mapped_column(Integer)
    n_learners: Mapped[int] = mapped_column(Integer)
    n_items: Mapped[int] = mapped_column(Integer)
    anchored: Mapped[bool] = mapped_column(Boolean)  # active items held at a previous run's parameters
    log_likelihood: Mapped[float | None] = mapped_column(Float)
    iterations: Mapped[int] = mapped_column(Integer)
    converged: Mapped[bool] = mapped_column(Boolean)
    policy: Mapped[dict[str, Any]] = mapped_column(JSONB)


class ItemCalibration(Base):
    """One item version's estimates, statistics and promotion decision (with its reason) in one run."""

    __tablename__ = "item_calibrations"
    run_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("calibration_runs.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(String(64, collation="C"), primary_key=True, index=True)
    item_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    status_before: Mapped[str] = mapped_column(String(16))
    status_after: Mapped[str] = mapped_column(String(16))
    fixed: Mapped[bool] = mapped_column(Boolean)  # an anchor: a and b held, not estimated
    a: Mapped[float] = mapped_column(Float)
    b: Mapped[float] = mapped_column(Float)
    se_a: Mapped[float | None] = mapped_column(Float)
    se_b: Mapped[float | None] = mapped_column(Float)
    n_responses: Mapped[int] = mapped_column(Integer)
    fit: Mapped[float | None] = mapped_column(Float)
    point_biserial: Mapped[float | None] = mapped_column(Float)
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)  # per option: chosen, mean ability
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    __table_args__ = (CheckConstraint("decision in ('promoted', 'kept', 'set_aside', 'active')", name="decision"),)


__all__ = ["CalibrationRun", "ItemCalibration"]
