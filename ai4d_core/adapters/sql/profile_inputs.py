"""What the LLM profile path reads besides the rules' evidence: named learners to re-run, and the learner's
latest answer to each item with its question (the prompt's evidence)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from ai4d_core.adapters.sql.analysis import PRETEST, DueLearner
from ai4d_core.adapters.sql.tables import Attempt, ItemRow, ProfileState, Response
from ai4d_core.llm.profile_prompt import AnsweredItem


def learners(engine: Engine, learner_ids: Sequence[int]) -> list[DueLearner]:
    """These learners (those with at least one attempt), due or not: a re-run writes them a new version."""
    counts = (
        select(Attempt.learner_id, func.count().label("n"))
        .where(Attempt.learner_id.in_(list(learner_ids)))
        .group_by(Attempt.learner_id)
        .subquery()
    )
    query = (
        select(counts.c.learner_id, counts.c.n, func.coalesce(ProfileState.version, 0))
        .outerjoin(ProfileState, ProfileState.learner_id == counts.c.learner_id)
        .order_by(counts.c.learner_id)
    )
    with engine.connect() as conn:
        return [DueLearner(int(a), int(b), int(v)) for a, b, v in conn.execute(query)]


def answers_of(conn: Connection, learner_id: int) -> list[AnsweredItem]:
    """The learner's latest scored answer to each item (oldest first), with the item's question; pretest and
    ungraded answers are not evidence, as in `analysis.evidence_of`."""
    rows = conn.execute(
        select(Response.item_id, ItemRow.topic, ItemRow.body["stem"].astext, Response.answer, Response.score)
        .join(Attempt, Attempt.id == Response.attempt_id)
        .join(ItemRow, (ItemRow.id == Response.item_id) & (ItemRow.version == Response.item_version))
        .where(Attempt.learner_id == learner_id, ItemRow.status.not_in(PRETEST), Response.score.is_not(None))
        .order_by(Response.answered_at)
    )
    latest = {item_id: AnsweredItem(item_id, topic, stem or "", _answer(raw), float(score))
              for item_id, topic, stem, raw, score in rows}  # fmt: skip
    return list(latest.values())


def _answer(raw: str) -> Any:
    """A stored answer as JSON data (it is stored as JSON text; anything else stays the raw string)."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw
