"""The adaptive engine: per-topic ability from the answers so far, the next item, and when to stop.

Selection. Diagnostic mode takes the chosen topic with the fewest scored answers among those whose SE is still
above the target (ties broken at random), then the item of that topic with the most Fisher information at the
topic's current estimate. Practice mode takes, in its one topic, the item whose P(correct | estimate) is
nearest `target_p` (0.7). Exposure control has two parts. Randomesque (Kingsbury & Zara 1989): one of the
`randomesque_k` (5) best items, uniformly. Restricted (Revuelta & Ponsoda 1998, catsim's `r_max`): when the
caller passes `exposure` (item id -> share of recent quizzes that showed it), items at or above `max_exposure`
(0.2) are skipped while another candidate is left. Randomesque alone leaves the most discriminating items in
most quizzes of a large population (about 60% in bench/cat_simulation.py); the rates cap that without the
exposure parameters that Sympson-Hetter must first calibrate by simulation.
Content balance over item types: a type that already makes `max_type_share` (half) of the quiz is skipped
while another type is available. Items of the quiz and the first `repeat_window` of the learner's recent ids
never come back. Provisional items are shown as unscored pretest items at `pretest_rate`, never first and never
two in a row; their answers are kept without a score, so they never move an estimate.

Per-topic ability (`adaptive_estimates`): EAP per topic with a prior that borrows from the learner's answers in
the other topics; `record` updates it with one likelihood row per answer (the online update).

Stopping: "target_se" once every topic's SE is at most `target_se`, "max_items" at the length cap (every item
shown counts), "pool_exhausted" when no unseen scored item is left in a topic that still needs one.
Every random choice uses `step_rng(state)`, seeded by the state's seed and its number of answers, so a session
resumed from its stored state picks the same next item as before (given the same pool, recent ids and exposure
rates; a service should still store the item it showed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from ai4d_core.domain.adaptive_estimates import abilities, evidence, overall_ability
from ai4d_core.domain.adaptive_pool import ItemPool
from ai4d_core.domain.adaptive_state import Answer, Mode, PoolItem, QuizPlan, QuizState, StopReason

__all__ = [
    "Answer",
    "ItemPool",
    "Mode",
    "PoolItem",
    "QuizPlan",
    "QuizState",
    "StepRandom",
    "StopReason",
    "abilities",
    "next_item",
    "overall_ability",
    "record",
    "step_rng",
    "stop_reason",
]

Mask = npt.NDArray[np.bool_]


_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


class StepRandom:
    """The random stream of one step: SplitMix64 (Steele et al. 2014) from the seed and the step number.

    A step draws at most three numbers; numpy's `default_rng` would cost more to seed than the whole selection.
    """

    __slots__ = ("_state",)

    def __init__(self, seed: int, step: int) -> None:
        self._state = (seed * _GOLDEN + step * 0xBF58476D1CE4E5B9) & _MASK64

    def _next(self) -> int:
        self._state = z = (self._state + _GOLDEN) & _MASK64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        return z ^ (z >> 31)

    def random(self) -> float:
        """A float in [0, 1)."""
        return (self._next() >> 11) * 2.0**-53

    def integers(self, high: int) -> int:
        """An int in [0, high) (the bias of a 53-bit float times high is below 2**-40 for any bank)."""
        return int(self.random() * high)


def step_rng(state: QuizState) -> StepRandom:
    """The generator for the next choice: a function of the seed and how many items were answered."""
    return StepRandom(state.seed, len(state.answers))


def record(state: QuizState, item: PoolItem, score: float | None) -> QuizState:
    """The state after the learner answered `item`; a pretest item's score is not kept (it never counts)."""
    if any(answer.item_id == item.id for answer in state.answers):
        raise ValueError(f"item {item.id} was already answered in this quiz")
    if not item.pretest and (score is None or not math.isfinite(score) or not -1.0 <= score <= 1.0):
        raise ValueError(f"item {item.id}: a scored item needs a score in [-1, 1], got {score!r}")
    kept = None if item.pretest or score is None else float(score)
    answer = Answer(item.id, item.topic, item.type, item.a, item.b, kept, item.pretest)
    return state.add(answer, evidence(state).plus(state, answer))


def stop_reason(
    state: QuizState, pool: ItemPool | Sequence[PoolItem], recent_ids: Sequence[str] = ()
) -> StopReason | None:
    """Why the quiz is over, or None while it goes on."""
    pool = ItemPool.of(pool)
    scored = _eligible(state, pool, recent_ids) & pool.scored
    return _stop(state, _open_topics(state, pool, scored))


