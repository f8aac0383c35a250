"""The server-side quiz (DESIGN §6): one question at a time, scored at once, resumable, adaptive.

The learner page calls, as the signed-in learner (`policy`: a learner acts on their own sessions only):

- `start(c, user, mode, topics, replace=False) -> QuizTurn`: "diagnostic" (the topics picked, or all) or
  "practice" (exactly one topic). With a quiz in progress it raises `ActiveQuiz` unless `replace=True`, which
  marks the old one abandoned (its answers stay, in history and in `responses`).
- `resume(c, user) -> QuizTurn | None`: the quiz in progress at the same question, presented the same way.
- `answer(c, user, session_id, position, answer) -> NeedsFix | Answered`: `NeedsFix` when the answer cannot be
  read (`domain.answer_reading`; a SQL syntax error too), nothing stored; else the feedback and the next
  `QuizTurn`, or the `Summary` when the quiz is over. The same position answered again returns the stored
  result (`duplicate=True`) and stores nothing; another position than the current one raises `StalePosition`.
- `summary(c, user, session_id) -> Summary`, `history(c, user, limit) -> list[PastAttempt]`.
- `preview_sql(c, user, session_id, query) -> SqlPreview` (the current SQL question, on its sample data) and
  `sql_context(c, item) -> SqlContext` (also in every SQL `QuizTurn`).

An open response is graded by an educator (`services.grading`): it is stored with score NULL and the rules'
rubric score as its suggestion, its feedback says "awaiting review", the quiz's ability estimates leave it out
(like a pretest item), and the summary counts it as awaiting review until it is graded.

Answers are rate-limited per learner (`ANSWERS`, previews `PREVIEWS`) and scored within the shared `SCORING`
slots; a refusal raises `TryLater` and stores nothing.

Each answer is written in one transaction with the session's move (`adapters.sql.quiz_sessions`): the answer
with its feedback, and a raw `ai4d/v1` submission (a random id, the item version and the
presentation) that `ingest-submissions` turns into one `responses` row, exactly once.

The pool, the plan and the no-repeat window: `services.quiz_pool`.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ai4d_core import policy
from ai4d_core.adapters.sql.quiz_sessions import (
    ACTIVE,
    FINISHED,
    ActiveSessionExists,
    AnswerRow,
    Move,
    SessionRow,
    new_submission_id,
)
from ai4d_core.bootstrap import Container
from ai4d_core.domain.adaptive import PoolItem, QuizState, abilities, record, stop_reason
from ai4d_core.domain.answer_reading import Unreadable, read_answer
from ai4d_core.domain.feedback import Feedback, SqlTrace, feedback, sql_feedback
from ai4d_core.domain.items import Item, SqlQueryItem
from ai4d_core.domain.presentation import Presentation, present, shown_view
from ai4d_core.domain.quiz_progress import TopicEstimate, estimate
from ai4d_core.domain.result_sets import FixtureError, QuerySyntaxError
from ai4d_core.domain.scoring import AnswerError, score_answer, sql_verdict
from ai4d_core.services import quiz_sql
from ai4d_core.services.answer_effects import after_answer
from ai4d_core.services.quiz_pool import MODES, next_in, plan_for, pool_of
from ai4d_core.services.quiz_types import (
    ActiveQuiz,
    Answered,
    AnswerResult,
    NeedsFix,
    PastAnswer,
    PastAttempt,
    Progress,
    QuizEnded,
    QuizError,
    QuizTurn,
    SqlContext,
    SqlPreview,
    StalePosition,
    Summary,
    TryLater,
)
from ai4d_core.services.rate_limit import SCORING, RateLimiter

log = logging.getLogger(__name__)
ANSWERS = RateLimiter(capacity=10, per_second=0.5)  # per learner: a burst of 10, then one answer every 2 s
PREVIEWS = RateLimiter(capacity=5, per_second=0.2)  # per learner: a burst of 5 runs, then one every 5 s
TYPED_IN_PAYLOAD = 200  # what was typed rides in the raw submission when short and read differently


def _current(c: Container, chosen: PoolItem, version: int, session_id: uuid.UUID, position: int) -> dict[str, Any]:
    item = _item(c, chosen.id, version)
    shown = present(item, random.Random(f"{session_id}:{position}"))
    return {"item_id": chosen.id, "item_version": version, "topic": chosen.topic, "type": chosen.type,
            "a": chosen.a, "b": chosen.b, "pretest": chosen.pretest, "presentation": shown.to_dict()}  # fmt: skip


def _item(c: Container, item_id: str, version: int) -> Item:
    found = c.quiz_sessions.items([(item_id, version)])
    if (item_id, version) not in found:
        raise QuizError("This question is no longer in the bank; start a new quiz.")
    item: Item = found[(item_id, version)]
    return item


# ------------------------------------------------------------------------------------------------ views


def _estimates(state: QuizState) -> tuple[TopicEstimate, ...]:
    target = state.plan.target_se
    return tuple(estimate(t, a.theta, a.se, target) for t, a in abilities(state).items())


def _turn(c: Container, row: SessionRow) -> QuizTurn:
    assert row.current is not None  # an active session always has its current question
    item = _item(c, row.current["item_id"], row.current["item_version"])
    state = QuizState.from_dict(row.state)
    view = shown_view(item, Presentation.from_dict(row.current["presentation"]))
    progress = Progress(len(state.answers), state.plan.max_items, _estimates(state))
    context = None
    if isinstance(item, SqlQueryItem):
        try:
            context = sql_context(c, item)
        except FixtureError:  # the item's fault: the question still shows, without its tables
            log.exception("item %s v%s: its SQL fixture fails", item.id, item.version)
    return QuizTurn(row.id, row.mode, row.position, view, progress, context)


def _summary(row: SessionRow, answers: Sequence[AnswerRow]) -> Summary:
    state = QuizState.from_dict(row.state)
    scores = [a.score for a in answers if a.score is not None]
    return Summary(row.id, row.mode, row.status, row.stop_reason, len(answers), round(sum(scores), 4),
                   _estimates(state), row.started_at, row.ended_at, len(answers) - len(scores))  # fmt: skip


def _view(item: Item, presentation: dict[str, Any] | None) -> dict[str, Any]:
    return shown_view(item, Presentation.from_dict(presentation))


def _after(c: Container, row: SessionRow) -> QuizTurn | Summary:
    return _turn(c, row) if row.status == ACTIVE else _summary(row, c.quiz_sessions.answers([row.id]))


# ------------------------------------------------------------------------------------------------ access


def _learner(user: policy.Principal | None) -> policy.Principal:
    return policy.require(user, policy.LEARNER)


def _own(c: Container, user: policy.Principal | None, session_id: uuid.UUID) -> tuple[policy.Principal, SessionRow]:
    """The learner's own session (an unknown id is refused the same way as someone else's)."""
    who = _learner(user)
    row = c.quiz_sessions.get(session_id)
    if row is None or row.learner_id != who.id:
        raise policy.Forbidden(policy.NOT_YOURS)
    return who, row


# ------------------------------------------------------------------------------------------------ the API


def start(
    c: Container,
    user: policy.Principal | None,
    mode: str,
    topics: Sequence[str] | None = None,
    *,
    replace: bool = False,
) -> QuizTurn:
    """A new quiz at its first question (see the module docstring)."""
    who = _learner(user)
    store = c.quiz_sessions
    active = store.active(who.id)
    if active is not None and not replace:
        raise ActiveQuiz(active.id, active.position)
    pool, versions = pool_of(c.quiz_sessions.pool())
    plan = plan_for(mode, topics, sorted({i.topic for i in pool.items if not i.pretest}))
    session_id = uuid.uuid4()
    state = QuizState(plan, seed=session_id.int % 2**63)
    first, _ = next_in(state, pool, store.recent_item_ids(who.id, plan.repeat_window), store.exposure_rates())
    if first is None:
        raise QuizError("There are no questions for these topics yet.")
    now = datetime.now(UTC)
    row = SessionRow(session_id, who.id, plan.mode, ACTIVE, state.to_dict(), 1,
                     _current(c, first, versions[first.id], session_id, 1), None, now, now, None)  # fmt: skip
    try:
        store.create(row, replace=replace)
    except ActiveSessionExists:
        other = store.active(who.id)
        raise ActiveQuiz(other.id if other else session_id, other.position if other else 1) from None
    return _turn(c, row)


def topics(c: Container) -> list[str]:
    """The topics a quiz can be started on: those with an active (scored) item, sorted."""
    return sorted({row.topic for row in c.quiz_sessions.pool() if row.status == "active"})


def resume(c: Container, user: policy.Principal | None) -> QuizTurn | None:
    """The quiz in progress, at its current question as first presented; None when there is none."""
    row = c.quiz_sessions.active(_learner(user).id)
    return _turn(c, row) if row is not None else None


def _plain(exc: AnswerError, item: Item) -> str:
    message = str(exc).removeprefix(f"item {item.id}: ")
    return message[:1].upper() + message[1:]


def _score(c: Container, item: Item, value: object, shown: Presentation) -> tuple[Feedback, float] | str:
    """The feedback on a read answer with the rules' score (an open response's is only a suggestion: its
    feedback awaits review), or the message of an answer to send back (a SQL syntax error...)."""
    if isinstance(item, SqlQueryItem):
        trace = SqlTrace(c.sql_sandbox)
        try:
            verdict = sql_verdict(item, value, trace)
        except AnswerError as exc:  # not one SELECT query
            return _plain(exc, item)
        except FixtureError:
            log.exception("item %s v%s: its SQL fixture or reference query fails", item.id, item.version)
            raise QuizError("This question cannot be scored right now; please start a new quiz.") from None
        if isinstance(trace.error, QuerySyntaxError):
            return f"Your query has a syntax error; fix it and answer again. {trace.error.reason}."
        return sql_feedback(item, verdict.score, verdict.reason, trace), verdict.score
    try:
        score = score_answer(item, value)
    except AnswerError as exc:
        return _plain(exc, item)
    return feedback(item, value, score, shown), score


def _move(c: Container, row: SessionRow, score: float | None) -> Move:
    """The session's next step; an answer with no score yet (awaiting review) counts like a pretest answer."""
    assert row.current is not None
    cur = row.current
    uncounted = bool(cur["pretest"]) or score is None
    shown = PoolItem(cur["item_id"], cur["topic"], cur["type"], cur["a"], cur["b"], uncounted)
    state = record(QuizState.from_dict(row.state), shown, None if uncounted else score)
    pool, versions = pool_of(c.quiz_sessions.pool())
    recent: Sequence[str] = c.quiz_sessions.recent_item_ids(row.learner_id, state.plan.repeat_window, besides=row.id)
    chosen, recent = next_in(state, pool, recent, c.quiz_sessions.exposure_rates())
    if chosen is None:
        return Move(
            state.to_dict(), row.position + 1, None, FINISHED, stop_reason(state, pool, recent) or "pool_exhausted"
        )
    current = _current(c, chosen, versions[chosen.id], row.id, row.position + 1)
    return Move(state.to_dict(), row.position + 1, current, ACTIVE, None)


