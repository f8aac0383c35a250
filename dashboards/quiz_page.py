# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""The learner's Quiz section: one question at a time, scored on the server at once (`services.quiz_sessions`).

`QuizState` holds everything and calls only the quiz service; `QuizView` lays it out. Screens: the start
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

import html
from collections.abc import Mapping
from typing import Any

import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from ai4d_core.domain.feedback import Feedback
from ai4d_core.services import bank, quiz_sessions
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
from dashboards.common import format_number, markdown
from dashboards.questions import Question, question_for
from dashboards.quiz_text import escaped, feedback_text

MODES = {"Diagnostic: find your level in the topics you pick": "diagnostic", "Practice one topic": "practice"}
NO_TOPICS = "No questions are available yet; the item bank is empty. Please come back later."
ANSWER_FIRST = "Question {n}: answer the question first."
CONFIRM_NEW = (
    "You have a quiz in progress ({answered} answered). Starting a new one abandons it; the answers you gave "
    "are kept in your history. Start a new quiz?"
)
REPLACING = "Choose your new quiz: the one in progress is abandoned when you start this one (its answers are kept)."
STOPPED = {
    "target_se": "Every topic reached the precision this quiz aims for.",
    "max_items": "You reached the quiz's number of questions.",
    "pool_exhausted": "There are no more questions to ask on these topics for now.",
}
FIX_CSS = ":host { border-left: 4px solid #b3261e; padding-left: 8px; } p { color: #8c1d18; font-weight: 600; }"


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
        topics = sorted({item.topic for item in bank.list_items(self.container, status="active")})
        self.param.chosen.objects = list(topics)
        self.param.practice_topic.objects = list(topics)
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


def alert(message: str) -> pn.pane.HTML:
    """A fix-your-answer message that screen readers announce when it appears (`role="alert"`); the text is
    escaped, so nothing in it becomes HTML."""
    return pn.pane.HTML(
        f'<p role="alert">{html.escape(message)}</p>', stylesheets=[FIX_CSS], css_classes=["ai4d-fix"],
        sizing_mode="stretch_width",
    )  # fmt: skip


def _is_diagnostic(mode: str) -> bool:
    return mode == "diagnostic"


def _is_practice(mode: str) -> bool:
    return mode == "practice"


def _not_ready(ready: bool) -> bool:
    return not ready


def _progress(turn: QuizTurn, result: Answered | None) -> str:
    """Answered so far and each topic's precision (after an answer: counting it)."""
    p = result.next.progress if result is not None and isinstance(result.next, QuizTurn) else turn.progress
    if result is not None and not isinstance(result.next, QuizTurn):
        return f"**Progress:** {result.next.answered} answered: the quiz is over."
    lines = [f"**Progress:** {p.answered} answered (at most {p.max_items} questions)"]
    lines += [
        f"- {escaped(t.topic)}: precision {round(t.precision * 100)}%" + (f", {t.mastery}" if t.mastery else "")
        for t in p.topics
    ]
    return "\n".join(lines)


def feedback_pane(view: Mapping[str, Any], fb: Feedback, level: int = 4, **kwargs: Any) -> pn.Column:
    """The feedback, with the learner's SQL result and the expected one side by side (stacked on a phone)."""
    text = feedback_text(view, fb, level)
    parts: list[Any] = [markdown(text.before)]
    if text.results is not None:
        parts.append(pn.FlexBox(*(markdown(t, margin=(0, 20, 0, 10)) for t in text.results), flex_wrap="wrap"))
    parts.append(markdown(text.after))
    return pn.Column(*parts, sizing_mode="stretch_width", css_classes=["ai4d-feedback"], **kwargs)


def summary_markdown(summary: Summary) -> str:
    """The end of a quiz: why it stopped, the score, and per topic the estimate and what it allows to say."""
    lines = [
        f"### Your results ({summary.mode})",
        STOPPED.get(summary.stop_reason or "", ""),
        f"You answered {summary.answered} questions; total score {format_number(summary.score)}.",
        "| Topic | Ability (θ) | Std. error | Mastery |",
        "|---|---|---|---|",
        *(
            f"| {escaped(t.topic)} | {t.theta:+.2f} | {t.se:.2f} | {escaped(t.label)} |"
            for t in summary.topics
        ),
    ]  # fmt: skip
    return "\n\n".join(lines[:3]) + "\n\n" + "\n".join(lines[3:])


