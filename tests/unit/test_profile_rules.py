"""The rule-based analyzer (rules-4) writes every field, and never says more than the evidence does."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest

from ai4d_core.domain.irt import Observation, eap
from ai4d_core.domain.mastery import MASTERY_MAX_SE, NOT_ENOUGH_EVIDENCE
from ai4d_core.domain.profile import DEFAULT_HOURS_PER_WEEK, Evidence, LearnerContext, Profile
from ai4d_core.domain.profile_rules import analyze, level_backed
from ai4d_core.domain.resource_catalogue import catalogue
from ai4d_core.domain.topics import requires

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _evidence(topic: str, scores: list[float], tags: Mapping[int, tuple[str, ...]] | None = None) -> list[Evidence]:
    return [
        Evidence(
            f"{topic}-{i}",
            topic,
            1 + i % 3,
            1.0,
            -1.0 + i % 3,
            s,
            NOW - timedelta(hours=i),
            misconceptions=(tags or {}).get(i, ()),
        )
        for i, s in enumerate(scores)
    ]


def test_more_right_answers_mean_higher_ability_and_lower_uncertainty_with_more_data() -> None:
    weak = eap([Observation(1.0, 0.0, 0.0)] * 4)
    strong = eap([Observation(1.0, 0.0, 1.0)] * 4)
    strong_more = eap([Observation(1.0, 0.0, 1.0)] * 12)
    assert weak.theta < 0 < strong.theta
    assert strong_more.se < strong.se


def test_profile_has_every_field_and_cites_evidence() -> None:
    tags = {0: ("mutable_immutable_confused",), 4: ("mutable_immutable_confused",)}
    evidence = _evidence("sql", [1, 1, 1, 0, 1, 1] * 5) + _evidence("python", [0, 0, 1, 1, 0, 0] * 5, tags)
    profile = analyze(7, 3, evidence, NOW)
    assert profile.version == 3 and profile.provenance.source == "rules"
    assert profile.provenance.rules_version == "rules-4"
    assert [s.topic for s in profile.strengths] == ["sql"]
    assert [w.topic for w in profile.weaknesses] == ["python"]
    assert [p.topic for p in profile.learning_path] == ["python"]  # sql is mastered: nothing to plan
    (misconception,) = profile.misconceptions
    assert misconception.misconception == "mutable_immutable_confused"
    assert misconception.evidence == ["python-0", "python-4"] and "Python" in misconception.claim
    assert profile.timeline and profile.next_steps and "Python" in profile.narrative
    assert all(set(t.evidence) <= {e.item_id for e in evidence} for t in profile.topics)
    assert profile.provenance.n_responses == 60
    assert Profile.model_validate(profile.model_dump(mode="json")) == profile


def test_nine_right_answers_out_of_nine_make_no_weakness_and_no_long_plan() -> None:
    """The learner's report: 9/9 right listed two weaknesses and a 9-week timeline from one quiz."""
    evidence = [e for topic in ("python", "sql", "statistics") for e in _evidence(topic, [1, 1, 1])]
    profile = analyze(1, 1, evidence, NOW)
    assert profile.weaknesses == [] and profile.strengths == []  # three answers a topic back no level
    assert {t.mastery for t in profile.topics} == {NOT_ENOUGH_EVIDENCE}
    assert len(profile.timeline) == 1
    assert sum(s.estimated_hours for s in profile.learning_path) <= DEFAULT_HOURS_PER_WEEK
    assert all(r in catalogue() for s in profile.learning_path for r in s.resources)
    assert all(s.mode == "practice" and s.topic for s in profile.next_steps[:-1])
    assert profile.next_steps[-1].mode == "diagnostic" and profile.next_steps[-1].topic is None
    # one quiz backs no level: the overall level is said to be provisional
    assert not level_backed(t.mastery for t in profile.topics)
    assert "not enough evidence yet to be sure" in profile.narrative
    assert "your overall level is" not in profile.narrative
    thick = analyze(1, 1, evidence + _evidence("sql", [1, 1, 1, 1, 0, 1] * 5), NOW)
    assert level_backed(t.mastery for t in thick.topics)
    assert f"your overall level is {thick.overall_level.label}." in thick.narrative


def test_a_level_is_claimed_only_when_the_standard_error_backs_it() -> None:
    thin = analyze(1, 1, _evidence("sql", [1, 1, 1]), NOW).topics[0]
    assert thin.se > MASTERY_MAX_SE and thin.mastery == NOT_ENOUGH_EVIDENCE and thin.ability > 0
    thin_profile = analyze(1, 1, _evidence("sql", [1, 1, 1]) + _evidence("python", [0, 0, 0]), NOW)
    assert thin_profile.strengths == [] and thin_profile.weaknesses == []  # no claim on three answers
    all_right = analyze(1, 1, _evidence("sql", [1] * 16), NOW).topics[0]
    assert all_right.mastery == NOT_ENOUGH_EVIDENCE  # easy items all right: above them, but by how much?
    thick = analyze(1, 1, _evidence("sql", [1, 1, 1, 1, 0, 1] * 5), NOW).topics[0]
    assert thick.se <= MASTERY_MAX_SE and thick.mastery in ("proficient", "mastered")


