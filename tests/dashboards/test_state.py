"""The dashboards' state objects, driven headless by setting parameters, against the real services."""

from __future__ import annotations

import html
from typing import Any

import panel as pn
import pytest

from ai4d_core.bootstrap import Container
from ai4d_core.domain.items import ItemStatus, SingleChoiceItem
from ai4d_core.domain.keys import key_answer
from ai4d_core.security.tokens import token_hash
from ai4d_core.services import accounts
from ai4d_core.services.demo import seed_demo
from ai4d_core.services.ingest import ingest_pending
from ai4d_core.services.rate_limit import SUBMISSIONS
from ai4d_core.services.warehouse import refresh_warehouse
from dashboards import common
from dashboards.auth import safe_next
from dashboards.educator import NO_AGGREGATES, NOT_ALLOWED, EducatorState, EducatorView
from dashboards.learner import NO_QUESTIONS, NOTHING_ANSWERED, TOO_FAST, LearnerState, QuizView
from dashboards.page_session import PageIdentity
from dashboards.profile_page import NO_PROFILE, NOT_ENOUGH_EVIDENCE, ProfileState, ProfileView
from dashboards.questions import AnswerChoices

pytestmark = pytest.mark.dashboards
PASSWORD = "violet kettle drums at dawn"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    SUBMISSIONS.reset()  # user ids restart at 1 in every test


def _identity(c: Container, token: str) -> PageIdentity:
    user = accounts.session_user(c, token)
    assert user is not None
    return PageIdentity(user, token_hash(token))


def _sign_in(c: Container, email: str, role: str = "learner") -> tuple[PageIdentity, str]:
    accounts.create_user(c, email, email.split("@")[0], role, PASSWORD)
    token = accounts.login(c, email, PASSWORD, source="127.0.0.1")
    return _identity(c, token), token


def _learner(c: Container) -> tuple[LearnerState, str]:
    identity, token = _sign_in(c, "ada@example.org")
    return LearnerState(container=c, identity=identity), token


def _key(c: Container, item_id: str) -> object:
    item = c.items.get(item_id)
    assert item is not None
    return key_answer(item)


def _html_of(viewable: Any) -> str:
    """The HTML the browser would get from every Markdown pane in `viewable`."""
    panes = viewable.select(pn.pane.Markdown) if hasattr(viewable, "select") else [viewable]
    return "\n".join(html.unescape(pane._transform_object(pane.object)["object"]) for pane in panes)


def test_with_no_active_item_the_quiz_page_says_so_instead_of_failing(clean: Container) -> None:
    state, _ = _learner(clean)
    assert state.questions == []
    assert NO_QUESTIONS in _html_of(pn.panel(QuizView(state=state)._questions()))
    state.param.trigger("submit")
    assert state.message == NOTHING_ANSWERED


def test_a_quiz_answered_right_scores_full_marks_with_feedback(bank: Container) -> None:
    state, _ = _learner(bank)
    assert state.questions and state.score == ""
    for question in state.questions:
        question.answer = _key(bank, question.item_id)

    state.param.trigger("submit")

    n = len(state.questions)
    assert state.score == f"Score: {n} / {n}"
    assert state.submitted and state.message == ""
    assert [fb.item_id for fb in state.feedback] == [q.item_id for q in state.questions]
    assert all(fb.score == 1 and fb.explanation for fb in state.feedback)


def test_choices_show_option_texts_but_answer_with_option_ids(bank: Container) -> None:
    state, _ = _learner(bank)
    for question in state.questions:
        item = bank.items.get(question.item_id)
        objects = question.param.answer.objects
        if isinstance(item, SingleChoiceItem):
            assert sorted(objects.values()) == sorted(o.id for o in item.options)
        else:
            assert list(objects.values()) == [True, False]


def test_submitting_nothing_asks_for_an_answer_and_stores_nothing(bank: Container) -> None:
    state, _ = _learner(bank)
    state.param.trigger("submit")
    assert state.message == NOTHING_ANSWERED and not state.submitted and state.score == ""


def test_a_rejected_submission_shows_the_servers_reason(bank: Container) -> None:
    state, _ = _learner(bank)
    first = state.questions[0]
    first.answer = _key(bank, first.item_id)
    item = bank.items.get(first.item_id)
    assert item is not None
    bank.items.upsert([item.model_copy(update={"status": ItemStatus.RETIRED, "version": item.version + 1})])

    state.param.trigger("submit")

    assert state.message.startswith("Your answers were not accepted:")
    assert first.item_id in state.message and not state.submitted and state.score == ""


