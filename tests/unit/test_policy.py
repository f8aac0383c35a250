"""The authorization policy: pure decisions on values."""

from __future__ import annotations

import pytest

from ai4d_core import policy
from ai4d_core.policy import CLI, Forbidden, Viewer
from ai4d_core.services.cohorts import ALPHABET, CODE_LENGTH, new_code, normalize_code

pytestmark = pytest.mark.unit
LEARNER, OTHER = Viewer(1, "learner"), Viewer(2, "learner")
EDUCATOR, ANALYST, ADMIN = Viewer(10, "educator"), Viewer(20, "analyst"), Viewer(30, "admin")


def test_forbidden_is_a_permission_error_with_a_safe_message() -> None:
    with pytest.raises(PermissionError, match=r"^Please sign in\.$"):
        policy.require(None)
    with pytest.raises(Forbidden, match=r"^You are not allowed to do this\.$"):
        policy.require(LEARNER, "admin")
    with pytest.raises(Forbidden):
        policy.require(Viewer(5, "superuser"))  # an unknown role is nothing


def test_require_returns_the_viewer_for_an_allowed_role() -> None:
    assert policy.require(EDUCATOR, "educator", "admin") is EDUCATOR
    assert policy.require(LEARNER) is LEARNER
    assert policy.require_admin(ADMIN) is ADMIN


def test_a_learner_sees_only_their_own_data() -> None:
    assert policy.require_self(LEARNER, 1) is LEARNER
    assert policy.require_self(ADMIN, 1) is ADMIN
    for viewer in (OTHER, EDUCATOR, ANALYST):
        with pytest.raises(Forbidden, match="not yours"):
            policy.require_self(viewer, 1)


def test_an_educator_manages_only_the_cohorts_they_teach() -> None:
    assert policy.require_cohort_educator(EDUCATOR, 7, taught=[7, 8]) is EDUCATOR
    assert policy.require_cohort_educator(ADMIN, 7, taught=[]) is ADMIN
    with pytest.raises(Forbidden):
        policy.require_cohort_educator(EDUCATOR, 9, taught=[7, 8])
    for viewer in (LEARNER, ANALYST, None):
        with pytest.raises(Forbidden):
            policy.require_cohort_educator(viewer, 7, taught=[7])
    assert policy.visible_cohorts(EDUCATOR, [7]) == frozenset({7})
    assert policy.visible_cohorts(ADMIN, [7]) is None


def test_learner_detail_only_for_the_learner_their_educators_and_admins() -> None:
    assert policy.require_learner_detail(LEARNER, 1, taught=[], learner_cohorts=[]) is LEARNER
    assert policy.require_learner_detail(EDUCATOR, 1, taught=[3], learner_cohorts=[3, 4]) is EDUCATOR
    assert policy.require_learner_detail(ADMIN, 1, taught=[], learner_cohorts=[]) is ADMIN
    for viewer, taught in ((EDUCATOR, [5]), (OTHER, [3]), (ANALYST, [3]), (None, [])):
        with pytest.raises(Forbidden):
            policy.require_learner_detail(viewer, 1, taught=taught, learner_cohorts=[3])


def test_aggregates_need_k_learners_for_educators_and_the_warehouse_is_for_analysts() -> None:
    assert policy.aggregate_threshold(EDUCATOR, 10) == 10
    assert policy.aggregate_threshold(ADMIN, 10) == 1
    with pytest.raises(Forbidden):
        policy.aggregate_threshold(ANALYST, 10)
    assert policy.require_warehouse(ANALYST) is ANALYST
    assert policy.require_warehouse(ADMIN) is ADMIN
    for viewer in (LEARNER, EDUCATOR, None):
        with pytest.raises(Forbidden):
            policy.require_warehouse(viewer)


def test_the_command_line_acts_as_an_admin_with_no_actor_id() -> None:
    assert policy.require_admin(CLI) is CLI
    assert policy.actor_id(CLI) is None
    assert policy.actor_id(Viewer(0, "admin")) == 0  # only the CLI object itself is the command line
    assert policy.actor_id(ADMIN) == 30


def test_role_names_are_checked() -> None:
    assert policy.require_role_name("analyst") == "analyst"
    with pytest.raises(ValueError, match="role must be one of"):
        policy.require_role_name("root")


def test_join_codes_are_80_random_bits_typeable_and_forgiving() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    code = codes.pop()
    assert len(code) == 19 and code.count("-") == 3
    raw = code.replace("-", "")
    assert len(raw) == CODE_LENGTH and set(raw) <= set(ALPHABET)
    assert CODE_LENGTH * 5 >= 64
    assert normalize_code(code.lower().replace("-", " ")) == raw
    assert normalize_code(f"https://ai4d.example/learner?join={code}") == raw
    assert normalize_code("0000-0000-0000-000O") == "0" * 16  # O reads as zero, I and L as one
    for bad in ("", "ABCD", "ABCD-EFGH-JKMN-PQRU", "x" * 200):
        assert normalize_code(bad) is None
