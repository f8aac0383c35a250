"""The access matrix of the services: every role x every service function that returns or changes user data.

Outcomes: `allow` (done, and the target's data is in the answer), `hidden` (no error, but nothing of the
target: e.g. another educator's cohort list), `deny` (`Forbidden`), `own` (the answer is the viewer's own data
only). The table is printed (run with -s); the test fails on any unexpected allow or deny.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from ai4d_core.bootstrap import Container
from ai4d_core.policy import Forbidden
from ai4d_core.security.passwords import hash_password
from ai4d_core.services import admin, cohorts, profiles, reports
from ai4d_core.services.accounts import SessionUser
from ai4d_core.services.analysis import analyze_profiles
from ai4d_core.services.demo import COHORT, learner_email, seed_demo
from ai4d_core.services.ingest import ingest_pending
from ai4d_core.services.warehouse import refresh_warehouse

pytestmark = pytest.mark.integration
ROLES = ("anonymous", "learner", "other learner", "educator", "other educator", "analyst", "admin")
STAFF = {"educator": "allow", "admin": "allow"}  # manage cohort A: its educator and admins only


@dataclass
class World:
    c: Container
    viewers: dict[str, SessionUser | None]
    cohort_a: int
    code_a: str

    def id(self, role: str) -> int:
        viewer = self.viewers[role]
        assert viewer is not None
        return viewer.id


def _world(c: Container) -> World:
    seed_demo(c, learners=12, seed=3)
    ingest_pending(c)
    analyze_profiles(c)
    refresh_warehouse(c)
    password_hash = hash_password("a long enough passphrase for tests")

    def user(email: str, role: str) -> SessionUser:
        found = c.users.by_email(email)
        user_id = found.id if found else c.users.add(email, email.split("@")[0], role, password_hash)
        return SessionUser(user_id, email, email.split("@")[0], role)

    viewers: dict[str, SessionUser | None] = {
        "anonymous": None,
        "learner": user(learner_email(2), "learner"),
        "other learner": user("other.learner@example.org", "learner"),
        "educator": user("educator@demo.ai4d.example", "educator"),
        "other educator": user("other.educator@example.org", "educator"),
        "analyst": user("analyst@example.org", "analyst"),
        "admin": user("admin@example.org", "admin"),
    }
    cohort_a = cohorts.cohort_by_name(c, viewers["admin"], COHORT).id
    cohort_b = cohorts.create_cohort(c, viewers["other educator"], "Cohort B")
    cohorts.add_member(c, viewers["other educator"], cohort_b, viewers["other learner"].id)  # type: ignore[union-attr]
    code_a = cohorts.create_invite(c, viewers["educator"], cohort_a).code
    return World(c, viewers, cohort_a, code_a)


Check = Callable[[World, SessionUser | None], str]


def _summary(w: World, v: SessionUser | None) -> str:
    rows = reports.cohort_topic_summary(w.c, v)
    return "allow" if any(r["cohort_id"] == w.cohort_a for r in rows) else "hidden"


def _warehouse(w: World, v: SessionUser | None) -> str:
    return "allow" if reports.warehouse_overview(w.c, v) else "hidden"


def _list(w: World, v: SessionUser | None) -> str:
    return "allow" if w.cohort_a in {r.id for r in cohorts.list_cohorts(w.c, v)} else "hidden"


def _members(w: World, v: SessionUser | None) -> str:
    return "allow" if w.id("learner") in {m.user_id for m in cohorts.members(w.c, v, w.cohort_a)} else "hidden"


def _invites(w: World, v: SessionUser | None) -> str:
    return "allow" if cohorts.invites(w.c, v, w.cohort_a) else "hidden"


def _create_invite(w: World, v: SessionUser | None) -> str:
    cohorts.create_invite(w.c, v, w.cohort_a, days=1)
    return "allow"


def _rename(w: World, v: SessionUser | None) -> str:
    cohorts.rename_cohort(w.c, v, w.cohort_a, COHORT)  # to its own name: changes nothing if allowed
    return "allow"


def _add_remove_member(w: World, v: SessionUser | None) -> str:
    cohorts.add_member(w.c, v, w.cohort_a, w.id("other learner"))
    cohorts.remove_member(w.c, v, w.cohort_a, w.id("other learner"))
    return "allow"


def _add_remove_educator(w: World, v: SessionUser | None) -> str:
    cohorts.add_educator(w.c, v, w.cohort_a, w.id("other educator"))
    cohorts.remove_educator(w.c, v, w.cohort_a, w.id("other educator"))
    return "allow"


def _create_cohort(w: World, v: SessionUser | None) -> str:
    cohorts.create_cohort(w.c, v, f"Made by {v.role if v else 'nobody'} {cohorts.new_code()}")
    return "allow"


def _my_cohorts(w: World, v: SessionUser | None) -> str:
    cohorts.my_cohorts(w.c, v)
    return "own"


def _join(w: World, v: SessionUser | None) -> str:
    joined = cohorts.join(w.c, v, w.code_a)
    if v is not None and v.id == w.id("other learner"):
        cohorts.leave(w.c, v, joined.cohort_id)  # leave again: the world stays as built
    return "allow"


def _search(w: World, v: SessionUser | None) -> str:
    return "allow" if w.id("learner") in {u.id for u in admin.search_users(w.c, v, "learner002")} else "hidden"


def _role(w: World, v: SessionUser | None) -> str:
    admin.change_role(w.c, v, w.id("other learner"), "learner")
    return "allow"


def _disable(w: World, v: SessionUser | None) -> str:
    admin.disable(w.c, v, w.id("other learner"))
    admin.enable(w.c, v, w.id("other learner"))
    return "allow"


def _audit_log(w: World, v: SessionUser | None) -> str:
    return "allow" if admin.audit_log(w.c, v) else "hidden"


def _learner_detail(w: World, v: SessionUser | None) -> str:
    detail = reports.learner_detail(w.c, v, w.id("learner"))
    return "allow" if detail["profile"] and detail["profile"]["learner_id"] == w.id("learner") else "hidden"


def _own_profile(w: World, v: SessionUser | None) -> str:
    profile = profiles.latest_profile(w.c, v)
    assert v is not None  # anonymous was refused above
    return "own" if profile is None or profile["learner_id"] == v.id else "allow"


def _row(default: str, **by_role: str) -> dict[str, str]:
    table = {role: default for role in ROLES}
    table.update({role.replace("_", " "): outcome for role, outcome in by_role.items()})
    return table


ADMIN_ONLY = _row("deny", admin="allow")

MATRIX: list[tuple[str, Check, dict[str, str]]] = [
    ("reports.cohort_topic_summary", _summary, _row("deny", other_educator="hidden", **STAFF)),
    ("reports.warehouse_overview", _warehouse, _row("deny", analyst="allow", admin="allow")),
    ("reports.learner_detail", _learner_detail, _row("deny", learner="allow", **STAFF)),
    ("profiles.latest_profile (own)", _own_profile, _row("own", anonymous="deny")),
    ("cohorts.list_cohorts", _list, _row("deny", other_educator="hidden", **STAFF)),
    ("cohorts.members", _members, _row("deny", **STAFF)),
    ("cohorts.invites", _invites, _row("deny", **STAFF)),
    ("cohorts.create_invite", _create_invite, _row("deny", **STAFF)),
    ("cohorts.rename_cohort", _rename, _row("deny", **STAFF)),
    ("cohorts.add/remove_member", _add_remove_member, _row("deny", **STAFF)),
    ("cohorts.add/remove_educator", _add_remove_educator, _row("deny", **STAFF)),
    ("cohorts.create_cohort", _create_cohort, _row("deny", other_educator="allow", **STAFF)),
    ("cohorts.my_cohorts", _my_cohorts, _row("own", anonymous="deny")),
    ("cohorts.join", _join, _row("deny", learner="allow", other_learner="allow")),
    ("admin.search_users", _search, ADMIN_ONLY),
    ("admin.change_role", _role, ADMIN_ONLY),
    ("admin.disable/enable", _disable, ADMIN_ONLY),
    ("admin.audit_log", _audit_log, ADMIN_ONLY),
]


def _outcome(check: Check, world: World, viewer: SessionUser | None) -> str:
    try:
        return check(world, viewer)
    except Forbidden:
        return "deny"


def test_every_role_gets_exactly_what_the_policy_says(clean: Container) -> None:
    world = _world(clean)
    width = max(len(name) for name, _, _ in MATRIX)
    lines = [f"{'service function':<{width}} | " + " | ".join(f"{r:<14}" for r in ROLES)]
    unexpected: list[str] = []
    for name, check, expected in MATRIX:
        cells = []
        for role in ROLES:
            got = _outcome(check, world, world.viewers[role])
            ok = got == expected[role]
            cells.append(f"{got + ('' if ok else ' (!' + expected[role] + ')'):<14}")
            if not ok:
                unexpected.append(f"{name} as {role}: got {got}, expected {expected[role]}")
        lines.append(f"{name:<{width}} | " + " | ".join(cells))
    allows = sum(1 for u in unexpected if "got allow" in u or "got own" in u or "got hidden" in u)
    denies = sum(1 for u in unexpected if "got deny" in u)
    print("\n" + "\n".join(lines))
    print(f"{len(MATRIX) * len(ROLES)} cells: {allows} unexpected allows, {denies} unexpected denies")
    assert unexpected == []