class QuizView(Viewer):
    """The start screen, the question with its Submit and feedback, or the summary."""

    state = param.ClassSelector(class_=QuizState, allow_None=NoNone)

    def _start_screen(self) -> pn.Column:
        s = self.state
        if not s.topics:
            return pn.Column(markdown(NO_TOPICS, css_classes=["ai4d-no-questions"]), sizing_mode="stretch_width")
        mode = pn.widgets.RadioBoxGroup.from_param(s.param.mode, inline=False)
        diagnostic = pn.bind(_is_diagnostic, s.param.mode)
        topics = pn.widgets.CheckBoxGroup.from_param(s.param.chosen, inline=False, visible=diagnostic)
        practice = pn.widgets.Select.from_param(s.param.practice_topic, visible=pn.bind(_is_practice, s.param.mode))
        start = pn.widgets.Button.from_param(s.param.start, color="primary", width=160)
        return pn.Column(
            pn.pane.Markdown("### Start a quiz"), pn.pane.Markdown("**Kind of quiz**"), mode,
            pn.pane.Markdown("**Topics** (none picked: all)", visible=diagnostic), topics, practice,
            start, sizing_mode="stretch_width", css_classes=["ai4d-quiz-start"],
        )  # fmt: skip

    def _question_screen(self) -> pn.Column:
        """The question stays on screen (its widgets are not rebuilt); what follows it changes."""
        s = self.state
        turn, question = s.turn, s.question
        assert turn is not None and question is not None
        heading = pn.pane.Markdown(f"### Question {turn.position}", css_classes=["ai4d-question-number"])
        return pn.Column(heading, question, self._answer_area, sizing_mode="stretch_width")

    @param.depends("state.result", "state.fix")
    def _answer_area(self) -> pn.Column:
        """A fix-your-answer message, Submit; then the feedback and Next; and the progress."""
        s = self.state
        turn = s.turn
        if turn is None:
            return pn.Column()
        parts: list[Any] = []
        if s.fix:
            parts.append(alert(s.fix))
        if s.result is None:
            blocked = pn.bind(_not_ready, s.param.ready)  # enabled once the server holds an answer
            parts.append(pn.widgets.Button.from_param(s.param.submit, color="primary", width=160, disabled=blocked))
        else:
            parts.append(feedback_pane(turn.question, s.result.feedback))
            event = s.param.next if isinstance(s.result.next, QuizTurn) else s.param.finish
            parts.append(pn.widgets.Button.from_param(event, color="primary", width=180))
        parts.append(markdown(_progress(turn, s.result), css_classes=["ai4d-progress"]))
        return pn.Column(*parts, sizing_mode="stretch_width")

    @param.depends("state.turn", "state.summary", "state.topics", "state.replacing")
    def _screen(self) -> pn.viewable.Viewable:
        s = self.state
        if s.turn is not None and s.question is not None:
            return self._question_screen()
        if s.summary is not None:
            return pn.Column(markdown(summary_markdown(s.summary), css_classes=["ai4d-summary"]),
                             sizing_mode="stretch_width")  # fmt: skip
        return self._start_screen()

    @param.depends("state.message", "state.confirming")
    def _notice(self) -> pn.viewable.Viewable:
        s = self.state
        parts: list[Any] = [markdown(s.message)] if s.message else []
        if s.confirming and s.in_progress and s.turn is not None:
            parts += [
                markdown(CONFIRM_NEW.format(answered=s.turn.progress.answered), css_classes=["ai4d-confirm-new"]),
                pn.Row(pn.widgets.Button.from_param(s.param.abandon, color="danger", width=200),
                       pn.widgets.Button.from_param(s.param.keep, color="light", width=220)),
            ]  # fmt: skip
        return pn.Column(*parts, sizing_mode="stretch_width")

    def __panel__(self) -> pn.Column:
        new = pn.widgets.Button.from_param(self.state.param.new_quiz, color="light", width=120)
        return pn.Column(self._notice, self._screen, new, sizing_mode="stretch_width", css_classes=["ai4d-quiz"])


__all__ = ["ANSWER_FIRST", "CONFIRM_NEW", "NO_TOPICS", "QuizState", "QuizView", "alert", "feedback_pane", "summary_markdown"]
