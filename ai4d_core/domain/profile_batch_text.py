"""The per-learner parts of `profile_batch.analyze_many`: the rules' texts, assembled as JSON documents.

Every text comes from the rules' own functions (`profile_rules`, `profile_plan`), called once per distinct
value it depends on (a topic and its label, a claim's counts, a week's topics) and cached, so the wording is
never forked and a cohort costs a dictionary look-up per field. What is left per learner is the arithmetic of
the plan as `profile_plan` does it (the path's groups and learning order, the thin-evidence session, the
packing of hours into weeks), checked against `analyze` by the equality tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, NamedTuple, cast

import numpy as np
from pydantic import TypeAdapter

from ai4d_core.domain.mastery import MASTERY, NOT_ENOUGH_EVIDENCE, level_of
from ai4d_core.domain.profile import (
    Claim,
    Evidence,
    LearnerContext,
    MasteryLabel,
    PathStep,
    Provenance,
    TopicMastery,
)
from ai4d_core.domain.profile_batch import FloatArray, IntArray, Responses, TopicStats, ranks
from ai4d_core.domain.profile_plan import _GROUP, STEP_HOURS, next_steps, plan_path, timeline
from ai4d_core.domain.profile_rules import (
    _strength,
    _weakness,
    analyze,
    is_strength,
    is_weakness,
    mastery_of,
    misconceptions_of,
    narrative,
    overall_level,
)
from ai4d_core.domain.topics import TOPICS, learning_order

_TIMES = TypeAdapter(list[datetime | None])
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ALL_TOPICS = frozenset(TOPICS)
# An ability at which `level_of` gives each label (the label's floor; -4, the grid's end, for novice).
_ABILITY_OF: dict[str, float] = {label: max(floor, -4.0) for label, floor in MASTERY}


class _Count(NamedTuple):  # what `narrative` reads of a topic
    n_responses: int
    mastery: str


class _Topic(NamedTuple):  # what `narrative` reads of a claim
    topic: str


class _Hours(NamedTuple):  # what `narrative` reads of a path step
    estimated_hours: float


def _stub(topic: str, label: MasteryLabel, n_correct: int = 1, n: int = 1, ability: float = 0.0) -> TopicMastery:
    return TopicMastery.model_construct(
        topic=topic, n_responses=n, n_correct=n_correct, mean_score=0.0, ability=ability, se=0.0,
        mastery=label, evidence=["-"],
    )  # fmt: skip


def _step_stub(topic: str, hours: float = 0.01) -> PathStep:
    return PathStep.model_construct(order=1, topic=topic, objective="", resources=[], estimated_hours=hours)


@cache
def _claims(topic: str, label: MasteryLabel, n_correct: int, n: int) -> tuple[str | None, str | None]:
    """The strength's and the weakness's claim texts of a topic with these figures (None: not one)."""
    t = _stub(topic, label, n_correct, n)
    return (_strength(t).claim if is_strength(t) else None, _weakness(t).claim if is_weakness(t) else None)


@cache
def _step(topic: str, label: MasteryLabel, resource_label: str) -> tuple[str, tuple[str, ...]]:
    """A path step's objective and resources for a topic at `label` (resources at `resource_label`)."""
    ability = _ABILITY_OF[resource_label] if label == NOT_ENOUGH_EVIDENCE else 0.0
    step = plan_path([_stub(topic, label, ability=ability)], 5.0)[0]
    return step.objective, tuple(step.resources)


@cache
def _session(n_topics: int, weekly_hours: float) -> float:
    """The hours of each of `n_topics` practice sessions of a thin-evidence path, as `plan_path` sizes them."""
    return plan_path([_stub(TOPICS[0], NOT_ENOUGH_EVIDENCE)] * n_topics, weekly_hours)[0].estimated_hours


