"""The rule-based analyzer (rules-4): writes every field of a profile from the learner's graded answers.

It is the fallback when no LLM is configured and the oracle an LLM's profile is checked against. Its rules
never contradict the evidence:
- a level is claimed only when the SE backs it (`domain.mastery`); without one a topic reads "not enough
  evidence yet" and is neither a strength nor a weakness;
- a topic whose answers are all right is never a weakness, one whose answers are all wrong never a strength;
- misconceptions are the tags of the distractors the learner chose (`domain.misconceptions`);
- the path covers the topics not yet mastered, prerequisites first (`domain.topics.learning_order`), each step
  citing catalogue resources of its level (`domain.resource_catalogue`);
- the timeline packs the path's hours into weeks of the learner's weekly hours; with no claim yet (thin
  evidence) the path is short practice sessions that fit in one week;
- each next step opens a practice session on a topic, or a diagnostic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from ai4d_core.domain.irt import Observation, eap
from ai4d_core.domain.mastery import NOT_ENOUGH_EVIDENCE, mastery
from ai4d_core.domain.misconceptions import misconceptions as misconception_catalogue
from ai4d_core.domain.profile import (
    LEVEL_LABELS,
    NO_CONTEXT,
    RULES_VERSION,
    Claim,
    Evidence,
    LearnerContext,
    MasteryLabel,
    OverallLevel,
    PathStep,
    Profile,
    Provenance,
    TopicMastery,
)
from ai4d_core.domain.profile_plan import next_steps, plan_path, timeline
from ai4d_core.domain.topics import topic_name

STRONG: tuple[MasteryLabel, ...] = ("proficient", "mastered")
WEAK: tuple[MasteryLabel, ...] = ("novice", "developing")


def mastery_of(theta: float, se: float) -> MasteryLabel:
    """The topic's level, or "not enough evidence yet" when the SE is too large to claim one."""
    return mastery(theta, se) or NOT_ENOUGH_EVIDENCE


def overall_level(thetas: Sequence[float]) -> OverallLevel:
    """The level (1-5) of the mean topic ability; 1 without evidence."""
    level = level_number(sum(thetas) / len(thetas) if thetas else -2.0)
    return OverallLevel(level=level, label=LEVEL_LABELS[level])


def level_backed(masteries: Iterable[str | None]) -> bool:
    """Whether the overall level says something: at least one topic's mastery (`TopicMastery.mastery`) is a
    level, its estimate precise enough (`domain.mastery`). Otherwise the level is provisional: "not enough
    evidence yet"."""
    return any(m is not None and m != NOT_ENOUGH_EVIDENCE for m in masteries)


def level_number(mean: float) -> int:
    """The overall level (1-5) of a mean topic ability."""
    return 1 if mean < -1.2 else 2 if mean < -0.4 else 3 if mean < 0.4 else 4 if mean < 1.2 else 5


def latest_graded(evidence: Sequence[Evidence]) -> dict[str, Evidence]:
    """The latest graded answer to each item (an ungraded open response is not evidence)."""
    latest: dict[str, Evidence] = {}
    for e in sorted((e for e in evidence if e.graded), key=lambda e: e.answered_at):
        latest[e.item_id] = e
    return latest


def is_strength(t: TopicMastery) -> bool:
    """A claimed proficient or mastered level, with at least one answer right."""
    return t.mastery in STRONG and t.n_correct > 0


def is_weakness(t: TopicMastery) -> bool:
    """A claimed novice or developing level, with at least one answer not fully right."""
    return t.mastery in WEAK and t.n_correct < t.n_responses


