"""What profile analysis reads from and writes to PostgreSQL: due learners, their evidence, and the
profile state + outbox row committed together."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ai4d_core.adapters.sql.grading import evidence_counts
from ai4d_core.adapters.sql.tables import Attempt, ItemRow, OutboxMessage, ProfileState, Response, User
from ai4d_core.domain.items import Item, parse_item
from ai4d_core.domain.misconceptions import revealed_misconceptions
from ai4d_core.domain.profile import Evidence, LearnerContext


@dataclass(frozen=True, slots=True)
class DueLearner:
    learner_id: int
    n_attempts: int
    last_version: int


def due_learners(engine: Engine, limit: int | None = None) -> list[DueLearner]:
    """Learners with evidence that no profile has covered yet: attempts, and educators' grades of open
    responses (a grade, or a regrade, is new evidence too; `grading.evidence_counts`)."""
    counts = evidence_counts().subquery()
    query = (
        select(counts.c.learner_id, counts.c.n, func.coalesce(ProfileState.version, 0))
        .outerjoin(ProfileState, ProfileState.learner_id == counts.c.learner_id)
        .where(counts.c.n > func.coalesce(ProfileState.analyzed_attempts, 0))
        .order_by(counts.c.learner_id)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [DueLearner(int(a), int(b), int(v)) for a, b, v in conn.execute(query)]


PRETEST = ("provisional", "review")  # answers to these versions were unscored pretest answers


def evidence_of(conn: Connection, learner_id: int) -> list[Evidence]:
    """The learner's graded answers with their items' 2PL parameters (`irt_parameters`) and the misconception
    tags of the distractors they chose. Pretest answers (to a version that was provisional, or since set aside)
    and open responses awaiting an educator's grade (score NULL) are not evidence."""
    rows = conn.execute(
        select(
            Response.item_id,
            Response.item_version,
            ItemRow.topic,
            ItemRow.level,
            ItemRow.body,
            Response.answer,
            Response.score,
            Response.answered_at,
        )
        .join(Attempt, Attempt.id == Response.attempt_id)
        .join(ItemRow, (ItemRow.id == Response.item_id) & (ItemRow.version == Response.item_version))
        .where(Attempt.learner_id == learner_id, ItemRow.status.not_in(PRETEST), Response.score.is_not(None))
    )
    tags = _Tags()
    return [
        Evidence(
            item_id,
            topic,
            level,
            *item_parameters(body),
            float(score),
            answered_at,
            misconceptions=tags.revealed(item_id, version, body, answer),
        )
        for item_id, version, topic, level, body, answer, score, answered_at in rows
    ]


class _Tags:
    """Misconception tags of the chosen distractors; an item version is parsed once, and only if it has tags."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, int], Item | None] = {}

    def revealed(self, item_id: str, version: int, body: dict[str, Any], answer: str) -> tuple[str, ...]:
        key = (item_id, version)
        if key not in self._items:
            self._items[key] = parse_item(body) if _has_tags(body) else None
        item = self._items[key]
        return () if item is None else revealed_misconceptions(item, _parsed(answer))


def _has_tags(body: dict[str, Any]) -> bool:
    choices = [*body.get("options", ()), *(o for gap in body.get("gaps", ()) for o in gap.get("options", ()))]
    return bool(body.get("misconception")) or any(isinstance(c, dict) and c.get("misconception") for c in choices)


def _parsed(stored: str) -> Any:
    """A stored answer is JSON (an option id, a list of ids, a bool...); anything else stays the text."""
    try:
        return json.loads(stored)
    except ValueError:
        return stored


def learner_context(conn: Connection, learner_id: int) -> LearnerContext:
    """What the learner told us about themselves: their goal and weekly hours (unknown learner: nothing)."""
    row = conn.execute(select(User.goal, User.hours_per_week).where(User.id == learner_id)).first()
    if row is None:
        return LearnerContext()
    goal, hours = row
    return LearnerContext(goal=goal or None, hours_per_week=None if hours is None else float(hours))


def item_parameters(body: dict[str, Any]) -> tuple[float, float]:
    """(a, b) of a stored item body: calibrated if it was, else a = 1 and the author's difficulty."""
    calibration: dict[str, Any] = body.get("calibration") or {}
    if calibration.get("model") is None:
        return 1.0, float(body.get("difficulty", 0.0))
    return float(calibration["discrimination"]), float(calibration["difficulty"])


def save_profile(conn: Connection, learner: DueLearner, profile: dict[str, Any]) -> bool:
    """Advance the learner's state and queue the profile for MongoDB; False if another run got there first."""
    state = pg_insert(ProfileState).values(
        learner_id=learner.learner_id, version=profile["version"], analyzed_attempts=learner.n_attempts
    )
    state = state.on_conflict_do_update(
        index_elements=[ProfileState.learner_id],
        set_={
            "version": state.excluded.version,
            "analyzed_attempts": state.excluded.analyzed_attempts,
            "updated_at": func.now(),
        },
        where=ProfileState.version == learner.last_version,
    )
    if conn.execute(state.returning(ProfileState.learner_id)).first() is None:
        return False
    conn.execute(
        pg_insert(OutboxMessage)
        .values(
            topic="profile",
            dedupe_key=f"{learner.learner_id}:{profile['version']}",
            payload=json.loads(json.dumps(profile, default=str)),
        )
        .on_conflict_do_nothing()
    )
    return True


def undelivered(engine: Engine, topic: str, limit: int) -> list[tuple[int, dict[str, Any]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(OutboxMessage.id, OutboxMessage.payload)
            .where(OutboxMessage.topic == topic, OutboxMessage.delivered_at.is_(None))
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        return [(int(i), dict(p)) for i, p in rows]


def mark_delivered(engine: Engine, ids: Sequence[int]) -> None:
    with engine.begin() as conn:
        conn.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(delivered_at=func.now()))


def mark_failed(engine: Engine, message_id: int, error: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(attempts=OutboxMessage.attempts + 1, last_error=error[:2000])
        )