def _jsonable(value: object) -> Any:
    return json.loads(json.dumps(value, allow_nan=False))


def answer(
    c: Container, user: policy.Principal | None, session_id: uuid.UUID, position: int, answer: object
) -> AnswerResult:
    """Score the answer to question `position` at once and move on (see the module docstring)."""
    who, row = _own(c, user, session_id)
    store = c.quiz_sessions
    if position < row.position and (stored := store.answer_at(row.id, position)) is not None:
        return Answered(position, Feedback.from_dict(stored.feedback), _after(c, row), duplicate=True)
    if row.status != ACTIVE or row.current is None:
        raise QuizEnded()
    if position != row.position:
        raise StalePosition(position, row.position)
    if not ANSWERS.allow(who.id):
        wait = ANSWERS.retry_after(who.id)
        raise TryLater(f"You are answering very fast; try again in {max(1, round(wait))} s.", wait)
    cur = row.current
    item = _item(c, cur["item_id"], cur["item_version"])
    shown = Presentation.from_dict(cur["presentation"])
    try:
        typed = _jsonable(answer)
        value = read_answer(item, typed)
    except (TypeError, ValueError) as exc:  # Unreadable, or a value JSON cannot hold
        message = str(exc) if isinstance(exc, Unreadable) else "This answer cannot be read."
        return NeedsFix(position, f"Question {position}: {message}")
    with SCORING.hold() as slot:
        if not slot:
            raise TryLater("Many answers are being scored right now; try again in a few seconds.", 3.0)
        scored = _score(c, item, value, shown)
    if isinstance(scored, str):
        return NeedsFix(position, f"Question {position}: {scored}")
    given, rule_score = scored
    move = _move(c, row, given.score)
    saved = AnswerRow(row.id, position, who.id, item.id, item.version, bool(cur["pretest"]), value, typed,
                      shown.to_dict(), given.score, given.to_dict(), new_submission_id(),
                      suggested_score=rule_score if given.awaiting_review else None)  # fmt: skip
    quiz: dict[str, Any] = {"session_id": str(row.id), "position": position}
    if typed != value and len(json.dumps(typed)) <= TYPED_IN_PAYLOAD:  # e.g. "4,722,432" read as 4722432
        quiz["typed"] = typed
    payload = {
        "format": "ai4d/v1",
        # Unguessable, never derived from what the page knows (the session id and position): a submission sent
        # first through the submissions door with a predictable id would have become this answer's record.
        "submission_id": str(saved.submission_id),
        "submitted_at": datetime.now(UTC).isoformat(),
        "answers": [{"item_id": item.id, "item_version": item.version, "answer": value,
                     "presentation": shown.to_dict()}],
        "quiz": quiz,
    }  # fmt: skip
    if not store.save_answer(saved, move, payload):  # another call got there first, or the quiz ended meanwhile
        fresh = store.get(row.id)
        stored = store.answer_at(row.id, position)
        if fresh is None or stored is None:
            raise QuizEnded()
        return Answered(position, Feedback.from_dict(stored.feedback), _after(c, fresh), duplicate=True)
    effects = after_answer(c, saved)
    fresh = store.get(row.id)
    assert fresh is not None
    return Answered(position, given, _after(c, fresh), effects=effects)


