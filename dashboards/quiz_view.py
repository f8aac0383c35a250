# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""The learner's Quiz section, its view: the start screen, the question with Submit, then its feedback and
Next, the progress, and the summary at the end (`quiz_page.QuizState` holds and does everything)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from ai4d_core.domain.feedback import Feedback
from ai4d_core.domain.topics import topic_name
from ai4d_core.services.quiz_types import Answered, QuizTurn, Summary
from dashboards.badges_page import earned_notice
from dashboards.common import format_number, markdown
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
FIX_CSS = ":host { border-left: 4px solid #b3261e; padding-left: 8px; } p { color: #8c1d18; font-weight: 600; }"


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


def _has_quiz(turn: QuizTurn | None, summary: Summary | None) -> bool:
    return turn is not None or summary is not None


def _not_ready(ready: bool) -> bool:
    return not ready


def _progress(turn: QuizTurn, result: Answered | None) -> str:
    """Answered so far and each topic's precision (after an answer: counting it)."""
    p = result.next.progress if result is not None and isinstance(result.next, QuizTurn) else turn.progress
    if result is not None and not isinstance(result.next, QuizTurn):
        return f"**Progress:** {result.next.answered} answered: the quiz is over."
    lines = [
        f"**Progress:** {p.answered} answered (at most {p.max_items} questions). Precision: how far each topic's "
        "estimate has come towards what this quiz aims for."
    ]
    lines += [
        f"- {escaped(topic_name(t.topic))}: precision {round(t.precision * 100)}%"
        + (f", {t.mastery}" if t.mastery else "")
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
            if (notice := earned_notice(s.result.effects)) is not None:  # +XP, "Badge earned: ..."
                parts.append(notice)
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
        shown = pn.bind(_has_quiz, self.state.param.turn, self.state.param.summary)  # not on the start screen
        new = pn.widgets.Button.from_param(self.state.param.new_quiz, color="light", width=120, visible=shown)
        return pn.Column(self._notice, self._screen, new, sizing_mode="stretch_width", css_classes=["ai4d-quiz"])


__all__ = ["CONFIRM_NEW", "NO_TOPICS", "QuizView", "alert", "feedback_pane", "summary_markdown"]
