"""The rule-based analyzer writes every field, and its numbers move the right way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ai4d_core.domain.irt import Observation, eap
from ai4d_core.domain.mastery import MASTERY_MAX_SE, NOT_ENOUGH_EVIDENCE
from ai4d_core.domain.profile import Evidence, analyze

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _evidence(topic: str, scores: list[float]) -> list[Evidence]:
    return [
        Evidence(f"{topic}-{i}", topic, 1 + i % 3, 1.0, -1.0 + i % 3, s, NOW - timedelta(hours=i))
        for i, s in enumerate(scores)
    ]


def test_more_right_answers_mean_higher_ability_and_lower_uncertainty_with_more_data() -> None:
    weak = eap([Observation(1.0, 0.0, 0.0)] * 4)
    strong = eap([Observation(1.0, 0.0, 1.0)] * 4)
    strong_more = eap([Observation(1.0, 0.0, 1.0)] * 12)
    assert weak.theta < 0 < strong.theta
    assert strong_more.se < strong.se


def test_profile_has_every_field_and_cites_evidence() -> None:
    evidence = _evidence("sql", [1, 1, 1, 1, 0, 1] * 5) + _evidence("python", [0, 0, 1, 1, 0, 0] * 5)
    profile = analyze(7, 3, evidence, NOW)
    assert profile.version == 3 and profile.provenance.source == "rules"
    assert [s.topic for s in profile.strengths] == ["sql"]
    assert [w.topic for w in profile.weaknesses] == ["python"]
    assert profile.learning_path[0].topic == "python"  # weakest first
    assert profile.misconceptions and profile.misconceptions[0].evidence
    assert profile.timeline and profile.next_steps and "python" in profile.narrative
    assert all(set(t.evidence) <= {e.item_id for e in evidence} for t in profile.topics)
    assert profile.provenance.n_responses == 60


def test_a_level_is_claimed_only_when_the_standard_error_backs_it() -> None:
    thin = analyze(1, 1, _evidence("sql", [1, 1, 1]), NOW).topics[0]
    assert thin.se > MASTERY_MAX_SE and thin.mastery == NOT_ENOUGH_EVIDENCE and thin.ability > 0
    thin_profile = analyze(1, 1, _evidence("sql", [1, 1, 1]) + _evidence("python", [0, 0, 0]), NOW)
    assert thin_profile.strengths == [] and thin_profile.weaknesses == []  # no claim on three answers
    all_right = analyze(1, 1, _evidence("sql", [1] * 16), NOW).topics[0]
    assert all_right.mastery == NOT_ENOUGH_EVIDENCE  # easy items all right: above them, but by how much?
    thick = analyze(1, 1, _evidence("sql", [1, 1, 1, 1, 0, 1] * 5), NOW).topics[0]
    assert thick.se <= MASTERY_MAX_SE and thick.mastery in ("proficient", "mastered")


def test_only_the_latest_answer_to_an_item_counts() -> None:
    first = Evidence("sql-1", "sql", 1, 1.0, 0.0, 0.0, NOW - timedelta(days=2))
    later = Evidence("sql-1", "sql", 1, 1.0, 0.0, 1.0, NOW)
    profile = analyze(1, 1, [later, first], NOW)
    assert profile.topics[0].n_responses == 1 and profile.topics[0].mean_score == 1.0


def test_no_evidence_still_gives_a_valid_profile() -> None:
    profile = analyze(1, 1, [], NOW)
    assert profile.topics == [] and profile.next_steps