def test_a_new_quiz_clears_the_previous_result(bank: Container) -> None:
    state, _ = _learner(bank)
    state.questions[0].answer = _key(bank, state.questions[0].item_id)
    state.param.trigger("submit")
    assert state.submitted
    state.param.trigger("new_quiz")
    assert not state.submitted and state.score == "" and state.feedback == []
    assert all(q.answer is None for q in state.questions)


def test_after_logout_the_state_refuses_to_submit(bank: Container) -> None:
    state, token = _learner(bank)
    state.questions[0].answer = _key(bank, state.questions[0].item_id)
    accounts.logout(bank, token)
    state.param.trigger("submit")
    assert state.message == common.SESSION_ENDED and not state.submitted and state.ended


def test_after_logout_new_quiz_and_refresh_refuse_too(bank: Container) -> None:
    state, token = _learner(bank)
    before = [q.item_id for q in state.questions]
    accounts.logout(bank, token)
    state.param.trigger("new_quiz")
    assert state.ended and state.message == common.SESSION_ENDED
    assert [q.item_id for q in state.questions] == before
    profile = ProfileState(container=bank, identity=state.identity)
    bank.profiles.put(_profile(state.user.id))
    profile.param.trigger("refresh")
    assert profile.profile is None and profile.ended


def test_submissions_are_rate_limited_per_learner(bank: Container) -> None:
    state, _ = _learner(bank)
    other, _ = _sign_in(bank, "grace@example.org")
    for _ in range(int(SUBMISSIONS.capacity)):
        assert SUBMISSIONS.allow(state.user.id)
    state.questions[0].answer = _key(bank, state.questions[0].item_id)
    state.param.trigger("submit")
    assert state.message == TOO_FAST.format(seconds=10) and not state.submitted
    assert SUBMISSIONS.allow(other.user.id)  # another learner is not limited by this one


def _profile(learner_id: int) -> dict[str, Any]:
    evil = "<script>alert(1)</script>"
    return {
        "learner_id": learner_id, "version": 1,
        "overall_level": {"level": 2, "label": "Novice"},
        "topics": [{"topic": "python", "n_responses": 3, "mean_score": 0.6667, "ability": 0.31, "se": 0.8,
                    "mastery": "proficient", "evidence": ["py-001"]}],
        "strengths": [{"topic": "python", "claim": "Knows list methods", "evidence": ["py-001"]}],
        "weaknesses": [], "misconceptions": [],
        "learning_path": [{"order": 1, "topic": "sql", "objective": "Joins", "resources": ["SQL book"],
                           "estimated_hours": 2.0}],
        "timeline": [{"week": 1, "focus": "SQL joins"}],
        "next_steps": ["Practise joins"],
        "narrative": f"Good start {evil} [phish](https://evil.example/) https://evil.example/",
        "provenance": {"source": "rules", "model": None, "generated_at": "2026-01-01T00:00:00Z"},
    }  # fmt: skip


def _profile_state(c: Container) -> ProfileState:
    identity, _ = _sign_in(c, "ada@example.org")
    return ProfileState(container=c, identity=identity)


def test_the_profile_tab_waits_for_the_first_analysis_then_shows_it_escaped(bank: Container) -> None:
    state = _profile_state(bank)
    assert state.profile is None
    assert NO_PROFILE in _html_of(ProfileView(state=state)._profile())

    bank.profiles.put(_profile(state.user.id))
    state.param.trigger("refresh")

    assert state.profile is not None and state.profile["version"] == 1
    shown = _html_of(ProfileView(state=state)._profile())
    assert "Overall level 2: Novice" in shown and "Knows list methods" in shown and "Practise joins" in shown
    assert "<script>" not in shown and "&lt;script&gt;" in shown and "<a " not in shown


