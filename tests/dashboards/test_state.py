"""The dashboards' state objects, driven headless by setting parameters, against the real services."""

from __future__ import annotations

import html
from typing import Any

import panel as pn
import pytest

from ai4d_core.bootstrap import Container
from ai4d_core.security.tokens import token_hash
from ai4d_core.services import accounts
from ai4d_core.services.demo import seed_demo
from ai4d_core.services.ingest import ingest_pending
from ai4d_core.services.quiz_sessions import ANSWERS
from ai4d_core.services.warehouse import refresh_warehouse
from dashboards import common
from dashboards.auth import safe_next
from dashboards.educator import NO_AGGREGATES, NOT_ALLOWED, EducatorState, EducatorView
from dashboards.page_session import PageIdentity

pytestmark = pytest.mark.dashboards
PASSWORD = "violet kettle drums at dawn"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    ANSWERS.reset()  # user ids restart at 1 in every test


def _identity(c: Container, token: str) -> PageIdentity:
    user = accounts.session_user(c, token)
    assert user is not None
    return PageIdentity(user, token_hash(token))


def _sign_in(c: Container, email: str, role: str = "learner") -> tuple[PageIdentity, str]:
    accounts.create_user(c, email, email.split("@")[0], role, PASSWORD)
    token = accounts.login(c, email, PASSWORD, source="127.0.0.1")
    return _identity(c, token), token


def _html_of(viewable: Any) -> str:
    """The HTML the browser would get from every Markdown pane in `viewable`."""
    panes = viewable.select(pn.pane.Markdown) if hasattr(viewable, "select") else [viewable]
    return "\n".join(html.unescape(pane._transform_object(pane.object)["object"]) for pane in panes)


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
