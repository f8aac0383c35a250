"""The rule-based analyzer: writes every field of a profile from the learner's scored answers.

It is the fallback when no LLM is configured and the oracle an LLM's profile is checked against.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from ai4d_core.domain.irt import Observation, eap
from ai4d_core.domain.learning_resources import resources_for
from ai4d_core.domain.mastery import NOT_ENOUGH_EVIDENCE, level_of, mastery
from ai4d_core.domain.profile import (
    LEVEL_LABELS,
    NO_CONTEXT,
    RULES_VERSION,
    Claim,
    Evidence,
    LearnerContext,
    MasteryLabel,
    NextStep,
    OverallLevel,
    PathStep,
    Profile,
    Provenance,
    TimelineEntry,
    TopicMastery,
)


def mastery_of(theta: float, se: float = 0.0) -> MasteryLabel:
    """The topic's level, or "not enough evidence yet" when the SE is too large to claim one."""
    return mastery(theta, se) or NOT_ENOUGH_EVIDENCE


def overall_level(thetas: Sequence[float]) -> OverallLevel:
    mean = sum(thetas) / len(thetas) if thetas else -2.0
    level = 1 if mean < -1.2 else 2 if mean < -0.4 else 3 if mean < 0.4 else 4 if mean < 1.2 else 5
    return OverallLevel(level=level, label=LEVEL_LABELS[level])


def analyze(
    learner_id: int,
    version: int,
    evidence: Sequence[Evidence],
    now: datetime,
    context: LearnerContext = NO_CONTEXT,
) -> Profile:
    """Build a complete profile from scored responses (the latest answer to an item counts)."""
    latest: dict[str, Evidence] = {}
    for e in sorted(evidence, key=lambda e: e.answered_at):
        if e.graded:
            latest[e.item_id] = e
    by_topic: dict[str, list[Evidence]] = defaultdict(list)
    for e in latest.values():
        by_topic[e.topic].append(e)
    topics = [_topic_mastery(topic, rows) for topic, rows in sorted(by_topic.items())]
    ranked = sorted(topics, key=lambda t: t.ability)
    strengths = [
        Claim(topic=t.topic, claim=f"Solid in {t.topic}: {t.mastery} (ability {t.ability:+.2f}).", evidence=t.evidence)
        for t in reversed(ranked)
        if t.mastery in ("proficient", "mastered")
    ]
    weaknesses = [
        Claim(topic=t.topic, claim=f"Needs work in {t.topic}: {t.mastery}.", evidence=t.evidence)
        for t in ranked
        if t.mastery in ("novice", "developing") and t.n_correct < t.n_responses
    ]
    path = [
        PathStep(
            order=i,
            topic=t.topic,
            objective=f"Work on {t.topic}",
            resources=resources_for(t.topic, t.mastery),
            estimated_hours=_HOURS[level_of(t.ability)],
        )
        for i, t in enumerate(ranked, start=1)
    ]
    timeline = [TimelineEntry(week=s.order, focus=s.objective, topics=[s.topic], hours=s.estimated_hours) for s in path]
    level = overall_level([t.ability for t in topics])
    times = [e.answered_at for e in latest.values()]
    return Profile(
        learner_id=learner_id,
        version=version,
        overall_level=level,
        topics=topics,
        strengths=strengths,
        weaknesses=weaknesses,
        misconceptions=[],
        learning_path=path,
        timeline=timeline,
        next_steps=[NextStep(text="Take the diagnostic quiz.", topic=None, mode="diagnostic")],
        narrative=f"Based on {len(latest)} answered item(s), your overall level is {level.label}.",
        provenance=Provenance(
            source="rules",
            rules_version=RULES_VERSION,
            generated_at=now,
            evidence_from=min(times, default=None),
            evidence_to=max(times, default=None),
            n_responses=len(latest),
        ),
    )


def _topic_mastery(topic: str, rows: list[Evidence]) -> TopicMastery:
    ability = eap([Observation(e.a, e.b, max(e.score, 0.0)) for e in rows])
    return TopicMastery(
        topic=topic,
        n_responses=len(rows),
        n_correct=sum(e.score >= 1 for e in rows),
        mean_score=round(sum(e.score for e in rows) / len(rows), 3),
        ability=ability.theta,
        se=ability.se,
        mastery=mastery_of(ability.theta, ability.se),
        evidence=sorted(e.item_id for e in rows),
    )


_HOURS = {"novice": 8.0, "developing": 5.0, "proficient": 3.0, "mastered": 1.0}
