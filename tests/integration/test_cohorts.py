"""Cohorts on the real PostgreSQL: create, rename, educators, members, join codes; every change audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from ai4d_core import policy
from ai4d_core.adapters.sql.tables import CohortInvite
from ai4d_core.bootstrap import Container
from ai4d_core.policy import Forbidden, Viewer
from ai4d_core.security.passwords import hash_password
from ai4d_core.services import audit, cohorts
from ai4d_core.services.cohorts import INVALID_CODE, InvalidCodeError

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def password_hash() -> str:
    return hash_password("a long enough passphrase for tests")


def _user(c: Container, name: str, role: str, password_hash: str) -> Viewer:
    return Viewer(c.users.add(f"{name}@example.org", name.title(), role, password_hash), role)


def _events(c: Container) -> list[str]:
    return [entry.event for entry in reversed(audit.recent(c, limit=100))]


def test_an_educator_creates_renames_and_invites_and_a_learner_joins_and_leaves(
    clean: Container, password_hash: str
) -> None:
    teacher = _user(clean, "teacher", "educator", password_hash)
    ada = _user(clean, "ada", "learner", password_hash)
    cohort_id = cohorts.create_cohort(clean, teacher, "  Data   101 ", source="10.0.0.1")
    assert [(m.cohort_id, m.name, m.role) for m in cohorts.my_cohorts(clean, teacher)] == [
        (cohort_id, "Data 101", "educator")
    ]
    cohorts.rename_cohort(clean, teacher, cohort_id, "Data 102")
    invite = cohorts.create_invite(clean, teacher, cohort_id, days=3)
    assert invite.link == f"{clean.settings.public_url.rstrip('/')}/learner?join={invite.code}"
    assert timedelta(days=2.9) < invite.expires_at - datetime.now(UTC) <= timedelta(days=3)
    with clean.engine.connect() as conn:  # stored hashed: the code itself is nowhere
        stored = conn.execute(select(CohortInvite.code_hash)).scalars().all()
    assert len(stored) == 1 and invite.code.encode() not in stored[0]

    joined = cohorts.join(clean, ada, invite.code.lower())
    assert (joined.cohort_id, joined.name) == (cohort_id, "Data 102")
    cohorts.join(clean, ada, invite.link)  # twice: nothing changes
    assert [m.display_name for m in cohorts.members(clean, teacher, cohort_id)] == ["Teacher", "Ada"]
    assert [r.uses for r in cohorts.invites(clean, teacher, cohort_id)] == [2]
    listed = cohorts.list_cohorts(clean, teacher)
    assert [(r.name, r.learners, r.educators) for r in listed] == [("Data 102", 1, 1)]

    assert cohorts.leave(clean, ada, cohort_id) is True
    assert cohorts.leave(clean, ada, cohort_id) is False
    assert cohorts.my_cohorts(clean, ada) == []
    assert _events(clean) == ["cohort_created", "cohort_renamed", "invite_created", "cohort_joined", "cohort_left"]
    created = audit.recent(clean, event="cohort_created")[0]
    assert (created.actor_id, created.source, created.detail["cohort_id"]) == (teacher.id, "10.0.0.1", cohort_id)


def test_expired_revoked_unknown_and_malformed_codes_get_one_answer(clean: Container, password_hash: str) -> None:
    teacher = _user(clean, "teacher", "educator", password_hash)
    ada = _user(clean, "ada", "learner", password_hash)
    cohort_id = cohorts.create_cohort(clean, teacher, "C")
    expired, revoked = (cohorts.create_invite(clean, teacher, cohort_id) for _ in range(2))
    with clean.engine.begin() as conn:
        past = datetime.now(UTC) - timedelta(seconds=1)
        conn.execute(
            update(CohortInvite)
            .where(CohortInvite.code_hash == cohorts.code_hash(expired.code))
            .values(expires_at=past)
        )
    handle = cohorts.code_hash(revoked.code).hex()
    assert cohorts.revoke_invite(clean, teacher, cohort_id, handle) is True
    assert cohorts.revoke_invite(clean, teacher, cohort_id, handle) is False
    for code in (expired.code, revoked.code, cohorts.new_code(), "not a code", ""):
        with pytest.raises(InvalidCodeError) as refused:
            cohorts.join(clean, ada, code)
        assert str(refused.value) == INVALID_CODE
    assert cohorts.my_cohorts(clean, ada) == []


def test_who_may_manage_which_cohort(clean: Container, password_hash: str) -> None:
    teacher = _user(clean, "teacher", "educator", password_hash)
    other = _user(clean, "other", "educator", password_hash)
    admin = _user(clean, "admin", "admin", password_hash)
    ada = _user(clean, "ada", "learner", password_hash)
    analyst = _user(clean, "analyst", "analyst", password_hash)
    mine = cohorts.create_cohort(clean, teacher, "Mine")
    theirs = cohorts.create_cohort(clean, other, "Theirs")
    for viewer in (ada, analyst, None):
        with pytest.raises(Forbidden):
            cohorts.create_cohort(clean, viewer, "Nope")
        with pytest.raises(Forbidden):
            cohorts.list_cohorts(clean, viewer)
    with pytest.raises(Forbidden):
        cohorts.rename_cohort(clean, other, mine, "Stolen")
    with pytest.raises(Forbidden):
        cohorts.add_member(clean, other, mine, ada.id)
    with pytest.raises(Forbidden):
        cohorts.create_invite(clean, other, mine)
    with pytest.raises(Forbidden):
        cohorts.add_educator(clean, ada, mine, ada.id)
    assert [r.name for r in cohorts.list_cohorts(clean, teacher)] == ["Mine"]
    assert [r.name for r in cohorts.list_cohorts(clean, admin)] == ["Mine", "Theirs"]
    with pytest.raises(LookupError, match="that you manage"):
        cohorts.cohort_by_name(clean, teacher, "Theirs")

    cohorts.add_educator(clean, teacher, mine, other.id)  # a co-educator manages it too
    cohorts.rename_cohort(clean, other, mine, "Ours")
    cohorts.add_member(clean, admin, theirs, ada.id)
    cohorts.add_member(clean, admin, theirs, ada.id)  # once only
    with pytest.raises(ValueError, match="only a learner"):
        cohorts.add_member(clean, teacher, mine, analyst.id)
    with pytest.raises(ValueError, match="only an educator"):
        cohorts.add_educator(clean, teacher, mine, ada.id)
    with pytest.raises(Forbidden):
        cohorts.join(clean, teacher, cohorts.create_invite(clean, teacher, mine).code)  # only learners join
    cohorts.remove_member(clean, other, theirs, ada.id)
    cohorts.remove_educator(clean, admin, mine, other.id)
    with pytest.raises(Forbidden):
        cohorts.members(clean, other, mine)
    with pytest.raises(ValueError, match="already exists"):
        cohorts.create_cohort(clean, admin, "Ours")


def test_the_command_line_is_audited_as_cli(clean: Container, password_hash: str) -> None:
    teacher = _user(clean, "teacher", "educator", password_hash)
    cohort_id = cohorts.create_cohort(clean, policy.CLI, "Ops", educator_id=teacher.id)
    assert [m.user_id for m in cohorts.members(clean, teacher, cohort_id)] == [teacher.id]
    entries = audit.recent(clean, limit=10)
    assert {e.event for e in entries} == {"cohort_created", "cohort_educator_added"}
    assert all(e.actor_id is None and e.detail["via"] == "cli" for e in entries)
    with pytest.raises(ValueError, match="at most 365"):
        cohorts.create_invite(clean, policy.CLI, cohort_id, days=400)
