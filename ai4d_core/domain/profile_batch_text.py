"""The per-learner parts of `profile_batch.analyze_many`: the rules' texts, assembled as JSON documents.

Every text comes from the rules' own functions (`profile_rules`, `profile_plan`), called once per distinct
combination of the values it depends on (a topic and its label, a claim's counts, a week's topics; packed into
int64 keys) and spread to every group in numpy, so the wording is never forked. The selections (strengths,
weaknesses, next steps, misconceptions) run over all learners at once; what is left per learner is slicing
their parts into one document and `narrative`. The plan's arithmetic (path, learning order, timeline) is in
`profile_batch_plan`. All checked against `analyze` by the equality tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache
from itertools import pairwise
from typing import Any, NamedTuple, cast

import numpy as np

from ai4d_core.domain.mastery import MASTERY, MASTERY_MAX_SE, NOT_ENOUGH_EVIDENCE, level_of
from ai4d_core.domain.misconceptions import misconceptions as misconception_catalogue
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
from ai4d_core.domain.profile_batch_plan import Steps, plan_steps, timelines
from ai4d_core.domain.profile_plan import _GROUP, STEP_HOURS, next_steps, plan_path
from ai4d_core.domain.profile_rules import (
    _strength,
    _weakness,
    analyze,
    is_strength,
    is_weakness,
    level_number,
    misconceptions_of,
    narrative,
    overall_level,
    strength_text,
    weakness_text,
)
from ai4d_core.domain.topics import TOPICS

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ALL_TOPICS = frozenset(TOPICS)
_CLAIM_CAP = Claim.model_fields["claim"].metadata[0].max_length
_LABELS: tuple[MasteryLabel, ...] = (*(label for label, _ in MASTERY), NOT_ENOUGH_EVIDENCE)
# An ability at which `level_of` gives each label (the label's floor; -4, the grid's end, for novice).
_ABILITY_OF: dict[str, float] = {label: max(floor, -4.0) for label, floor in MASTERY}


class _Count(NamedTuple):  # what `narrative` reads of a topic
    n_responses: int
    mastery: str


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
    texts = (strength_text(t) if is_strength(t) else None, weakness_text(t) if is_weakness(t) else None)
    for text, claim in zip(texts, (_strength, _weakness), strict=True):
        if text is not None and len(text) > _CLAIM_CAP:
            claim(t)  # raises the ValidationError `analyze` raises on a claim over the cap
    return texts


@cache
def _step(topic: str, label: MasteryLabel, resource_label: str) -> tuple[str, tuple[str, ...]]:
    """A path step's objective and resources for a topic at `label` (resources at `resource_label`); none for a
    mastered topic (not on the path)."""
    if label == "mastered":
        return "", ()
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
    g = _Groups(r, s, n_learners)
    ranking = np.lexsort((ranks(r.topics)[s.topic], s.ability, s.learner))
    bounds = np.searchsorted(s.learner, np.arange(n_learners + 1)).tolist()
    steps = plan_steps(ranking, s.learner, g.group, g.thin, g.hours, s.topic, r.topics, weekly)
    names = _gather(g.topic, steps.group)
    step_hours = steps.hours.tolist()
    path = [
        {"order": order, "topic": t, "objective": objective, "resources": list(resources), "estimated_hours": h}
        for order, t, (objective, resources), h in zip(
            steps.order.tolist(), names, _gather(g.step, steps.group), step_hours, strict=True
        )
    ]  # fmt: skip
    paths = [path[a:b] for a, b in pairwise(steps.bounds)]
    planned = [[_Hours(sum(step_hours[a:b]))] if a < b else [] for a, b in pairwise(steps.bounds)]
    weeks = timelines(steps, names, weekly)
    practice, practice_bounds, last = g.next_steps(steps, names, ranking, bounds)
    strengths, strength_docs, strong_bounds = g.claims(ranking[::-1], g.strength)  # strongest first
    weaknesses, weakness_docs, weak_bounds = g.claims(ranking, g.weakness)
    first, last_at, n_latest = _evidence_span(r, s, n_learners)
    found = _misconceptions(r, s, n_learners)
    template = Provenance(source="rules", generated_at=now, evidence_from=None, evidence_to=None, n_responses=0)
    provenance = template.model_dump(mode="json")
    docs = []
    for k in range(n_learners):
        lo, hi = bounds[k], bounds[k + 1]
        if lo == hi:
            docs.append(analyze(ids[k], vs[k], [], now).model_dump(mode="json"))  # no evidence: no plan
            continue
        level = _LEVELS[level_number(sum(g.ability[lo:hi]) / (hi - lo))]  # as `overall_level` takes the mean
        claims = found[k]
        s_lo, s_hi, w_lo, w_hi = strong_bounds[k], strong_bounds[k + 1], weak_bounds[k], weak_bounds[k + 1]
        text = narrative(
            level,
            cast("Sequence[TopicMastery]", g.counts[lo:hi]),
            cast("Sequence[Claim]", strengths[s_lo : min(s_hi, s_lo + 3)]),
            cast("Sequence[Claim]", weaknesses[w_lo : min(w_hi, w_lo + 3)]),
            cast("Sequence[Claim]", claims),
            cast("Sequence[PathStep]", planned[k]),
            weekly[k],
        )
        docs.append({
            "learner_id": ids[k], "version": vs[k], "overall_level": {"level": level.level, "label": level.label},
            "topics": g.documents[lo:hi], "strengths": strength_docs[s_lo:s_hi], "weaknesses": weakness_docs[w_lo:w_hi],
            "misconceptions": claims, "learning_path": paths[k], "timeline": weeks[k],
            "next_steps": [*practice[practice_bounds[k] : practice_bounds[k + 1]], *last[k]], "narrative": text,
            "provenance": {
                **provenance, "evidence_from": first[k], "evidence_to": last_at[k], "n_responses": n_latest[k]
            },
            "refused_llm_text": None,
        })  # fmt: skip
    return docs


_LEVELS = {level: overall_level([mean]) for level, mean in ((1, -2.0), (2, -1.0), (3, 0.0), (4, 1.0), (5, 2.0))}


class _Topic(NamedTuple):  # what `narrative` reads of a claim
    topic: str


def _gather(values: list[Any], index: IntArray) -> list[Any]:
    """`[values[i] for i in index]`, in C."""
    box = np.empty(len(values), dtype=object)
    box[:] = values
    return cast("list[Any]", box[index].tolist())


def _per_distinct(call: Callable[..., Any], *columns: IntArray) -> list[Any]:
    """`[call(*row) for row in zip(*columns)]` (columns of non-negative ints), calling once per distinct row."""
    sizes = [int(c.max(initial=0)) + 1 for c in columns]
    if math.prod(sizes) < 2**62:
        key = np.zeros(columns[0].size, dtype=np.int64)
        for c, size in zip(columns, sizes, strict=True):
            key = key * size + c
        order = np.argsort(key)
        ordered = key[order]
        new = np.r_[True, ordered[1:] != ordered[:-1]] if key.size else np.zeros(0, np.bool_)
        first = order[new]  # a row of each distinct key
        inverse = np.empty_like(order)
        inverse[order] = np.cumsum(new) - 1
    else:
        _, first, inverse = np.unique(np.stack(columns, axis=1), axis=0, return_index=True, return_inverse=True)
    values = [call(*row) for row in zip(*(c[first].tolist() for c in columns), strict=True)]
    return _gather(values, inverse.reshape(-1))


class _Groups:
    """Per (learner, topic) group, as lists (or arrays): its topic document, claims, label, and plan parts."""

    def __init__(self, r: Responses, s: TopicStats, n_learners: int) -> None:
        self.n_learners = n_learners
        self.topic = topic = _gather(list(r.topics), s.topic)
        self.topic_code, self.refs = s.topic, [_Topic(t) for t in r.topics]
        self.label, self.code, level = _labels(s)
        n, nc = s.n_responses.tolist(), s.n_correct.tolist()
        self.ability = s.ability.tolist()
        item_ids = _gather(list(r.item_ids), r.item[s.rows])
        bounds = np.r_[s.start, s.rows.size].tolist()
        self.evidence = evidence = [item_ids[lo:hi] for lo, hi in pairwise(bounds)]
        self.documents = [
            {"topic": t, "n_responses": k, "n_correct": c, "mean_score": m, "ability": a, "se": e, "mastery": lab,
             "evidence": ev}
            for t, k, c, m, a, e, lab, ev in zip(
                topic, n, nc, s.mean_score.tolist(), self.ability, s.se.tolist(), self.label, evidence, strict=True
            )
        ]  # fmt: skip
        # The claims' texts, what `narrative` reads and the path steps' parts depend on a few values each.
        topic_of, label_of = list(r.topics).__getitem__, _LABELS.__getitem__
        texts = _per_distinct(
            lambda t, c, k, m: _claims(topic_of(t), label_of(c), k, m), s.topic, self.code, s.n_correct, s.n_responses
        )
        self.strength = [x[0] for x in texts]
        self.weakness = [x[1] for x in texts]
        self.counts = _per_distinct(lambda k, c: _Count(k, label_of(c)), s.n_responses, self.code)
        self.step = _per_distinct(
            lambda t, c, v: _step(topic_of(t), label_of(c), label_of(v)), s.topic, self.code, level
        )
        self.group = np.array([_GROUP.get(lab, -1) for lab in _LABELS], dtype=np.int64)[self.code]  # -1: mastered
        self.thin = self.code == _LABELS.index(NOT_ENOUGH_EVIDENCE)
        self.hours = np.array([STEP_HOURS.get(lab, 0.0) for lab in _LABELS])[self.code]
        self.learner = s.learner
        in_graph = np.array([t in _ALL_TOPICS for t in r.topics], dtype=np.bool_)
        self.judged_known = s.learner[~self.thin & in_graph[s.topic]]
        self.judged_other = s.learner[~self.thin & ~in_graph[s.topic]]

    def claims(
        self, ranking: IntArray, texts: list[str | None]
    ) -> tuple[list[_Topic], list[dict[str, Any]], list[int]]:
        """The claims (texts not None) of each learner's groups in `ranking`'s order within the learner, as what
        `narrative` reads of them and as documents, and each learner's bounds among them."""
        said = np.array([t is not None for t in texts], dtype=np.bool_)
        picked = ranking[said[ranking]]
        picked = picked[np.argsort(self.learner[picked], kind="stable")]
        docs = [
            {"topic": t, "claim": texts[i], "evidence": self.evidence[i], "misconception": None}
            for i, t in zip(picked.tolist(), _gather(self.topic, picked), strict=True)
        ]
        bounds = np.searchsorted(self.learner[picked], np.arange(self.n_learners + 1)).tolist()
        return _gather(self.refs, self.topic_code[picked]), docs, bounds

    def next_steps(
        self, steps: Steps, names: list[str], ranking: IntArray, group_bounds: list[int]
    ) -> tuple[list[dict[str, Any]], list[int], list[list[dict[str, Any]]]]:
        """`profile_plan.next_steps` of every learner: the practice steps along the path (with each learner's
        bounds among them), and each learner's last steps (on the weakest topic when the path is empty; the
        diagnostic)."""
        along = np.flatnonzero(steps.order <= 3)
        practice = [
            {"text": _practice(t, self.label[i]), "topic": t, "mode": "practice"}
            for i, t in zip(steps.group[along].tolist(), _gather(names, along), strict=True)
        ]
        bounds = np.searchsorted(steps.learner[along], np.arange(self.n_learners + 1)).tolist()
        known = np.bincount(self.judged_known, minlength=self.n_learners).tolist()
        other = np.bincount(self.judged_other, minlength=self.n_learners).tolist()
        weakest = ranking[np.minimum(group_bounds[:-1], max(ranking.size - 1, 0))].tolist() if ranking.size else []
        last = []
        for k, (w, a, b) in enumerate(zip(weakest, bounds, bounds[1:], strict=False)):
            tail = []
            if a == b and group_bounds[k] < group_bounds[k + 1]:  # every topic mastered: keep the weakest fresh
                keep = self.topic[w]
                tail.append({"text": _keep(keep), "topic": keep, "mode": "practice"})
            every_topic = other[k] > 0 or known[k] == len(_ALL_TOPICS)  # `judged < TOPICS` is False
            tail.append({"text": _diagnostic(every_topic), "topic": None, "mode": "diagnostic"})
            last.append(tail)
        return practice, bounds, last


