# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""The learner's Quiz section, its state: one question at a time, scored on the server at once
(`services.quiz_sessions`).

`QuizState` holds everything and calls only core services; `quiz_view.QuizView` lays it out. Screens: the start
screen (a diagnostic over the topics picked, or all; or a practice on one topic), the current question with
its progress, then the question read-only beside its feedback with "Next question", and the summary at the
end. On page load the state asks the service for the quiz in progress, so a reload or a login elsewhere
resumes at the same question. "New quiz" during a quiz asks first; the old quiz is abandoned only when the
new one starts, and its answers are kept.

Panel runs these callbacks on worker threads, so a widget's last change may reach the server after a click:
Submit is enabled only once the server holds an answer (`ready` follows the question's `answered`), and the
answer sent is the one the server holds, shown read-only beside its feedback.
"""

from __future__ import annotations

from typing import Any

import param

from ai4d_core.domain.topics import topic_name
from ai4d_core.services import quiz_sessions
from ai4d_core.services.quiz_types import (
    ActiveQuiz,
    Answered,
    QuizEnded,
    QuizError,
    QuizTurn,
    SqlPreview,
    StalePosition,
    Summary,
)
from dashboards.cohort_views import PageState
from dashboards.questions import Question, question_for

MODES = {"Diagnostic: find your level in the topics you pick": "diagnostic", "Practice one topic": "practice"}
ANSWER_FIRST = "Question {n}: answer the question first."
REPLACING = "Choose your new quiz: the one in progress is abandoned when you start this one (its answers are kept)."


class QuizState(PageState):
    """The quiz of the signed-in learner, as the server holds it."""

    topics = param.List(default=[], item_type=str, doc="the topics with questions")
    mode: param.Selector[str] = param.Selector(default="diagnostic", objects=MODES, label="Kind of quiz")
    chosen = param.ListSelector(default=[], objects=[], label="Topics (none picked: all)")
    practice_topic: param.Selector[str | None] = param.Selector(
        default=None, objects=[], allow_None=True, label="Topic to practise"
    )
    turn = param.ClassSelector(class_=QuizTurn, allow_None=True, doc="the question on screen")
    question = param.ClassSelector(class_=Question, allow_None=True, doc="its widget state")
    result = param.ClassSelector(class_=Answered, allow_None=True, doc="the feedback on the question on screen")
    summary = param.ClassSelector(class_=Summary, allow_None=True, doc="the end of the quiz just finished")
    fix = param.String(default="", doc="why the answer could not be read: fix it and submit again")
    ready = param.Boolean(default=False, doc="the server holds an answer to the question on screen")
    confirming = param.Boolean(default=False, doc="asking before a new quiz abandons the one in progress")
    replacing = param.Boolean(default=False, doc="the next start abandons the quiz in progress")
    start = param.Event(label="Start quiz")
    submit = param.Event(label="Submit answer")
    next = param.Event(label="Next question")
    finish = param.Event(label="See your results")
    new_quiz = param.Event(label="New quiz")
    abandon = param.Event(label="Yes, start a new quiz")
    keep = param.Event(label="No, go on with this quiz")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._load_topics()
        self.resume()

    def _load_topics(self) -> None:
        topics = quiz_sessions.topics(self.container)
        shown = {topic_name(t): t for t in topics}  # the boxes say "NLP and LLMs"; the values stay the ids
        self.param.chosen.objects = shown
        self.param.practice_topic.objects = shown
        self.param.update(topics=list(topics), practice_topic=topics[0] if topics else None)

    def resume(self) -> None:
        """Show the quiz in progress at its current question (the start screen when there is none)."""
        if self._alive():
            turn = quiz_sessions.resume(self.container, self.user)
            self._show(turn) if turn is not None else self.param.update(turn=None, question=None, result=None)

    def _show(self, turn: QuizTurn) -> None:
        question = question_for(turn.question, preview=self._preview if turn.sql is not None else None, sql=turn.sql)
        question.param.watch(lambda event: setattr(self, "ready", bool(event.new)), "answered")
        self.param.update(
            turn=turn, question=question, result=None, summary=None, fix="", ready=question.answered,
            confirming=False, replacing=False, message="",
        )  # fmt: skip

    def _preview(self, query: str) -> SqlPreview:
        """The SQL widget's "Run on the sample data" (a `QuizError`'s message is shown to the learner)."""
        if not self._alive() or self.turn is None:
            raise QuizEnded()
        return quiz_sessions.preview_sql(self.container, self.user, self.turn.session_id, query)

    @param.depends("start", watch=True)
    def _start(self) -> None:
        if not self._alive():
            return
        topics = [self.practice_topic] if self.mode == "practice" and self.practice_topic else list(self.chosen)
        try:
            turn = quiz_sessions.start(self.container, self.user, self.mode, topics, replace=self.replacing)
        except ActiveQuiz as exc:  # started in another tab meanwhile
            self.resume()
            self.message = str(exc)
            return
        except QuizError as exc:
            self.message = str(exc)
            return
        self._show(turn)

    @param.depends("submit", watch=True)
    def _submit(self) -> None:
        turn, question = self.turn, self.question
        if turn is None or question is None or self.result is not None or not self._alive():
            return
        value = question.value()
        if value is None:
            self.fix = ANSWER_FIRST.format(n=turn.position)
            return
        try:
            outcome = quiz_sessions.answer(self.container, self.user, turn.session_id, turn.position, value)
        except StalePosition as exc:  # answered in another tab: show where the quiz is now
            self.resume()
            self.message = str(exc)
            return
        except QuizEnded as exc:
            self.param.update(turn=None, question=None, result=None, message=str(exc))
            return
        except QuizError as exc:  # too fast, or the scorer is busy: nothing was stored
            self.fix = str(exc)
            return
        if not isinstance(outcome, Answered):
            self.fix = outcome.message
            return
        question.disabled = True
        self.param.update(result=outcome, fix="", message="")

    @param.depends("next", "finish", watch=True)
    def _next(self) -> None:
        if self.result is None or not self._alive():
            return
        after = self.result.next
        if isinstance(after, QuizTurn):
            self._show(after)
        else:
            self.param.update(turn=None, question=None, result=None, summary=after, ready=False)

    @param.depends("new_quiz", watch=True)
    def _new_quiz(self) -> None:
        if self.in_progress:
            self.confirming = True
            return
        self.param.update(turn=None, question=None, result=None, summary=None, message="", fix="")

    @property
    def in_progress(self) -> bool:
        """Whether a quiz is going on (a question on screen, answered or not, with more to come)."""
        return self.turn is not None and (self.result is None or isinstance(self.result.next, QuizTurn))

    @param.depends("abandon", watch=True)
    def _abandon(self) -> None:
        if self._alive():
            self.param.update(
                confirming=False, replacing=True, turn=None, question=None, result=None, fix="", message=REPLACING
            )

    @param.depends("keep", watch=True)
    def _keep(self) -> None:
        self.confirming = False


__all__ = ["ANSWER_FIRST", "MODES", "REPLACING", "QuizState"]
