"""The learner's Quiz and History sections, driven headless by setting parameters, on the real quiz service."""

from __future__ import annotations

import html
from typing import Any

import panel as pn
import pytest

from ai4d_core.bootstrap import Container
from ai4d_core.domain.items import Item, NumericItem
from ai4d_core.domain.keys import key_answer
from ai4d_core.item_bank import load_curated_bank
from ai4d_core.security.tokens import token_hash
from ai4d_core.services import accounts, quiz_sessions
from ai4d_core.services.quiz_types import QuizTurn
from dashboards import common
from dashboards.history_page import NO_HISTORY, HistoryState, HistoryView
from dashboards.page_session import PageIdentity
from dashboards.quiz_answer_area import alert_html
from dashboards.quiz_page import ANSWER_FIRST, QuizState
from dashboards.quiz_view import NO_TOPICS, QuizView, summary_markdown

pytestmark = pytest.mark.dashboards
PASSWORD = "violet kettle drums at dawn"


@pytest.fixture(autouse=True)
def _no_rate_limits() -> None:
    quiz_sessions.ANSWERS.reset()
    quiz_sessions.PREVIEWS.reset()


def _identity(c: Container, email: str = "ada@example.org") -> tuple[PageIdentity, str]:
    accounts.create_user(c, email, email.split("@")[0], "learner", PASSWORD)
    token = accounts.login(c, email, PASSWORD, source="127.0.0.1")
    user = accounts.session_user(c, token)
    assert user is not None
    return PageIdentity(user, token_hash(token)), token


def _page(c: Container, identity: PageIdentity) -> QuizState:
    return QuizState(container=c, identity=identity)


def _item(c: Container, turn: QuizTurn) -> Item:
    item = c.items.get(turn.question["id"], turn.question["version"])
    assert item is not None
    return item


def _html_of(viewable: Any) -> str:
    panes = viewable.select(pn.pane.Markdown) if hasattr(viewable, "select") else [viewable]
    return "\n".join(html.unescape(pane._transform_object(pane.object)["object"]) for pane in panes)


def _answer_right(state: QuizState) -> None:
    assert state.turn is not None and state.question is not None
    state.question.set_value(key_answer(_item(state.container, state.turn)))
    assert state.ready, "the server holds the answer: Submit is enabled"
    state.param.trigger("submit")


def _start(state: QuizState, topics: list[str] | None = None) -> None:
    state.chosen = topics or []
    state.param.trigger("start")
    assert state.turn is not None, state.message


def test_with_no_active_item_the_start_screen_says_so(clean: Container) -> None:
    identity, _ = _identity(clean)
    state = _page(clean, identity)
    assert state.topics == [] and state.turn is None
    assert NO_TOPICS in _html_of(QuizView(state=state)._screen)


def test_an_answer_gets_its_feedback_beside_the_question_then_the_next_question(bank: Container) -> None:
    identity, _ = _identity(bank)
    state = _page(bank, identity)
    assert state.topics == ["python", "sql", "statistics"] and state.turn is None
    _start(state, ["python"])
    assert state.turn is not None and state.turn.position == 1 and not state.ready
    first = state.turn

    _answer_right(state)

    assert state.result is not None and state.result.feedback.correct
    assert state.question is not None and state.question.disabled, "the answer stays, read-only"
    shown = _html_of(QuizView(state=state)._screen)
    assert "Question 1" in shown and "✔ Right" in shown and "Right answer:" in shown
    assert _item(bank, first).explanation.split("`")[0][:30] in shown
    state.param.trigger("next")
    assert state.turn is not None and state.turn.position == 2 and state.result is None and not state.ready


def test_submitting_nothing_asks_for_an_answer_with_the_question_number(bank: Container) -> None:
    identity, _ = _identity(bank)
    state = _page(bank, identity)
    _start(state)
    state.param.trigger("submit")
    assert state.fix == ANSWER_FIRST.format(n=1) and state.result is None
    (shown,) = [p for p in QuizView(state=state)._area.__panel__().select(pn.pane.HTML) if p.visible]
    assert shown.object == '<p role="alert">Question 1: answer the question first.</p>'


def test_a_fix_message_is_escaped() -> None:
    assert alert_html("Question 2: <b>12,5</b> & more") == (
        '<p role="alert">Question 2: &lt;b&gt;12,5&lt;/b&gt; &amp; more</p>'
    )


def test_an_unreadable_number_is_sent_back_to_fix_and_nothing_is_stored(bank: Container) -> None:
    numeric = [i for i in load_curated_bank() if isinstance(i, NumericItem)][:3]
    bank.items.upsert([i.model_copy(update={"topic": "numbers"}) for i in numeric])
    identity, _ = _identity(bank)
    state = _page(bank, identity)
    state.param.update(mode="practice", practice_topic="numbers")
    state.param.trigger("start")
    assert state.turn is not None and state.question is not None
    state.question.set_value("about twelve")
    state.param.trigger("submit")
    assert state.fix.startswith("Question 1: ") and state.result is None
    assert state.turn.position == 1 and quiz_sessions.history(bank, identity.user)[0].answers == ()


