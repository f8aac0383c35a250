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

Per-topic ability. A diagnostic has about two items per topic, too few for a topic estimate on its own, so each
topic's prior is centred on the learner's overall ability from the answers in the *other* topics (no answer
counts twice): N(theta_rest, topic_sd^2 + se_rest^2) with theta_rest, se_rest the EAP and SE of those answers
under a N(0, 1) prior, and `topic_sd` (0.6) the spread of a learner's topics around their overall ability. A
`priors` entry of the plan (e.g. the profile's estimate) replaces that prior for its topic.

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

from ai4d_core.domain.adaptive_pool import ItemPool
from ai4d_core.domain.adaptive_state import Answer, Mode, PoolItem, QuizPlan, QuizState, StopReason
from ai4d_core.domain.irt import GRID, Ability, information, log_likelihood, log_prior, probability, summarize

__all__ = [
    "Answer",
    "ItemPool",
    "Mode",
    "PoolItem",
    "QuizPlan",
    "QuizState",
    "StopReason",
    "abilities",
    "next_item",
    "overall_ability",
    "record",
    "step_rng",
    "stop_reason",
]

FloatArray = npt.NDArray[np.float64]


def step_rng(state: QuizState) -> np.random.Generator:
    """The generator for the next choice: a function of the seed and how many items were answered."""
    return np.random.default_rng([state.seed, len(state.answers)])


def record(state: QuizState, item: PoolItem, score: float | None) -> QuizState:
    """The state after the learner answered `item`; a pretest item's score is not kept (it never counts)."""
    if any(answer.item_id == item.id for answer in state.answers):
        raise ValueError(f"item {item.id} was already answered in this quiz")
    if not item.pretest and (score is None or not math.isfinite(score) or not -1.0 <= score <= 1.0):
        raise ValueError(f"item {item.id}: a scored item needs a score in [-1, 1], got {score!r}")
    kept = None if item.pretest else float(score)  # type: ignore[arg-type]
    return state.add(Answer(item.id, item.topic, item.type, item.a, item.b, kept, item.pretest))


def abilities(state: QuizState) -> dict[str, Ability]:
    """EAP ability and SE per topic of the plan, in plan order."""
    theta, se = _topic_estimates(state)
    return {t: Ability(float(m), float(s)) for t, m, s in zip(state.plan.topics, theta, se, strict=True)}


def overall_ability(state: QuizState) -> Ability:
    """EAP ability and SE from every scored answer of the quiz under a N(0, 1) prior."""
    total, _ = _log_likelihoods(state)
    mean, sd = summarize(log_prior(0.0, 1.0) + total)
    return Ability(float(mean), float(sd))


def stop_reason(
    state: QuizState, pool: ItemPool | Sequence[PoolItem], recent_ids: Sequence[str] = ()
) -> StopReason | None:
    """Why the quiz is over, or None while it goes on."""
    pool = ItemPool.of(pool)
    _, se = _topic_estimates(state)
    return _stop(state, pool, _eligible(state, pool, recent_ids) & ~pool.pretest, se)


def next_item(
    state: QuizState,
    pool: ItemPool | Sequence[PoolItem],
    recent_ids: Sequence[str] = (),
    rng: np.random.Generator | None = None,
    exposure: Mapping[str, float] | None = None,
) -> PoolItem | None:
    """The item to show next, or None when `stop_reason` says the quiz is over.

    `recent_ids`: the learner's latest item ids, newest first. `exposure`: item id -> share of recent quizzes
    (all learners) that showed the item. `rng`: defaults to `step_rng(state)`.
    """
    pool = ItemPool.of(pool)
    rng = rng if rng is not None else step_rng(state)
    plan = state.plan
    theta, se = _topic_estimates(state)
    eligible = _eligible(state, pool, recent_ids)
    scored = eligible & ~pool.pretest
    if _stop(state, pool, scored, se) is not None:
        return None
    last_was_pretest = bool(state.answers) and state.answers[-1].pretest
    if state.answers and not last_was_pretest and rng.random() < plan.pretest_rate:
        pretest = np.flatnonzero(eligible & pool.pretest)
        if pretest.size:
            return pool.items[int(rng.choice(pretest))]
    k = _next_topic(plan, pool, scored, se, _scored_counts(state), rng)
    candidates = scored & (pool.topic == pool.topics.index(plan.topics[k]))
    candidates = _balance_types(state, pool, _restrict_exposure(plan, pool, candidates, exposure))
    idx = np.flatnonzero(candidates)
    if plan.mode == "practice":
        merit = -np.abs(probability(theta[k], pool.a[idx], pool.b[idx]) - plan.target_p)
    else:
        merit = information(theta[k], pool.a[idx], pool.b[idx])
    best = idx if idx.size <= plan.randomesque_k else idx[np.argpartition(-merit, plan.randomesque_k - 1)]
    return pool.items[int(rng.choice(best[: plan.randomesque_k]))]


def _log_likelihoods(state: QuizState) -> tuple[FloatArray, FloatArray]:
    """Summed log-likelihood over the grid of all scored answers, and of each plan topic's (topics x grid)."""
    topics = state.plan.topics
    by_topic = np.zeros((len(topics), GRID.size))
    scored = [(a, a.score) for a in state.answers if a.score is not None]
    if not scored:
        return np.zeros(GRID.size), by_topic
    ll = log_likelihood([a.a for a, _ in scored], [a.b for a, _ in scored], [s for _, s in scored])
    where = np.array([topics.index(a.topic) if a.topic in topics else -1 for a, _ in scored])
    np.add.at(by_topic, where[where >= 0], ll[where >= 0])
    return ll.sum(axis=0), by_topic


def _topic_estimates(state: QuizState) -> tuple[FloatArray, FloatArray]:
    plan = state.plan
    total, by_topic = _log_likelihoods(state)
    rest_mean, rest_se = summarize(log_prior(0.0, 1.0) + total - by_topic)
    prior_mean, prior_sd = rest_mean, np.sqrt(plan.topic_sd**2 + rest_se**2)
    for k, topic in enumerate(plan.topics):
        if topic in plan.priors:
            prior_mean[k], prior_sd[k] = plan.priors[topic]
    return summarize(log_prior(prior_mean, prior_sd) + by_topic)


def _eligible(state: QuizState, pool: ItemPool, recent_ids: Sequence[str]) -> npt.NDArray[np.bool_]:
    """Items of the plan's topics not shown in this quiz nor among the learner's recent ones."""
    seen = [a.item_id for a in state.answers] + list(recent_ids[: state.plan.repeat_window])
    return pool.in_topics(state.plan.topics) & pool.excluding(seen)


def _scored_counts(state: QuizState) -> npt.NDArray[np.int64]:
    topics = state.plan.topics
    counts = np.zeros(len(topics), dtype=np.int64)
    for answer in state.answers:
        if answer.score is not None and answer.topic in topics:
            counts[topics.index(answer.topic)] += 1
    return counts


def _open_topics(plan: QuizPlan, pool: ItemPool, scored: npt.NDArray[np.bool_], se: FloatArray) -> FloatArray:
    """Plan topics (as a mask) that still need items and still have an unseen scored item."""
    available = np.array(
        [
            bool(np.any(scored & (pool.topic == pool.topics.index(t)))) if t in pool.topics else False
            for t in plan.topics
        ]
    )
    needs = se > plan.target_se if plan.target_se is not None else np.ones(len(plan.topics), dtype=bool)
    return np.asarray(available & needs)


def _stop(state: QuizState, pool: ItemPool, scored: npt.NDArray[np.bool_], se: FloatArray) -> StopReason | None:
    plan = state.plan
    if plan.target_se is not None and bool(np.all(se <= plan.target_se)):
        return "target_se"
    if len(state.answers) >= plan.max_items:
        return "max_items"
    if not _open_topics(plan, pool, scored, se).any():
        return "pool_exhausted"
    return None


def _next_topic(
    plan: QuizPlan,
    pool: ItemPool,
    scored: npt.NDArray[np.bool_],
    se: FloatArray,
    counts: npt.NDArray[np.int64],
    rng: np.random.Generator,
) -> int:
    """The open topic with the fewest scored answers, ties broken at random."""
    open_ = _open_topics(plan, pool, scored, se)
    fewest = np.flatnonzero(open_ & (counts == counts[open_].min()))
    return int(rng.choice(fewest))


def _restrict_exposure(
    plan: QuizPlan, pool: ItemPool, candidates: npt.NDArray[np.bool_], exposure: Mapping[str, float] | None
) -> npt.NDArray[np.bool_]:
    """Drop the items shown in `max_exposure` of recent quizzes, unless nothing else is left."""
    if not exposure:
        return candidates
    idx = np.flatnonzero(candidates)
    rates = np.fromiter((exposure.get(pool.items[i].id, 0.0) for i in idx), dtype=np.float64, count=idx.size)
    kept = idx[rates < plan.max_exposure]
    if not kept.size:
        return candidates
    restricted = np.zeros_like(candidates)
    restricted[kept] = True
    return restricted


def _balance_types(state: QuizState, pool: ItemPool, candidates: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Drop the types that already fill `max_type_share` of the quiz, unless nothing else is left."""
    limit = state.plan.max_type_share * (len(state.answers) + 1)
    shown: dict[str, int] = {}
    for answer in state.answers:
        shown[answer.type] = shown.get(answer.type, 0) + 1
    full = [pool.types.index(t) for t, n in shown.items() if n >= limit and t in pool.types]
    balanced = candidates & ~np.isin(pool.type, full)
    return balanced if balanced.any() else candidates
