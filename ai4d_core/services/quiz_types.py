"""What the quiz session service hands the learner page: turns, answer results, summaries, history, errors.

Every message here is plain and safe to show: no ids, no stack, nothing about other learners.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ai4d_core.domain.feedback import Feedback
from ai4d_core.domain.quiz_progress import TopicEstimate
from ai4d_core.services import progress_types


class QuizError(ValueError):
    """A request the quiz cannot follow; `str()` is a plain message for the learner."""


class ActiveQuiz(QuizError):  # noqa: N818 - what the page tells the learner
    """A quiz is in progress: the page asks before `start(..., replace=True)` abandons it (answers are kept)."""

    def __init__(self, session_id: uuid.UUID, position: int) -> None:
        super().__init__(
            f"You have a quiz in progress (question {position}). Resume it, or start a new one: the answers "
            "you gave so far are kept."
        )
        self.session_id = session_id
        self.position = position


class StalePosition(QuizError):  # noqa: N818 - the names the page matches on
    """An answer for a question that is not the current one (and was not answered before)."""

    def __init__(self, position: int, current: int) -> None:
        super().__init__(f"Question {position} is not the current question; the quiz is at question {current}.")
        self.position = position
        self.current = current


class QuizEnded(QuizError):  # noqa: N818
    def __init__(self) -> None:
        super().__init__("This quiz has ended; start a new one to go on.")


class TryLater(QuizError):  # noqa: N818
    """Too many requests in a short time, or the scorer is busy: nothing was stored; try again."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Progress:
    answered: int
    max_items: int
    topics: tuple[TopicEstimate, ...]  # per topic: theta, SE, precision in [0, 1], mastery claim


@dataclass(frozen=True, slots=True)
class SqlTable:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, DuckDB type)
    rows: tuple[tuple[Any, ...], ...]  # the first sample rows
    more_rows: bool


@dataclass(frozen=True, slots=True)
class SqlContext:
    """The tables a SQL question's query runs on: schema and sample rows, for the editor."""

    tables: tuple[SqlTable, ...]


@dataclass(frozen=True, slots=True)
class SqlPreview:
    """The learner's own query run on the sample data: the first rows, or the error (never the expected result)."""

    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    more_rows: bool = False
    error: str | None = None


@dataclass(frozen=True, slots=True)
class QuizTurn:
    """The question to answer now. `question` is the item as shown: id, version, type, stem and the choices in
    the order presented (`options`, `entries`, `prompts` + `targets`, cloze `gaps` with their options), never a
    key, weight, accepted answer, explanation, status or provenance (a pretest item looks like any other)."""

    session_id: uuid.UUID
    mode: str
    position: int  # 1-based: the number the page shows and sends back with the answer
    question: dict[str, Any]
    progress: Progress
    sql: SqlContext | None = None  # SQL questions: the tables' schema and sample rows


@dataclass(frozen=True, slots=True)
class Summary:
    session_id: uuid.UUID
    mode: str
    status: str  # "active", "finished" or "abandoned"
    stop_reason: str | None  # "target_se", "max_items", "pool_exhausted" (finished quizzes)
    answered: int
    score: float  # the sum of the answers' scores (graded ones: an answer awaiting review has none yet)
    topics: tuple[TopicEstimate, ...]  # `label` is the mastery or "not enough evidence yet"
    started_at: datetime
    ended_at: datetime | None
    awaiting_review: int = 0  # open responses not graded by an educator yet


@dataclass(frozen=True, slots=True)
class NeedsFix:
    """The answer could not be read: nothing was stored; the learner fixes it and answers again."""

    position: int
    message: str  # starts with "Question <position>:"


@dataclass(frozen=True, slots=True)
class AnswerEffects:
    """What a stored answer earned beyond the quiz (`services.answer_effects`)."""

    xp: int = 0  # XP this answer earned
    badges: tuple[str, ...] = ()  # the names of the badges it earned
    progress: progress_types.Progress | None = (
        None  # the learner's progress after it (None: read it, e.g. awards failed)
    )


NO_EFFECTS = AnswerEffects()


@dataclass(frozen=True, slots=True)
class Answered:
    position: int
    feedback: Feedback
    next: QuizTurn | Summary  # the next question, or the summary when the quiz is over
    duplicate: bool = False  # True when this answer had been stored already (a retry): nothing new was stored
    effects: AnswerEffects = NO_EFFECTS  # what it earned (XP, badges); nothing for a duplicate


AnswerResult = NeedsFix | Answered


@dataclass(frozen=True, slots=True)
class PastAnswer:
    position: int
    question: dict[str, Any]  # as it was shown (its version, in the order presented)
    answer: Any  # what the learner sent
    score: float | None  # None: an open response awaiting review (its feedback says so)
    feedback: Feedback
    answered_at: datetime | None


@dataclass(frozen=True, slots=True)
class PastAttempt:
    summary: Summary
    answers: tuple[PastAnswer, ...] = field(default_factory=tuple)


__all__ = [
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
    "SqlTable",
    "StalePosition",
    "Summary",
    "TryLater",
]
