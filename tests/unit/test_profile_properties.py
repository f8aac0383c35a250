"""Properties of rules profiles over random evidence: they never say more than the evidence does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ai4d_core.domain.mastery import MASTERY_MAX_SE, NOT_ENOUGH_EVIDENCE
from ai4d_core.domain.misconceptions import misconceptions
from ai4d_core.domain.profile import Evidence, LearnerContext, Profile
from ai4d_core.domain.profile_rules import analyze, latest_graded
from ai4d_core.domain.resource_catalogue import catalogue
from ai4d_core.domain.topics import TOPICS, requires

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 1, tzinfo=UTC)
TAGS = sorted(misconceptions())


@st.composite
def evidence(draw: st.DrawFn) -> list[Evidence]:
    topics = draw(st.lists(st.sampled_from(TOPICS), min_size=0, max_size=5, unique=True))
    rows = []
    for topic in topics:
        right_only = draw(st.booleans())  # a topic answered all right, the case the learner reported
        n = draw(st.integers(1, 30))
        for i in range(n):
            score = 1.0 if right_only else draw(st.sampled_from([0.0, 1.0, 1.0, 0.5, -0.25, 0.0]))
            rows.append(
                Evidence(
                    item_id=f"{topic}-{draw(st.integers(0, 40))}",  # repeats: the latest answer counts
                    topic=topic,
                    level=draw(st.integers(1, 3)),
                    a=draw(st.floats(0.3, 2.5)),
                    b=draw(st.floats(-3, 3)),
                    score=score,
                    answered_at=NOW - timedelta(minutes=i),
                    misconceptions=() if score >= 1 else tuple(draw(st.lists(st.sampled_from(TAGS), max_size=2))),
                    graded=draw(st.sampled_from([True, True, True, False])),
                )
            )
    return rows


contexts = st.builds(LearnerContext, goal=st.none(), hours_per_week=st.none() | st.floats(0, 80))


def _profile(rows: list[Evidence], context: LearnerContext) -> Profile:
    profile = analyze(3, 1, rows, NOW, context)
    assert Profile.model_validate(profile.model_dump(mode="json")) == profile  # always a valid document
    return profile


@settings(max_examples=150, deadline=None)
@given(evidence(), contexts)
def test_a_topic_whose_answers_are_all_right_is_never_a_weakness(rows: list[Evidence], c: LearnerContext) -> None:
    profile = _profile(rows, c)
    all_right = {t.topic for t in profile.topics if t.n_correct == t.n_responses}
    assert not all_right & {w.topic for w in profile.weaknesses}
    assert not {t.topic for t in profile.topics if t.n_correct == 0} & {s.topic for s in profile.strengths}


@settings(max_examples=150, deadline=None)
@given(evidence(), contexts)
def test_no_level_is_claimed_above_the_se_threshold(rows: list[Evidence], c: LearnerContext) -> None:
    profile = _profile(rows, c)
    for t in profile.topics:
        assert (t.mastery != NOT_ENOUGH_EVIDENCE) == (t.se <= MASTERY_MAX_SE)
    claimed = {t.topic for t in profile.topics if t.mastery != NOT_ENOUGH_EVIDENCE}
    assert {x.topic for x in profile.strengths + profile.weaknesses} <= claimed
    assert ("your overall level is" in profile.narrative) == bool(claimed)  # else said to be provisional


@settings(max_examples=150, deadline=None)
@given(evidence(), contexts)
def test_resources_come_from_the_catalogue_and_claims_cite_the_learners_items(
    rows: list[Evidence], c: LearnerContext
) -> None:
    profile = _profile(rows, c)
    graded = latest_graded(rows)
    for step in profile.learning_path:
        assert all(r in catalogue() and catalogue()[r].topic == step.topic for r in step.resources)
    for claim in profile.strengths + profile.weaknesses + profile.misconceptions:
        assert claim.evidence and set(claim.evidence) <= {i for i, e in graded.items() if e.topic == claim.topic}
    for claim in profile.misconceptions:
        assert claim.misconception in misconceptions()
        assert all(claim.misconception in graded[i].misconceptions for i in claim.evidence)


@settings(max_examples=150, deadline=None)
@given(evidence(), contexts)
def test_the_path_respects_prerequisites_and_the_weeks_hold_its_hours(rows: list[Evidence], c: LearnerContext) -> None:
    profile = _profile(rows, c)
    order = [s.topic for s in profile.learning_path]
    for i, topic in enumerate(order):
        assert not requires(topic) & set(order[i + 1 :]), (topic, order)
    path_hours = sum(s.estimated_hours for s in profile.learning_path)
    assert sum(w.hours for w in profile.timeline) == pytest.approx(path_hours)
    assert all(0 < w.hours <= c.weekly_hours + 1e-9 for w in profile.timeline)
    if all(t.mastery == NOT_ENOUGH_EVIDENCE for t in profile.topics):
        assert len(profile.timeline) <= 1  # no multi-week plan from thin evidence
    topics = {t.topic for t in profile.topics}
    for step in profile.next_steps:
        assert (step.mode == "practice" and step.topic in topics) or (step.mode, step.topic) == ("diagnostic", None)
