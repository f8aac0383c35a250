"""The /admin page and the cohort Viewers, driven headless by setting parameters, on the real services."""

from __future__ import annotations

from typing import Any

import panel as pn
import pytest

from ai4d_core.bootstrap import Container
from ai4d_core.security.tokens import token_hash
from ai4d_core.services import accounts, audit
from ai4d_core.services.cohorts import INVALID_CODE
from dashboards import admin as admin_page
from dashboards.admin import NOT_ALLOWED, AdminState, AdminView
from dashboards.cohort_views import CohortManagerState, CohortManagerView, LearnerCohortsState, LearnerCohortsView
from dashboards.common import SESSION_ENDED
from dashboards.page_session import PageIdentity

pytestmark = pytest.mark.dashboards
PASSWORD = "violet kettle drums at dawn"
XSS = '<img src=x onerror="window.pwned=1">'


def _identity(c: Container, email: str, role: str, name: str | None = None) -> tuple[PageIdentity, str]:
    accounts.create_user(c, email, name or email.split("@")[0], role, PASSWORD)
    token = accounts.login(c, email, PASSWORD, source="127.0.0.1")
    user = accounts.session_user(c, token)
    assert user is not None
    return PageIdentity(user, token_hash(token)), token


def _tables(viewable: Any) -> list[pn.widgets.Tabulator]:
    """The tables of every tab (each tab is laid out when first opened: open them all)."""
    root: Any = pn.panel(viewable)
    for tabs in root.select(pn.Tabs):
        for index in range(len(tabs)):
            tabs.active = index
    return list(root.select(pn.widgets.Tabulator))


def _assert_plain(tables: list[pn.widgets.Tabulator]) -> None:
    assert tables
    for table in tables:
        assert set(table.value.columns) <= set(table.formatters)
        assert all(f == {"type": "plaintext"} for f in table.formatters.values())


def test_an_admin_finds_a_user_changes_the_role_disables_and_reads_the_log(clean: Container) -> None:
    identity, _ = _identity(clean, "root@example.org", "admin")
    _, victim_token = _identity(clean, "ada@example.org", "learner", name=XSS)
    state = AdminState(container=clean, identity=identity)
    assert {u.email for u in state.users} == {"root@example.org", "ada@example.org"}
    state.param.update(text="ADA")
    state.param.trigger("search")
    assert [u.email for u in state.users] == ["ada@example.org"]
    state.chosen = state.users[0].id
    state.new_role = "educator"
    state.param.trigger("apply_role")
    assert state.message == "Role set to educator." and state.users[0].role == "educator"
    state.param.trigger("disable")
    assert not state.users[0].is_active and accounts.session_user(clean, victim_token) is None
    state.param.trigger("enable")
    assert state.users[0].is_active
    state.param.trigger("resend")
    state.event = "role_changed"
    state.param.trigger("refresh_log")
    assert [e.event for e in state.log] == ["role_changed"] and state.log[0].actor_id == identity.user.id

    state.chosen = identity.user.id  # never lock yourself out
    state.param.trigger("disable")
    assert "cannot" in state.message and clean.users.get(identity.user.id).is_active  # type: ignore[union-attr]

    view = AdminView(state=state, cohorts=CohortManagerState(container=clean, identity=identity))
    state.param.update(text="")
    state.param.trigger("search")
    tables = _tables(view)
    _assert_plain(tables)
    assert len(tables) == 2, "the users and the audit log"
    assert XSS in set(tables[0].value["display_name"])  # shown, as text


def test_the_page_refuses_anyone_but_an_admin(clean: Container) -> None:
    for role in ("learner", "educator", "analyst"):
        identity, _ = _identity(clean, f"{role}@example.org", role)
        state = AdminState(container=clean, identity=identity)
        assert state.message == NOT_ALLOWED and state.users == [] and state.log == []
        state.param.trigger("search")
        state.param.trigger("refresh_log")
        assert state.users == [] and state.log == []
        root: Any = pn.panel(AdminView(state=state))
        assert not list(root.select(pn.widgets.Tabulator)) and not list(root.select(pn.Tabs))
        assert admin_page.states(identity)[1] is None


