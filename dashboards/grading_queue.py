# Panel's constructors take untyped **params:
# mypy: disable-error-code="no-untyped-call"
"""The educator's Grading view: open responses awaiting review, graded one at a time (`services.grading`).

`GradingState(container=, identity=)` holds the queue (the service decides whose answers an educator sees:
their cohorts' learners, every learner for an admin), the answer being graded (`selected`, the oldest by
default), the score (empty until the educator decides; "Use the rules' suggestion" / "Use the LLM's
suggestion" fill it in), a comment and the Grade event; after a grade the queue refreshes and moves to the
next answer. `GradingView(state=)` shows a table of waiting answers and, for the selected one, the question,
the rubric, the model answer, the learner's answer and the suggestions. Grading is blind: no learner name.

Every text shown is untrusted (item text, the learner's answer, the LLM's comment): through `common.markdown`
(raw HTML escaped, no links) and `quiz_text.escaped` for inline values; table cells are plain text.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn
import param
from panel.viewable import Viewer
from param.parameters import NoNone

from ai4d_core.policy import Forbidden
from ai4d_core.services import grading
from ai4d_core.services.grading import QueueEntry
from dashboards.cohort_views import PageState, picking_table
from dashboards.common import format_number, markdown
from dashboards.quiz_text import escaped

QUEUE_LIMIT = 50
NOTHING_WAITING = "No answers are waiting for review."
CHOOSE_SCORE = "Enter a score between 0 and 1 first (or use a suggestion)."
TITLES = {"item": "Question", "topic": "Topic", "waiting": "Waiting since", "rules": "Rules", "llm": "LLM"}


def _percent(score: float | None) -> str:
    return "—" if score is None else f"{format_number(score * 100, 0)} %"


class GradingState(PageState):
    """The educator's queue of open responses awaiting review, and the grade being given (driven headless in
    tests: set `selected`, `score`, `comment`, trigger `grade`)."""

    entries = param.List(default=[], item_type=QueueEntry)
    waiting = param.Integer(default=0, doc="how many answers await review in all (the table shows the oldest)")
    selected = param.String(default=None, allow_None=True, doc="the key of the answer being graded")
    score = param.Number(default=None, allow_None=True, bounds=(0, 1), label="Score (0 to 1)")
    comment = param.String(default="", label="Comment for the learner")
    grade = param.Event(label="Grade")
    use_rules = param.Event(label="Use the rules' suggestion")
    use_llm = param.Event(label="Use the LLM's suggestion")
    refresh = param.Event(label="Refresh")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.load()

    @property
    def current(self) -> QueueEntry | None:
        return next((e for e in self.entries if e.key == self.selected), None)

    @param.depends("refresh", watch=True)
    def load(self) -> None:
        """Read the queue again; keep the selected answer if it still waits, else take the oldest."""
        if not self._alive():
            return
        try:
            entries = grading.queue(self.container, self.user, QUEUE_LIMIT)
            waiting = grading.waiting_count(self.container, self.user)
        except Forbidden as exc:
            self.param.update(entries=[], waiting=0, selected=None, message=str(exc))
            return
        keys = [e.key for e in entries]
        chosen = self.selected if self.selected in keys else (keys[0] if keys else None)
        self.param.update(entries=entries, waiting=waiting, selected=chosen)

    @param.depends("selected", watch=True)
    def _fresh_inputs(self) -> None:
        """Another answer to grade: the score starts empty again (the educator decides)."""
        self.param.update(score=None, comment="")

    @param.depends("use_rules", watch=True)
    def _use_rules(self) -> None:
        if (entry := self.current) is not None and entry.rule_suggestion is not None:
            self.score = entry.rule_suggestion

    @param.depends("use_llm", watch=True)
    def _use_llm(self) -> None:
        if (entry := self.current) is not None and entry.llm_suggestion is not None:
            self.score = entry.llm_suggestion

    @param.depends("grade", watch=True)
    def _grade(self) -> None:
        entry, score = self.current, self.score
        if entry is None:
            self.message = "Choose an answer to grade."
            return
        if score is None:
            self.message = CHOOSE_SCORE
            return

        def act() -> str:
            result = grading.grade(self.container, self.user, entry.key, score, self.comment)
            earned = f" The learner earned {result.effects.xp} XP." if result.effects.xp else ""
            if result.duplicate:
                return "Graded already with this score."
            return f"Graded {_percent(result.score)}{' (regraded)' if result.regrade else ''}.{earned}"

        if self.attempt(act):  # a refusal (GradingError, Forbidden) becomes the message
            self.selected = None
            self.load()


def entry_markdown(entry: QueueEntry) -> str:
    """One waiting answer: the question, the rubric, the model answer, the learner's answer, the suggestions."""
    rubric = "\n".join(f"- {escaped(p.name)} ({format_number(p.weight * 100, 1)} %)" for p in entry.rubric)
    llm = (
        f"{_percent(entry.llm_suggestion)} ({escaped(entry.llm_model or 'LLM')})"
        + (f": {escaped(entry.llm_comment)}" if entry.llm_comment else "")
        if entry.llm_suggestion is not None
        else "none"
    )
    return "\n\n".join(
        [
            f"#### {escaped(entry.item_id)} ({escaped(entry.topic)}), "
            f"waiting since {entry.waiting_since:%Y-%m-%d %H:%M} UTC",
            entry.stem,
            "**Rubric**\n\n" + (rubric or "_no criteria_"),
            f"**Model answer:** {escaped(entry.model_answer)}",
            f"**The learner's answer:**\n\n> {escaped(entry.answer) or '_(empty)_'}",
            f"**Suggestions:** rules {_percent(entry.rule_suggestion)}; LLM {llm}",
        ]
    )


