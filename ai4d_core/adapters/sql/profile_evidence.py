"""What the profile page reads from PostgreSQL about one piece of evidence: the learner's latest answer to an item.

The profile's evidence is the learner's `responses` (through their `attempts`, the analysis's path); an answer
given in a quiz session also has the text the page sent (`quiz_answers.typed`, joined on the submission id),
which is what the learner sees as their answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, select

from ai4d_core.adapters.sql.tables import Attempt, Response
from ai4d_core.adapters.sql.tables_quiz import QuizAnswer


@dataclass(frozen=True, slots=True)
class LatestAnswer:
    item_version: int
    answer: Any  # as the learner gave it (a quiz answer as typed; an imported one as scored)
    score: float | None  # None: not graded yet (an open response awaiting review)
    answered_at: datetime
    presentation: dict[str, Any] | None


def latest_answer(engine: Engine, learner_id: int, item_id: str) -> LatestAnswer | None:
    """The learner's latest response to `item_id`, or None if they never answered it."""
    query = (
        select(Response.item_version, Response.answer, QuizAnswer.typed, Response.score, Response.answered_at,
               Response.presentation)
        .join(Attempt, Attempt.id == Response.attempt_id)
        .outerjoin(QuizAnswer, and_(QuizAnswer.submission_id == Response.attempt_id,
                                    QuizAnswer.item_id == Response.item_id))
        .where(Attempt.learner_id == learner_id, Response.item_id == item_id)
        .order_by(Response.answered_at.desc())
        .limit(1)
    )  # fmt: skip
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    version, stored, typed, score, answered_at, presentation = row
    answer = typed if typed is not None else _parsed(stored)
    return LatestAnswer(int(version), answer, None if score is None else float(score), answered_at, presentation)


def _parsed(stored: str) -> Any:
    try:
        return json.loads(stored)
    except ValueError:
        return stored


__all__ = ["LatestAnswer", "latest_answer"]
