"""The educator's Grading view, driven headless on the real services: the queue, the suggestions, a grade,
refusals, and the learner's untrusted answer shown as text."""

from __future__ import annotations

from typing import Any

import panel as pn
import pytest
from bokeh.document import Document
from bokeh.models.widgets import Button as BokehButton
from markdown_it import MarkdownIt

from ai4d_core import policy
from ai4d_core.bootstrap import Container
from ai4d_core.domain.items import OpenResponseItem
from ai4d_core.item_bank import load_curated_bank
from ai4d_core.security.tokens import token_hash
from ai4d_core.services import accounts, cohorts, grading, quiz_sessions
from ai4d_core.services.ingest import ingest_pending
from ai4d_core.services.quiz_sessions import Answered
from dashboards.common import no_html_or_links
from dashboards.grading_queue import CHOOSE_SCORE, NOTHING_WAITING, GradingState, GradingView, entry_markdown
from dashboards.page_session import PageIdentity
from dashboards.quiz_text import feedback_markdown

pytestmark = pytest.mark.dashboards
PASSWORD = "violet kettle drums at dawn"
OPEN = next(i for i in load_curated_bank() if isinstance(i, OpenResponseItem))
XSS = '<img src=x onerror="window.pwned=1"> [a link](https://evil.example) Partition by date.'


def _identity(c: Container, name: str, role: str) -> PageIdentity:
    accounts.create_user(c, f"{name}@example.org", name.title(), role, PASSWORD)
    token = accounts.login(c, f"{name}@example.org", PASSWORD, source="127.0.0.1")
    user = accounts.session_user(c, token)
    assert user is not None
    return PageIdentity(user, token_hash(token))


def _html(text: str) -> str:
    return str(MarkdownIt("commonmark").use(no_html_or_links).render(text))


@pytest.fixture
def graded_world(clean: Container) -> tuple[Container, PageIdentity, PageIdentity, PageIdentity, Answered]:
    clean.items.upsert([OPEN])
    quiz_sessions.ANSWERS.reset()
    ada, edu, other = _identity(clean, "ada", "learner"), _identity(clean, "edu", "educator"), _identity(
        clean, "other", "educator")  # fmt: skip
    cohort = cohorts.create_cohort(clean, policy.CLI, "Ours", educator_id=edu.user.id)
    cohorts.create_cohort(clean, policy.CLI, "Theirs", educator_id=other.user.id)
    cohorts.add_member(clean, policy.CLI, cohort, ada.user.id)
    turn = quiz_sessions.start(clean, ada.user, "practice", [OPEN.topic])
    answered = quiz_sessions.answer(clean, ada.user, turn.session_id, 1, XSS)
    assert isinstance(answered, Answered)
    ingest_pending(clean)
    return clean, ada, edu, other, answered


def test_an_educator_grades_with_the_suggestion_and_the_queue_refreshes(graded_world: Any) -> None:
    c, ada, edu, _, answered = graded_world
    state = GradingState(container=c, identity=edu)
    (entry,) = state.entries
    assert state.waiting == 1 and state.selected == entry.key and state.score is None  # the educator decides
    state.param.trigger("grade")
    assert state.message == CHOOSE_SCORE and grading.grades(c, edu.user, entry.key) == []
    state.param.trigger("use_rules")
    assert state.score == entry.rule_suggestion is not None
    state.param.update(score=0.9, comment="Good; <b>say</b> how the budget is enforced.")
    view: Any = pn.panel(GradingView(state=state))
    (table,) = view.select(pn.widgets.Tabulator)
    assert set(table.formatters) == set(table.value.columns) and {f["type"] for f in table.formatters.values()} == {
        "plaintext"
    }
    root = view.get_root(Document())  # the whole view builds as Bokeh models (score input, buttons, table)
    labels = {m.label for m in root.select({"type": BokehButton})}
    assert {"Grade", "Use the rules' suggestion"} <= labels
    state.param.trigger("grade")
    assert state.message.startswith("Graded 90 %"), state.message
    assert state.entries == [] and state.selected is None and state.waiting == 0
    assert [g.score for g in grading.grades(c, edu.user, entry.key)] == [0.9]
    ((past,),) = [a.answers for a in quiz_sessions.history(c, ada.user)]
    shown = _html(feedback_markdown(past.question, past.feedback))
    assert "score 0.9" in shown and "&lt;b&gt;say&lt;/b&gt;" in shown and "<b>" not in shown
    before = _html(feedback_markdown(past.question, answered.feedback))
    assert "Awaiting review" in before and "(score " not in before


def test_the_learners_answer_is_shown_as_text(graded_world: Any) -> None:
    c, _, edu, _, _ = graded_world
    (entry,) = GradingState(container=c, identity=edu).entries
    assert entry.answer == XSS
    html = _html(entry_markdown(entry))
    assert "<img" not in html and "<a " not in html and "&lt;img" in html


def test_another_educator_sees_nothing_and_a_learner_is_refused(graded_world: Any) -> None:
    c, ada, _, other, _ = graded_world
    theirs = GradingState(container=c, identity=other)
    assert theirs.entries == [] and theirs.selected is None
    rendered: Any = pn.panel(GradingView(state=theirs))
    assert any(NOTHING_WAITING in str(p.object) for p in rendered.select(pn.pane.Markdown))
    learner = GradingState(container=c, identity=ada)
    assert learner.entries == [] and learner.message == policy.NOT_ALLOWED