def _labels(s: TopicStats) -> tuple[list[MasteryLabel], IntArray, IntArray]:
    """Each group's mastery label (`mastery_of`: the ability's level when the SE is at most `MASTERY_MAX_SE`),
    its code in `_LABELS`, and the code of the label its resources are chosen at (the ability's level, which
    differs when there is not enough evidence); the level (`level_of`) is computed once per distinct ability."""
    distinct, inverse = np.unique(s.ability, return_inverse=True)
    level = np.array([_LABELS.index(level_of(v)) for v in distinct.tolist()], dtype=np.int64)[inverse.reshape(-1)]
    code = np.where(s.se <= MASTERY_MAX_SE, level, _LABELS.index(NOT_ENOUGH_EVIDENCE))
    return _gather(list(_LABELS), code), code, level


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
        # As pydantic writes an aware UTC datetime: to the second, or to the microsecond when it has any; "Z".
        text = np.datetime_as_string(values.astype("datetime64[us]"), unit="us").tolist()  # ...:SS.ffffff
        whole = (values % 1_000_000 == 0).tolist()
        return [
            (t[:19] + "Z" if w else t + "Z") if h else None for t, w, h in zip(text, whole, has.tolist(), strict=True)
        ]

    return times(lo), times(hi), count.tolist()