def summary(c: Container, user: policy.Principal | None, session_id: uuid.UUID) -> Summary:
    """Where a quiz stands (or ended): per topic theta, SE and mastery only with enough evidence."""
    who = policy.require(user)
    row = c.quiz_sessions.get(session_id)
    if row is None:
        raise policy.Forbidden(policy.NOT_YOURS)
    policy.require_self(who, row.learner_id)
    return _summary(row, c.quiz_sessions.answers([row.id]))


def history(c: Container, user: policy.Principal | None, limit: int = 20) -> list[PastAttempt]:
    """The viewer's own quizzes, newest first, each with its questions as shown, answers and feedback."""
    who = policy.require(user)
    store = c.quiz_sessions
    sessions = store.sessions(who.id, max(1, min(limit, 200)))
    answers = store.answers([s.id for s in sessions])
    items = store.items((a.item_id, a.item_version) for a in answers)
    by_session: dict[uuid.UUID, list[AnswerRow]] = {}
    for a in answers:
        by_session.setdefault(a.session_id, []).append(a)
    past = []
    for s in sessions:
        rows = by_session.get(s.id, [])
        shown = tuple(
            PastAnswer(a.position, _view(items[(a.item_id, a.item_version)], a.presentation), a.typed, a.score,
                       Feedback.from_dict(a.feedback), a.answered_at)
            for a in rows
        )  # fmt: skip
        past.append(PastAttempt(_summary(s, rows), shown))
    return past


