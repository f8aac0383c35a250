"""The plan part of `profile_batch.analyze_many`: every learner's learning path and timeline at once.

The same arithmetic as `profile_plan` (`plan_path`, `timeline`) and `topics.learning_order`, in numpy over
all learners: the path's steps (the topics not mastered, by label group then weakest first, in learning
order), their hours, and the packing of those hours into weeks. The wording (a week's focus) and the sizes
that depend on one value (a thin-evidence session, a week's capacity) come from `profile_plan` itself,
called once per distinct value. Checked against `analyze` by the equality tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from itertools import pairwise
from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt

from ai4d_core.domain.mastery import NOT_ENOUGH_EVIDENCE
from ai4d_core.domain.profile import PathStep, TopicMastery
from ai4d_core.domain.profile_plan import plan_path, timeline, week_focus
from ai4d_core.domain.topics import PREREQUISITES, TOPICS, learning_order, requires

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
_MAX_WIDTH = 62  # topics per learner the bit masks of `learning_orders` hold (int64)


class Steps(NamedTuple):
    """Every learner's path steps, learner by learner in path order: the (learner, topic) group of each, its
    learner, its order (from 1) and hours; `bounds[k]:bounds[k + 1]` are learner k's."""

    group: IntArray
    learner: IntArray
    order: IntArray
    hours: FloatArray
    bounds: list[int]


class _Part(NamedTuple):  # what `timeline` and `plan_path` read of a step or a topic
    topic: str
    estimated_hours: float = 0.0
    mastery: str = NOT_ENOUGH_EVIDENCE
    ability: float = 0.0


@cache
def _session(n_topics: int, weekly_hours: float) -> float:
    """The hours of each of `n_topics` practice sessions of a thin-evidence path, as `plan_path` sizes them."""
    topics = cast("list[TopicMastery]", [_Part(TOPICS[0])] * n_topics)
    return plan_path(topics, weekly_hours)[0].estimated_hours


_focus = cache(week_focus)


@cache
def _capacity(weekly_hours: float) -> int:
    """The hundredths of an hour a week of the timeline holds, as `timeline` sizes it (a step longer than a week
    fills the first)."""
    step = _Part("-", 2 * weekly_hours + 1.0)
    return round(timeline(cast("list[PathStep]", [step]), weekly_hours)[0].hours * 100)


def plan_steps(
    ranked: IntArray,
    learner: IntArray,
    group: IntArray,
    thin: BoolArray,
    hours: FloatArray,
    topic: IntArray,
    topics: Sequence[str],
    weekly: Sequence[float],
) -> Steps:
    """`profile_plan.plan_path`'s steps for every learner. Per (learner, topic) group: its learner (sorted),
    its label's path group (`profile_plan._GROUP`; -1: mastered, not on the path), whether its evidence is thin,
    its step hours and its topic code; `ranked`: the groups, learner by learner, weakest first."""
    n_learners = len(weekly)
    todo = ranked[group[ranked] >= 0]
    todo = todo[np.lexsort((group[todo], learner[todo]))]  # stable: weakest first within a path group
    steps = todo[learning_orders(learner[todo], topic[todo], topics)]
    who = learner[steps]
    count = np.bincount(who, minlength=n_learners)
    all_thin = np.bincount(learner, weights=~thin, minlength=n_learners) == 0
    session = np.zeros(n_learners)
    for k in np.flatnonzero(all_thin & (count > 0)).tolist():
        session[k] = _session(int(count[k]), weekly[k])
    bounds = np.r_[0, np.cumsum(count)]
    order = np.arange(steps.size) - bounds[who] + 1
    step_hours = np.where(all_thin[who], session[who], hours[steps])
    return Steps(steps, who, order, step_hours, bounds.tolist())


