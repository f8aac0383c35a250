"""Open responses awaiting review and their grades, in PostgreSQL (the model: `tables_grading`).

`open_grading` is one transaction for one grade: the response row is locked (two educators, or a double
click, grading the same answer queue behind each other), the current grade compared, a new grade row written
and copied into `responses.score`, the attempt's total and the quiz answer (score and feedback).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, func, insert, literal, select, union_all, update

from ai4d_core.adapters.sql.tables import Attempt, CohortMember, ItemRow, Response, ScoreSuggestion
from ai4d_core.adapters.sql.tables_grading import Grade
from ai4d_core.adapters.sql.tables_quiz import QuizAnswer


@dataclass(frozen=True, slots=True)
class ResponseKey:
    """An answer's natural key: its attempt (= raw submission) and item."""

    attempt_id: uuid.UUID
    item_id: str

    def __str__(self) -> str:
        return f"{self.attempt_id}:{self.item_id}"

    @classmethod
    def parse(cls, text: str) -> ResponseKey:
        """The key from its `str()`; ValueError when malformed."""
        attempt, sep, item = str(text).partition(":")
        if not sep or not item or len(item) > 64:
            raise ValueError("not an answer key")
        return cls(uuid.UUID(attempt), item)


@dataclass(frozen=True, slots=True)
class WaitingRow:
    """An open response awaiting review, with what grading it needs."""

    key: ResponseKey
    learner_id: int
    item_body: dict[str, Any]
    answer_json: str
    rule_score: float | None
    llm_score: float | None
    llm_comment: str | None
    llm_model: str | None
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class GradeRow:
    id: int
    key: ResponseKey
    learner_id: int
    grader_id: int | None
    score: float
    comment: str | None
    graded_at: datetime
    current: bool


@dataclass(frozen=True, slots=True)
class LockedResponse:
    """A response row locked for grading, with its item and current grade."""

    key: ResponseKey
    learner_id: int
    item_type: str
    item_body: dict[str, Any]
    score: float | None
    current: GradeRow | None


def _grade(row: Any) -> GradeRow:
    m = row._mapping
    return GradeRow(m["id"], ResponseKey(m["attempt_id"], m["item_id"]), m["learner_id"], m["grader_id"],
                    m["score"], m["comment"], m["graded_at"], m["current"])  # fmt: skip


def _in_cohorts(cohorts: Collection[int] | None) -> Any:
    if cohorts is None:
        return literal(True)
    learners = select(CohortMember.user_id).where(
        CohortMember.role == "learner", CohortMember.cohort_id.in_(sorted(cohorts))
    )
    return Response.learner_id.in_(learners)


def waiting(engine: Engine, cohorts: Collection[int] | None, limit: int) -> list[WaitingRow]:
    """Answers awaiting review of learners in `cohorts` (None: everyone's), oldest first."""
    if cohorts is not None and not cohorts:
        return []
    llm = and_(
        ScoreSuggestion.attempt_id == Response.attempt_id,
        ScoreSuggestion.item_id == Response.item_id,
        ScoreSuggestion.status == "suggested",
    )
    query = (
        select(Response.attempt_id, Response.item_id, Response.learner_id, ItemRow.body, Response.answer,
               Response.suggested_score, ScoreSuggestion.suggested_score, ScoreSuggestion.comment,
               ScoreSuggestion.model, Response.answered_at)
        .join(ItemRow, (ItemRow.id == Response.item_id) & (ItemRow.version == Response.item_version))
        .outerjoin(ScoreSuggestion, llm)
        .where(Response.score.is_(None), _in_cohorts(cohorts))
        .order_by(Response.answered_at, Response.attempt_id, Response.item_id)
        .limit(limit)
    )  # fmt: skip
    with engine.connect() as conn:
        return [WaitingRow(ResponseKey(a, i), *rest) for a, i, *rest in conn.execute(query)]


def count_waiting(engine: Engine, cohorts: Collection[int] | None) -> int:
    if cohorts is not None and not cohorts:
        return 0
    query = select(func.count()).select_from(Response).where(Response.score.is_(None), _in_cohorts(cohorts))
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def learner_of(engine: Engine, key: ResponseKey) -> int | None:
    query = select(Response.learner_id).where(Response.attempt_id == key.attempt_id, Response.item_id == key.item_id)
    with engine.connect() as conn:
        found = conn.execute(query).scalar_one_or_none()
    return None if found is None else int(found)


