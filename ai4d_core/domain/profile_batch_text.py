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
from itertools import pairwise
from typing import Any, NamedTuple, cast

import numpy as np
from pydantic import TypeAdapter

from ai4d_core.domain.mastery import MASTERY, MASTERY_MAX_SE, NOT_ENOUGH_EVIDENCE, level_of
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
from ai4d_core.domain.profile_batch_plan import plan_steps, timelines
from ai4d_core.domain.profile_plan import _GROUP, STEP_HOURS, next_steps, plan_path
from ai4d_core.domain.profile_rules import (
    _strength,
    _weakness,
    analyze,
    is_strength,
    is_weakness,
    misconceptions_of,
    narrative,
    overall_level,
)
from ai4d_core.domain.topics import TOPICS

_TIMES = TypeAdapter(list[datetime | None])
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ALL_TOPICS = frozenset(TOPICS)
_LABELS: tuple[MasteryLabel, ...] = (*(label for label, _ in MASTERY), NOT_ENOUGH_EVIDENCE)
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


class _Figures(NamedTuple):  # what the claim rules read of a topic (lighter than a model, for cache misses)
    topic: str
    mastery: MasteryLabel
    n_correct: int
    n_responses: int
    evidence: list[str]


@cache
def _claims(topic: str, label: MasteryLabel, n_correct: int, n: int) -> tuple[str | None, str | None]:
    """The strength's and the weakness's claim texts of a topic with these figures (None: not one)."""
    t = cast("TopicMastery", _Figures(topic, label, n_correct, n, ["-"]))
    return (_strength(t).claim if is_strength(t) else None, _weakness(t).claim if is_weakness(t) else None)


@cache
def _step(topic: str, label: MasteryLabel, resource_label: str) -> tuple[str, tuple[str, ...]]:
    """A path step's objective and resources for a topic at `label` (resources at `resource_label`)."""
    ability = _ABILITY_OF[resource_label] if label == NOT_ENOUGH_EVIDENCE else 0.0
    step = plan_path([_stub(topic, label, ability=ability)], 5.0)[0]
    return step.objective, tuple(step.resources)


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


def documents(
    learner_ids: Sequence[int] | IntArray,
    versions: Sequence[int] | IntArray,
    r: Responses,
    s: TopicStats,
    now: datetime,
    hours: FloatArray,
) -> list[dict[str, Any]]:
    """The JSON document of each learner's rules profile, from the figures of `profile_batch.topic_stats`.
    (A topic's evidence list is the same object in the topic and in its claim: read the documents, or copy.)"""
    n_learners = len(learner_ids)
    ids = np.asarray(learner_ids, dtype=np.int64).tolist()
    vs = np.asarray(versions, dtype=np.int64).tolist()
    weekly = [_weekly_hours(h) for h in hours.tolist()]
    g = _Groups(r, s)
    ranking = np.lexsort((ranks(r.topics)[s.topic], s.ability, s.learner))
    ranked_all = ranking.tolist()
    group_bounds = np.searchsorted(s.learner, np.arange(n_learners + 1)).tolist()
    steps = plan_steps(ranking, s.learner, g.group, g.thin, g.hours, s.topic, r.topics, weekly)
    names = [g.topic[i] for i in steps.group.tolist()]
    path = [
        {"order": order, "topic": t, "objective": g.step[i][0], "resources": list(g.step[i][1]), "estimated_hours": h}
        for order, t, i, h in zip(steps.order.tolist(), names, steps.group.tolist(), steps.hours.tolist(), strict=True)
    ]  # fmt: skip
    paths = [path[a:b] for a, b in pairwise(steps.bounds)]
    weeks = timelines(steps, names, weekly)
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
        strong = [i for i in reversed(ranked) if g.strength[i] is not None]
        weak = [i for i in ranked if g.weakness[i] is not None]
        path = paths[k]
        level = overall_level(g.ability[lo:hi])
        claims = found[k]
        text = narrative(
            level,
            cast("Sequence[TopicMastery]", g.counts[lo:hi]),
            cast("Sequence[Claim]", [g.ref[i] for i in strong[:3]]),
            cast("Sequence[Claim]", [g.ref[i] for i in weak[:3]]),
            cast("Sequence[Claim]", claims),
            cast("Sequence[PathStep]", [_Hours(p["estimated_hours"]) for p in path]),
            weekly[k],
        )
        strengths = [g.strength[i] for i in strong]
        weaknesses = [g.weakness[i] for i in weak]
        docs.append({
            "learner_id": ids[k], "version": vs[k], "overall_level": _level((level.level, level.label)),
            "topics": g.documents[lo:hi], "strengths": strengths, "weaknesses": weaknesses, "misconceptions": claims,
            "learning_path": path, "timeline": weeks[k], "next_steps": g.next_steps(ranked, path),
            "narrative": text,
            "provenance": {**provenance, "evidence_from": first[k], "evidence_to": last[k], "n_responses": n_latest[k]},
        })  # fmt: skip
    return docs


