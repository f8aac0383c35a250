"""Standard errors (Louis's observed information) and the RMSD item fit of a 2PL calibration.

Louis (1982): observed information = E[-complete-data Hessian] - Cov[complete-data score], both over each
person's posterior at the nodes. The exact matrix over all free items is formed when the work
(nodes x persons x free items²) fits a budget; above it only each item's own 2 x 2 block is kept (cross-item
terms dropped), which understates the SEs of short tests by a few per cent (see `calibrate_2pl`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ai4d_core.domain.irt_fit import Array, EStep, ItemPrior, Responses

FULL_INFORMATION_BUDGET = 2e9  # nodes x persons x free items²
_CHUNK_ROWS = 200_000


def _icc(a: Array, d: Array, nodes: Array) -> Array:
    return 1.0 / (1.0 + np.exp(-(np.outer(a, nodes) + d[:, None])))


def rmsd_fit(stats: EStep, a: Array, d: Array, nodes: Array) -> Array:
    """RMSD per item between the posterior-expected proportion correct at each node and the model's ICC,
    weighted by the item's respondents' posterior mass at the node (NaN for an item with no responses)."""
    n, r = stats.n, stats.r
    p = _icc(a, d, nodes)
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = np.where(n > 0, (r - n * p) ** 2 / np.where(n > 0, n, 1.0), 0.0)
        fit: Array = np.sqrt(gap.sum(axis=1) / n.sum(axis=1))
    return fit


def _complete_information(stats: EStep, p: Array, nodes: Array) -> tuple[Array, Array, Array]:
    """Per item, the (a,a), (a,d), (d,d) entries of E[-complete-data Hessian]."""
    w = stats.n * p * (1.0 - p)
    return w @ nodes**2, w @ nodes, w.sum(axis=1)


def _mean_score_products(
    resp: Responses, stats: EStep, p: Array, nodes: Array, cells: tuple[NDArray[np.intp], ...], scores: Array
) -> tuple[Array, Array, Array]:
    """Per item, Σ_i w_i of s̄_a², s̄_a·s̄_d and s̄_d², where s̄_ij = E_i[(u_ij - P_j(θ))·(θ, 1)] over i's posterior."""
    p_theta = p * nodes
    theta_bar = nodes @ stats.posterior
    w = resp.person_weight
    if isinstance(resp.answered, np.ndarray):  # dense design: items x persons matrices
        s_a = resp.score.T * theta_bar - p_theta @ stats.posterior
        s_d = resp.score.T - p @ stats.posterior
        if not resp.complete:
            s_a *= resp.answered.T
            s_d *= resp.answered.T
        return (s_a * s_a) @ w, (s_a * s_d) @ w, (s_d * s_d) @ w
    persons, items = cells
    s_a, s_d = np.empty(persons.size), np.empty(persons.size)
    post_t = np.ascontiguousarray(stats.posterior.T)
    for start in range(0, persons.size, _CHUNK_ROWS):
        rows = slice(start, start + _CHUNK_ROWS)
        post = post_t[persons[rows]]
        s_a[rows] = scores[rows] * theta_bar[persons[rows]] - np.einsum("rq,rq->r", post, p_theta[items[rows]])
        s_d[rows] = scores[rows] - np.einsum("rq,rq->r", post, p[items[rows]])
    row_w = w[persons]

    def per_item(values: Array) -> Array:
        return np.bincount(items, weights=row_w * values, minlength=resp.n_items).astype(np.float64)

    return per_item(s_a * s_a), per_item(s_a * s_d), per_item(s_d * s_d)


def _block_information(
    resp: Responses, stats: EStep, p: Array, nodes: Array, cells: tuple[NDArray[np.intp], ...], scores: Array
) -> tuple[Array, Array, Array]:
    """Each item's own 2 x 2 block of Louis's observed information."""
    c_aa, c_ad, c_dd = _complete_information(stats, p, nodes)
    # Σ_i w_i Σ_q post_iq (u_ij - P_jq)² v_q v_qᵀ, with v_q = (θ_q, 1), from the expected counts ...
    u2 = np.asarray((stats.posterior * resp.person_weight) @ resp.score_sq).T
    sq = u2 - 2.0 * p * stats.r + p * p * stats.n
    # ... minus Σ_i w_i s̄_ij s̄_ijᵀ.
    m_aa, m_ad, m_dd = _mean_score_products(resp, stats, p, nodes, cells, scores)
    return c_aa - (sq @ nodes**2 - m_aa), c_ad - (sq @ nodes - m_ad), c_dd - (sq.sum(axis=1) - m_dd)


def _dense(matrix: Any) -> Array:
    return matrix if isinstance(matrix, np.ndarray) else np.asarray(matrix.toarray())


