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
