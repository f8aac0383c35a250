"""2PL calibration (`calibrate_2pl`): recovery, a published data set, partial credit, anchors, priors, bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from ai4d_core.domain.irt_calibration import CalibrationResult, calibrate_2pl
from ai4d_core.domain.irt_simulation import SimulatedResponses, simulate_2pl

pytestmark = pytest.mark.unit
LSAT = Path(__file__).resolve().parents[1] / "data" / "irt" / "lsat6.csv"
# ltm 1.2-0, `summary(ltm(LSAT ~ z1, IRT.param = TRUE))`, as printed in Rizopoulos (2006), J. Stat. Softw.
# 17(5), and in ltm's own output: difficulty, its SE, discrimination, its SE; log-likelihood -2466.653.
LTM_LSAT = {
    "b": [-3.3597, -1.3696, -0.2799, -1.8659, -3.1236],
    "se_b": [0.8669, 0.3073, 0.0997, 0.4341, 0.8700],
    "a": [0.8254, 0.7229, 0.8905, 0.6886, 0.6575],
    "se_a": [0.2581, 0.1867, 0.2326, 0.1852, 0.2100],
}


def _fit(data: SimulatedResponses, **kwargs: object) -> CalibrationResult:
    return calibrate_2pl(data.persons, data.items, data.scores, data.a.size, **kwargs)  # type: ignore[arg-type]


def _r(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.corrcoef(x, y)[0, 1])


def _lsat_long() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The LSAT patterns in long format: one row per (pattern, item), weighted by the pattern's frequency."""
    lines = [line for line in LSAT.read_text().splitlines() if not line.startswith("#")]
    rows = list(csv.reader(lines))[1:]
    patterns = np.array([[int(c) for c in row[:5]] for row in rows], dtype=float)
    freq = np.array([int(row[5]) for row in rows], dtype=float)
    n = len(rows)
    return np.repeat(np.arange(n), 5), np.tile(np.arange(5), n), patterns.ravel(), np.repeat(freq, 5)


def test_recovers_a_and_b_on_a_complete_design() -> None:
    data = simulate_2pl(4000, 40, seed=1)
    fit = _fit(data)
    print(f"complete: r(a)={_r(fit.a, data.a):.3f} r(b)={_r(fit.b, data.b):.3f} in {fit.iterations} iterations")
    assert fit.converged
    assert _r(fit.a, data.a) >= 0.95 and _r(fit.b, data.b) >= 0.95
    assert np.all(fit.n_responses == 4000)


def test_recovers_a_and_b_on_a_sparse_design() -> None:
    """Each of 20,000 learners answers 15 of 120 items at random (about 2,500 responses per item)."""
    data = simulate_2pl(20_000, 120, 15, seed=2)
    fit = _fit(data)
    print(f"sparse: r(a)={_r(fit.a, data.a):.3f} r(b)={_r(fit.b, data.b):.3f}, exact SE {fit.exact_se}")
    assert fit.converged
    assert _r(fit.a, data.a) >= 0.95 and _r(fit.b, data.b) >= 0.95
    assert fit.n_responses.sum() == 20_000 * 15
    # The SEs are honest: about two thirds of the true b lie within one SE of the estimate.
    covered = np.mean(np.abs(fit.b - data.b) <= fit.se_b)
    assert 0.55 <= covered <= 0.8


def test_reproduces_ltm_on_the_lsat_data() -> None:
    persons, items, scores, weights = _lsat_long()
    fit = calibrate_2pl(persons, items, scores, weights=weights)
    assert fit.converged and fit.exact_se
    for name, published in LTM_LSAT.items():
        ours = getattr(fit, name)
        print(name, np.round(ours, 4), published)
        tolerance = 0.05 if name in ("a", "b") else 0.005
        assert np.allclose(ours, published, atol=tolerance), name
    assert fit.log_likelihood == pytest.approx(-2466.653, abs=0.01)
    assert np.all(fit.fit < 0.01)  # the 2PL fits these data (RMSD of the expected vs model proportions)


def test_frequency_weights_equal_repeated_rows() -> None:
    persons, items, scores, weights = _lsat_long()
    weighted = calibrate_2pl(persons, items, scores, weights=weights)
    copies = np.repeat(np.arange(persons.size // 5), weights[::5].astype(int))  # pattern of each examinee
    rows = (copies[:, None] * 5 + np.arange(5)).ravel()
    expanded = calibrate_2pl(np.repeat(np.arange(copies.size), 5), items[rows], scores[rows])
    assert np.allclose(weighted.a, expanded.a, atol=1e-6) and np.allclose(weighted.b, expanded.b, atol=1e-6)
    assert np.allclose(weighted.se_b, expanded.se_b, atol=1e-6)
    assert weighted.log_likelihood == pytest.approx(expanded.log_likelihood)
    assert np.all(weighted.n_responses == 1000)


def test_per_item_information_understates_short_test_ses_a_little(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the budget only each item's own block of the information is kept (cross-item terms dropped)."""
    from ai4d_core.domain import irt_information

    persons, items, scores, weights = _lsat_long()
    exact = calibrate_2pl(persons, items, scores, weights=weights)
    monkeypatch.setattr(irt_information, "FULL_INFORMATION_BUDGET", 0.0)
    block = calibrate_2pl(persons, items, scores, weights=weights)
    assert not block.exact_se
    ratio = block.se_b / exact.se_b
    print("block / exact SE of b:", np.round(ratio, 3))
    assert np.all((ratio > 0.9) & (ratio < 1.0))


def _item_five_with_credit(credit: float) -> CalibrationResult:
    data = simulate_2pl(3000, 10, seed=4)
    scores = data.scores.copy()
    right_on_5 = (data.items == 5) & (scores == 1.0)
    scores[right_on_5] = credit
    return calibrate_2pl(data.persons, data.items, scores, 10)


def test_partial_credit_enters_as_a_fractional_success() -> None:
    full, three_quarters, half = (_item_five_with_credit(c) for c in (1.0, 0.75, 0.5))
    # Less credit for the same answers makes the item harder; the other items barely move.
    assert full.b[5] < three_quarters.b[5] < half.b[5]
    assert np.allclose(full.b[:5], half.b[:5], atol=0.05)
    # An item where every response earns half credit says nothing about ability: a = 0, P = 0.5 everywhere.
    data = simulate_2pl(3000, 10, seed=4)
    scores = np.where(data.items == 3, 0.5, data.scores)
    flat = calibrate_2pl(data.persons, data.items, scores, 10)
    assert abs(flat.a[3]) < 0.05 and abs(flat.a[3] * flat.b[3]) < 0.05


def test_negative_scores_count_as_zero() -> None:
    data = simulate_2pl(1000, 8, seed=5)
    marked = np.where(data.scores == 0.0, -0.25, data.scores)  # negative marking
    plain, negative = _fit(data), calibrate_2pl(data.persons, data.items, marked, 8)
    assert np.array_equal(plain.a, negative.a) and np.array_equal(plain.b, negative.b)


def test_fixed_anchors_put_new_items_on_their_scale() -> None:
    """A sample abler than the anchors' (θ ~ N(0.7, 1)): a free calibration centres it at 0, anchors do not."""
    data = simulate_2pl(4000, 30, seed=6, theta_mean=0.7)
    free = _fit(data)
    assert np.mean(free.b - data.b) == pytest.approx(-0.7, abs=0.1)
    anchors = {j: (float(data.a[j]), float(data.b[j])) for j in range(20)}
    anchored = _fit(data, fixed=anchors)
    new = slice(20, 30)
    print("new items' b error:", np.round(anchored.b[new] - data.b[new], 3), "theta", anchored.theta_mean)
    assert anchored.converged
    assert abs(np.mean(anchored.b[new] - data.b[new])) < 0.06
    assert np.all(np.abs(anchored.b[new] - data.b[new]) < 4 * anchored.se_b[new])
    assert anchored.theta_mean == pytest.approx(0.7, abs=0.06) and anchored.theta_sd == pytest.approx(1.0, abs=0.06)
    assert np.array_equal(anchored.b[:20], data.b[:20]) and np.all(np.isnan(anchored.se_b[:20]))
    assert np.all(anchored.fit[:20] < 0.05)  # anchors still get a fit statistic


def test_weak_prior_keeps_an_all_correct_item_finite() -> None:
    data = simulate_2pl(2000, 10, seed=7)
    scores = np.where(data.items == 0, 1.0, data.scores)
    none = calibrate_2pl(data.persons, data.items, scores, 10)
    weak = calibrate_2pl(data.persons, data.items, scores, 10, prior="weak")
    print("all-correct item: none", none.a[0], none.b[0], "weak", weak.a[0], weak.b[0], weak.se_b[0])
    assert none.b[0] < -20 or none.se_b[0] > 100  # no finite maximum-likelihood estimate
    assert -8 < weak.b[0] < -1 and 0.2 < weak.a[0] < 5 and weak.se_b[0] < 5
    assert np.allclose(weak.b[1:], none.b[1:], atol=0.1)


def test_weak_prior_mean_of_b_pulls_a_thinly_answered_item() -> None:
    data = simulate_2pl(3000, 10, seed=8)
    keep = (data.items != 9) | (data.persons < 10)  # item 9 has 10 responses only
    args = (data.persons[keep], data.items[keep], data.scores[keep], 10)
    low = calibrate_2pl(*args, prior="weak", b_prior_mean=np.r_[np.zeros(9), -2.0])
    high = calibrate_2pl(*args, prior="weak", b_prior_mean=np.r_[np.zeros(9), 2.0])
    print("b of the thin item with prior mean -2 and 2:", low.b[9], high.b[9])
    assert high.b[9] - low.b[9] > 0.25  # the level's prior mean matters where data are thin
    assert np.allclose(high.b[:9], low.b[:9], atol=0.02)  # and not where they are plentiful


def test_an_item_nobody_answered_is_nan() -> None:
    data = simulate_2pl(500, 6, seed=9)
    fit = calibrate_2pl(data.persons, data.items, data.scores, 8)
    assert fit.n_responses[6:].tolist() == [0.0, 0.0]
    for values in (fit.a, fit.b, fit.se_a, fit.se_b, fit.fit):
        assert np.all(np.isnan(values[6:])) and not np.any(np.isnan(values[:6]))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"persons": [0, 0, 1], "items": [0, 0, 1], "scores": [1, 0, 1]}, "answered item 0 more than once"),
        ({"scores": [1, 1.5, 0]}, "at most 1"),
        ({"scores": [1, np.nan, 0]}, "finite"),
        ({"items": [0, -1, 1]}, "item indices"),
        ({"weights": [1, 2, 1]}, "same on all rows of a person"),
        ({"weights": [1, -1, 1]}, "non-negative"),
        ({"prior": "strong"}, "prior must be"),
        ({"b_prior_mean": [0.0, 0.0]}, "needs prior='weak'"),
        ({"fixed": {5: (1.0, 0.0)}}, "fixed item indices"),
        ({"fixed": {0: (0.0, 0.0)}}, "a != 0"),
        ({"persons": [], "items": [], "scores": []}, "no responses"),
    ],
)
def test_bad_input_is_refused_with_its_reason(change: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"persons": [0, 0, 1], "items": [0, 1, 1], "scores": [1, 0, 1]}
    args.update(change)
    with pytest.raises(ValueError, match=message):
        calibrate_2pl(**args)  # type: ignore[arg-type]


