# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""What follows the question on screen: a fix-your-answer message, Submit; after the answer its feedback, what it
earned and Next; the progress (`quiz_page.QuizState` holds what is shown).

One set of panes per page, updated in place: an answer changes their texts and which of them are visible, and
a new question changes them back. Building new Panel panes for each answer and each question was most of the
server's work per answer (`bench quiz_round_trip`: each pane is a Bokeh model made, sent and indexed), and that
work is what 50 learners answering at once queue behind. A hidden pane's text is emptied, so nothing stale can
be read or found on the page.
"""

from __future__ import annotations

import html
from typing import Any

import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from ai4d_core.domain.topics import topic_name
from ai4d_core.services.quiz_types import Answered, QuizTurn
from dashboards.badges_page import NOTICE_CSS, earned_html
from dashboards.common import markdown
from dashboards.quiz_page import QuizState
from dashboards.quiz_text import escaped, feedback_text

FIX_CSS = ":host { border-left: 4px solid #b3261e; padding-left: 8px; } p { color: #8c1d18; font-weight: 600; }"


def alert_html(message: str) -> str:
    """A fix-your-answer message that screen readers announce (`role="alert"`); the text is escaped."""
    return f'<p role="alert">{html.escape(message)}</p>'


def progress_text(turn: QuizTurn, result: Answered | None) -> str:
    """Answered so far and each topic's precision (after an answer: counting it)."""
    if result is not None and not isinstance(result.next, QuizTurn):
        return f"**Progress:** {result.next.answered} answered: the quiz is over."
    p = result.next.progress if result is not None and isinstance(result.next, QuizTurn) else turn.progress
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


def _not_ready(ready: bool) -> bool:
    return not ready


def _show(pane: Any, text: str) -> None:
    """Show `text` in `pane`, or hide the pane (and empty it) when there is none."""
    pane.param.update(object=text, visible=bool(text))


class AnswerArea(Viewer):
    """Submit, or the feedback with Next, below the question on screen; and the progress."""

    state = param.ClassSelector(class_=QuizState, allow_None=NoNone)

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        s = self.state
        self._fix = pn.pane.HTML(
            "", stylesheets=[FIX_CSS], css_classes=["ai4d-fix"], sizing_mode="stretch_width", visible=False
        )
        blocked = pn.bind(_not_ready, s.param.ready)  # enabled once the server holds an answer
        self._submit = pn.widgets.Button.from_param(s.param.submit, color="primary", width=160, disabled=blocked)
        self._before = markdown("", visible=False)
        self._results = [markdown("", margin=(0, 20, 0, 10)) for _ in range(2)]  # yours and the expected one
        self._results_row = pn.FlexBox(*self._results, flex_wrap="wrap", visible=False)
        self._after = markdown("", visible=False)
        self._feedback = pn.Column(
            self._before, self._results_row, self._after, sizing_mode="stretch_width", css_classes=["ai4d-feedback"],
            visible=False,
        )  # fmt: skip
        self._earned = pn.pane.HTML(
            "", stylesheets=[NOTICE_CSS], css_classes=["ai4d-earned"], sizing_mode="stretch_width", visible=False
        )
        self._next = pn.widgets.Button.from_param(s.param.next, color="primary", width=180, visible=False)
        self._finish = pn.widgets.Button.from_param(s.param.finish, color="primary", width=180, visible=False)
        self._progress = markdown("", css_classes=["ai4d-progress"])
        self._layout = pn.Column(
            self._fix, self._submit, self._feedback, self._earned, self._next, self._finish, self._progress,
            sizing_mode="stretch_width",
        )  # fmt: skip
        s.param.watch(self._update, ["turn", "result", "fix"])
        self._update()

    def _update(self, *_: object) -> None:
        s = self.state
        turn, result = s.turn, s.result
        _show(self._fix, alert_html(s.fix) if s.fix and turn is not None else "")
        self._submit.visible = turn is not None and result is None
        text = feedback_text(turn.question, result.feedback) if turn is not None and result is not None else None
        _show(self._before, text.before if text else "")
        for pane, shown in zip(self._results, (text.results if text else None) or ("", ""), strict=True):
            _show(pane, shown)
        self._results_row.visible = bool(text and text.results)
        _show(self._after, text.after if text else "")
        self._feedback.visible = text is not None
        _show(self._earned, earned_html(result.effects) if result is not None else "")
        more = result is not None and isinstance(result.next, QuizTurn)
        self._next.visible, self._finish.visible = more, result is not None and not more
        _show(self._progress, progress_text(turn, result) if turn is not None else "")

    def __panel__(self) -> pn.Column:
        return self._layout


__all__ = ["FIX_CSS", "AnswerArea", "alert_html", "progress_text"]
