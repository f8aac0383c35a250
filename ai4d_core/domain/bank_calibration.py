"""Calibrating the bank from its answers, pure: the scale, the estimates, the statistics and the decisions.

- **The scale.** Each topic is its own scale (abilities are per topic, DESIGN §6), and its active items
  form it. When none of a topic's active items has a calibration yet (its first run, or `rescale=True`),
  they are calibrated freely first (2PL MML, N(0, 1) ability), and then held fixed. Afterwards active items
  keep their stored (a, b) as anchors, and every other item (provisional ones, and active versions never
  calibrated) is estimated with the anchors held fixed (the population's mean and SD free), so its b means
  what theirs do. A topic without active items is calibrated freely from its provisional items.
- **Priors.** Every estimated item has the weak prior of `calibrate_2pl` around a = 1 and a difficulty
  from its level (`LEVEL_PRIOR_B`: level 1 -> -1, 2 -> 0, 3 -> +1), so an item with few answers stays near
  what its level says; an item with no answer at all gets exactly that (a = 1, b from its level, no SE).
- **Scores.** Negative scores (negative marking) count as 0; partial credit enters as a fractional score.
- **Statistics and decisions.** Rest ability within the topic, point-biserial and option choices
  (`item_statistics`), then the promotion policy (`promotion`) for provisional items; active items are
  flagged, never demoted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ai4d_core.domain import item_statistics as stats
from ai4d_core.domain.irt_calibration import calibrate_2pl
from ai4d_core.domain.items import Item, ItemStatus
from ai4d_core.domain.promotion import (
    DEFAULT_POLICY,
    Decision,
    ItemEvidence,
    OptionStat,
    PromotionPolicy,
    Verdict,
    decide,
    review_active,
)

MODEL_VERSION = "2pl-mml-1"  # 2PL, marginal maximum likelihood, weak priors by level, anchored scale
LEVEL_PRIOR_B: Mapping[int, float] = {1: -1.0, 2: 0.0, 3: 1.0}
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_NEXT_STATUS = {Decision.PROMOTED: ItemStatus.ACTIVE, Decision.SET_ASIDE: ItemStatus.REVIEW}


@dataclass(frozen=True, slots=True)
class Answers:
    """Long-format answers: row r is learner `persons[r]` answering item `items[r]` (indices), its score
    in [-1, 1] and the options it chose (choice items; () otherwise)."""

    persons: IntArray
    items: IntArray
    scores: FloatArray
    chosen: Sequence[tuple[str, ...]]
    n_persons: int


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """What the run found for one item and what becomes of it."""

    fixed: bool  # an anchor: (a, b) held at a previous run's values, not estimated
    evidence: ItemEvidence
    verdict: Verdict
    status_after: ItemStatus


@dataclass(frozen=True, slots=True)
class BankCalibration:
    outcomes: list[ItemOutcome]  # one per item, in the order given
    anchored: bool  # some active items were held at a previous run's parameters
    log_likelihood: float | None
    iterations: int
    converged: bool


@dataclass
class _Estimates:
    a: FloatArray
    b: FloatArray
    se_a: FloatArray
    se_b: FloatArray
    fit: FloatArray
    log_likelihood: float | None = None
    iterations: int = 0
    converged: bool = True


def calibrate_bank(
    items: Sequence[Item], answers: Answers, policy: PromotionPolicy = DEFAULT_POLICY, *, rescale: bool = False
) -> BankCalibration:
    """Estimate every item, compute its statistics and decide (module docstring)."""
    n_items = len(items)
    if answers.items.size and (answers.items.min() < 0 or answers.items.max() >= n_items):
        raise ValueError(f"item indices must lie in [0, {n_items})")
    active = np.array([i.status is ItemStatus.ACTIVE for i in items], dtype=bool)
    prior_b = np.array([LEVEL_PRIOR_B[i.level] for i in items], dtype=np.float64)
    u = np.clip(answers.scores.astype(np.float64), 0.0, 1.0)
    n = np.bincount(answers.items, minlength=n_items)
    nan = np.full(n_items, np.nan)
    est = _Estimates(np.ones(n_items), prior_b.copy(), nan.copy(), nan.copy(), nan.copy())
    anchors: dict[int, tuple[float, float]] = {}
    if not rescale:
        for k in map(int, np.flatnonzero(active)):
            calibration = items[k].calibration
            if calibration.model is not None:
                anchors[k] = items[k].irt_parameters
                est.a[k], est.b[k] = anchors[k]
                est.se_a[k], est.se_b[k] = _nan(calibration.se_discrimination), _nan(calibration.se_difficulty)
    anchored = bool(anchors)
    topics, topic_of = np.unique([i.topic for i in items], return_inverse=True)
    topic_of = topic_of.reshape(-1)
    row_topic = topic_of[answers.items]
    scale = dict(anchors)
    for t in range(topics.size):  # each topic is its own scale, as the learner model's abilities are
        rows = row_topic == t
        held = {k: v for k, v in anchors.items() if topic_of[k] == t}
        if not held and (active & (topic_of == t)).any():
            _fit(answers, u, rows & active[answers.items], {}, prior_b, est)
            held = {
                int(k): (float(est.a[k]), float(est.b[k])) for k in np.flatnonzero(active & (n > 0) & (topic_of == t))
            }
            scale |= held
        _fit(answers, u, rows, held, prior_b, est)

    learner_topic = answers.persons * max(topics.size, 1) + row_topic
    ability = stats.rest_abilities(
        learner_topic, est.a[answers.items], est.b[answers.items], u, answers.n_persons * max(topics.size, 1)
    )
    pbis = stats.point_biserial(answers.items, u, ability, n_items)
    options = _options(items, answers, ability)
    outcomes = []
    for k, item in enumerate(items):
        evidence = ItemEvidence(
            int(n[k]), float(est.a[k]), float(est.b[k]), _none(est.se_a[k]), _none(est.se_b[k]),
            _none(est.fit[k]), _none(pbis[k]), options[k],
        )  # fmt: skip
        verdict = _verdict(item, evidence, k in scale, k in anchors, policy)
        next_status = _NEXT_STATUS.get(verdict.decision, item.status)
        outcomes.append(ItemOutcome(k in anchors, evidence, verdict, next_status))
    return BankCalibration(outcomes, anchored, est.log_likelihood, est.iterations, est.converged)


def _fit(
    answers: Answers, u: FloatArray, rows: npt.NDArray[np.bool_], fixed: Mapping[int, tuple[float, float]],
    prior_b: FloatArray, est: _Estimates,
) -> None:  # fmt: skip
    """Calibrate the items of the selected rows (with `fixed` held) and write their estimates into `est`."""
    if not rows.any():
        return
    used, item = np.unique(answers.items[rows], return_inverse=True)
    _, person = np.unique(answers.persons[rows], return_inverse=True)
    local = {int(j): fixed[int(k)] for j, k in enumerate(used) if int(k) in fixed}
    if len(local) == used.size:
        return  # every item is an anchor: nothing to estimate
    result = calibrate_2pl(
        person, item, u[rows], used.size, prior="weak", b_prior_mean=prior_b[used], fixed=local or None
    )
    free = np.array([int(j) not in local for j in range(used.size)], dtype=bool)
    target = used[free]
    est.a[target], est.b[target] = result.a[free], result.b[free]
    est.se_a[target], est.se_b[target] = result.se_a[free], result.se_b[free]
    est.fit[used] = result.fit
    est.log_likelihood = float(result.log_likelihood)
    est.iterations += int(result.iterations)
    est.converged = est.converged and bool(result.converged)


def _options(items: Sequence[Item], answers: Answers, ability: FloatArray) -> list[tuple[OptionStat, ...]]:
    ids = [stats.option_ids(i) for i in items]
    width = max((len(x) for x in ids), default=0)
    if width == 0:
        return [() for _ in items]
    code = [{o: j for j, o in enumerate(x)} for x in ids]
    pairs = [(r, code[k][o]) for r, (k, chosen) in enumerate(zip(answers.items, answers.chosen, strict=True))
             for o in chosen if o in code[k]]  # fmt: skip
    rows = np.array([p[0] for p in pairs], dtype=np.int64)
    option = np.array([p[1] for p in pairs], dtype=np.int64)
    counts = stats.option_statistics(answers.items[rows], option, ability[rows], len(items), width)
    keys = [stats.key_options(item) for item in items]
    return [
        tuple(
            OptionStat(o, o in keys[k], int(counts.chosen[k, j]), _none(counts.mean_ability[k, j]),
                       _none(counts.sd_ability[k, j]))
            for j, o in enumerate(ids[k])
        )
        for k in range(len(items))
    ]  # fmt: skip


def _verdict(item: Item, e: ItemEvidence, scale: bool, anchor: bool, policy: PromotionPolicy) -> Verdict:
    if item.status is not ItemStatus.ACTIVE:
        verdict = decide(e, policy)
        if e.n_responses == 0:
            return Verdict(verdict.decision, f"{verdict.reason}; until then a = 1, b = {e.b:g} from level {item.level}")
        return verdict
    if anchor:
        role = f"anchor: held at a = {e.a:.2f}, b = {e.b:.2f} ({item.calibration.run or 'an earlier run'})"
    elif scale:
        role = "scale item: calibrated freely with the other active items (first calibration)"
    elif e.n_responses:
        role = "active item calibrated on the anchors' scale"
    else:
        role = f"active item without answers: a = 1, b = {e.b:g} from level {item.level}"
    flag = review_active(e, policy)
    return Verdict(Decision.ACTIVE, f"{role}; flagged for review: {flag}" if flag else role)


def _none(x: float | None) -> float | None:
    return float(x) if x is not None and np.isfinite(x) else None


def _nan(x: float | None) -> float:
    return np.nan if x is None else float(x)


__all__ = ["LEVEL_PRIOR_B", "MODEL_VERSION", "Answers", "BankCalibration", "ItemOutcome", "calibrate_bank"]
