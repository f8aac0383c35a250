# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""The learner's Quiz section, its view: the start screen, the question with Submit, then its feedback and
Next, the progress, and the summary at the end (`quiz_page.QuizState` holds and does everything).

The question screen is made once per page: a new question replaces only its heading and widgets, and what
follows the question is `quiz_answer_area.AnswerArea`, updated in place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from ai4d_core.domain.feedback import Feedback
from ai4d_core.domain.topics import topic_name
from ai4d_core.services.quiz_types import QuizTurn, Summary
from dashboards.common import format_number, markdown
from dashboards.quiz_answer_area import AnswerArea
from dashboards.quiz_page import QuizState
from dashboards.quiz_text import escaped, feedback_text

NO_TOPICS = "No questions are available yet; the item bank is empty. Please come back later."
CONFIRM_NEW = (
    "You have a quiz in progress ({answered} answered). Starting a new one abandons it; the answers you gave "
    "are kept in your history. Start a new quiz?"
)
STOPPED = {
    "target_se": "Every topic reached the precision this quiz aims for.",
    "max_items": "You reached the quiz's number of questions.",
    "pool_exhausted": "There are no more questions to ask on these topics for now.",
}


def _is_diagnostic(mode: str) -> bool:
    return mode == "diagnostic"


def _is_practice(mode: str) -> bool:
    return mode == "practice"


def _has_quiz(turn: QuizTurn | None, summary: Summary | None) -> bool:
    return turn is not None or summary is not None


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
        f"You answered {summary.answered} questions; total score {format_number(summary.score)}"
        + (f" ({summary.awaiting_review} awaiting review)." if summary.awaiting_review else "."),
        "| Topic | Ability (θ) | Std. error | Mastery |",
        "|---|---|---|---|",
        *(
            f"| {escaped(topic_name(t.topic))} | {t.theta:+.2f} | {t.se:.2f} | {escaped(t.label)} |"
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

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._area = AnswerArea(state=self.state)
        self._question = pn.Column(sizing_mode="stretch_width")  # the question's heading and widgets
        self._question_screen = pn.Column(self._question, self._area, sizing_mode="stretch_width")
        # The `Question` on the question screen (`objects` holds its rendered layout, not the `Question`).
        self._shown: object = None
        self._summary = markdown("", css_classes=["ai4d-summary"], visible=False)
        self._start = self._start_screen()  # the topics are read once, when the page's state is made
        self._screen = pn.Column(self._start, self._question_screen, self._summary, sizing_mode="stretch_width")
        self.state.param.watch(self._show_screen, ["turn", "question", "summary"])
        self._show_screen()

    def _show_screen(self, *_: object) -> None:
        """The question screen (its question replaced when it is a new one), the summary, or the start screen.

        The three screens stay in the page and only their visibility changes: taking a screen out of the page
        while its panes' new texts were still on their way to the browser made Panel update a dropped model
        (`KeyError` in `PaneBase._update_object`)."""
        s = self.state
        asking = s.turn is not None and s.question is not None
        if asking and s.question is not self._shown:
            assert s.turn is not None
            # A heading of its own, so that its number and the question reach the page in one change.
            heading = pn.pane.Markdown(f"### Question {s.turn.position}", css_classes=["ai4d-question-number"])
            self._question.objects = [heading, s.question]
            self._shown = s.question
        elif not asking and self._shown is not None:
            self._question.objects, self._shown = [], None  # no old question left in the page, even hidden
        self._question_screen.visible = asking
        ended = not asking and s.summary is not None
        self._summary.param.update(object=summary_markdown(s.summary) if ended and s.summary else "", visible=ended)
        self._start.visible = not asking and not ended

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
        shown = pn.bind(_has_quiz, self.state.param.turn, self.state.param.summary)  # not on the start screen
        new = pn.widgets.Button.from_param(self.state.param.new_quiz, color="light", width=120, visible=shown)
        return pn.Column(self._notice, self._screen, new, sizing_mode="stretch_width", css_classes=["ai4d-quiz"])


__all__ = ["CONFIRM_NEW", "NO_TOPICS", "QuizView", "feedback_pane", "summary_markdown"]