def analyze(
    learner_id: int,
    version: int,
    evidence: Sequence[Evidence],
    now: datetime,
    context: LearnerContext = NO_CONTEXT,
) -> Profile:
    """Build a complete profile from graded responses (the latest answer to an item counts)."""
    latest = latest_graded(evidence)
    by_topic: dict[str, list[Evidence]] = defaultdict(list)
    for e in latest.values():
        by_topic[e.topic].append(e)
    topics = [topic_mastery(topic, rows) for topic, rows in sorted(by_topic.items())]
    ranked = sorted(topics, key=lambda t: (t.ability, t.topic))
    strengths = [_strength(t) for t in reversed(ranked) if is_strength(t)]
    weaknesses = [_weakness(t) for t in ranked if is_weakness(t)]
    found = misconceptions_of(latest.values())
    path = plan_path(ranked, context.weekly_hours)
    level = overall_level([t.ability for t in topics])
    times = [e.answered_at for e in latest.values()]
    return Profile(
        learner_id=learner_id,
        version=version,
        overall_level=level,
        topics=topics,
        strengths=strengths,
        weaknesses=weaknesses,
        misconceptions=found,
        learning_path=path,
        timeline=timeline(path, context.weekly_hours),
        next_steps=next_steps(ranked, path),
        narrative=narrative(level, topics, strengths, weaknesses, found, path, context.weekly_hours),
        provenance=Provenance(
            source="rules",
            rules_version=RULES_VERSION,
            generated_at=now,
            evidence_from=min(times, default=None),
            evidence_to=max(times, default=None),
            n_responses=len(latest),
        ),
    )


def topic_mastery(topic: str, rows: Sequence[Evidence]) -> TopicMastery:
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


def _strength(t: TopicMastery) -> Claim:
    return Claim(topic=t.topic, claim=strength_text(t), evidence=t.evidence)


def _weakness(t: TopicMastery) -> Claim:
    return Claim(topic=t.topic, claim=weakness_text(t), evidence=t.evidence)


def strength_text(t: TopicMastery) -> str:
    """The claim of a strength (`is_strength`)."""
    return f"{topic_name(t.topic)} is a strength: {t.mastery}, {t.n_correct} of {t.n_responses} answers right."


def weakness_text(t: TopicMastery) -> str:
    """The claim of a weakness (`is_weakness`)."""
    missed = t.n_responses - t.n_correct
    return f"{topic_name(t.topic)} needs work: {t.mastery}, {missed} of {t.n_responses} answers not fully right."


def misconceptions_of(latest: Iterable[Evidence]) -> list[Claim]:
    """One claim per misconception the learner's latest answers revealed, most often revealed first."""
    catalogue = misconception_catalogue()
    items: dict[tuple[str, str], list[str]] = defaultdict(list)
    for e in latest:
        for tag in e.misconceptions:
            if tag in catalogue:
                items[(e.topic, tag)].append(e.item_id)
    ranked = sorted(items.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [
        Claim(
            topic=topic,
            claim=f"{topic_name(topic)}: {catalogue[tag].description}"[:300],
            evidence=sorted(ids),
            misconception=tag,
        )
        for (topic, tag), ids in ranked
    ]


def narrative(
    level: OverallLevel,
    topics: Sequence[TopicMastery],
    strengths: Sequence[Claim],
    weaknesses: Sequence[Claim],
    found: Sequence[Claim],
    path: Sequence[PathStep],
    weekly_hours: float,
) -> str:
    """A few plain sentences that say only what the fields above say."""
    n = sum(t.n_responses for t in topics)
    if not topics:
        return "There are no graded answers yet. Take the diagnostic quiz so we can build your profile."
    based = f"Based on {n} graded answer(s) in {len(topics)} topic(s)"
    parts = [
        f"{based}, your overall level is {level.label}."
        if level_backed(t.mastery for t in topics)
        else f"{based}, your overall level looks like {level.label} so far, but there is not enough evidence yet "
        "to be sure."
    ]
    if strengths:
        parts.append("Strong: " + ", ".join(topic_name(c.topic) for c in strengths[:3]) + ".")
    if weaknesses:
        parts.append("To work on first: " + ", ".join(topic_name(c.topic) for c in weaknesses[:3]) + ".")
    if found:
        parts.append(f"Your choices point to {len(found)} misconception(s) worth clearing up.")
    thin = [t for t in topics if t.mastery == NOT_ENOUGH_EVIDENCE]
    if thin:
        parts.append(f"{len(thin)} topic(s) need more answers before we can tell your level.")
    if path:
        hours = sum(s.estimated_hours for s in path)
        parts.append(f"The plan below takes about {hours:g} hour(s) at {weekly_hours:g} hour(s) a week.")
    return " ".join(parts)[:1200]


__all__ = [
    "RULES_VERSION",
    "STRONG",
    "WEAK",
    "analyze",
    "is_strength",
    "is_weakness",
    "latest_graded",
    "level_backed",
    "level_number",
    "mastery_of",
    "misconceptions_of",
    "narrative",
    "overall_level",
    "strength_text",
    "topic_mastery",
    "weakness_text",
]