def next_item(
    state: QuizState,
    pool: ItemPool | Sequence[PoolItem],
    recent_ids: Sequence[str] = (),
    rng: np.random.Generator | StepRandom | None = None,
    exposure: Mapping[str, float] | None = None,
) -> PoolItem | None:
    """The item to show next, or None when `stop_reason` says the quiz is over.

    `recent_ids`: the learner's latest item ids, newest first. `exposure`: item id -> share of recent quizzes
    (all learners) that showed the item. `rng`: defaults to `step_rng(state)`.
    """
    pool = ItemPool.of(pool)
    plan = state.plan
    eligible = _eligible(state, pool, recent_ids)
    scored = eligible & pool.scored
    open_topics = _open_topics(state, pool, scored)
    if _stop(state, open_topics) is not None:
        return None
    rng = rng if rng is not None else step_rng(state)
    last_was_pretest = bool(state.answers) and state.answers[-1].pretest
    if plan.pretest_rate and state.answers and not last_was_pretest and rng.random() < plan.pretest_rate:
        pretest = np.flatnonzero(eligible & pool.pretest)
        if pretest.size:
            return pool.items[int(pretest[rng.integers(pretest.size)])]
    k, in_topic = 0, scored  # one topic: `scored` holds only its items
    if len(plan.topics) > 1:  # the open topic with the fewest scored answers, ties at random
        counts = evidence(state).counts
        fewest = np.flatnonzero(open_topics & (counts == counts[open_topics].min()))
        k = int(fewest[rng.integers(fewest.size)])
        in_topic = scored & (pool.topic == pool.code(plan.topics[k]))
    idx = np.flatnonzero(_balance_types(state, pool, in_topic))
    a = pool.a[idx]
    p = 1.0 / (1.0 + np.exp(-a * (float(evidence(state).theta[k]) - pool.b[idx])))  # 2PL, as irt.probability
    merit = -np.abs(p - plan.target_p) if plan.mode == "practice" else a * a * p * (1.0 - p)  # or information
    best = _best_allowed(idx, merit, plan, pool, exposure)
    return pool.items[int(best[rng.integers(best.size)])]


def _eligible(state: QuizState, pool: ItemPool, recent_ids: Sequence[str]) -> Mask:
    """Items of the plan's topics not shown in this quiz nor among the learner's recent ones."""
    seen = [a.item_id for a in state.answers]
    seen += recent_ids[: state.plan.repeat_window]
    return pool.in_topics(state.plan.topics) & pool.excluding(seen)


def _open_topics(state: QuizState, pool: ItemPool, scored: Mask) -> Mask:
    """Plan topics that still need items (SE above target) and still have an unseen scored item."""
    plan = state.plan
    if len(plan.topics) == 1:  # `scored` holds only the plan's topics
        available = np.array([scored.any()])
    else:
        left = np.bincount(pool.topic, weights=scored, minlength=len(pool.topics) + 1)
        available = left[[pool.code(t) for t in plan.topics]] > 0  # code -1 (not in pool) reads the spare 0
    if plan.target_se is None:
        return np.asarray(available)
    return np.asarray(available & (evidence(state).se > plan.target_se))


def _stop(state: QuizState, open_topics: Mask) -> StopReason | None:
    plan = state.plan
    if plan.target_se is not None and bool(np.all(evidence(state).se <= plan.target_se)):
        return "target_se"
    if len(state.answers) >= plan.max_items:
        return "max_items"
    if not open_topics.any():
        return "pool_exhausted"
    return None


def _balance_types(state: QuizState, pool: ItemPool, candidates: Mask) -> Mask:
    """Drop the types that already fill `max_type_share` of the quiz, unless nothing else is left."""
    limit = state.plan.max_type_share * (len(state.answers) + 1)
    shown: dict[str, int] = {}
    for answer in state.answers:
        shown[answer.type] = shown.get(answer.type, 0) + 1
    full = [pool.code_of_type(t) for t, n in shown.items() if n >= limit]
    if not full:
        return candidates
    balanced = candidates & ~np.isin(pool.type, full)
    return balanced if balanced.any() else candidates


def _best_allowed(
    idx: npt.NDArray[np.int64],
    merit: npt.NDArray[np.float64],
    plan: QuizPlan,
    pool: ItemPool,
    exposure: Mapping[str, float] | None,
) -> npt.NDArray[np.int64]:
    """The `randomesque_k` best candidates whose exposure is below `max_exposure` (all of them if none is)."""
    k = plan.randomesque_k
    head = min(idx.size, 4 * k if exposure else k)  # rank only the head unless exposure empties it
    top = np.argpartition(-merit, head - 1)[:head] if 0 < head < idx.size else np.arange(idx.size)
    order = idx[top[np.argsort(-merit[top], kind="stable")]]
    if not exposure:
        return order[:k]
    allowed = _under(order, k, plan.max_exposure, pool, exposure)
    if len(allowed) < k and head < idx.size:  # the head was not enough: walk the whole ranking
        allowed = _under(idx[np.argsort(-merit, kind="stable")], k, plan.max_exposure, pool, exposure)
    return np.array(allowed, dtype=np.int64) if allowed else order[:k]


def _under(
    ranked: npt.NDArray[np.int64], k: int, limit: float, pool: ItemPool, exposure: Mapping[str, float]
) -> list[int]:
    """The first k items of `ranked` whose exposure rate is below `limit`."""
    allowed: list[int] = []
    for i in ranked.tolist():
        if exposure.get(pool.ids[i], 0.0) < limit:
            allowed.append(i)
            if len(allowed) == k:
                break
    return allowed
