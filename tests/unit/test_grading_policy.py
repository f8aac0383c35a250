"""Who grades open responses (`policy.grading_cohorts`, `policy.require_grader`): pure decisions."""

from __future__ import annotations

import pytest

from ai4d_core import policy
from ai4d_core.policy import Forbidden, Viewer

pytestmark = pytest.mark.unit
EDU, ADMIN, LEARNER, ANALYST = Viewer(1, "educator"), Viewer(2, "admin"), Viewer(3, "learner"), Viewer(4, "analyst")


def test_an_educator_grades_in_the_cohorts_they_teach_and_an_admin_everywhere() -> None:
    assert policy.grading_cohorts(EDU, [10, 11]) == frozenset({10, 11})
    assert policy.grading_cohorts(EDU, [10, 11], cohort_id=11) == frozenset({11})
    assert policy.grading_cohorts(EDU, []) == frozenset()
    assert policy.grading_cohorts(ADMIN, []) is None
    assert policy.grading_cohorts(ADMIN, [], cohort_id=7) == frozenset({7})
    with pytest.raises(Forbidden):
        policy.grading_cohorts(EDU, [10], cohort_id=12)


def test_only_an_educator_of_the_learners_cohort_or_an_admin_grades_an_answer() -> None:
    assert policy.require_grader(EDU, [10, 11], [11]) is EDU
    assert policy.require_grader(ADMIN, [], [99]) is ADMIN
    with pytest.raises(Forbidden, match="not yours"):
        policy.require_grader(EDU, [10], [11])
    for who in (LEARNER, ANALYST, None):
        with pytest.raises(Forbidden):
            policy.require_grader(who, [11], [11])
        with pytest.raises(Forbidden):
            policy.grading_cohorts(who, [11])
