"""The EM machinery of 2PL calibration: the response design, the quadrature, the E-step and the M-step.

Items are fitted in the slope-intercept form z = a·θ + d (b = -d/a), where each item's complete-data
log-likelihood is concave; `irt_calibration` documents the model and holds the public API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

Array = NDArray[np.float64]
# Above this many persons x items, or below this share of answered cells, the design is kept sparse.
DENSE_MAX_CELLS = 20_000_000
DENSE_MIN_FILL = 0.3
D_BOUND = 30.0  # |d| at most: an item everyone (or no one) gets right has no finite MLE without a prior
A_BOUND = 20.0


@dataclass(frozen=True)
class Responses:
    """Scores as persons x items matrices: `answered` (1 where presented) and `score` (in [0, 1]).

    Both are dense arrays or CSR matrices; the algorithms only use `@`, so either works. `score_sq` holds
    the squared scores (equal to `score` for 0/1 data), used by the standard errors. `complete` says that
    every person answered every item, which lets the E-step skip two of its three matrix products.
    """

    answered: Any
    score: Any
    score_sq: Any
    person_weight: Array
    n_persons: int
    n_items: int
    complete: bool = False

    @classmethod
    def build(
        cls, persons: NDArray[np.intp], items: NDArray[np.intp], scores: Array, person_weight: Array, n_items: int
    ) -> Responses:
        n_persons = person_weight.size
        cells = n_persons * n_items
        if cells <= DENSE_MAX_CELLS and persons.size >= DENSE_MIN_FILL * cells:
            answered = np.zeros((n_persons, n_items))
            answered[persons, items] = 1.0
            score = np.zeros((n_persons, n_items))
            score[persons, items] = scores
            return cls(answered, score, score * score, person_weight, n_persons, n_items, persons.size == cells)
        shape = (n_persons, n_items)

        def csr(values: Array) -> Any:
            return sparse.csr_array((values, (persons, items)), shape=shape)

        return cls(csr(np.ones(persons.size)), csr(scores), csr(scores * scores), person_weight, n_persons, n_items)


@dataclass(frozen=True)
class Quadrature:
    """Fixed nodes on the θ scale with the normal population density N(mean, sd²) as weights."""

    nodes: Array
    mean: float = 0.0
    sd: float = 1.0

    @classmethod
    def grid(cls, n_points: int = 61, bound: float = 6.0) -> Quadrature:
        return cls(np.linspace(-bound, bound, n_points))

    def with_population(self, mean: float, sd: float) -> Quadrature:
        return Quadrature(self.nodes, mean, sd)

    @property
    def log_weights(self) -> Array:
        log_w: Array = -0.5 * ((self.nodes - self.mean) / self.sd) ** 2
        return log_w - float(np.logaddexp.reduce(log_w))


@dataclass(frozen=True)
class EStep:
    """Posterior over the nodes and the expected counts per item and node (`n`: answered, `r`: score)."""

    posterior: Array  # nodes x persons, columns sum to 1
    n: Array  # items x nodes
    r: Array  # items x nodes
    log_likelihood: float


def e_step(resp: Responses, a: Array, d: Array, quad: Quadrature) -> EStep:
    """Posterior of each person's θ at the nodes, and the expected counts the M-step needs.

    Arrays are laid out nodes x persons so that every reduction over the nodes runs along contiguous rows.
    """
    # Σ_items [u·z - softplus(z)] with z = a·θ + d: the linear part needs two matrix-vector products only.
    softplus = np.logaddexp(0.0, np.outer(quad.nodes, a) + d)
    if resp.complete:
        log_post = np.repeat(-softplus.sum(axis=1)[:, None], resp.n_persons, axis=1)
    else:
        log_post = np.asarray(softplus @ resp.answered.T)
        np.negative(log_post, out=log_post)
    log_post += np.outer(quad.nodes, resp.score @ a)
    log_post += resp.score @ d
    log_post += quad.log_weights[:, None]
    top = log_post.max(axis=0)
    log_post -= top
    posterior = np.exp(log_post, out=log_post)
    total = posterior.sum(axis=0)
    posterior /= total
    log_likelihood = float(resp.person_weight @ (top + np.log(total)))
    weighted = posterior * resp.person_weight
    if resp.complete:
        n = np.broadcast_to(weighted.sum(axis=1), (resp.n_items, quad.nodes.size))
    else:
        n = np.asarray(weighted @ resp.answered).T
    r = np.asarray(weighted @ resp.score).T
    return EStep(posterior, n, r, log_likelihood)


@dataclass(frozen=True)
class ItemPrior:
    """Log-normal density on a (log a ~ N(log_a_mean, log_a_sd²)) and N(b_mean, b_sd²) on b = -d/a.

    `enabled=False` is maximum likelihood. `terms` gives the log density and its derivatives in (a, d).
    """

    enabled: bool
    b_mean: Array
    log_a_mean: float = 0.0
    log_a_sd: float = 0.5
    b_sd: float = 2.0

    def terms(self, a: Array, d: Array, rows: NDArray[np.intp]) -> tuple[Array, ...]:
        """(value, ∂a, ∂d, ∂²a, ∂a∂d, ∂²d) of the log prior, for the items `rows`."""
        zero = np.zeros_like(a)
        if not self.enabled:
            return zero, zero, zero, zero, zero, zero
        log_a = np.log(a)
        ka = (log_a - self.log_a_mean) / self.log_a_sd**2
        value = -log_a - 0.5 * (log_a - self.log_a_mean) ** 2 / self.log_a_sd**2
        g_a = (-1.0 - ka) / a
        h_aa = (1.0 + ka - 1.0 / self.log_a_sd**2) / a**2
        b = -d / a
        fb = -(b - self.b_mean[rows]) / self.b_sd**2  # d/db of the log density, and its second derivative:
        fbb = -1.0 / self.b_sd**2
        b_a, b_d = d / a**2, -1.0 / a  # derivatives of b = -d/a
        value = value - 0.5 * (b - self.b_mean[rows]) ** 2 / self.b_sd**2
        return (
            value,
            g_a + fb * b_a,
            fb * b_d,
            h_aa + fbb * b_a**2 + fb * (-2.0 * d / a**3),
            fbb * b_a * b_d + fb / a**2,
            fbb * b_d**2 + zero,
        )


def _objective(n: Array, r: Array, a: Array, d: Array, nodes: Array, prior: ItemPrior, rows: NDArray[np.intp]) -> Array:
    z = np.outer(a, nodes) + d[:, None]
    value: Array = np.sum(r * z - n * np.logaddexp(0.0, z), axis=1)
    return value + prior.terms(a, d, rows)[0]


def m_step(
    stats: EStep, a: Array, d: Array, nodes: Array, prior: ItemPrior, rows: NDArray[np.intp], max_newton: int = 8
) -> tuple[Array, Array]:
    """Maximise each item's expected complete-data log posterior by damped Newton steps, all items at once."""
    n, r = stats.n[rows], stats.r[rows]
    a, d = a[rows].copy(), d[rows].copy()
    current = _objective(n, r, a, d, nodes, prior, rows)
    for _ in range(max_newton):
        z = np.outer(a, nodes) + d[:, None]
        p = 1.0 / (1.0 + np.exp(-z))
        resid, info = r - n * p, n * p * (1.0 - p)
        _, pa, pd, paa, pad, pdd = prior.terms(a, d, rows)
        g_a, g_d = resid @ nodes + pa, resid.sum(axis=1) + pd
        h_aa, h_ad, h_dd = paa - info @ nodes**2, pad - info @ nodes, pdd - info.sum(axis=1)
        # Levenberg shift: make the 2 x 2 Hessian negative definite where a prior bent it the wrong way.
        top = 0.5 * (h_aa + h_dd) + np.sqrt(0.25 * (h_aa - h_dd) ** 2 + h_ad**2)
        shift = np.maximum(0.0, top + 1e-8 + 1e-6 * np.abs(h_aa + h_dd))
        h_aa, h_dd = h_aa - shift, h_dd - shift
        det = h_aa * h_dd - h_ad**2
        step_a = -(h_dd * g_a - h_ad * g_d) / det
        step_d = -(h_aa * g_d - h_ad * g_a) / det
        scale = np.minimum(1.0, 1.0 / np.maximum(np.abs(step_a), np.abs(step_d)).clip(1e-300))
        step_a, step_d = step_a * scale, step_d * scale
        moving = np.ones(a.size, dtype=bool)
        for _ in range(30):  # step halving until the objective does not decrease
            new_a = np.clip(a + step_a, -A_BOUND, A_BOUND)
            new_d = np.clip(d + step_d, -D_BOUND, D_BOUND)
            if prior.enabled:
                new_a = np.maximum(new_a, 1e-3)
            candidate = _objective(n, r, new_a, new_d, nodes, prior, rows)
            better = candidate >= current - 1e-12 * np.abs(current)
            a, d = np.where(moving & better, new_a, a), np.where(moving & better, new_d, d)
            current = np.where(moving & better, candidate, current)
            moving &= ~better
            if not moving.any():
                break
            step_a, step_d = 0.5 * step_a, 0.5 * step_d
        if max(np.max(np.abs(step_a), initial=0.0), np.max(np.abs(step_d), initial=0.0)) < 1e-9:
            break
    return a, d


def population_update(posterior: Array, person_weight: Array, nodes: Array) -> tuple[float, float]:
    """EM update of the normal population's mean and SD from the posterior masses at the nodes."""
    mass = posterior @ person_weight
    mass /= mass.sum()
    mean = float(mass @ nodes)
    return mean, float(np.sqrt(mass @ (nodes - mean) ** 2))