def test_an_em_cut_short_says_it_did_not_converge() -> None:
    persons, items, scores, weights = _lsat_long()
    short = calibrate_2pl(persons, items, scores, weights=weights, max_iter=3)
    assert short.iterations == 3 and not short.converged
    full = calibrate_2pl(persons, items, scores, weights=weights)
    assert full.converged and full.log_likelihood > short.log_likelihood


@pytest.mark.parametrize("budget", [0.0, 2e9], ids=["per-item SE", "exact SE"])
def test_dense_and_sparse_designs_agree(monkeypatch: pytest.MonkeyPatch, budget: float) -> None:
    """Small designs are held as dense matrices, large sparse ones as CSR; both must give the same answer."""
    from ai4d_core.domain import irt_fit, irt_information

    data = simulate_2pl(1500, 12, 8, seed=10)  # each person answers 8 of 12 items: dense by default
    monkeypatch.setattr(irt_information, "FULL_INFORMATION_BUDGET", budget)
    dense = _fit(data)
    monkeypatch.setattr(irt_fit, "DENSE_MAX_CELLS", 0)
    sparse = _fit(data)
    assert dense.exact_se == sparse.exact_se == (budget > 0)
    for name in ("a", "b", "se_a", "se_b", "fit"):
        assert np.allclose(getattr(dense, name), getattr(sparse, name), rtol=1e-8), name
    assert dense.log_likelihood == pytest.approx(sparse.log_likelihood, rel=1e-12)


def test_a_reversed_item_shows_negative_a_or_misfit() -> None:
    """An item whose key is wrong: negative a without a prior; under the log-normal prior (a > 0), a misfit."""
    data = simulate_2pl(3000, 10, seed=3)
    scores = np.where(data.items == 2, 1.0 - data.scores, data.scores)
    none = calibrate_2pl(data.persons, data.items, scores, 10)
    weak = calibrate_2pl(data.persons, data.items, scores, 10, prior="weak")
    assert none.a[2] == pytest.approx(-data.a[2], abs=0.15) and none.fit[2] < 0.02
    assert 0 < weak.a[2] < 0.2 and weak.fit[2] > 0.1 and np.all(np.delete(weak.fit, 2) < 0.05)
