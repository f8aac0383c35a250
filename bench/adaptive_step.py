"""One adaptive step on a 1,000-item bank: ours (``record`` + ``next_item``) vs catsim's estimator and selector.

A step is what the server does after each answer: update the ability estimate with the new response, then choose
the next item with exposure control. Ours re-estimates from the stored quiz state (EAP on the grid, as a resumed
session does) and selects by maximum information with randomesque k=5 and exposure rates passed in. catsim 0.21
has no EAP estimator; its nearest is ``NumericalSearchEstimator`` (bounded maximum likelihood, Dodd's heuristic
while all answers agree) with ``RandomesqueSelector(bin_size=5)``. Both replay the same quizzes: the items our
engine chose and the simulated learners' responses to them. Target: ours at least 10x faster and under 1 ms median.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np

from ai4d_core.domain.adaptive import ItemPool, PoolItem, QuizPlan, QuizState, next_item, record
from ai4d_core.domain.irt import p_correct

TARGET_RATIO = 10.0
TARGET_MEDIAN_S = 1e-3
TYPES = ("single_choice", "multiple_choice", "true_false", "numeric", "ordering")


def bank(n_items: int, seed: int = 0) -> ItemPool:
    """A unidimensional bank: a ~ lognormal(0, 0.3), b ~ N(0, 1), mixed item types."""
    rng = np.random.default_rng(seed)
    a, b = rng.lognormal(0.0, 0.3, n_items), rng.normal(0.0, 1.0, n_items)
    return ItemPool([PoolItem(f"q{j}", "all", TYPES[j % len(TYPES)], a[j], b[j]) for j in range(n_items)])


def _quizzes(pool: ItemPool, learners: int, length: int, seed: int) -> list[list[tuple[PoolItem, float]]]:
    rng = np.random.default_rng(seed)
    plan = QuizPlan.diagnostic(["all"], target_se=None, max_items=length, pretest_rate=0)
    quizzes = []
    for learner in range(learners):
        theta, state, quiz = float(rng.normal()), QuizState(plan, learner), []
        while (item := next_item(state, pool)) is not None:
            score = float(rng.random() < p_correct(theta, item.a, item.b))
            state = record(state, item, score)
            quiz.append((item, score))
        quizzes.append(quiz)
    return quizzes


def time_ours(pool: ItemPool, quizzes: list[list[tuple[PoolItem, float]]]) -> list[float]:
    plan = QuizPlan.diagnostic(["all"], target_se=None, max_items=len(quizzes[0]) + 1, pretest_rate=0)
    shown: Counter[str] = Counter()
    times = []
    for learner, quiz in enumerate(quizzes):
        exposure = {i: c / learner for i, c in shown.items()} if learner else None
        state = QuizState(plan, learner)
        for item, score in quiz:
            start = time.perf_counter()
            state = record(state, item, score)
            next_item(state, pool, exposure=exposure)
            times.append(time.perf_counter() - start)
        shown.update(item.id for item, _ in quiz)
    return times


def time_catsim(pool: ItemPool, quizzes: list[list[tuple[PoolItem, float]]]) -> list[float]:
    from catsim.estimation import NumericalSearchEstimator
    from catsim.item_bank import ItemBank
    from catsim.selection import RandomesqueSelector

    item_bank = ItemBank(np.column_stack([pool.a, pool.b]))
    estimator, selector = NumericalSearchEstimator(), RandomesqueSelector(bin_size=5)
    rng = np.random.default_rng(0)
    times = []
    for quiz in quizzes:
        administered: list[int] = []
        responses: list[bool] = []
        theta = 0.0
        for item, score in quiz:
            start = time.perf_counter()
            administered.append(pool.index[item.id])
            responses.append(score >= 1.0)
            theta = estimator.estimate(
                item_bank=item_bank, administered_items=administered, response_vector=responses, est_theta=theta
            )
            selector.select(item_bank=item_bank, administered_items=administered, est_theta=theta, rng=rng)
            times.append(time.perf_counter() - start)
    return times


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench adaptive_step", description=__doc__)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--length", type=int, default=20, help="items per replayed quiz")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args, _ = parser.parse_known_args(argv)
    pool = bank(args.items)
    quizzes = _quizzes(pool, args.learners, args.length, seed=1)
    steps = sum(len(q) for q in quizzes)
    print(f"adaptive step: {args.items}-item bank, {args.learners} quizzes x {args.length} items = {steps} steps")
    time_ours(pool, quizzes[:5])  # warm-up
    ours, peer = np.array(time_ours(pool, quizzes)), np.array(time_catsim(pool, quizzes))
    for name, t in (("ours (EAP + max info, randomesque 5, rates)", ours), ("catsim 0.21 (ML + randomesque 5)", peer)):
        print(f"  {name:45s} median {np.median(t) * 1e3:7.3f} ms   p95 {np.percentile(t, 95) * 1e3:7.3f} ms")
    ratio = float(np.median(peer) / np.median(ours))
    ok = ratio >= TARGET_RATIO and float(np.median(ours)) < TARGET_MEDIAN_S
    print(f"  median ratio catsim / ours: {ratio:.1f}x (target >= {TARGET_RATIO:.0f}x and ours < 1 ms)")
    print(f"  {'PASS' if ok else 'FAIL'}")
    return 1 if args.check and not ok else 0
