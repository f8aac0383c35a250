"""The learner profile (one schema whatever wrote it) and the rule-based analyzer that writes every field.

The rule-based analyzer is the fallback when no LLM is configured and the oracle the LLM path is checked
against: an LLM may later rewrite the text, never the numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ai4d_core.domain.irt import Observation, eap
from ai4d_core.domain.learning_resources import resources_for
from ai4d_core.domain.mastery import NOT_ENOUGH_EVIDENCE, level_of, mastery

LEVEL_LABELS = {1: "Beginner", 2: "Novice", 3: "Intermediate", 4: "Advanced", 5: "Expert"}
RULES_VERSION = "rules-2"
MasteryLabel = Literal["novice", "developing", "proficient", "mastered", "not enough evidence yet"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OverallLevel(_Model):
    level: int = Field(ge=1, le=5)
    label: str


class TopicMastery(_Model):
    topic: str
    n_responses: int = Field(ge=0)
    mean_score: float = Field(ge=-1, le=1)
    ability: float = Field(ge=-4, le=4)
    se: float = Field(ge=0)
    mastery: MasteryLabel = Field(description="a level only when the SE backs it (`domain.mastery`)")
    evidence: list[str]


class Claim(_Model):
    topic: str
    claim: str = Field(max_length=500)
    evidence: list[str]


class PathStep(_Model):
    order: int = Field(ge=1)
    topic: str
    objective: str = Field(max_length=300)
    resources: list[str]
    estimated_hours: float = Field(gt=0, le=100)


class TimelineEntry(_Model):
    week: int = Field(ge=1)
    focus: str


class Provenance(_Model):
    source: Literal["rules", "llm"]
    model: str | None = None
    prompt_version: str | None = None
    rules_version: str = RULES_VERSION
    generated_at: datetime
    evidence_from: datetime | None
    evidence_to: datetime | None
    n_responses: int
    fallback_reason: str | None = None


class Profile(_Model):
    learner_id: int
    version: int = Field(ge=1)
    overall_level: OverallLevel
    topics: list[TopicMastery]
    strengths: list[Claim]
    weaknesses: list[Claim]
    misconceptions: list[Claim]
    learning_path: list[PathStep]
    timeline: list[TimelineEntry]
    next_steps: list[str]
    narrative: str = Field(max_length=2000)
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class Evidence:
    """One scored response with what the analyzer needs of its item."""

    item_id: str
    topic: str
    level: int
    a: float
    b: float
    score: float
    answered_at: datetime


def mastery_of(theta: float, se: float = 0.0) -> MasteryLabel:
    """The topic's level, or "not enough evidence yet" when the SE is too large to claim one."""
    return mastery(theta, se) or NOT_ENOUGH_EVIDENCE


def overall_level(thetas: Sequence[float]) -> OverallLevel:
    mean = sum(thetas) / len(thetas) if thetas else -2.0
    level = 1 if mean < -1.2 else 2 if mean < -0.4 else 3 if mean < 0.4 else 4 if mean < 1.2 else 5
    return OverallLevel(level=level, label=LEVEL_LABELS[level])


def analyze(learner_id: int, version: int, evidence: Sequence[Evidence], now: datetime) -> Profile:
    """Build a complete profile from scored responses (the latest answer to an item counts)."""
    latest: dict[str, Evidence] = {}
    for e in sorted(evidence, key=lambda e: e.answered_at):
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
        Claim(
            topic=t.topic,
            claim=f"Needs work in {t.topic}: {t.mastery} (ability {t.ability:+.2f}).",
            evidence=t.evidence,
        )
        for t in ranked
        if t.mastery in ("novice", "developing")
    ]
    misconceptions = [
        Claim(topic=topic, claim=f"Missed {len(ids)} foundational {topic} item(s) (level 1).", evidence=ids)
        for topic, rows in sorted(by_topic.items())
        if (ids := sorted(e.item_id for e in rows if e.level == 1 and e.score <= 0))
    ]
    path = [
        PathStep(
            order=i,
            topic=t.topic,
            objective=_objective(t),
            resources=resources_for(t.topic, t.mastery),
            estimated_hours=_HOURS[level_of(t.ability)],
        )
        for i, t in enumerate(ranked, start=1)
    ]
    timeline = [TimelineEntry(week=step.order, focus=f"{step.topic}: {step.objective}") for step in path]
    level = overall_level([t.ability for t in topics])
    times = [e.answered_at for e in latest.values()]
    return Profile(
        learner_id=learner_id,
        version=version,
        overall_level=level,
        topics=topics,
        strengths=strengths,
        weaknesses=weaknesses,
        misconceptions=misconceptions,
        learning_path=path,
        timeline=timeline,
        next_steps=_next_steps(ranked),
        narrative=_narrative(level, strengths, weaknesses, len(latest)),
        provenance=Provenance(
            source="rules",
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
        mean_score=round(sum(e.score for e in rows) / len(rows), 3),
        ability=ability.theta,
        se=ability.se,
        mastery=mastery_of(ability.theta, ability.se),
        evidence=sorted(e.item_id for e in rows),
    )


_HOURS = {"novice": 8.0, "developing": 5.0, "proficient": 3.0, "mastered": 1.0}
_GOALS = {
    "novice": "learn the fundamentals of",
    "developing": "consolidate",
    "proficient": "deepen",
    "mastered": "keep practising",
    NOT_ENOUGH_EVIDENCE: "answer more questions on",
}


def _objective(t: TopicMastery) -> str:
    return f"{_GOALS[t.mastery]} {t.topic}"


def _next_steps(ranked: list[TopicMastery]) -> list[str]:
    if not ranked:
        return ["Take the diagnostic quiz so we can build your profile."]
    steps = [f"Start with {ranked[0].topic}: {_objective(ranked[0])}."]
    steps += [f"Then move on to {t.topic}." for t in ranked[1:3]]
    steps.append("Take another quiz in a week to measure your progress.")
    return steps


def _narrative(level: OverallLevel, strengths: list[Claim], weaknesses: list[Claim], n: int) -> str:
    parts = [f"Based on {n} answered item(s), your overall level is {level.label} ({level.level}/5)."]
    if strengths:
        parts.append("Your strongest area is " + strengths[0].topic + ".")
    if weaknesses:
        parts.append("Focus first on " + ", ".join(w.topic for w in weaknesses[:2]) + ".")
    return " ".join(parts)
