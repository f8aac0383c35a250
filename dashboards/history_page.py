# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""The learner's History section: past quizzes, newest first, each question as it was shown with the answer
given and the feedback received (`services.quiz_sessions.history`)."""

from __future__ import annotations

from typing import Any

import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from ai4d_core.domain.item_types import GAP
from ai4d_core.services import quiz_sessions
from ai4d_core.services.quiz_types import PastAnswer, PastAttempt
from dashboards.cohort_views import PageState
from dashboards.common import format_number, markdown
from dashboards.quiz_text import answer_words, escaped
from dashboards.quiz_view import feedback_pane

NO_HISTORY = "No quiz yet: your past quizzes, answers and feedback will appear here."
HISTORY_LIMIT = 20
STATUS = {"active": "in progress", "finished": "finished", "abandoned": "abandoned"}


class HistoryState(PageState):
    """The learner's own past quizzes (the service checks they are the viewer's)."""

    attempts = param.List(default=[], item_type=PastAttempt)
    refresh = param.Event(label="Refresh history")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.load()

    @param.depends("refresh", watch=True)
    def load(self) -> None:
        if self._alive():
            self.attempts = quiz_sessions.history(self.container, self.user, HISTORY_LIMIT)


def attempt_title(attempt: PastAttempt) -> str:
    s = attempt.summary
    topics = ", ".join(t.topic for t in s.topics)
    return (
        f"### {s.mode.title()} of {s.started_at:%Y-%m-%d %H:%M} UTC ({STATUS.get(s.status, s.status)})\n\n"
        f"{escaped(topics)}: {s.answered} answered, score {format_number(s.score)}"
        + (f", {s.awaiting_review} awaiting review" if s.awaiting_review else "")
    )


def _blanks(stem: str) -> str:
    """A cloze stem with its gaps shown as numbered blanks."""
    numbers = {gap: n for n, gap in enumerate(dict.fromkeys(GAP.findall(stem)), start=1)}
    return GAP.sub(lambda m: f"\\_\\_\\_ (blank {numbers[m.group(1)]})", stem)


def answer_markdown(answer: PastAnswer) -> str:
    """One past question: its stem and the answer given (its feedback follows, `feedback_pane`)."""
    view = answer.question
    return (
        f"#### Question {answer.position}\n\n{_blanks(str(view.get('stem', '')))}\n\n"
        f"**Your answer:** {escaped(answer_words(view, answer.answer))}"
    )


class HistoryView(Viewer):
    """The past quizzes with their questions, answers and feedback."""

    state = param.ClassSelector(class_=HistoryState, allow_None=NoNone)

    @param.depends("state.attempts", "state.message")
    def _attempts(self) -> pn.viewable.Viewable:
        parts: list[Any] = [markdown(self.state.message)] if self.state.message else []
        if not self.state.attempts:
            parts.append(markdown(NO_HISTORY, css_classes=["ai4d-no-history"]))
        for attempt in self.state.attempts:
            parts.append(markdown(attempt_title(attempt), css_classes=["ai4d-attempt"]))
            parts += [
                pn.Column(
                    markdown(answer_markdown(a), hard_line_break=True), feedback_pane(a.question, a.feedback, level=5),
                    sizing_mode="stretch_width", css_classes=["ai4d-past-answer"],
                    styles={"border-left": "3px solid #9aa5b1", "padding-left": "8px"},
                )
                for a in attempt.answers
            ]  # fmt: skip
        return pn.Column(*parts, sizing_mode="stretch_width")

    def __panel__(self) -> pn.Column:
        refresh = pn.widgets.Button.from_param(self.state.param.refresh, color="light", width=160)
        return pn.Column(refresh, self._attempts, sizing_mode="stretch_width")


__all__ = ["HISTORY_LIMIT", "NO_HISTORY", "HistoryState", "HistoryView", "answer_markdown", "attempt_title"]
