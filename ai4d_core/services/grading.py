"""Open responses graded by people (DESIGN §6, issue 8): the educator's grading queue and the grade itself.

The rules' rubric score and, with an LLM, its score (`services.score_suggestions`) are suggestions; only an
educator's grade counts, in profiles, the learner model and XP (the model: `adapters.sql.tables_grading`).

- `queue(c, educator, limit, cohort_id=None) -> list[QueueEntry]`: answers awaiting review of learners in the
  educator's cohorts (one cohort if given; an admin sees all), oldest first, each with the item's stem, rubric
  and model answer, the learner's answer as plain text, the suggestions and since when it waits. Grading is
  blind: no learner name or id is shown.
- `grade(c, educator, key, score, comment=None, source="") -> GradeResult`: a score in [0, 1], or the rubric's
  points as {criterion name: credit 0-1} (`rubric_score` weighs them), by an educator of one of the learner's
  cohorts or an admin (`policy.require_grader`; a learner never grades). The same grade sent again by the same
  grader (a double click, a retry) stores nothing (`duplicate=True`); another score or comment is a regrade: a
  new current grade, the old one kept. Every grade is audited ("answer_graded"), counts as new evidence for the
  learner's profile and runs `answer_effects.after_grade` (XP, badges), whose effects are in the result.
- `grades(c, educator, key) -> list[GradeRow]`: every grade of one answer, oldest first.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ai4d_core import policy
from ai4d_core.adapters.sql import grading as sql
from ai4d_core.adapters.sql.grading import GradeRow, ResponseKey
from ai4d_core.adapters.sql.tables_grading import MAX_COMMENT
from ai4d_core.bootstrap import Container
from ai4d_core.domain.feedback import Feedback, graded
from ai4d_core.domain.items import OpenResponseItem, parse_item
from ai4d_core.services import audit
from ai4d_core.services.answer_effects import after_grade
from ai4d_core.services.cohorts import store as cohort_store
from ai4d_core.services.quiz_types import NO_EFFECTS, AnswerEffects

log = logging.getLogger(__name__)
MAX_QUEUE = 200
NO_SUCH_ANSWER = "This answer is not waiting for your grade."
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class GradingError(ValueError):
    """A grade that cannot be stored (a score out of range, a comment too long...); `str()` says why."""


@dataclass(frozen=True, slots=True)
class RubricPoint:
    name: str
    weight: float  # the share of the score, 0-1 (the weights of a rubric add up to 1)


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One answer awaiting review. Every text in it is untrusted (item text, the learner's answer, the LLM's
    comment): render it escaped."""

    key: str  # `ResponseKey` as text: what `grade` takes back
    item_id: str
    topic: str
    stem: str
    rubric: tuple[RubricPoint, ...]
    model_answer: str
    answer: str  # the learner's answer as plain text
    rule_suggestion: float | None  # the rules' rubric score
    llm_suggestion: float | None  # the LLM's score, when one was asked and answered
    llm_comment: str | None
    llm_model: str | None
    waiting_since: datetime


@dataclass(frozen=True, slots=True)
class GradeResult:
    key: str
    score: float
    comment: str | None
    graded_at: datetime
    duplicate: bool  # True: this grader had given this grade already; nothing new was stored
    regrade: bool  # True: it replaced an earlier grade (kept in `grades`)
    effects: AnswerEffects = NO_EFFECTS  # what the grade earned the learner (XP, badges)


def _taught(c: Container, who: policy.Principal) -> list[int]:
    return cohort_store(c).cohorts_of(who.id, policy.EDUCATOR) if who.role == policy.EDUCATOR else []


def _plain(answer_json: str) -> str:
    try:
        value = json.loads(answer_json)
    except ValueError:
        return answer_json
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _open_parts(body: dict[str, Any]) -> tuple[str, tuple[RubricPoint, ...], str]:
    """(stem, rubric, model answer) of a stored open-response item body."""
    try:
        item = parse_item(body)
    except ValueError:  # an item the current model cannot read: show what the body holds
        item = None
    if isinstance(item, OpenResponseItem):
        return item.stem, tuple(RubricPoint(c.name, c.weight) for c in item.rubric), item.model_answer
    rubric = tuple(RubricPoint(str(c.get("name", "")), float(c.get("weight", 0))) for c in body.get("rubric", ()))
    return str(body.get("stem", "")), rubric, str(body.get("model_answer", ""))


def _entry(row: sql.WaitingRow) -> QueueEntry:
    body = row.item_body
    stem, rubric, model_answer = _open_parts(body)
    return QueueEntry(str(row.key), row.key.item_id, str(body.get("topic", "")), stem, rubric, model_answer,
                      _plain(row.answer_json), row.rule_score, row.llm_score, row.llm_comment, row.llm_model,
                      row.answered_at)  # fmt: skip


def queue(
    c: Container, educator: policy.Principal | None, limit: int = 50, cohort_id: int | None = None
) -> list[QueueEntry]:
    """The answers awaiting the educator's review, oldest first (see the module docstring)."""
    who = policy.require(educator, policy.EDUCATOR, policy.ADMIN)
    cohorts = policy.grading_cohorts(who, _taught(c, who), cohort_id)
    return [_entry(row) for row in sql.waiting(c.engine, cohorts, max(1, min(limit, MAX_QUEUE)))]