class _Groups:
    """Per (learner, topic) group, as plain lists: its topic document, claims, label, and plan parts."""

    def __init__(self, r: Responses, s: TopicStats) -> None:
        self.topic = topic = [r.topics[t] for t in s.topic.tolist()]
        self.label, resource_label, code = _labels(s)
        n, nc = s.n_responses.tolist(), s.n_correct.tolist()
        self.ability = s.ability.tolist()
        item_ids = np.asarray(r.item_ids, dtype=object)[r.item[s.rows]].tolist()
        bounds = np.r_[s.start, s.rows.size].tolist()
        evidence = [item_ids[lo:hi] for lo, hi in pairwise(bounds)]
        self.documents = [
            {"topic": t, "n_responses": k, "n_correct": c, "mean_score": m, "ability": a, "se": e, "mastery": lab,
             "evidence": ev}
            for t, k, c, m, a, e, lab, ev in zip(
                topic, n, nc, s.mean_score.tolist(), self.ability, s.se.tolist(), self.label, evidence, strict=True
            )
        ]  # fmt: skip
        texts = [_claims(t, lab, c, k) for t, lab, c, k in zip(topic, self.label, nc, n, strict=True)]
        self.strength = [_claim(t, x[0], ev) for t, x, ev in zip(topic, texts, evidence, strict=True)]
        self.weakness = [_claim(t, x[1], ev) for t, x, ev in zip(topic, texts, evidence, strict=True)]
        self.counts = [_Count(k, lab) for k, lab in zip(n, self.label, strict=True)]
        self.ref = [_Topic(t) for t in topic]
        self.group = np.array([_GROUP.get(lab, -1) for lab in _LABELS], dtype=np.int64)[code]  # -1: mastered
        self.thin = code == _LABELS.index(NOT_ENOUGH_EVIDENCE)
        self.hours = np.array([STEP_HOURS.get(lab, 0.0) for lab in _LABELS])[code]
        self.thin_list = self.thin.tolist()
        self.step = [
            _step(t, lab, res) if lab != "mastered" else ("", ())
            for t, lab, res in zip(topic, self.label, resource_label, strict=True)
        ]

    def next_steps(self, ranked: list[int], path: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`profile_plan.next_steps` of a learner's ranked groups and path."""
        label = {self.topic[i]: self.label[i] for i in ranked}
        steps = [
            {"text": _practice(p["topic"], label[p["topic"]]), "topic": p["topic"], "mode": "practice"}
            for p in path[:3]
        ]
        if not path:
            keep = self.topic[ranked[0]]
            steps.append({"text": _keep(keep), "topic": keep, "mode": "practice"})
        judged = {self.topic[i] for i in ranked if not self.thin_list[i]}
        steps.append({"text": _diagnostic(not judged < _ALL_TOPICS), "topic": None, "mode": "diagnostic"})
        return steps


def _claim(topic: str, text: str | None, evidence: list[str]) -> dict[str, Any] | None:
    return None if text is None else {"topic": topic, "claim": text, "evidence": evidence, "misconception": None}


def _labels(s: TopicStats) -> tuple[list[MasteryLabel], list[str], IntArray]:
    """Each group's mastery label (`mastery_of`: the ability's level when the SE is at most `MASTERY_MAX_SE`),
    the label its resources are chosen at (the ability's level when there is not enough evidence), and the
    label's code in `_LABELS`; the level (`level_of`) is computed once per distinct ability."""
    distinct, inverse = np.unique(s.ability, return_inverse=True)
    level = np.array([_LABELS.index(level_of(v)) for v in distinct.tolist()], dtype=np.int64)[inverse.reshape(-1)]
    code = np.where(s.se <= MASTERY_MAX_SE, level, _LABELS.index(NOT_ENOUGH_EVIDENCE))
    names = np.asarray(_LABELS, dtype=object)
    return names[code].tolist(), names[level].tolist(), code


def _evidence_span(r: Responses, s: TopicStats, n_learners: int) -> tuple[list[Any], list[Any], list[int]]:
    """Each learner's first and last evidence time (JSON, as the profile dumps them) and evidence count."""
    count = np.bincount(r.learner[s.rows], minlength=n_learners)
    at = r.answered_at[s.rows].astype(np.int64)  # rows are sorted by learner
    starts = np.r_[0, np.cumsum(count)[:-1]]
    has = count > 0
    lo, hi = np.zeros(n_learners, np.int64), np.zeros(n_learners, np.int64)
    if has.any():
        lo[has] = np.minimum.reduceat(at, starts[has])
        hi[has] = np.maximum.reduceat(at, starts[has])

    def times(values: IntArray) -> list[Any]:
        moments = [
            _EPOCH + timedelta(microseconds=v) if h else None
            for v, h in zip(values.tolist(), has.tolist(), strict=True)
        ]
        return list(_TIMES.dump_python(moments, mode="json"))

    return times(lo), times(hi), count.tolist()


def _misconceptions(r: Responses, s: TopicStats, n_learners: int) -> list[list[dict[str, Any]]]:
    """`profile_rules.misconceptions_of` of each learner's latest answers: one claim per (topic, tag), the most
    often revealed first, then by topic and tag; evidence sorted."""
    latest = np.zeros(len(r), dtype=np.bool_)
    latest[s.rows] = True
    pick = latest[r.tag_row]
    row, tag = r.tag_row[pick], r.tag[pick]
    topic_rank, tag_rank, item_rank = ranks(r.topics), ranks(r.tags), ranks(r.item_ids)
    learner, topic, item = r.learner[row], r.topic[row], r.item[row]
    if (int(learner.max(initial=0)) + 1) * len(r.topics) * len(r.tags) * len(r.item_ids) < 2**62:
        key = ((learner * len(r.topics) + topic_rank[topic]) * len(r.tags) + tag_rank[tag]) * len(r.item_ids)
        order = np.argsort(key + item_rank[item])  # by learner, topic, tag and item id (one int64 key)
    else:
        order = np.lexsort((item_rank[item], tag_rank[tag], topic_rank[topic], learner))
    learner, topic, tag, item = learner[order], topic[order], tag[order], item[order]
    change = (learner[1:] != learner[:-1]) | (topic[1:] != topic[:-1]) | (tag[1:] != tag[:-1])
    start = np.flatnonzero(np.r_[True, change]) if row.size else np.zeros(0, np.int64)
    count = np.diff(np.r_[start, learner.size])
    rank = np.lexsort((tag_rank[tag[start]], topic_rank[topic[start]], -count, learner[start]))
    ids = np.asarray(r.item_ids, dtype=object)[item].tolist()
    bounds = np.r_[start, learner.size].tolist()
    pairs = set(zip(topic[start].tolist(), tag[start].tolist(), strict=True))
    texts = {(t, m): _misconception(r.topics[t], r.tags[m]) for t, m in pairs}
    claims = [
        {"topic": r.topics[t], "claim": texts[t, m], "evidence": ids[bounds[g] : bounds[g + 1]],
         "misconception": r.tags[m]}
        for g, t, m in zip(rank.tolist(), topic[start][rank].tolist(), tag[start][rank].tolist(), strict=True)
    ]  # fmt: skip
    per_learner = np.searchsorted(learner[start][rank], np.arange(n_learners + 1)).tolist()
    known = all(text is not None for text in texts.values())
    return [
        claims[lo:hi] if known else [c for c in claims[lo:hi] if c["claim"] is not None]
        for lo, hi in pairwise(per_learner)
    ]
