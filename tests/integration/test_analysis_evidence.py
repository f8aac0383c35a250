"""What the analysis reads from PostgreSQL: graded answers only, the misconceptions of the chosen distractors,
and the learner's stated goal and weekly hours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from ai4d_core.adapters.sql import analysis as sql
from ai4d_core.adapters.sql.tables import Response, User
from ai4d_core.bootstrap import Container
from ai4d_core.domain.profile_rules import analyze
from ai4d_core.item_bank import load_curated_bank
from ai4d_core.services.ingest import ingest_pending
from ai4d_core.services.quiz import build_payload
from ai4d_core.services.submissions import receive

pytestmark = pytest.mark.integration
ANSWERS: dict[str, object] = {
    "py-105": "b",  # 3 / 2 is 1: true division taken for integer division
    "py-101": ["a", "d", "e"],  # tuple right, list and dict wrong
    "py-109": "b",  # right: no misconception
    "cloud-105": True,  # encryption taken for access control
    "py-115": "A generator yields values lazily, one at a time.",  # open response, awaiting review
}


@pytest.fixture
def answered(clean: Container) -> tuple[Container, int]:
    clean.items.upsert(load_curated_bank())
    learner = clean.users.add("ana@example.org", "Ana", "learner", "x")
    receipt = receive(clean, learner, build_payload(ANSWERS), "test")
    assert receipt.accepted, receipt.submission
    ingest_pending(clean)
    with clean.engine.begin() as conn:  # an educator has not graded the open response yet
        conn.execute(update(Response).where(Response.item_id == "py-115").values(score=None))
    return clean, learner


def test_evidence_is_the_graded_answers_with_the_misconceptions_of_the_chosen_distractors(
    answered: tuple[Container, int],
) -> None:
    c, learner = answered
    with c.engine.connect() as conn:
        evidence = {e.item_id: e for e in sql.evidence_of(conn, learner)}
    assert set(evidence) == set(ANSWERS) - {"py-115"}  # ungraded: not evidence
    assert evidence["py-105"].misconceptions == ("true_division_is_integer",)
    assert evidence["py-101"].misconceptions == ("mutable_immutable_confused",)
    assert evidence["cloud-105"].misconceptions == ("encryption_replaces_access_control",)
    assert evidence["py-109"].misconceptions == () and evidence["py-109"].score == 1.0
    assert all(e.graded for e in evidence.values())
    profile = analyze(learner, 1, list(evidence.values()), datetime.now(UTC))
    assert {m.misconception: m.evidence for m in profile.misconceptions} == {
        "true_division_is_integer": ["py-105"],
        "mutable_immutable_confused": ["py-101"],
        "encryption_replaces_access_control": ["cloud-105"],
    }


def test_the_learner_context_is_their_goal_and_weekly_hours(answered: tuple[Container, int]) -> None:
    c, learner = answered
    with c.engine.connect() as conn:
        assert sql.learner_context(conn, learner).hours_per_week is None
    with c.engine.begin() as conn:
        conn.execute(update(User).where(User.id == learner).values(goal="Become a data engineer", hours_per_week=3))
    with c.engine.connect() as conn:
        context = sql.learner_context(conn, learner)
        assert (context.goal, context.hours_per_week, context.weekly_hours) == ("Become a data engineer", 3.0, 3.0)
        assert sql.learner_context(conn, learner + 1000).weekly_hours == 5.0  # nobody: the documented default
