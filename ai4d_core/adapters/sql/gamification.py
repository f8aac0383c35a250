"""The evidence gamification reads, and its ledger, in PostgreSQL (no rule here: `domain.gamification`).

Evidence is what the server stored and scored: quiz answers (server time), and ingested responses of
submissions other than the quiz's own (which are the same answers again), timed by the server's receipt of the
submission, never by the client's claimed time. Writes are `insert ... on conflict do nothing returning`: of
two concurrent calls granting the same XP or badge, exactly one gets the row back.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ai4d_core.adapters.sql.quiz_sessions import SOURCE as QUIZ_SOURCE
from ai4d_core.adapters.sql.tables import Attempt, ItemRow, Response, Submission
from ai4d_core.adapters.sql.tables_gamification import BadgeAward, XpAward
from ai4d_core.adapters.sql.tables_quiz import QuizAnswer, QuizSession
from ai4d_core.domain.gamification import XpGrant


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """An answer as stored: its key, item, score (None: awaiting review), pretest flag and server time."""

    key: str
    item_id: str
    score: float | None
    pretest: bool
    at: datetime
    session_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class ItemMeta:
    """An item's latest version: topic, authored difficulty and calibration (for `irt_parameters`)."""

    topic: str
    difficulty: float
    calibration: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class StoredSession:
    id: uuid.UUID
    mode: str
    status: str
    ended_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredBadge:
    badge: str
    evidence: dict[str, Any]
    awarded_at: datetime


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the awards read about one learner, read on one connection."""

    answers: list[StoredAnswer]  # oldest first
    items: dict[str, ItemMeta]  # of the items answered
    xp_held: dict[str, int]  # item id -> the XP it earned
    badges: list[StoredBadge]
    sessions: list[StoredSession]
    states: dict[uuid.UUID, dict[str, Any]]  # adaptive states of the quizzes asked for


def _answers(conn: Connection, learner_id: int) -> list[StoredAnswer]:
    qa = QuizAnswer
    quiz = select(qa.session_id, qa.position, qa.item_id, qa.score, qa.pretest, qa.answered_at).where(
        qa.learner_id == learner_id
    )
    ingested = (
        select(Response.attempt_id, Response.item_id, Response.score, ItemRow.status, Submission.received_at)
        .join(Attempt, Attempt.id == Response.attempt_id)
        .join(Submission, Submission.id == Response.attempt_id)
        .join(ItemRow, and_(ItemRow.id == Response.item_id, ItemRow.version == Response.item_version))
        .where(Attempt.learner_id == learner_id, Submission.source != QUIZ_SOURCE)
    )
    rows = [
        StoredAnswer(f"quiz:{r.session_id}:{r.position}", r.item_id, r.score, r.pretest, r.answered_at, r.session_id)
        for r in conn.execute(quiz)
    ]
    rows += [
        StoredAnswer(f"response:{r.attempt_id}:{r.item_id}", r.item_id, r.score, r.status == "provisional",
                     r.received_at, None)
        for r in conn.execute(ingested)
    ]  # fmt: skip
    return sorted(rows, key=lambda a: (a.at, a.key))


def _items(conn: Connection, item_ids: Collection[str]) -> dict[str, ItemMeta]:
    if not item_ids:
        return {}
    latest = (
        select(ItemRow.id, func.max(ItemRow.version).label("version"))
        .where(ItemRow.id.in_(sorted(item_ids)))
        .group_by(ItemRow.id)
        .subquery()
    )
    query = select(
        ItemRow.id, ItemRow.topic, func.coalesce(ItemRow.body["difficulty"].as_float(), 0.0),
        ItemRow.body["calibration"],
    ).join(latest, and_(ItemRow.id == latest.c.id, ItemRow.version == latest.c.version))  # fmt: skip
    return {r[0]: ItemMeta(r[1], float(r[2]), r[3]) for r in conn.execute(query)}


class SqlGamificationStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def snapshot(self, learner_id: int, *, states: bool = False, only: uuid.UUID | None = None) -> Snapshot:
        """The learner's answers (with their items' latest topic and difficulty), XP held, badges, quizzes, and
        with `states` the adaptive state of every quiz (or of `only` that one)."""
        sessions = select(QuizSession.id, QuizSession.mode, QuizSession.status, QuizSession.ended_at).where(
            QuizSession.learner_id == learner_id
        )
        badges = (
            select(BadgeAward.badge, BadgeAward.evidence, BadgeAward.awarded_at)
            .where(BadgeAward.learner_id == learner_id)
            .order_by(BadgeAward.awarded_at, BadgeAward.badge)
        )
        state_query = select(QuizSession.id, QuizSession.state).where(QuizSession.learner_id == learner_id)
        if only is not None:
            state_query = state_query.where(QuizSession.id == only)
        with self._engine.connect() as conn:
            answers = _answers(conn, learner_id)
            held = select(XpAward.item_id, XpAward.xp).where(XpAward.learner_id == learner_id)
            return Snapshot(
                answers, _items(conn, {a.item_id for a in answers}), {r.item_id: r.xp for r in conn.execute(held)},
                [StoredBadge(*r) for r in conn.execute(badges)], [StoredSession(*r) for r in conn.execute(sessions)],
                {r.id: r.state for r in conn.execute(state_query)} if states else {},
            )  # fmt: skip

    def save(
        self, learner_id: int, grants: Sequence[XpGrant], badges: dict[str, dict[str, Any]]
    ) -> tuple[list[XpGrant], list[str]]:
        """Insert the grants and badges (with their evidence) in one transaction; those actually inserted (not
        held already, nor inserted by a concurrent call)."""
        inserted_items: set[str] = set()
        inserted_badges: set[str] = set()
        with self._engine.begin() as conn:
            if grants:
                rows = [{"learner_id": learner_id, "item_id": g.item_id, "xp": g.xp, "score": g.score, "b": g.b,
                         "source": g.source, "answered_at": g.answered_at} for g in grants]  # fmt: skip
                query = pg_insert(XpAward).values(rows).on_conflict_do_nothing().returning(XpAward.item_id)
                inserted_items = set(conn.execute(query).scalars())
            if badges:
                rows = [{"learner_id": learner_id, "badge": b, "evidence": e} for b, e in badges.items()]
                query = pg_insert(BadgeAward).values(rows).on_conflict_do_nothing().returning(BadgeAward.badge)
                inserted_badges = set(conn.execute(query).scalars())
        return [g for g in grants if g.item_id in inserted_items], [b for b in badges if b in inserted_badges]

    def weekly_xp(self, learner_ids: Iterable[int], since: datetime, until: datetime) -> dict[int, int]:
        """Learner id -> XP of answers given in [since, until) (learners with none are left out)."""
        ids = sorted(set(learner_ids))
        if not ids:
            return {}
        query = (
            select(XpAward.learner_id, func.sum(XpAward.xp))
            .where(XpAward.learner_id.in_(ids), XpAward.answered_at >= since, XpAward.answered_at < until)
            .group_by(XpAward.learner_id)
        )
        with self._engine.connect() as conn:
            return {int(r[0]): int(r[1]) for r in conn.execute(query)}


__all__ = ["ItemMeta", "Snapshot", "SqlGamificationStore", "StoredAnswer", "StoredBadge", "StoredSession"]