def sql_context(c: Container, item: SqlQueryItem) -> SqlContext:
    """The tables of a SQL question: schema and sample rows (cached by the sandbox)."""
    return quiz_sql.sql_context(c.sql_sandbox, item)


def preview_sql(c: Container, user: policy.Principal | None, session_id: uuid.UUID, query: str) -> SqlPreview:
    """Run the learner's query on the current SQL question's sample data (rate-limited; never the expected rows)."""
    who, row = _own(c, user, session_id)
    if row.status != ACTIVE or row.current is None:
        raise QuizEnded()
    item = _item(c, row.current["item_id"], row.current["item_version"])
    if not isinstance(item, SqlQueryItem):
        raise QuizError("Only SQL questions can be run on the sample data.")
    if not PREVIEWS.allow(who.id):
        wait = PREVIEWS.retry_after(who.id)
        raise TryLater(f"Wait {max(1, round(wait))} s before running the query again.", wait)
    with SCORING.hold() as slot:
        if not slot:
            raise TryLater("The sandbox is busy; try again in a few seconds.", 3.0)
        return quiz_sql.preview(c.sql_sandbox, item, query)


__all__ = [
    "ANSWERS",
    "MODES",
    "PREVIEWS",
    "ActiveQuiz",
    "AnswerResult",
    "Answered",
    "NeedsFix",
    "PastAnswer",
    "PastAttempt",
    "Progress",
    "QuizEnded",
    "QuizError",
    "QuizTurn",
    "SqlContext",
    "SqlPreview",
    "StalePosition",
    "Summary",
    "TryLater",
    "answer",
    "history",
    "preview_sql",
    "resume",
    "sql_context",
    "start",
    "summary",
    "topics",
]