def learning_orders(learner: IntArray, topic: IntArray, topics: Sequence[str]) -> IntArray:
    """`topics.learning_order` of every learner's list at once: `topic` (codes into `topics`, distinct within a
    learner) listed learner by learner (sorted), most needed first; returns the positions in learning order.

    As `learning_order`: a topic's urgency is the first place of itself or of a listed topic built on it; the
    topics come out one at a time, the ready one (every listed prerequisite out) of least (urgency, place)
    first, a step of bit masks over all learners at a time."""
    if not topic.size:
        return np.zeros(0, dtype=np.int64)
    start = np.flatnonzero(np.r_[True, learner[1:] != learner[:-1]])
    count = np.diff(np.r_[start, topic.size])
    width = int(count.max())
    if width > _MAX_WIDTH:  # more topics than the masks hold: one learner at a time
        return _one_by_one(start, count, topic, topics)
    block = np.repeat(np.arange(start.size), count)
    col = np.arange(width)
    known, needs = _needs(topics)
    slots = np.full((start.size, width), needs.shape[0] - 1)  # the last row and column of `needs`: no topic
    slots[block, np.arange(topic.size) - start[block]] = known[topic]
    before = needs[slots[:, :, None], slots[:, None, :]]  # before[k, i, j]: place j is a prerequisite of place i
    bit = np.int64(1) << col
    waits_for = (before * bit).sum(axis=2)
    urgency = np.minimum(col, np.where(before, col[None, :, None], width).min(axis=1))
    priority = urgency * width + col
    out = np.where(col[None, :] < count[:, None], bit, 0).sum(axis=1) ^ ((np.int64(1) << width) - 1)
    chosen = np.zeros((start.size, width), dtype=np.int64)
    for step in range(width):
        ready = ((out[:, None] & bit) == 0) & ((waits_for & ~out[:, None]) == 0)
        pick = np.where(ready, priority, width * width).argmin(axis=1)
        chosen[:, step] = pick
        out |= np.where(ready.any(axis=1), bit[pick], 0)
    return np.asarray((start[:, None] + chosen)[col[None, :] < count[:, None]], dtype=np.int64)


def _needs(topics: Sequence[str]) -> tuple[IntArray, BoolArray]:
    """Each topic's code among the topics with prerequisites or dependants (others: the last code, which has
    neither) and the matrix of `requires` among those: needs[t, s] = the code-t topic builds on the code-s one."""
    graph = sorted({t for t in topics if t in PREREQUISITES or any(t in p for p in PREREQUISITES.values())})
    code = {t: i for i, t in enumerate(graph)}
    known = np.array([code.get(t, len(graph)) for t in topics], dtype=np.int64)
    needs = np.zeros((len(graph) + 1, len(graph) + 1), dtype=np.bool_)
    for t in graph:
        needs[code[t], [code[s] for s in requires(t) if s in code]] = True
    return known, needs


def _one_by_one(start: IntArray, count: IntArray, topic: IntArray, topics: Sequence[str]) -> IntArray:
    out: list[int] = []
    for lo, n in zip(start.tolist(), count.tolist(), strict=True):
        listed = [topics[t] for t in topic[lo : lo + n].tolist()]
        place = {t: lo + i for i, t in enumerate(listed)}
        out.extend(place[t] for t in learning_order(listed))
    return np.array(out, dtype=np.int64)


def timelines(steps: Steps, names: Sequence[str], weekly: Sequence[float]) -> list[list[dict[str, Any]]]:
    """`profile_plan.timeline` of every path at once: each path's hours, in hundredths, packed in order into
    weeks of its learner's weekly hours (a step may span weeks; no week is left empty). `names`: each step's
    topic."""
    n_learners = len(weekly)
    if not steps.group.size:
        return [[] for _ in range(n_learners)]
    learner = steps.learner
    size = np.rint(steps.hours * 100).astype(np.int64)  # round(h * 100), as the plan does
    capacity = np.array([_capacity(wh) for wh in weekly], dtype=np.int64)[learner]
    end = np.cumsum(size)
    path_start = np.r_[0, end][np.asarray(steps.bounds[:-1])][learner]  # where each learner's path begins
    lo, hi = end - size - path_start, end - path_start  # the step's hundredths within its path
    first_week, last_week = lo // capacity, (hi - 1) // capacity
    parts = last_week - first_week + 1
    step = np.repeat(np.arange(size.size), parts)
    week = first_week[step] + np.arange(step.size) - np.repeat(np.cumsum(parts) - parts, parts)
    cap = capacity[step]
    hours = np.minimum(hi[step], (week + 1) * cap) - np.maximum(lo[step], week * cap)
    key = learner[step] * (int(week.max()) + 1) + week
    start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    total = (np.add.reduceat(hours, start) / 100).tolist()  # as int / 100 in Python: the nearest float
    box = np.empty(len(names), dtype=object)
    box[:] = names
    topic = box[step].tolist()
    bounds = np.r_[start, step.size].tolist()
    # A week's parts are distinct steps of one path, so distinct topics.
    weeks = [topic[a:b] for a, b in pairwise(bounds)]
    entries = [
        {"week": w, "focus": _focus(tuple(topics)), "topics": topics, "hours": h}
        for w, topics, h in zip((week[start] + 1).tolist(), weeks, total, strict=True)
    ]
    per_learner = np.searchsorted(learner[step[start]], np.arange(n_learners + 1)).tolist()
    return [entries[a:b] for a, b in pairwise(per_learner)]


__all__ = ["Steps", "learning_orders", "plan_steps", "timelines"]
