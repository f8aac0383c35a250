"""2,000 simulated learners: the adaptive quiz vs a 30-item random fixed form on the same bank.

Unidimensional: one ability per learner, theta ~ N(0, 1), dichotomous answers drawn from the 2PL on the bank of
bench/adaptive_step.py (1,000 items, a ~ lognormal(0, 0.3), b ~ N(0, 1), all in one topic). The fixed form is
30 items drawn at random from the bank, the same for every learner, scored by EAP (N(0, 1) prior). The adaptive
quiz (`ai4d_core.domain.adaptive`, diagnostic mode, one topic) stops once its SE reaches the fixed form's mean
SE, or at 30 items; learners take it one after another and each quiz gets the exposure rates of those before
(share of earlier learners who saw each item), as a server would pass them.

Targets: on average at most 50% of the fixed form's items, RMSE of theta no higher than the fixed form's, and no
item shown to more than 25% of learners. The line "randomesque only" shows the same quiz without the rates.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ai4d_core.domain.adaptive import ItemPool, QuizPlan, QuizState, abilities, next_item, record
from ai4d_core.domain.irt import eap_many, probability
from bench.adaptive_step import bank

FORM_LENGTH = 30
TARGET_LENGTH_SHARE = 0.5
TARGET_MAX_EXPOSURE = 0.25


@dataclass(frozen=True)
class Result:
    mean_items: float
    mean_se: float
    rmse: float
    bias: float
    max_exposure: float
    reached: float  # share of learners whose SE reached the target


def fixed_form(pool: ItemPool, theta: np.ndarray, rng: np.random.Generator) -> Result:
    form = rng.choice(len(pool), FORM_LENGTH, replace=False)
    a, b = pool.a[form], pool.b[form]
    scores = (rng.random((theta.size, FORM_LENGTH)) < probability(theta[:, None], a, b)).astype(float)
    persons = np.repeat(np.arange(theta.size), FORM_LENGTH)
    est, se = eap_many(persons, np.tile(a, theta.size), np.tile(b, theta.size), scores.ravel(), theta.size)
    error = est - theta
    return Result(FORM_LENGTH, float(se.mean()), float(np.sqrt(np.mean(error**2))), float(error.mean()), 1.0, 1.0)


def adaptive(pool: ItemPool, theta: np.ndarray, target_se: float, rng: np.random.Generator, rates: bool) -> Result:
    plan = QuizPlan.diagnostic(["all"], target_se=target_se, max_items=FORM_LENGTH, pretest_rate=0)
    shown: Counter[str] = Counter()
    lengths, est, ses = [], [], []
    for learner, true_theta in enumerate(theta):
        exposure = {i: c / learner for i, c in shown.items()} if rates and learner else None
        state = QuizState(plan, learner)
        while (item := next_item(state, pool, exposure=exposure)) is not None:
            correct = rng.random() < probability(true_theta, item.a, item.b)
            state = record(state, item, float(correct))
        ability = abilities(state)["all"]
        shown.update(a.item_id for a in state.answers)
        lengths.append(len(state.answers))
        est.append(ability.theta)
        ses.append(ability.se)
    error = np.array(est) - theta
    return Result(
        float(np.mean(lengths)),
        float(np.mean(ses)),
        float(np.sqrt(np.mean(error**2))),
        float(error.mean()),
        max(shown.values()) / theta.size,
        float(np.mean(np.array(ses) <= target_se)),
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench cat_simulation", description=__doc__)
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args, _ = parser.parse_known_args(argv)
    rng = np.random.default_rng(args.seed)
    pool = bank(args.items, seed=args.seed)
    theta = rng.normal(0.0, 1.0, args.learners)
    fixed = fixed_form(pool, theta, rng)
    ours = adaptive(pool, theta, fixed.mean_se, rng, rates=True)
    plain = adaptive(pool, theta, fixed.mean_se, rng, rates=False)
    print(f"CAT simulation: {args.learners} learners, {args.items}-item bank (unidimensional 2PL, theta ~ N(0, 1))")
    print(
        f"  {'':38s} {'items':>6s} {'mean SE':>8s} {'RMSE':>7s} {'bias':>7s} {'max exposure':>13s} {'SE reached':>11s}"
    )
    for name, r in (
        (f"fixed form ({FORM_LENGTH} random items)", fixed),
        ("adaptive (randomesque 5 + rates <0.2)", ours),
        ("adaptive, randomesque only", plain),
    ):
        print(
            f"  {name:38s} {r.mean_items:6.1f} {r.mean_se:8.3f} {r.rmse:7.3f} {r.bias:+7.3f}"
            f" {r.max_exposure:12.1%} {r.reached:10.1%}"
        )
    checks = {
        f"items <= {TARGET_LENGTH_SHARE:.0%} of the form ({ours.mean_items / FORM_LENGTH:.1%})": ours.mean_items
        <= TARGET_LENGTH_SHARE * FORM_LENGTH,
        f"RMSE adaptive <= fixed ({ours.rmse:.3f} vs {fixed.rmse:.3f})": ours.rmse <= fixed.rmse,
        f"max exposure <= {TARGET_MAX_EXPOSURE:.0%} ({ours.max_exposure:.1%})": ours.max_exposure
        <= TARGET_MAX_EXPOSURE,
    }
    for label, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {label}")
    print(f"  {len(checks)} targets checked")
    return 1 if args.check and not all(checks.values()) else 0