def waiting_count(c: Container, educator: policy.Principal | None, cohort_id: int | None = None) -> int:
    """How many answers await the educator's review."""
    who = policy.require(educator, policy.EDUCATOR, policy.ADMIN)
    return sql.count_waiting(c.engine, policy.grading_cohorts(who, _taught(c, who), cohort_id))


def rubric_score(rubric: tuple[RubricPoint, ...], credits: Mapping[str, float]) -> float:
    """A score from the rubric's points: each criterion's credit (0-1, by name) times its weight, summed."""
    unknown = set(credits) - {p.name for p in rubric}
    if unknown:
        raise GradingError(f"not a criterion of this rubric: {', '.join(sorted(unknown))}")
    for name, credit in credits.items():
        if not (isinstance(credit, int | float) and math.isfinite(credit) and 0 <= credit <= 1):
            raise GradingError(f"the credit for {name!r} must be between 0 and 1")
    return round(sum(p.weight * float(credits.get(p.name, 0.0)) for p in rubric), 4)


def _checked_score(score: object) -> float:
    if isinstance(score, Mapping):
        raise TypeError("rubric points are weighed against the item's rubric: see grade()")
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
        raise GradingError("The score must be a number between 0 and 1.")
    if not 0 <= score <= 1:
        raise GradingError("The score must be between 0 and 1 (0 % to 100 %).")
    return round(float(score), 4)


def _checked_comment(comment: str | None) -> str | None:
    text = _CONTROL.sub("", comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise GradingError(f"The comment is too long ({len(text)} characters; at most {MAX_COMMENT}).")
    return text or None


def _key(key: str | ResponseKey) -> ResponseKey:
    if isinstance(key, ResponseKey):
        return key
    try:
        return ResponseKey.parse(key)
    except ValueError:
        raise policy.Forbidden(NO_SUCH_ANSWER) from None


def _authorized(c: Container, who: policy.Principal, key: ResponseKey) -> int:
    """The learner whose answer `key` is, once `who` may grade it (an unknown key is refused like another's)."""
    learner_id = sql.learner_of(c.engine, key)
    if learner_id is None:
        raise policy.Forbidden(NO_SUCH_ANSWER)
    policy.require_grader(who, _taught(c, who), cohort_store(c).cohorts_of(learner_id, policy.LEARNER))
    return learner_id


def _graded_feedback(score: float, comment: str | None) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def rewrite(stored: dict[str, Any]) -> dict[str, Any]:
        return graded(Feedback.from_dict(stored), score, comment).to_dict()

    return rewrite


def grade(
    c: Container,
    educator: policy.Principal | None,
    key: str | ResponseKey,
    score: float | Mapping[str, float],
    comment: str | None = None,
    source: str = "",
) -> GradeResult:
    """Grade one open response (see the module docstring)."""
    who = policy.require(educator, policy.EDUCATOR, policy.ADMIN)
    points = score if isinstance(score, Mapping) else None
    value = None if points is not None else _checked_score(score)
    note = _checked_comment(comment)
    answer_key = _key(key)
    learner_id = _authorized(c, who, answer_key)
    grader = policy.actor_id(who)
    with sql.open_grading(c.engine) as tx:
        locked = tx.lock(answer_key)
        if locked is None:
            raise policy.Forbidden(NO_SUCH_ANSWER)
        if locked.item_type != "open_response":
            raise GradingError("Only open responses are graded by educators; this answer was scored at once.")
        if points is not None:
            value = rubric_score(_open_parts(locked.item_body)[1], points)
        assert value is not None
        current = locked.current
        if current is not None and (current.grader_id, current.score, current.comment) == (grader, value, note):
            return GradeResult(str(answer_key), value, note, current.graded_at, duplicate=True, regrade=False)
        saved = tx.save(locked, grader, value, note, _graded_feedback(value, note))
        audit.record(c, "answer_graded", actor_id=grader, target_id=learner_id, source=source, conn=tx.conn,
                     item=answer_key.item_id, attempt=str(answer_key.attempt_id), score=value,
                     regrade=current is not None, grade_id=saved.id)  # fmt: skip
    try:
        effects = after_grade(c, learner_id, answer_key.item_id)
    except Exception:  # the grade is stored; the effects are reconciled from stored evidence later
        log.exception("after_grade failed for learner %s, item %s", learner_id, answer_key.item_id)
        effects = NO_EFFECTS
    return GradeResult(str(answer_key), value, note, saved.graded_at, duplicate=False, regrade=current is not None,
                       effects=effects)  # fmt: skip


def grades(c: Container, educator: policy.Principal | None, key: str | ResponseKey) -> list[GradeRow]:
    """Every grade one answer was given, oldest first (the current one last)."""
    who = policy.require(educator, policy.EDUCATOR, policy.ADMIN)
    answer_key = _key(key)
    _authorized(c, who, answer_key)
    return sql.grades_of(c.engine, answer_key)


__all__ = [
    "MAX_QUEUE",
    "NO_SUCH_ANSWER",
    "GradeResult",
    "GradingError",
    "QueueEntry",
    "RubricPoint",
    "grade",
    "grades",
    "queue",
    "rubric_score",
    "waiting_count",
]
