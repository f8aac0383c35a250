"""Quiz sessions in PostgreSQL: the session row, its answers, and each answer's raw submission, written together.

`save_answer` is one transaction: the session row is locked and its position checked, the answer and its raw
submission (status pending, for `ingest-submissions`) are inserted, and the session moves on. A crash before
the commit keeps nothing, after it everything; a second call for the same position finds the first one's row.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, func, literal, select, tuple_, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from uuid6 import uuid7

from ai4d_core.adapters.sql.tables import Attempt, ItemRow, Response, Submission
from ai4d_core.adapters.sql.tables_quiz import QuizAnswer, QuizSession
from ai4d_core.domain.items import Item, parse_item

ACTIVE, FINISHED, ABANDONED = "active", "finished", "abandoned"
SOURCE = "quiz-session"


class ActiveSessionExists(Exception):  # noqa: N818 - a state, not a failure of this code
    """The learner already has an active session (the partial unique index said so)."""


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: uuid.UUID
    learner_id: int
    mode: str
    status: str
    state: dict[str, Any]
    position: int
    current: dict[str, Any] | None
    stop_reason: str | None
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True, slots=True)
class AnswerRow:
    session_id: uuid.UUID
    position: int
    learner_id: int
    item_id: str
    item_version: int
    pretest: bool
    answer: Any
    typed: Any
    presentation: dict[str, Any]
    score: float | None  # None: an open response awaiting an educator's grade
    feedback: dict[str, Any]
    submission_id: uuid.UUID
    answered_at: datetime | None = None
    suggested_score: float | None = None  # an open response: the rules' rubric score


@dataclass(frozen=True, slots=True)
class Move:
    """Where the session goes after an answer: its new state, position, question (None: ended) and status."""

    state: dict[str, Any]
    position: int
    current: dict[str, Any] | None
    status: str
    stop_reason: str | None


@dataclass(frozen=True, slots=True)
class PoolRow:
    """What the adaptive pool needs of an item's latest version, read without parsing the item."""

    id: str
    version: int
    type: str
    topic: str
    status: str
    difficulty: float
    calibration: dict[str, Any] | None


_SESSION_COLUMNS = list(QuizSession.__table__.columns)
_ANSWER_COLUMNS = list(QuizAnswer.__table__.columns)


EXPOSURE_WINDOW = 500  # quizzes the exposure rates look back over
MIN_SESSIONS = 20  # fewer quizzes than this give no exposure rates (too noisy)


def _session(row: Any) -> SessionRow:
    return SessionRow(**row._mapping)


def _answer(row: Any) -> AnswerRow:
    return AnswerRow(**row._mapping)


class SqlQuizSessionStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, session_id: uuid.UUID) -> SessionRow | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(*_SESSION_COLUMNS).where(QuizSession.id == session_id)).first()
        return _session(row) if row else None

    def active(self, learner_id: int) -> SessionRow | None:
        query = select(*_SESSION_COLUMNS).where(QuizSession.learner_id == learner_id, QuizSession.status == ACTIVE)
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return _session(row) if row else None

    def create(self, session: SessionRow, *, replace: bool) -> None:
        """Insert a new active session; with `replace`, the learner's active one is marked abandoned first."""
        values = {c.name: getattr(session, c.name) for c in _SESSION_COLUMNS if c.name not in ("updated_at",)}
        try:
            with self._engine.begin() as conn:
                if replace:
                    conn.execute(
                        update(QuizSession)
                        .where(QuizSession.learner_id == session.learner_id, QuizSession.status == ACTIVE)
                        .values(status=ABANDONED, ended_at=func.now(), updated_at=func.now(), current=None)
                    )
                conn.execute(pg_insert(QuizSession).values(values))
        except IntegrityError as exc:
            if "uq_quiz_sessions_one_active" in str(exc.orig):
                raise ActiveSessionExists from None
            raise

    def save_answer(self, answer: AnswerRow, move: Move, payload: dict[str, Any]) -> bool:
        """Store `answer`, its raw submission and the session's `move` at once; False (nothing written) when the
        session is no longer at `answer.position` (a concurrent call stored it first, or the quiz ended)."""
        raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        with self._engine.begin() as conn:
            locked = conn.execute(
                select(QuizSession.position, QuizSession.status)
                .where(QuizSession.id == answer.session_id)
                .with_for_update()
            ).first()
            if locked is None or locked.status != ACTIVE or locked.position != answer.position:
                return False
            values = {c.name: getattr(answer, c.name) for c in _ANSWER_COLUMNS if c.name != "answered_at"}
            conn.execute(pg_insert(QuizAnswer).values(values))
            conn.execute(
                pg_insert(Submission)
                .values(
                    id=answer.submission_id,
                    idempotency_key=f"{answer.learner_id}:{payload['submission_id']}",
                    learner_id=answer.learner_id,
                    source=SOURCE,
                    size_bytes=len(raw.encode("utf-8")),
                    payload=raw,
                    status="pending",
                    reason=None,
                )
                .on_conflict_do_nothing(index_elements=[Submission.idempotency_key])
            )
            ended = move.status != ACTIVE
            conn.execute(
                update(QuizSession)
                .where(QuizSession.id == answer.session_id)
                .values(state=move.state, position=move.position, current=move.current, status=move.status,
                        stop_reason=move.stop_reason, updated_at=func.now(),
                        ended_at=func.now() if ended else None)
            )  # fmt: skip
        return True

    def answer_at(self, session_id: uuid.UUID, position: int) -> AnswerRow | None:
        query = select(*_ANSWER_COLUMNS).where(QuizAnswer.session_id == session_id, QuizAnswer.position == position)
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return _answer(row) if row else None

    def answers(self, session_ids: Sequence[uuid.UUID]) -> list[AnswerRow]:
        if not session_ids:
            return []
        query = (
            select(*_ANSWER_COLUMNS)
            .where(QuizAnswer.session_id.in_(session_ids))
            .order_by(QuizAnswer.session_id, QuizAnswer.position)
        )
        with self._engine.connect() as conn:
            return [_answer(row) for row in conn.execute(query)]

    def sessions(self, learner_id: int, limit: int) -> list[SessionRow]:
        """The learner's sessions, newest first."""
        query = (
            select(*_SESSION_COLUMNS)
            .where(QuizSession.learner_id == learner_id)
            .order_by(QuizSession.started_at.desc(), QuizSession.id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [_session(row) for row in conn.execute(query)]

    def recent_item_ids(self, learner_id: int, limit: int, *, besides: uuid.UUID | None = None) -> list[str]:
        """The learner's most recently answered item ids, newest first, from quizzes (but `besides`) and from
        ingested responses of other attempts."""
        quiz = select(QuizAnswer.item_id.label("item_id"), QuizAnswer.answered_at.label("at")).where(
            QuizAnswer.learner_id == learner_id, QuizAnswer.session_id != (besides or uuid.UUID(int=0))
        )
        responses = (
            select(Response.item_id.label("item_id"), Response.answered_at.label("at"))
            .join(Attempt, Attempt.id == Response.attempt_id)
            .where(Attempt.learner_id == learner_id)
        )
        both = union_all(quiz, responses).subquery()
        latest = (
            select(both.c.item_id, func.max(both.c.at).label("at"))
            .group_by(both.c.item_id)
            .order_by(func.max(both.c.at).desc(), both.c.item_id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [str(row.item_id) for row in conn.execute(latest)]

    def exposure_rates(self, last: int = EXPOSURE_WINDOW, min_sessions: int = MIN_SESSIONS) -> dict[str, float]:
        """Item id -> share of the `last` quizzes that asked it (empty below `min_sessions` quizzes: too noisy)."""
        recent = select(QuizSession.id).order_by(QuizSession.started_at.desc()).limit(last).subquery()
        shown = (
            select(QuizAnswer.item_id, func.count(func.distinct(QuizAnswer.session_id)))
            .where(QuizAnswer.session_id.in_(select(recent.c.id)))
            .group_by(QuizAnswer.item_id)
        )
        with self._engine.connect() as conn:
            n = conn.execute(select(func.count()).select_from(recent)).scalar_one()
            if n < min_sessions:
                return {}
            return {str(item_id): count / n for item_id, count in conn.execute(shown)}

    def pool(self) -> list[PoolRow]:
        """The latest version of every active or provisional item, by id."""
        latest = select(ItemRow.id, func.max(ItemRow.version).label("version")).group_by(ItemRow.id).subquery()
        query = (
            select(
                ItemRow.id, ItemRow.version, ItemRow.type, ItemRow.topic, ItemRow.status,
                func.coalesce(ItemRow.body["difficulty"].as_float(), literal(0.0)).label("difficulty"),
                ItemRow.body["calibration"].label("calibration"),
            )
            .join(latest, and_(ItemRow.id == latest.c.id, ItemRow.version == latest.c.version))
            .where(ItemRow.status.in_(("active", "provisional")))
            .order_by(ItemRow.id)
        )  # fmt: skip
        with self._engine.connect() as conn:
            return [PoolRow(*row) for row in conn.execute(query)]

    def items(self, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Item]:
        """The items at these (id, version) pairs."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        query = select(ItemRow.body).where(tuple_(ItemRow.id, ItemRow.version).in_(wanted))
        with self._engine.connect() as conn:
            items = [parse_item(body) for body in conn.execute(query).scalars()]
        return {(item.id, item.version): item for item in items}


def new_submission_id() -> uuid.UUID:
    """The raw submission's row id: time-ordered like every submission's (see `adapters.sql.submissions`)."""
    return uuid7()


__all__ = [
    "ABANDONED",
    "ACTIVE",
    "FINISHED",
    "SOURCE",
    "ActiveSessionExists",
    "AnswerRow",
    "Move",
    "PoolRow",
    "SessionRow",
    "SqlQuizSessionStore",
    "new_submission_id",
]
