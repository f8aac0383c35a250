"""Calibrating a bank, pure: a first run makes the scale, later runs keep it, each topic is its own scale."""

from __future__ import annotations

import numpy as np
import pytest

from ai4d_core.domain.bank_calibration import Answers, calibrate_bank
from ai4d_core.domain.items import Calibration, Item, ItemStatus, parse_item
from ai4d_core.domain.promotion import Decision

pytestmark = pytest.mark.unit
ANCHOR_A = np.array([0.8, 1.0, 1.2, 1.5, 0.9, 1.1, 1.3, 0.7, 1.0, 1.4])
ANCHOR_B = np.array([-1.5, -1.0, -0.6, -0.2, 0.0, 0.3, 0.6, 1.0, 1.4, 1.8])


def _tf(item_id: str, status: ItemStatus, topic: str = "sql", calibration: Calibration | None = None) -> Item:
    item = parse_item({"id": item_id, "type": "true_false", "topic": topic, "level": 2, "stem": f"{item_id}?",
                       "explanation": "E.", "key": True, "status": str(status)})  # fmt: skip
    return item.model_copy(update={"calibration": calibration}) if calibration else item


def _answers(a: np.ndarray, b: np.ndarray, theta: np.ndarray, seed: int, start: int = 0) -> Answers:
    """Every learner answers every item; scores 0/1; true/false choices follow the score."""
    rng = np.random.default_rng(seed)
    who = np.repeat(np.arange(theta.size), a.size)
    what = np.tile(np.arange(start, start + a.size), theta.size)
    p = 1 / (1 + np.exp(-a[what - start] * (theta[who] - b[what - start])))
    u = (rng.random(who.size) < p).astype(float)
    return Answers(who, what, u, [("true",) if x else ("false",) for x in u], theta.size)


def test_a_first_run_calibrates_the_active_items_freely_and_recovers_them() -> None:
    items = [_tf(f"s-{k}", ItemStatus.ACTIVE) for k in range(10)]
    theta = np.random.default_rng(1).normal(0, 1, 3000)
    result = calibrate_bank(items, _answers(ANCHOR_A, ANCHOR_B, theta, seed=2))
    a = np.array([o.evidence.a for o in result.outcomes])
    b = np.array([o.evidence.b for o in result.outcomes])
    r_a, r_b = np.corrcoef(a, ANCHOR_A)[0, 1], np.corrcoef(b, ANCHOR_B)[0, 1]
    print(f"checked {len(items)} items: r(a) {r_a:.3f}, r(b) {r_b:.3f}")
    assert r_a > 0.9 and np.abs(b - ANCHOR_B).max() < 0.25
    assert not result.anchored and result.converged
    assert all(o.verdict.decision is Decision.ACTIVE and not o.fixed for o in result.outcomes)
    assert all(o.verdict.reason.startswith("scale item: calibrated freely") for o in result.outcomes)


def test_anchors_keep_the_scale_for_an_abler_cohort() -> None:
    """An abler cohort (mean 1) answers the anchors and a new item of true b = 1: held anchors put it at 1;
    a free calibration of the same answers would re-centre the cohort at 0 and put it near 0."""
    anchors = [
        _tf(f"s-{k}", ItemStatus.ACTIVE, calibration=Calibration(discrimination=float(a), difficulty=float(b),
                                                                   model="2pl-mml-1", run="r1"))
        for k, (a, b) in enumerate(zip(ANCHOR_A, ANCHOR_B, strict=True))
    ]  # fmt: skip
    items = [*anchors, _tf("new", ItemStatus.PROVISIONAL)]
    theta = np.random.default_rng(4).normal(1.0, 1.0, 3000)
    answers = _answers(np.r_[ANCHOR_A, 1.2], np.r_[ANCHOR_B, 1.0], theta, seed=5)
    held = calibrate_bank(items, answers)
    free = calibrate_bank(items, answers, rescale=True)
    new_held, new_free = held.outcomes[-1].evidence, free.outcomes[-1].evidence
    print(f"b of the new item: anchored {new_held.b:.2f}, free {new_free.b:.2f} (true 1.00)")
    assert held.anchored and all(o.fixed for o in held.outcomes[:-1])
    assert [(o.evidence.a, o.evidence.b) for o in held.outcomes[:-1]] == list(zip(ANCHOR_A, ANCHOR_B, strict=True))
    assert held.outcomes[0].verdict.reason == "anchor: held at a = 0.80, b = -1.50 (r1)"
    assert new_held.b == pytest.approx(1.0, abs=0.15) and new_free.b < 0.4
    assert held.outcomes[-1].verdict.decision is Decision.PROMOTED
    assert held.outcomes[-1].status_after is ItemStatus.ACTIVE


def test_each_topic_is_its_own_scale_and_unanswered_items_take_their_levels_prior() -> None:
    sql = [_tf(f"s-{k}", ItemStatus.ACTIVE) for k in range(10)]
    py = [_tf(f"p-{k}", ItemStatus.ACTIVE, topic="python") for k in range(10)]
    idle = _tf("idle", ItemStatus.PROVISIONAL).model_copy(update={"level": 3})
    rng = np.random.default_rng(6)
    first = _answers(ANCHOR_A, ANCHOR_B, rng.normal(0, 1, 1500), seed=7)
    # The python learners are abler: on their own scale (N(0, 1)) their items look easier by about 1.
    second = _answers(ANCHOR_A, ANCHOR_B, rng.normal(1.0, 1, 1500), seed=8, start=10)
    answers = Answers(np.r_[first.persons, second.persons + 1500], np.r_[first.items, second.items],
                      np.r_[first.scores, second.scores], [*first.chosen, *second.chosen], 3000)  # fmt: skip
    result = calibrate_bank([*sql, *py, idle], answers)
    b_sql = np.array([o.evidence.b for o in result.outcomes[:10]])
    b_py = np.array([o.evidence.b for o in result.outcomes[10:20]])
    assert np.abs(b_sql - ANCHOR_B).max() < 0.3 and np.abs(b_py - (ANCHOR_B - 1.0)).max() < 0.35
    unanswered = result.outcomes[-1]
    assert (unanswered.evidence.a, unanswered.evidence.b, unanswered.evidence.se_a) == (1.0, 1.0, None)
    assert unanswered.verdict.decision is Decision.KEPT
    assert unanswered.verdict.reason == "not enough responses: 0 of 30; until then a = 1, b = 1 from level 3"


def test_item_indices_outside_the_bank_are_refused() -> None:
    answers = Answers(np.array([0]), np.array([3]), np.array([1.0]), [()], 1)
    with pytest.raises(ValueError, match=r"item indices must lie in \[0, 1\)"):
        calibrate_bank([_tf("only", ItemStatus.ACTIVE)], answers)
