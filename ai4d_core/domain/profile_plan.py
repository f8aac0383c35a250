"""The plan part of a rules profile: the learning path, the timeline and the next steps.

- The path covers every assessed topic not yet mastered: claimed weaknesses first, then topics without enough
  evidence, then proficient ones, each group weakest first, and reordered so a topic comes after the topics it
  builds on (`topics.learning_order`). Hours per step follow the label (`STEP_HOURS`); resources are the
  catalogue's for the topic at the step's level (`RESOURCE_LEVEL`).
- Thin evidence (no topic with a claimed level) gives no multi-week plan: the path is one short practice
  session per topic, sized so that all of them fit in one week of the learner's hours.
- The timeline packs the path's hours, in order, into weeks of the learner's weekly hours (a step may span
  weeks); its weeks' hours add up to the path's.
- Each next step opens a practice session on a path topic, or a diagnostic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ai4d_core.domain.mastery import NOT_ENOUGH_EVIDENCE, level_of
from ai4d_core.domain.profile import MasteryLabel, NextStep, PathStep, TimelineEntry, TopicMastery
from ai4d_core.domain.resource_catalogue import resources_for
from ai4d_core.domain.topics import TOPICS, learning_order, topic_name

STEP_HOURS: dict[MasteryLabel, float] = {
    "novice": 8.0,
    "developing": 5.0,
    "proficient": 3.0,
    NOT_ENOUGH_EVIDENCE: 1.0,  # practice to settle the level
}
RESOURCE_LEVEL: dict[str, int] = {"novice": 1, "developing": 2, "proficient": 3, "mastered": 3}
RESOURCES_PER_STEP = 2
_GROUP: dict[MasteryLabel, int] = {"novice": 0, "developing": 0, NOT_ENOUGH_EVIDENCE: 1, "proficient": 2}
_OBJECTIVE: dict[MasteryLabel, str] = {
    "novice": "Learn the fundamentals of {name}",
    "developing": "Consolidate {name}: revisit what you missed, then practise",
    "proficient": "Deepen {name} with advanced material",
    NOT_ENOUGH_EVIDENCE: "Practise {name} so we can tell your level",
}

_PRACTICE: dict[MasteryLabel, str] = {
    "novice": "Start with a practice session on the basics of {name}.",
    "developing": "Practise {name} to consolidate what you missed.",
    "proficient": "Practise harder {name} questions.",
    NOT_ENOUGH_EVIDENCE: "Practise {name} so we can tell your level.",
}


def plan_path(ranked: Sequence[TopicMastery], weekly_hours: float) -> list[PathStep]:
    """The learning path over `ranked` (the learner's topics, weakest first)."""
    todo = sorted((t for t in ranked if t.mastery != "mastered"), key=lambda t: _GROUP[t.mastery])
    by_topic = {t.topic: t for t in todo}
    thin = all(t.mastery == NOT_ENOUGH_EVIDENCE for t in ranked)
    share = math.floor(min(STEP_HOURS[NOT_ENOUGH_EVIDENCE], weekly_hours / max(len(todo), 1)) * 100) / 100
    session = max(share, 0.01)  # in hundredths of an hour, as the timeline counts
    return [
        PathStep(
            order=i,
            topic=topic,
            objective=_OBJECTIVE[by_topic[topic].mastery].format(name=topic_name(topic)),
            resources=_resources(by_topic[topic]),
            estimated_hours=session if thin else STEP_HOURS[by_topic[topic].mastery],
        )
        for i, topic in enumerate(learning_order([t.topic for t in todo]), start=1)
    ]


def _resources(t: TopicMastery) -> list[str]:
    label = level_of(t.ability) if t.mastery == NOT_ENOUGH_EVIDENCE else t.mastery
    return [r.id for r in resources_for(t.topic, RESOURCE_LEVEL[label])[:RESOURCES_PER_STEP]]


def timeline(path: Sequence[PathStep], weekly_hours: float) -> list[TimelineEntry]:
    """The path's hours packed in order into weeks of `weekly_hours` (in hundredths, so sums are exact; rounded
    down, so that no week holds more than the learner has)."""
    capacity = max(math.floor(weekly_hours * 100 + 1e-9), 1)
    weeks: list[list[tuple[str, int]]] = [[]]
    used = 0
    for step in path:
        left = round(step.estimated_hours * 100)
        while left > 0:
            if used == capacity:
                weeks.append([])
                used = 0
            take = min(left, capacity - used)
            weeks[-1].append((step.topic, take))
            used += take
            left -= take
    return [_week(i, parts) for i, parts in enumerate(weeks, start=1) if parts]


def _week(week: int, parts: list[tuple[str, int]]) -> TimelineEntry:
    topics = list(dict.fromkeys(topic for topic, _ in parts))
    return TimelineEntry(week=week, focus=week_focus(topics), topics=topics, hours=sum(h for _, h in parts) / 100)


def week_focus(topics: Sequence[str]) -> str:
    """A timeline week's focus: the names of its (distinct) topics, within the 200-character cap."""
    focus = "Work on " + ", ".join(topic_name(t) for t in topics)
    return focus if len(focus) <= 200 else focus[:197] + "..."


def next_steps(ranked: Sequence[TopicMastery], path: Sequence[PathStep]) -> list[NextStep]:
    """Up to three practice sessions along the path (or one on the weakest topic when all are mastered), then a
    diagnostic."""
    if not ranked:
        return [NextStep(text="Take the diagnostic quiz so we can build your profile.", topic=None, mode="diagnostic")]
    label = {t.topic: t.mastery for t in ranked}
    steps = [
        NextStep(text=_PRACTICE[label[s.topic]].format(name=topic_name(s.topic)), topic=s.topic, mode="practice")
        for s in path[:3]
    ]
    if not path:
        keep = ranked[0].topic
        steps.append(
            NextStep(text=f"Keep {topic_name(keep)} fresh with a practice session.", topic=keep, mode="practice")
        )
    judged = {t.topic for t in ranked if t.mastery != NOT_ENOUGH_EVIDENCE}
    if judged < set(TOPICS):
        text = "Take a diagnostic quiz to measure the topics we cannot judge yet."
    else:
        text = "Take a diagnostic quiz in a week or two to measure your progress."
    steps.append(NextStep(text=text, topic=None, mode="diagnostic"))
    return steps


__all__ = ["RESOURCES_PER_STEP", "RESOURCE_LEVEL", "STEP_HOURS", "next_steps", "plan_path", "timeline", "week_focus"]