@cache
def _order(topics: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(learning_order(topics))


@cache
def _focus(topics: tuple[str, ...]) -> str:
    return timeline([_step_stub(t) for t in topics], 40.0)[0].focus


@cache
def _practice(topic: str, label: MasteryLabel) -> str:
    return next_steps([_stub(topic, label)], [_step_stub(topic)])[0].text


@cache
def _keep(topic: str) -> str:
    return next_steps([_stub(topic, "mastered")], [])[0].text


@cache
def _diagnostic(all_judged: bool) -> str:
    ranked = [_stub(t, "mastered") for t in TOPICS] if all_judged else [_stub(TOPICS[0], NOT_ENOUGH_EVIDENCE)]
    return next_steps(ranked, [])[-1].text


@cache
def _misconception(topic: str, tag: str) -> str | None:
    """The claim text of a misconception in a topic (None: a tag outside the catalogue)."""
    found = misconceptions_of([Evidence("-", topic, 1, 1.0, 0.0, 0.0, _EPOCH, misconceptions=(tag,))])
    return found[0].claim if found else None


@cache
def _weekly_hours(hours: float) -> float:
    return LearnerContext(hours_per_week=None if np.isnan(hours) else hours).weekly_hours


@cache
def _level(level_label: tuple[int, str]) -> dict[str, Any]:
    return {"level": level_label[0], "label": level_label[1]}


def _timeline(path: list[dict[str, Any]], weekly_hours: float) -> list[dict[str, Any]]:
    """`profile_plan.timeline` of the path: its hours, in hundredths, packed in order into weeks."""
    capacity = max(round(weekly_hours * 100), 1)
    weeks: list[list[tuple[str, int]]] = [[]]
    used = 0
    for step in path:
        left = round(step["estimated_hours"] * 100)
        while left > 0:
            if used == capacity:
                weeks.append([])
                used = 0
            take = min(left, capacity - used)
            weeks[-1].append((step["topic"], take))
            used += take
            left -= take
    entries = []
    for week, parts in enumerate((p for p in weeks if p), start=1):
        topics = tuple(dict.fromkeys(t for t, _ in parts))
        entries.append(
            {"week": week, "focus": _focus(topics), "topics": list(topics), "hours": sum(h for _, h in parts) / 100}
        )
    return entries


def documents(
    learner_ids: Sequence[int] | IntArray,
    versions: Sequence[int] | IntArray,
    r: Responses,
    s: TopicStats,
    now: datetime,
    hours: FloatArray,
) -> list[dict[str, Any]]:
    """The JSON document of each learner's rules profile, from the figures of `profile_batch.topic_stats`."""
    n_learners = len(learner_ids)
    ids = np.asarray(learner_ids, dtype=np.int64).tolist()
    vs = np.asarray(versions, dtype=np.int64).tolist()
    weekly = [_weekly_hours(h) for h in hours.tolist()]
    topics = [r.topics[t] for t in s.topic.tolist()]
    label, resource_label = _labels(s)
    n, nc = s.n_responses.tolist(), s.n_correct.tolist()
    ability = s.ability.tolist()
    item_ids = np.asarray(r.item_ids, dtype=object)[r.item[s.rows]].tolist()
    bounds = np.r_[s.start, s.rows.size].tolist()
    rows_of = [
        {"topic": topics[g], "n_responses": n[g], "n_correct": nc[g], "mean_score": m, "ability": ability[g],
         "se": se, "mastery": label[g], "evidence": item_ids[bounds[g] : bounds[g + 1]]}
        for g, (m, se) in enumerate(zip(s.mean_score.tolist(), s.se.tolist(), strict=True))
    ]  # fmt: skip
    ranked_all = np.lexsort((ranks(r.topics)[s.topic], s.ability, s.learner)).tolist() if s.topic.size else []
    group_bounds = np.searchsorted(s.learner, np.arange(n_learners + 1)).tolist()
    first, last, n_latest = _evidence_span(r, s, n_learners)
    found = _misconceptions(r, s, n_learners)
    template = Provenance(source="rules", generated_at=now, evidence_from=None, evidence_to=None, n_responses=0)
    provenance = template.model_dump(mode="json")
    docs = []
    for k in range(n_learners):
        lo, hi = group_bounds[k], group_bounds[k + 1]
        if lo == hi:
            docs.append(analyze(ids[k], vs[k], [], now).model_dump(mode="json"))  # no evidence: no plan
            continue
        ranked = ranked_all[lo:hi]
        wh = weekly[k]
        strengths, weaknesses = [], []
        for g in reversed(ranked):
            text = _claims(topics[g], label[g], nc[g], n[g])[0]
            if text is not None:
                strengths.append(
                    {"topic": topics[g], "claim": text, "evidence": rows_of[g]["evidence"], "misconception": None}
                )
        for g in ranked:
            text = _claims(topics[g], label[g], nc[g], n[g])[1]
            if text is not None:
                weaknesses.append(
                    {"topic": topics[g], "claim": text, "evidence": rows_of[g]["evidence"], "misconception": None}
                )
        path = _path(ranked, topics, label, resource_label, wh)
        level = overall_level(ability[lo:hi])
        claims = found.get(k, [])
        text = narrative(
            level,
            cast("Sequence[TopicMastery]", [_Count(n[g], label[g]) for g in range(lo, hi)]),
            cast("Sequence[Claim]", [_Topic(c["topic"]) for c in strengths[:3]]),
            cast("Sequence[Claim]", [_Topic(c["topic"]) for c in weaknesses[:3]]),
            cast("Sequence[Claim]", claims),
            cast("Sequence[PathStep]", [_Hours(p["estimated_hours"]) for p in path]),
            wh,
        )
        docs.append({
            "learner_id": ids[k], "version": vs[k], "overall_level": _level((level.level, level.label)),
            "topics": rows_of[lo:hi], "strengths": strengths, "weaknesses": weaknesses, "misconceptions": claims,
            "learning_path": path, "timeline": _timeline(path, wh),
            "next_steps": _next_steps(ranked, topics, label, path), "narrative": text,
            "provenance": {**provenance, "evidence_from": first[k], "evidence_to": last[k], "n_responses": n_latest[k]},
        })  # fmt: skip
    return docs


def _labels(s: TopicStats) -> tuple[list[MasteryLabel], list[str]]:
    """Each group's mastery label (`mastery_of`) and the label its resources are chosen at (`level_of` of the
    ability when there is not enough evidence), computed once per distinct (ability, SE)."""
    distinct, inverse = np.unique(s.ability + 1j * s.se, return_inverse=True)
    labels = [mastery_of(v.real, v.imag) for v in distinct.tolist()]
    levels = [
        level_of(v.real) if m == NOT_ENOUGH_EVIDENCE else m for v, m in zip(distinct.tolist(), labels, strict=True)
    ]
    codes = inverse.reshape(-1).tolist()
    return [labels[i] for i in codes], [levels[i] for i in codes]


def _path(
    ranked: list[int], topics: list[str], label: list[MasteryLabel], resource_label: list[str], wh: float
) -> list[dict[str, Any]]:
    """`profile_plan.plan_path` of a learner's ranked groups."""
    todo = sorted((g for g in ranked if label[g] != "mastered"), key=lambda g: _GROUP[label[g]])
    if not todo:
        return []
    by_topic = {topics[g]: g for g in todo}
    thin = all(label[g] == NOT_ENOUGH_EVIDENCE for g in ranked)
    session = _session(len(todo), wh) if thin else 0.0
    path = []
    for i, topic in enumerate(_order(tuple(topics[g] for g in todo)), start=1):
        g = by_topic[topic]
        objective, resources = _step(topic, label[g], resource_label[g])
        hours = session if thin else STEP_HOURS[label[g]]
        path.append(
            {"order": i, "topic": topic, "objective": objective, "resources": list(resources), "estimated_hours": hours}
        )
    return path


def _next_steps(
    ranked: list[int], topics: list[str], label: list[MasteryLabel], path: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """`profile_plan.next_steps` of a learner's ranked groups and path."""
    by_topic = {topics[g]: label[g] for g in ranked}
    steps: list[dict[str, Any]] = [
        {"text": _practice(p["topic"], by_topic[p["topic"]]), "topic": p["topic"], "mode": "practice"} for p in path[:3]
    ]
    if not path:
        keep = topics[ranked[0]]
        steps.append({"text": _keep(keep), "topic": keep, "mode": "practice"})
    judged = {topics[g] for g in ranked if label[g] != NOT_ENOUGH_EVIDENCE}
    steps.append({"text": _diagnostic(not judged < _ALL_TOPICS), "topic": None, "mode": "diagnostic"})
    return steps


def _evidence_span(r: Responses, s: TopicStats, n_learners: int) -> tuple[list[Any], list[Any], list[int]]:
    """Each learner's first and last evidence time (JSON, as the profile dumps them) and evidence count."""
    learner = r.learner[s.rows]
    order = np.argsort(learner, kind="stable")
    at = r.answered_at[s.rows][order].astype(np.int64)
    bounds = np.searchsorted(learner[order], np.arange(n_learners + 1))
    count = np.diff(bounds)
    has = count > 0
    lo, hi = np.zeros(n_learners, np.int64), np.zeros(n_learners, np.int64)
    if has.any():
        lo[has] = np.minimum.reduceat(at, bounds[:-1][has])
        hi[has] = np.maximum.reduceat(at, bounds[:-1][has])

    def times(values: IntArray) -> list[Any]:
        moments = [
            _EPOCH + timedelta(microseconds=v) if h else None
            for v, h in zip(values.tolist(), has.tolist(), strict=True)
        ]
        return list(_TIMES.dump_python(moments, mode="json"))

    return times(lo), times(hi), count.tolist()


def _misconceptions(r: Responses, s: TopicStats, n_learners: int) -> dict[int, list[dict[str, Any]]]:
    """`profile_rules.misconceptions_of` of each learner's latest answers: one claim per (topic, tag), most
    often revealed first, then by topic and tag."""
    latest = np.zeros(len(r), dtype=np.bool_)
    latest[s.rows] = True
    pick = latest[r.tag_row]
    if not pick.any():
        return {}
    row, tag = r.tag_row[pick], r.tag[pick]
    topic_rank, tag_rank, item_rank = ranks(r.topics), ranks(r.tags), ranks(r.item_ids)
    learner, topic = r.learner[row], r.topic[row]
    order = np.lexsort((item_rank[r.item[row]], tag_rank[tag], topic_rank[topic], learner))
    learner, topic, tag, item = learner[order], topic[order], tag[order], r.item[row][order]
    key = np.stack([learner, topic, tag])
    start = np.flatnonzero(np.r_[True, np.any(key[:, 1:] != key[:, :-1], axis=0)])
    count = np.diff(np.r_[start, learner.size])
    rank = np.lexsort((tag_rank[tag[start]], topic_rank[topic[start]], -count, learner[start]))
    ids = np.asarray(r.item_ids, dtype=object)[item].tolist()
    bounds = np.r_[start, learner.size].tolist()
    found: dict[int, list[dict[str, Any]]] = {}
    for g in rank.tolist():
        t, m = r.topics[int(topic[start[g]])], r.tags[int(tag[start[g]])]
        text = _misconception(t, m)
        if text is not None:
            claim = {"topic": t, "claim": text, "evidence": ids[bounds[g] : bounds[g + 1]], "misconception": m}
            found.setdefault(int(learner[start[g]]), []).append(claim)
    return found