def test_actions_stop_once_the_session_has_ended(clean: Container) -> None:
    identity, token = _identity(clean, "root@example.org", "admin")
    state = AdminState(container=clean, identity=identity)
    accounts.logout(clean, token)
    state.param.update(text="root")
    state.param.trigger("search")
    assert state.message == SESSION_ENDED and state.ended
    before = len(audit.recent(clean))
    state.chosen, state.new_role = identity.user.id, "admin"
    state.param.trigger("apply_role")
    assert len(audit.recent(clean)) == before


def test_an_educator_creates_a_cohort_and_invites_and_a_learner_joins_and_leaves(clean: Container) -> None:
    teacher, _ = _identity(clean, "eve@example.org", "educator")
    learner, _ = _identity(clean, "ada@example.org", "learner", name=XSS)
    manager = CohortManagerState(container=clean, identity=teacher)
    manager.new_name = f"Data {XSS}"
    manager.param.trigger("create")
    assert manager.message == "Cohort created." and [r.educators for r in manager.cohorts] == [1]
    manager.invite_days = 2
    manager.param.trigger("invite")
    assert "Code `" in manager.invite_text
    code = manager.invite_text.split("`")[1]

    mine = LearnerCohortsState(container=clean, identity=learner, join_code="WRONG-CODE")
    mine.param.trigger("join")
    assert mine.message == INVALID_CODE and mine.memberships == []
    mine.join_code = code.lower()
    mine.param.trigger("join")
    assert [m.name for m in mine.memberships] == [f"Data {XSS}"] and mine.join_code == ""
    manager.load()
    assert [m.display_name for m in manager.members] == ["eve", XSS]
    manager.learner = learner.user.id  # a learner of the educator's cohort: their detail is shown
    assert manager.detail is not None and manager.detail["display_name"] == XSS and manager.detail["profile"] is None
    _assert_plain(_tables(CohortManagerView(state=manager)))
    _assert_plain(_tables(LearnerCohortsView(state=mine)))
    topic = {"topic": "sql", "n_responses": 3, "n_correct": 3, "mean_score": 1.0, "ability": 1.1, "se": 0.8}
    for version, se, shown in ((1, 0.8, "(Advanced, not enough evidence yet)"), (2, 0.3, "(Advanced)")):
        clean.profiles.put(
            {
                "learner_id": learner.user.id,
                "version": version,
                "topics": [topic | {"se": se, "mastery": "proficient"}],
                "overall_level": {"level": 4, "label": "Advanced"},
            }
        )
        manager.learner = None
        manager.learner = learner.user.id
        title = CohortManagerView(state=manager)._learner().objects[0].object  # type: ignore[attr-defined]
        assert title.endswith(f"overall level 4 {shown}"), title  # an SE of 0.8 backs no level

    mine.leave_id = mine.memberships[0].cohort_id
    mine.param.trigger("leave")
    assert mine.memberships == [] and mine.message == "You left the cohort."

    manager.email = "ada@example.org"
    manager.param.trigger("add_member")
    manager.rename_to = "Renamed"
    manager.param.trigger("rename")
    assert [(r.name, r.learners) for r in manager.cohorts] == [("Renamed", 1)]
    manager.param.trigger("remove")
    assert [r.learners for r in manager.cohorts] == [0]
    manager.email = "nobody@example.org"
    manager.param.trigger("add_member")
    assert manager.message == "no account with that e-mail"


def test_a_learner_cannot_manage_cohorts(clean: Container) -> None:
    learner, _ = _identity(clean, "ada@example.org", "learner")
    manager = CohortManagerState(container=clean, identity=learner)
    assert manager.cohorts == [] and "not allowed" in manager.message
    manager.new_name = "Mine"
    manager.param.trigger("create")
    assert "not allowed" in manager.message and manager.cohorts == []