def _no_score(score: float | None) -> bool:
    return score is None


class GradingView(Viewer):
    """The waiting answers as a table; the selected one with its score, comment and Grade button."""

    state = param.ClassSelector(class_=GradingState, allow_None=NoNone)

    @param.depends("state.entries", "state.waiting")
    def _table(self) -> pn.viewable.Viewable:
        entries = self.state.entries
        if not entries:
            return markdown(NOTHING_WAITING, css_classes=["ai4d-nothing-to-grade"])
        frame = pd.DataFrame(
            [{"item": e.item_id, "topic": e.topic, "waiting": f"{e.waiting_since:%Y-%m-%d %H:%M}",
              "rules": _percent(e.rule_suggestion), "llm": _percent(e.llm_suggestion)} for e in entries]
        )  # fmt: skip
        more = f" (the oldest {len(entries)} shown)" if self.state.waiting > len(entries) else ""
        table = picking_table(frame, TITLES, [e.key for e in entries], self.state, "selected", height=220)
        return pn.Column(markdown(f"**{self.state.waiting} answer(s) awaiting review**{more}"), table)

    @param.depends("state.selected", "state.entries")
    def _detail(self) -> pn.viewable.Viewable:
        entry = self.state.current
        if entry is None:
            return pn.Column()
        score = pn.widgets.FloatInput.from_param(self.state.param.score, step=0.05, width=160, placeholder="0 to 1")
        comment = pn.widgets.TextAreaInput.from_param(self.state.param.comment, max_length=2000, height=90)
        # Enabled once the server holds a score: a typed value can reach it after a click (threaded callbacks).
        unscored = pn.bind(_no_score, self.state.param.score)
        buttons = [pn.widgets.Button.from_param(self.state.param.grade, color="primary", width=120, disabled=unscored)]
        if entry.rule_suggestion is not None:
            buttons.append(pn.widgets.Button.from_param(self.state.param.use_rules, color="light", width=220))
        if entry.llm_suggestion is not None:
            buttons.append(pn.widgets.Button.from_param(self.state.param.use_llm, color="light", width=220))
        return pn.Column(
            markdown(entry_markdown(entry), css_classes=["ai4d-grading-entry"]), score, comment, pn.Row(*buttons),
            sizing_mode="stretch_width", styles={"border-left": "3px solid #9aa5b1", "padding-left": "8px"},
        )  # fmt: skip

    @param.depends("state.message")
    def _message(self) -> pn.pane.Markdown:
        return markdown(self.state.message, css_classes=["ai4d-grading-message"])

    def __panel__(self) -> pn.Column:
        refresh = pn.widgets.Button.from_param(self.state.param.refresh, color="light", width=120)
        return pn.Column(
            pn.pane.Markdown("### Open responses to grade"), refresh, self._message, self._table, self._detail,
            sizing_mode="stretch_width",
        )  # fmt: skip


__all__ = ["NOTHING_WAITING", "QUEUE_LIMIT", "GradingState", "GradingView", "entry_markdown"]
