"""2PL item response theory: probability of success and the EAP ability estimate with its standard error."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

_GRID = [-4.0 + 0.1 * k for k in range(81)]  # quadrature points over the ability scale
_PRIOR = [math.exp(-0.5 * t * t) for t in _GRID]  # standard normal prior (unnormalised)


@dataclass(frozen=True, slots=True)
class Observation:
    """One scored response: item discrimination `a`, difficulty `b`, and a score in [0, 1]."""

    a: float
    b: float
    score: float


@dataclass(frozen=True, slots=True)
class Ability:
    theta: float
    se: float


def p_correct(theta: float, a: float, b: float) -> float:
    """P(correct | theta) under the 2PL model."""
    return 1.0 / (1.0 + math.exp(-a * (theta - b)))


def eap(observations: Sequence[Observation]) -> Ability:
    """Expected a-posteriori ability; partial scores count as fractional successes."""
    posterior = []
    for theta, prior in zip(_GRID, _PRIOR, strict=True):
        log_like = 0.0
        for o in observations:
            p = min(max(p_correct(theta, o.a, o.b), 1e-9), 1 - 1e-9)
            u = min(max(o.score, 0.0), 1.0)
            log_like += u * math.log(p) + (1 - u) * math.log(1 - p)
        posterior.append(prior * math.exp(log_like))
    total = sum(posterior)
    mean = sum(t * w for t, w in zip(_GRID, posterior, strict=True)) / total
    var = sum((t - mean) ** 2 * w for t, w in zip(_GRID, posterior, strict=True)) / total
    return Ability(round(mean, 3), round(math.sqrt(var), 3))
