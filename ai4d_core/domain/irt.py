"""2PL item response theory on a fixed quadrature grid: probability, information and EAP ability with its SE.

P(correct | theta) = 1 / (1 + exp(-a (theta - b))). A score u in [0, 1] enters as a fractional Bernoulli:
its log-likelihood is u log P + (1 - u) log(1 - P); negative scores (negative marking) clamp to 0, the same
convention as the calibration. Every estimate integrates over `GRID` (81 points from -4 to 4), so the many-learner
batch, the per-learner estimate and the online update after each answer agree to rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
ArrayLike = float | Sequence[float] | npt.NDArray[np.floating] | npt.NDArray[np.integer]

GRID: FloatArray = np.linspace(-4.0, 4.0, 81)
_MOMENTS: FloatArray = np.stack([np.ones_like(GRID), GRID, GRID**2], axis=1)
_CHUNK = 20_000  # rows per block in eap_many: bounds the (rows x grid) work array to ~13 MB


@dataclass(frozen=True, slots=True)
class Observation:
    """One scored response: item discrimination `a`, difficulty `b`, and a score in [-1, 1]."""

    a: float
    b: float
    score: float


@dataclass(frozen=True, slots=True)
class Ability:
    theta: float
    se: float


def probability(theta: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatArray:
    """P(correct | theta) under the 2PL model, broadcasting over its arguments."""
    t, a_, b_ = (np.asarray(x, dtype=np.float64) for x in (theta, a, b))
    return np.asarray(1.0 / (1.0 + np.exp(-a_ * (t - b_))), dtype=np.float64)


def information(theta: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Fisher information a^2 P (1 - P) of 2PL items at theta, broadcasting."""
    p = probability(theta, a, b)
    return np.asarray(np.asarray(a, dtype=np.float64) ** 2 * p * (1.0 - p), dtype=np.float64)


def p_correct(theta: float, a: float, b: float) -> float:
    """P(correct | theta) for one learner and one item."""
    return float(probability(theta, a, b))


def clamp_scores(scores: ArrayLike) -> FloatArray:
    """Scores as fractional successes: negatives count as 0, nothing above 1."""
    return np.clip(np.asarray(scores, dtype=np.float64), 0.0, 1.0)


def log_likelihood(a: ArrayLike, b: ArrayLike, scores: ArrayLike) -> FloatArray:
    """Log-likelihood of each response over the grid: shape (n responses, len(GRID))."""
    z = np.asarray(a, dtype=np.float64)[:, None] * (GRID[None, :] - np.asarray(b, dtype=np.float64)[:, None])
    return _loglik(z, clamp_scores(scores)[:, None])


def _loglik(z: FloatArray, u: FloatArray | float) -> FloatArray:
    # log P = -log(1 + e^-z) and log(1 - P) = log P - z: one stable transcendental per cell.
    return np.asarray(-np.logaddexp(0.0, -z) - (1.0 - u) * z, dtype=np.float64)


def log_prior(mean: ArrayLike = 0.0, sd: ArrayLike = 1.0) -> FloatArray:
    """Normal log-prior over the grid (unnormalised); array means/sds give one row each."""
    m = np.asarray(mean, dtype=np.float64)[..., None]
    s = np.asarray(sd, dtype=np.float64)[..., None]
    if np.any(s <= 0):
        raise ValueError("prior_sd must be positive")
    return np.asarray(-0.5 * ((GRID - m) / s) ** 2, dtype=np.float64)


def summarize(log_density: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Posterior mean and SD of each row of an unnormalised log-density over the grid."""
    w = np.exp(log_density - log_density.max(axis=-1, keepdims=True))
    moments = w @ _MOMENTS  # (..., 3): mass, first and second moments
    mean = moments[..., 1] / moments[..., 0]
    var = moments[..., 2] / moments[..., 0] - mean**2
    return np.asarray(mean + 0.0, dtype=np.float64), np.sqrt(np.maximum(var, 0.0))


def eap_many(
    persons: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    scores: ArrayLike,
    n_persons: int,
    prior_mean: ArrayLike = 0.0,
    prior_sd: ArrayLike = 1.0,
) -> tuple[FloatArray, FloatArray]:
    """EAP ability and SE of `n_persons` learners from long-format rows (person index, item a, b, score).

    Learners without rows get their prior back. `prior_mean`/`prior_sd` may be scalars or one value per person.
    """
    who = np.asarray(persons, dtype=np.int64)
    a_, b_, u = (np.asarray(x, dtype=np.float64) for x in (a, b, scores))
    if not (who.shape == a_.shape == b_.shape == u.shape) or who.ndim != 1:
        raise ValueError("persons, a, b and scores must be 1-d arrays of the same length")
    if who.size and (who.min() < 0 or who.max() >= n_persons):
        raise ValueError(f"person indices must lie in [0, {n_persons})")
    total = np.broadcast_to(log_prior(prior_mean, prior_sd), (n_persons, GRID.size)).copy()
    # Items repeat across learners: tabulate z = a (theta - b) and log(1 - P) once per distinct (a, b); a row's
    # log-likelihood is then log(1 - P) + u z. Rows sorted by person reduce to per-learner sums block by block.
    pairs, item = np.unique(a_ + 1j * b_, return_inverse=True)
    z = pairs.real[:, None] * (GRID[None, :] - pairs.imag[:, None])
    log_q = _loglik(z, 0.0)
    order = np.argsort(who, kind="stable")
    who, item, u = who[order], item.reshape(-1)[order], clamp_scores(u[order])
    for start in range(0, who.size, _CHUNK):
        rows = slice(start, start + _CHUNK)
        w, i = who[rows], item[rows]
        starts = np.flatnonzero(np.r_[True, w[1:] != w[:-1]])
        total[w[starts]] += np.add.reduceat(log_q[i] + u[rows, None] * z[i], starts, axis=0)
    return summarize(total)


@dataclass(frozen=True, slots=True)
class Posterior:
    """One learner's ability posterior on the grid, updated answer by answer (immutable)."""

    log_density: FloatArray = field(repr=False)
    n: int = 0

    @classmethod
    def prior(cls, mean: float = 0.0, sd: float = 1.0) -> Posterior:
        return cls(log_prior(mean, sd))

    def update(self, a: float, b: float, score: float) -> Posterior:
        """The posterior after one more scored answer."""
        u = min(max(score, 0.0), 1.0)
        return Posterior(self.log_density + _loglik(a * (GRID - b), u), self.n + 1)

    def update_many(self, a: ArrayLike, b: ArrayLike, scores: ArrayLike) -> Posterior:
        """The posterior after several scored answers at once."""
        ll = log_likelihood(np.atleast_1d(a), np.atleast_1d(b), np.atleast_1d(scores))
        return Posterior(self.log_density + ll.sum(axis=0), self.n + ll.shape[0])

    @property
    def ability(self) -> Ability:
        mean, sd = summarize(self.log_density)
        return Ability(float(mean), float(sd))


def eap(observations: Sequence[Observation], prior_mean: float = 0.0, prior_sd: float = 1.0) -> Ability:
    """Expected a-posteriori ability of one learner, rounded to 3 decimals."""
    posterior = Posterior.prior(prior_mean, prior_sd)
    if observations:
        rows = np.array([(o.a, o.b, o.score) for o in observations], dtype=np.float64)
        posterior = posterior.update_many(rows[:, 0], rows[:, 1], rows[:, 2])
    ability = posterior.ability
    return Ability(round(ability.theta, 3) + 0.0, round(ability.se, 3))
