"""The EM loop of 2PL calibration, accelerated by SQUAREM (Varadhan & Roland 2008, scheme S3).

Each SQUAREM cycle takes two EM steps from x0, extrapolates along them, and takes one EM step from the
extrapolated point; if that point is invalid or lowers the objective (log-likelihood plus log prior), the cycle
falls back to the plain EM iterate. The result is a fixed point of the plain EM map: `converged` means one
EM step moved no free a, d (nor the population's mean and SD) by `tol` or more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ai4d_core.domain.irt_fit import (
    A_BOUND,
    D_BOUND,
    Array,
    ItemPrior,
    Quadrature,
    Responses,
    e_step,
    m_step,
    population_update,
)


@dataclass(frozen=True)
class EMResult:
    a: Array
    d: Array
    quadrature: Quadrature
    iterations: int  # EM steps (E-step + M-step) taken
    converged: bool


@dataclass(frozen=True)
class _Problem:
    resp: Responses
    prior: ItemPrior
    free: NDArray[np.intp]
    a: Array  # full-length templates holding the fixed items' values
    d: Array
    quad: Quadrature
    estimate_population: bool

    def pack(self, a: Array, d: Array, quad: Quadrature) -> Array:
        tail = [quad.mean, quad.sd] if self.estimate_population else []
        return np.concatenate([a[self.free], d[self.free], tail])

    def unpack(self, x: Array) -> tuple[Array, Array, Quadrature]:
        k = self.free.size
        a, d = self.a.copy(), self.d.copy()
        a[self.free], d[self.free] = x[:k], x[k : 2 * k]
        quad = self.quad.with_population(float(x[-2]), float(x[-1])) if self.estimate_population else self.quad
        return a, d, quad

    def valid(self, x: Array) -> bool:
        k = self.free.size
        if self.prior.enabled and np.any(x[:k] <= 0.0):
            return False
        in_bounds = bool(np.all(np.abs(x[:k]) <= A_BOUND) and np.all(np.abs(x[k : 2 * k]) <= D_BOUND))
        return in_bounds and (not self.estimate_population or bool(x[-1] > 0.05))

    def step(self, x: Array) -> tuple[Array, float]:
        """One EM step from x, and the objective (log-likelihood + log prior) at x."""
        a, d, quad = self.unpack(x)
        stats = e_step(self.resp, a, d, quad)
        objective = stats.log_likelihood + float(np.sum(self.prior.terms(a[self.free], d[self.free], self.free)[0]))
        a[self.free], d[self.free] = m_step(stats, a, d, quad.nodes, self.prior, self.free)
        if self.estimate_population:
            quad = quad.with_population(*population_update(stats.posterior, self.resp.person_weight, quad.nodes))
        return self.pack(a, d, quad), objective


def run_em(
    resp: Responses,
    a: Array,
    d: Array,
    quad: Quadrature,
    prior: ItemPrior,
    free: NDArray[np.intp],
    *,
    estimate_population: bool,
    tol: float,
    max_iter: int,
) -> EMResult:
    """Fit the free items (and the population when asked) from the starting values, SQUAREM-accelerated."""
    problem = _Problem(resp, prior, free, a, d, quad, estimate_population)
    x0 = problem.pack(a, d, quad)
    steps = 0

    def em(x: Array) -> tuple[Array, float, bool]:
        nonlocal steps
        steps += 1
        new, objective = problem.step(x)
        return new, objective, bool(np.max(np.abs(new - x), initial=0.0) < tol)

    while steps < max_iter:
        x1, _, done = em(x0)
        if done or steps >= max_iter:
            return EMResult(*problem.unpack(x1), steps, done)
        x2, objective_x1, done = em(x1)
        if done or steps >= max_iter:
            return EMResult(*problem.unpack(x2), steps, done)
        r, v = x1 - x0, x2 - 2 * x1 + x0
        alpha = min(-1.0, -float(np.sqrt((r @ r) / (v @ v)))) if v @ v > 0 else -1.0
        jump = x0 - 2 * alpha * r + alpha * alpha * v
        if not problem.valid(jump):
            x0 = x2
            continue
        x3, objective_jump, done = em(jump)
        if done:
            return EMResult(*problem.unpack(x3), steps, done)
        x0 = x3 if objective_jump >= objective_x1 else x2
    return EMResult(*problem.unpack(x0), steps, False)