def _full_information(resp: Responses, stats: EStep, p: Array, nodes: Array, free: NDArray[np.intp]) -> Array:
    """Louis's observed information over (a_j, d_j) of every free item, interleaved [a_0, d_0, a_1, ...]."""
    answered, score = _dense(resp.answered)[:, free], _dense(resp.score)[:, free]
    pf = p[free]
    k = free.size
    moments = np.zeros((3, k, k))  # Σ_i w_i Σ_q post_iq θ_q^m r_ijq r_ikq, m = 0, 1, 2
    for q, theta in enumerate(nodes):
        resid = (score - pf[:, q]) * answered
        gram = (resid * (stats.posterior[q] * resp.person_weight)[:, None]).T @ resid
        moments += np.array([1.0, theta, theta * theta])[:, None, None] * gram
    e_p, e_tp = (pf @ stats.posterior).T, ((pf * nodes) @ stats.posterior).T
    theta_bar = nodes @ stats.posterior
    s_a = (score * theta_bar[:, None] - e_tp) * answered
    s_d = (score - e_p) * answered
    scores = np.empty((resp.n_persons, 2 * k))
    scores[:, 0::2], scores[:, 1::2] = s_a, s_d
    cross = (scores * resp.person_weight[:, None]).T @ scores
    info = cross  # E[-H] - (Σ_i w_i E_i[S Sᵀ] - Σ_i w_i s̄_i s̄_iᵀ)
    info[0::2, 0::2] -= moments[2]
    info[0::2, 1::2] -= moments[1]
    info[1::2, 0::2] -= moments[1]
    info[1::2, 1::2] -= moments[0]
    c_aa, c_ad, c_dd = _complete_information(stats, p, nodes)
    idx = np.arange(k)
    info[2 * idx, 2 * idx] += c_aa[free]
    info[2 * idx, 2 * idx + 1] += c_ad[free]
    info[2 * idx + 1, 2 * idx] += c_ad[free]
    info[2 * idx + 1, 2 * idx + 1] += c_dd[free]
    return info


def standard_errors(
    resp: Responses,
    stats: EStep,
    a: Array,
    d: Array,
    nodes: Array,
    free: NDArray[np.intp],
    prior: ItemPrior,
    cells: tuple[NDArray[np.intp], ...],
    scores: Array,
) -> tuple[Array, Array, bool]:
    """SEs of a and b (delta method, b = -d/a) for the `free` items; NaN where the information is singular.

    Returns (se_a, se_b, exact): `exact` is False when only each item's own block was used.
    """
    se_a, se_b = np.full(a.size, np.nan), np.full(a.size, np.nan)
    if free.size == 0:
        return se_a, se_b, True
    p = _icc(a, d, nodes)
    _, _, _, paa, pad, pdd = prior.terms(a[free], d[free], free)
    exact = nodes.size * resp.n_persons * free.size**2 <= FULL_INFORMATION_BUDGET
    with np.errstate(invalid="ignore", divide="ignore"):  # a = 0 leaves b, and its SE, undefined
        grad_b = np.stack([d[free] / a[free] ** 2, -1.0 / a[free]], axis=1)  # ∂b/∂(a, d)
        if exact:
            info = _full_information(resp, stats, p, nodes, free)
            idx = np.arange(free.size)
            info[2 * idx, 2 * idx] -= paa
            info[2 * idx, 2 * idx + 1] -= pad
            info[2 * idx + 1, 2 * idx] -= pad
            info[2 * idx + 1, 2 * idx + 1] -= pdd
            try:
                cov = np.linalg.inv(info)
            except np.linalg.LinAlgError:
                return se_a, se_b, True
            var_a = np.diag(cov)[0::2]
            blocks = np.stack([cov[2 * idx, 2 * idx], cov[2 * idx, 2 * idx + 1], cov[2 * idx + 1, 2 * idx + 1]])
        else:
            i_aa, i_ad, i_dd = (m[free] for m in _block_information(resp, stats, p, nodes, cells, scores))
            i_aa, i_ad, i_dd = i_aa - paa, i_ad - pad, i_dd - pdd
            det = i_aa * i_dd - i_ad**2
            blocks = np.stack([i_dd / det, -i_ad / det, i_aa / det])
            var_a = blocks[0]
        g_a, g_d = grad_b[:, 0], grad_b[:, 1]
        var_b = g_a**2 * blocks[0] + 2 * g_a * g_d * blocks[1] + g_d**2 * blocks[2]
        se_a[free] = np.where(var_a > 0, np.sqrt(var_a), np.nan)
        se_b[free] = np.where(var_b > 0, np.sqrt(var_b), np.nan)
    return se_a, se_b, exact