def test_a_new_page_resumes_at_the_same_question_shown_the_same_way(bank: Container) -> None:
    identity, _ = _identity(bank)
    state = _page(bank, identity)
    _start(state)
    _answer_right(state)
    state.param.trigger("next")
    assert state.turn is not None

    again = _page(bank, identity)  # a reload, or a login elsewhere

    assert again.turn is not None
    assert (again.turn.session_id, again.turn.position) == (state.turn.session_id, 2)
    assert again.turn.question == state.turn.question, "same item, same order of the choices"


def test_a_new_quiz_asks_first_and_keeps_the_old_answers(bank: Container) -> None:
    identity, _ = _identity(bank)
    state = _page(bank, identity)
    _start(state)
    _answer_right(state)
    state.param.trigger("next")
    assert state.turn is not None
    old = state.turn.session_id

    state.param.trigger("new_quiz")
    assert state.confirming and state.turn is not None, "nothing is abandoned before the learner says so"
    assert "1 answered" in _html_of(QuizView(state=state)._notice())
    state.param.trigger("keep")
    assert not state.confirming and state.turn is not None and state.turn.session_id == old

    state.param.trigger("new_quiz")
    state.param.trigger("abandon")
    assert state.turn is None and state.replacing
    assert _page(bank, identity).turn is not None, "until the new quiz starts, a reload still resumes the old one"
    _start(state, ["sql"])
    assert state.turn is not None and state.turn.session_id != old

    past = {a.summary.session_id: a for a in quiz_sessions.history(bank, identity.user)}
    assert past[old].summary.status == "abandoned" and len(past[old].answers) == 1


def test_a_quiz_ends_with_a_summary_that_claims_mastery_only_with_enough_evidence(bank: Container) -> None:
    identity, _ = _identity(bank)
    state = _page(bank, identity)
    state.param.update(mode="practice", practice_topic="python")
    state.param.trigger("start")
    for _ in range(40):  # a practice stops at its length cap or when the topic's pool runs out
        _answer_right(state)
        assert state.result is not None
        if not isinstance(state.result.next, QuizTurn):
            break
        state.param.trigger("next")
        quiz_sessions.ANSWERS.reset()
    state.param.trigger("finish")

    assert state.summary is not None and state.turn is None
    (topic,) = state.summary.topics
    shown = _html_of(QuizView(state=state)._screen)
    assert "Your results" in shown and "<td>Python</td>" in shown  # the topic in words
    assert topic.label in shown and (topic.mastery is None) == (topic.se > 0.5)
    assert summary_markdown(state.summary).count("|") > 8


def test_after_logout_the_quiz_refuses_to_answer(bank: Container) -> None:
    identity, token = _identity(bank)
    state = _page(bank, identity)
    _start(state)
    assert state.turn is not None and state.question is not None
    state.question.set_value(key_answer(_item(bank, state.turn)))
    accounts.logout(bank, token)
    state.param.trigger("submit")
    assert state.ended and state.message == common.SESSION_ENDED and state.result is None


def test_history_lists_past_quizzes_with_answers_and_feedback_escaped(bank: Container) -> None:
    identity, _ = _identity(bank)
    history = HistoryState(container=bank, identity=identity)
    assert history.attempts == [] and NO_HISTORY in _html_of(HistoryView(state=history)._attempts())
    state = _page(bank, identity)
    _start(state)
    assert state.turn is not None
    item = _item(bank, state.turn)
    _answer_right(state)

    history.param.trigger("refresh")

    (attempt,) = history.attempts
    assert attempt.summary.answered == 1 and attempt.answers[0].feedback.correct
    shown = _html_of(HistoryView(state=history)._attempts())
    assert "Question 1" in shown and "Your answer:" in shown and "✔ Right" in shown
    assert item.explanation.split("`")[0][:30] in shown
    assert "<script" not in shown


def test_a_learner_never_sees_another_learners_history(bank: Container) -> None:
    ada, _ = _identity(bank)
    state = _page(bank, ada)
    _start(state)
    _answer_right(state)
    grace, _ = _identity(bank, "grace@example.org")
    assert HistoryState(container=bank, identity=grace).attempts == []
    assert _page(bank, grace).turn is None


def test_answering_too_fast_says_wait_and_stores_nothing(bank: Container) -> None:
    identity, _ = _identity(bank)
    state = _page(bank, identity)
    _start(state)
    for _ in range(int(quiz_sessions.ANSWERS.capacity)):
        assert quiz_sessions.ANSWERS.allow(identity.user.id)
    _answer_right(state)
    assert "try again in" in state.fix and state.result is None
    assert quiz_sessions.history(bank, identity.user)[0].answers == ()