def test_weak_prerequisites_come_first_in_the_path() -> None:
    weak_nlp = _evidence("nlp_llms", [0, 0, 1, 0, 0, 0] * 5)
    weak_ml = _evidence("ml_fundamentals", [0, 1, 1, 0, 1, 0] * 5)
    weak_sql = _evidence("sql", [0, 0, 0, 1, 0, 0] * 5)
    profile = analyze(1, 1, weak_nlp + weak_ml + weak_sql, NOW)
    order = [s.topic for s in profile.learning_path]
    assert set(order) == {"nlp_llms", "ml_fundamentals", "sql"}
    assert order.index("ml_fundamentals") < order.index("nlp_llms")  # nlp builds on ml, though ml is less weak
    assert all(s.order == i for i, s in enumerate(profile.learning_path, start=1))
    assert "ml_fundamentals" in requires("nlp_llms")


@pytest.mark.parametrize("hours", [1.0, 2.5, 5.0, 12.0])
def test_the_timeline_is_sized_by_the_learners_weekly_hours(hours: float) -> None:
    evidence = _evidence("python", [0, 0, 1, 0, 0, 0] * 5) + _evidence("sql", [0, 1, 0, 1, 0, 0] * 5)
    profile = analyze(1, 1, evidence, NOW, LearnerContext(goal="data engineer", hours_per_week=hours))
    path_hours = sum(s.estimated_hours for s in profile.learning_path)
    assert sum(w.hours for w in profile.timeline) == pytest.approx(path_hours)
    assert all(w.hours <= hours + 1e-9 for w in profile.timeline)
    assert len(profile.timeline) == -(-round(path_hours * 100) // round(hours * 100))  # full weeks, then the rest
    assert [w.week for w in profile.timeline] == list(range(1, len(profile.timeline) + 1))
    assert f"{hours:g} hour(s) a week" in profile.narrative


def test_only_the_latest_graded_answer_to_an_item_counts() -> None:
    first = Evidence("sql-1", "sql", 1, 1.0, 0.0, 0.0, NOW - timedelta(days=2))
    later = Evidence("sql-1", "sql", 1, 1.0, 0.0, 1.0, NOW)
    awaiting = Evidence("sql-2", "sql", 2, 1.0, 0.0, 0.0, NOW, graded=False)
    profile = analyze(1, 1, [later, first, awaiting], NOW)
    assert profile.topics[0].n_responses == 1 and profile.topics[0].mean_score == 1.0
    assert profile.topics[0].n_correct == 1 and profile.topics[0].evidence == ["sql-1"]


def test_a_mastered_learner_gets_no_path_but_still_a_practice_step() -> None:
    profile = analyze(1, 1, _evidence("sql", [1, 1, 1, 1, 0, 1] * 5), NOW)
    assert profile.topics[0].mastery == "mastered" and profile.learning_path == [] and profile.timeline == []
    assert profile.next_steps[0].mode == "practice" and profile.next_steps[0].topic == "sql"


def test_no_evidence_still_gives_a_valid_profile() -> None:
    profile = analyze(1, 1, [], NOW)
    assert profile.topics == [] and profile.learning_path == [] and profile.timeline == []
    assert [(s.mode, s.topic) for s in profile.next_steps] == [("diagnostic", None)]


def test_a_version_1_document_still_reads() -> None:
    v1 = {
        "learner_id": 1,
        "version": 1,
        "overall_level": {"level": 2, "label": "Novice"},
        "topics": [
            {"topic": "sql", "n_responses": 4, "mean_score": 0.5, "ability": 0.1, "se": 0.6,
             "mastery": NOT_ENOUGH_EVIDENCE, "evidence": ["sql-1"]},
        ],
        "strengths": [],
        "weaknesses": [{"topic": "sql", "claim": "Needs work in sql.", "evidence": ["sql-1"]}],
        "misconceptions": [],
        "learning_path": [{"order": 1, "topic": "sql", "objective": "consolidate sql",
                           "resources": ["PostgreSQL tutorial"], "estimated_hours": 5.0}],
        "timeline": [{"week": 1, "focus": "sql: consolidate sql"}],
        "next_steps": ["Start with sql.", "Take another quiz in a week."],
        "narrative": "Based on 4 answered item(s).",
        "provenance": {"source": "rules", "rules_version": "rules-2", "generated_at": "2026-10-01T00:00:00Z",
                       "evidence_from": None, "evidence_to": None, "n_responses": 4},
    }  # fmt: skip
    profile = Profile.model_validate(v1)
    assert profile.topics[0].n_correct == 2
    first = profile.next_steps[0]
    assert (first.text, first.topic, first.mode) == ("Start with sql.", None, "diagnostic")
    assert profile.timeline[0].hours == 0 and profile.provenance.checked is False