def grades_of(engine: Engine, key: ResponseKey) -> list[GradeRow]:
    """Every grade the answer was given, oldest first (the audit of regrades)."""
    query = (
        select(Grade.__table__)
        .where(Grade.attempt_id == key.attempt_id, Grade.item_id == key.item_id)
        .order_by(Grade.id)
    )
    with engine.connect() as conn:
        return [_grade(row) for row in conn.execute(query)]


def grades_after(engine: Engine, last_id: int, limit: int) -> list[GradeRow]:
    """Grades with an id above `last_id`, in id order (for a relay that keeps its watermark)."""
    query = select(Grade.__table__).where(Grade.id > last_id).order_by(Grade.id).limit(limit)
    with engine.connect() as conn:
        return [_grade(row) for row in conn.execute(query)]


def evidence_counts() -> Select[Any]:
    """Per learner, attempts plus grades given (regrades included): a count that grows with every new piece of
    evidence, for profile analysis's watermark (`adapters.sql.analysis.due_learners`)."""
    events = union_all(
        select(Attempt.learner_id.label("learner_id")), select(Grade.learner_id.label("learner_id"))
    ).subquery()
    return select(events.c.learner_id, func.count().label("n")).group_by(events.c.learner_id)


class Grading:
    """Operations inside one open transaction (see `open_grading`)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def lock(self, key: ResponseKey) -> LockedResponse | None:
        row = self.conn.execute(
            select(Response.learner_id, ItemRow.type, ItemRow.body, Response.score)
            .join(ItemRow, (ItemRow.id == Response.item_id) & (ItemRow.version == Response.item_version))
            .where(Response.attempt_id == key.attempt_id, Response.item_id == key.item_id)
            .with_for_update(of=Response)
        ).first()
        if row is None:
            return None
        current = self.conn.execute(
            select(Grade.__table__).where(
                Grade.attempt_id == key.attempt_id, Grade.item_id == key.item_id, Grade.current
            )
        ).first()
        return LockedResponse(key, int(row[0]), str(row[1]), dict(row[2]), row[3], _grade(current) if current else None)

    def save(
        self,
        locked: LockedResponse,
        grader_id: int | None,
        score: float,
        comment: str | None,
        feedback: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> GradeRow:
        """Make (score, comment) the answer's current grade; `feedback` turns the quiz answer's stored feedback
        into the graded one."""
        key, conn = locked.key, self.conn
        where = (Grade.attempt_id == key.attempt_id) & (Grade.item_id == key.item_id)
        conn.execute(update(Grade).where(where, Grade.current).values(current=False))
        new = conn.execute(
            insert(Grade)
            .values(attempt_id=key.attempt_id, item_id=key.item_id, learner_id=locked.learner_id,
                    grader_id=grader_id, score=score, comment=comment, current=True)
            .returning(*Grade.__table__.columns)
        ).one()  # fmt: skip
        conn.execute(
            update(Response)
            .where(Response.attempt_id == key.attempt_id, Response.item_id == key.item_id)
            .values(score=score)
        )
        total = select(func.coalesce(func.sum(Response.score), 0.0)).where(Response.attempt_id == key.attempt_id)
        conn.execute(update(Attempt).where(Attempt.id == key.attempt_id).values(score=total.scalar_subquery()))
        answer = conn.execute(
            select(QuizAnswer.session_id, QuizAnswer.position, QuizAnswer.feedback)
            .where(QuizAnswer.submission_id == key.attempt_id, QuizAnswer.item_id == key.item_id)
            .with_for_update()
        ).first()
        if answer is not None:
            conn.execute(
                update(QuizAnswer)
                .where(QuizAnswer.session_id == answer.session_id, QuizAnswer.position == answer.position)
                .values(score=score, feedback=feedback(dict(answer.feedback)))
            )
        return _grade(new)


@contextmanager
def open_grading(engine: Engine) -> Iterator[Grading]:
    """A transaction for one grade: committed when the block ends, rolled back on any error."""
    with engine.begin() as conn:
        yield Grading(conn)


__all__ = [
    "GradeRow",
    "Grading",
    "LockedResponse",
    "ResponseKey",
    "WaitingRow",
    "count_waiting",
    "evidence_counts",
    "grades_after",
    "grades_of",
    "learner_of",
    "open_grading",
    "waiting",
]