def _misconceptions(r: Responses, s: TopicStats, n_learners: int) -> list[list[dict[str, Any]]]:
    """`profile_rules.misconceptions_of` of each learner's latest answers: one claim per (topic, tag) of the
    catalogue, the most often revealed first, then by topic and tag; evidence sorted."""
    latest = np.zeros(len(r), dtype=np.bool_)
    latest[s.rows] = True
    catalogue = misconception_catalogue()
    known = np.array([t in catalogue for t in r.tags], dtype=np.bool_)
    pick = latest[r.tag_row] & known[r.tag] if r.tag.size else np.zeros(0, np.bool_)
    row, tag = r.tag_row[pick], r.tag[pick]
    learner, topic, item = r.learner[row], r.topic[row], r.item[row]
    topic_rank, tag_rank, item_rank = ranks(r.topics), ranks(r.tags), ranks(r.item_ids)
    order = _argsort_by(learner, topic_rank[topic], tag_rank[tag], item_rank[item])  # by learner, topic, tag, item
    learner, topic, tag, item = learner[order], topic[order], tag[order], item[order]
    change = (learner[1:] != learner[:-1]) | (topic[1:] != topic[:-1]) | (tag[1:] != tag[:-1])
    start = np.flatnonzero(np.r_[True, change]) if row.size else np.zeros(0, np.int64)
    end = np.r_[start[1:], learner.size].astype(np.int64)
    g_learner, g_topic, g_tag = learner[start], topic[start], tag[start]
    most = int((end - start).max(initial=0))
    rank = _argsort_by(g_learner, most - (end - start), topic_rank[g_topic], tag_rank[g_tag])  # most often first
    info = _per_distinct(
        lambda t, m: (r.topics[t], _misconception(r.topics[t], r.tags[m]), r.tags[m]), g_topic[rank], g_tag[rank]
    )
    ids = _gather(list(r.item_ids), item)
    claims = [
        {"topic": t, "claim": text, "evidence": ids[a:b], "misconception": m}
        for (t, text, m), a, b in zip(info, start[rank].tolist(), end[rank].tolist(), strict=True)
    ]
    per_learner = np.searchsorted(g_learner[rank], np.arange(n_learners + 1)).tolist()
    return [claims[lo:hi] for lo, hi in pairwise(per_learner)]


def _argsort_by(*columns: IntArray) -> IntArray:
    """The order of rows sorted by the (non-negative) columns, the first column first (rows equal in every
    column are in any order): one sort of a packed key when it fits in 62 bits."""
    sizes = [int(c.max(initial=0)) + 1 for c in columns]
    if math.prod(sizes) >= 2**62:
        return np.lexsort(columns[::-1])
    key = np.zeros(columns[0].size, dtype=np.int64)
    for c, size in zip(columns, sizes, strict=True):
        key = key * size + c
    return np.argsort(key)
