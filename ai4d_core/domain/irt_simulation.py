"""Simulated 2PL responses in long format, for recovery tests and benchmarks of the calibration."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

_CHUNK = 10_000


@dataclass(frozen=True)
class SimulatedResponses:
    """True parameters and one row per response: `persons`, `items` (indices) and 0/1 `scores`."""

    a: NDArray[np.float64]
    b: NDArray[np.float64]
    theta: NDArray[np.float64]
    persons: NDArray[np.intp]
    items: NDArray[np.intp]
    scores: NDArray[np.float64]


def simulate_2pl(
    n_persons: int,
    n_items: int,
    per_person: int | None = None,
    *,
    seed: int = 0,
    theta_mean: float = 0.0,
    log_a_sd: float = 0.3,
    b_sd: float = 1.0,
) -> SimulatedResponses:
    """a ~ log-normal(0, log_a_sd²), b ~ N(0, b_sd²), θ ~ N(theta_mean, 1); each person answers
    `per_person` distinct items drawn at random (all items when None)."""
    rng = np.random.default_rng(seed)
    a = rng.lognormal(0.0, log_a_sd, n_items)
    b = rng.normal(0.0, b_sd, n_items)
    theta = rng.normal(theta_mean, 1.0, n_persons)
    if per_person is None or per_person >= n_items:
        items = np.tile(np.arange(n_items, dtype=np.intp), n_persons)
        k = n_items
    else:
        k = per_person
        chunks = [
            np.argpartition(rng.random((min(_CHUNK, n_persons - start), n_items)), k, axis=1)[:, :k]
            for start in range(0, n_persons, _CHUNK)
        ]
        items = np.concatenate(chunks).ravel().astype(np.intp)
    persons = np.repeat(np.arange(n_persons, dtype=np.intp), k)
    p = 1.0 / (1.0 + np.exp(-a[items] * (theta[persons] - b[items])))
    scores = (rng.random(persons.size) < p).astype(float)
    return SimulatedResponses(a, b, theta, persons, items, scores)