def test_the_profile_claims_mastery_only_where_the_se_is_small_enough(bank: Container) -> None:
    state = _profile_state(bank)
    profile = _profile(state.user.id)
    sure = {**profile["topics"][0], "topic": "sql", "se": 0.3, "mastery": "mastered"}
    profile["topics"] = [{**profile["topics"][0], "se": 0.8, "mastery": "mastered"}, sure]
    bank.profiles.put(profile)
    state.param.trigger("refresh")

    (table,) = ProfileView(state=state)._profile().select(pn.widgets.Tabulator)
    assert isinstance(table, pn.widgets.Tabulator)
    shown = dict(zip(table.value["topic"], table.value["mastery"], strict=True))
    assert shown == {"python": NOT_ENOUGH_EVIDENCE, "sql": "mastered"}


def test_a_learner_sees_only_their_own_profile(bank: Container) -> None:
    state = _profile_state(bank)
    other, _ = _sign_in(bank, "grace@example.org")
    bank.profiles.put(_profile(other.user.id))
    state.param.trigger("refresh")
    assert state.profile is None


def test_an_educator_sees_no_aggregates_before_the_warehouse_exists(bank: Container) -> None:
    identity, _ = _sign_in(bank, "teacher@example.org", "educator")
    state = EducatorState(container=bank, identity=identity)
    assert state.rows == [] and state.message == NO_AGGREGATES


def test_a_learner_is_refused_the_educator_state(bank: Container) -> None:
    identity, _ = _sign_in(bank, "ada@example.org")
    state = EducatorState(container=bank, identity=identity)
    assert state.rows == [] and state.message == NOT_ALLOWED


def test_an_educator_sees_their_cohort_per_topic_with_a_chart(clean: Container) -> None:
    seed_demo(clean, learners=12)
    ingest_pending(clean)
    refresh_warehouse(clean)
    identity, _ = _sign_in(clean, "other.teacher@example.org", "educator")
    assert EducatorState(container=clean, identity=identity).rows == []  # not their cohort

    educator = clean.users.by_email("educator@demo.ai4d.example")
    assert educator is not None
    token = accounts.login(clean, educator.email, "demo educator passphrase", source="127.0.0.1")
    state = EducatorState(container=clean, identity=_identity(clean, token))

    assert state.rows and state.message == ""
    assert {row["cohort"] for row in state.rows} == {"Demo cohort"}
    assert all(row["n_learners"] >= clean.settings.k_anonymity for row in state.rows)
    content = EducatorView(state=state)._content()
    assert len(content.objects) == 2  # the table and the chart

    accounts.logout(clean, token)
    state.param.trigger("refresh")
    assert state.rows == [] and state.message == common.SESSION_ENDED and state.ended


@pytest.mark.parametrize(
    ("role", "path", "allowed"),
    [("learner", "/learner", True), ("learner", "/educator", False), ("learner", "/educator/ws", False),
     ("learner", "/educator/autoload.js", False), ("learner", "/educator/", False), ("learner", "/admin", False),
     ("educator", "/educator", True), ("educator", "/learner", True), ("admin", "/educator", True),
     ("educator", "/admin/ws", False), ("analyst", "/educator", False), ("analyst", "/admin", False),
     ("admin", "/admin", True), ("admin", "/admin/autoload.js", True), (None, "/learner", False)],
)  # fmt: skip
def test_who_may_open_which_app(role: str | None, path: str, allowed: bool) -> None:
    assert common.may_open(role, path) is allowed


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [("/educator", "/educator"), ("/learner?x=1", "/learner?x=1"), ("//evil.example/", None),
     ("https://evil.example/", None), ("/\\evil.example", None), ("/logout", None), ("", None)],
)  # fmt: skip
def test_login_redirects_only_to_local_paths(next_url: str, expected: str | None) -> None:
    assert safe_next(next_url) == expected


def test_untrusted_markdown_keeps_code_but_never_passes_html_or_links() -> None:
    shown = _html_of(common.markdown('`a < b` <img src=x onerror="a()"> [x](javascript:a()) <https://e.example>'))
    assert "<code>a &lt; b</code>" in shown
    assert "<img" not in shown and "<a " not in shown and "&lt;img" in shown


def test_questions_start_unanswered_and_show_plain_option_labels(bank: Container) -> None:
    state, _ = _learner(bank)
    widgets = QuizView(state=state)._questions().select(AnswerChoices)
    assert len(widgets) == len(state.questions)
    assert all(widget.value is None for widget in widgets)
    assert not any("`" in label for widget in widgets for label in widget.options)
