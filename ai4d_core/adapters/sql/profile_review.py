"""Profile review requests, re-runs and the learners an educator may review, in PostgreSQL.

No authorization here: `services.profile_review` decides who may read or change what.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ai4d_core.adapters.sql.tables import CohortMember, User
from ai4d_core.adapters.sql.tables_review import ProfileRerun, ProfileReviewRequest


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    id: int
    learner_id: int
    note: str
    profile_version: int | None
    requested_at: datetime
    resolved_at: datetime | None
    resolved_by: int | None
    outcome: str | None


@dataclass(frozen=True, slots=True)
class Rerun:
    flow_run_id: uuid.UUID
    started_by: int | None
    n_learners: int
    started_at: datetime
    extra: dict[str, Any]


_REQUEST = tuple(getattr(ProfileReviewRequest, f.name) for f in fields(ReviewRequest))
_RERUN = tuple(getattr(ProfileRerun, f.name) for f in fields(Rerun))


class SqlProfileReviewStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def learners(self, cohort_ids: Collection[int] | None) -> dict[int, str]:
        """Active learners (id -> display name) of these cohorts; of every cohort and none when None."""
        stmt = select(User.id, User.display_name).where(User.role == "learner", User.is_active)
        if cohort_ids is not None:
            taught = select(CohortMember.user_id).where(
                CohortMember.cohort_id.in_(list(cohort_ids)), CohortMember.role == "learner"
            )
            stmt = stmt.where(User.id.in_(taught))
        with self._engine.connect() as conn:
            return {int(i): str(name) for i, name in conn.execute(stmt.order_by(User.id))}

    def open_request(self, learner_id: int) -> ReviewRequest | None:
        stmt = select(*_REQUEST).where(
            ProfileReviewRequest.learner_id == learner_id, ProfileReviewRequest.resolved_at.is_(None)
        )
        with self._engine.connect() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else ReviewRequest(*row)

    def add_request(self, learner_id: int, note: str, profile_version: int | None) -> tuple[ReviewRequest, bool]:
        """The learner's open request, made now unless one is open already; (request, made)."""
        stmt = (
            pg_insert(ProfileReviewRequest)
            .values(learner_id=learner_id, note=note, profile_version=profile_version)
            .on_conflict_do_nothing(
                index_elements=["learner_id"], index_where=ProfileReviewRequest.resolved_at.is_(None)
            )
            .returning(*_REQUEST)
        )
        with self._engine.begin() as conn:
            row = conn.execute(stmt).first()
        if row is not None:
            return ReviewRequest(*row), True
        existing = self.open_request(learner_id)
        if existing is None:  # resolved between the insert and the read: ask again
            return self.add_request(learner_id, note, profile_version)
        return existing, False

    def get_request(self, request_id: int) -> ReviewRequest | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(*_REQUEST).where(ProfileReviewRequest.id == request_id)).first()
        return None if row is None else ReviewRequest(*row)

    def open_requests(self, learner_ids: Collection[int] | None) -> list[ReviewRequest]:
        """Open requests (of these learners), oldest first."""
        stmt = select(*_REQUEST).where(ProfileReviewRequest.resolved_at.is_(None))
        if learner_ids is not None:
            stmt = stmt.where(ProfileReviewRequest.learner_id.in_(list(learner_ids)))
        with self._engine.connect() as conn:
            rows = conn.execute(stmt.order_by(ProfileReviewRequest.requested_at, ProfileReviewRequest.id)).all()
        return [ReviewRequest(*row) for row in rows]

    def resolve(self, request_id: int, by: int | None, outcome: str) -> bool:
        """Close an open request; False if it was closed already (nothing changes)."""
        stmt = (
            update(ProfileReviewRequest)
            .where(ProfileReviewRequest.id == request_id, ProfileReviewRequest.resolved_at.is_(None))
            .values(resolved_at=func.now(), resolved_by=by, outcome=outcome)
        )
        with self._engine.begin() as conn:
            return bool(conn.execute(stmt).rowcount)

    def add_rerun(
        self, flow_run_id: uuid.UUID, by: int | None, learner_ids: Sequence[int], extra: dict[str, Any]
    ) -> None:
        values = {"flow_run_id": flow_run_id, "started_by": by, "n_learners": len(learner_ids), "extra": extra}
        with self._engine.begin() as conn:
            conn.execute(insert(ProfileRerun).values(**values))

    def get_rerun(self, flow_run_id: uuid.UUID) -> Rerun | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(*_RERUN).where(ProfileRerun.flow_run_id == flow_run_id)).first()
        return None if row is None else Rerun(*row)

    def latest_rerun(self, by: int | None) -> Rerun | None:
        """The newest re-run started by this user (by anyone when None)."""
        stmt = select(*_RERUN)
        if by is not None:
            stmt = stmt.where(ProfileRerun.started_by == by)
        with self._engine.connect() as conn:
            row = conn.execute(stmt.order_by(ProfileRerun.started_at.desc()).limit(1)).first()
        return None if row is None else Rerun(*row)
