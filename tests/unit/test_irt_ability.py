"""Ability estimates: the grid EAP is the posterior mean, the batch agrees with one learner at a time and with the
online update, and the uncertainty follows the information collected."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from ai4d_core.domain.irt import (
    Ability,
    Observation,
    Posterior,
    eap,
    eap_many,
    information,
    p_correct,
    probability,
)

pytestmark = pytest.mark.unit


def _brute_force(observations: list[Observation], mean: float = 0.0, sd: float = 1.0) -> tuple[float, float]:
    """Posterior mean and SD by a fine trapezoid integral over a wide range."""
    t = np.linspace(-8, 8, 20_001)
    density = np.exp(-0.5 * ((t - mean) / sd) ** 2)
    for o in observations:
        p = 1 / (1 + np.exp(-o.a * (t - o.b)))
        u = min(max(o.score, 0.0), 1.0)
        density *= p**u * (1 - p) ** (1 - u)
    z = np.trapezoid(density, t)
    m = np.trapezoid(t * density, t) / z
    return float(m), float(math.sqrt(np.trapezoid((t - m) ** 2 * density, t) / z))


def test_probability_and_information_follow_the_2pl_and_broadcast() -> None:
    assert p_correct(0.5, 1.3, 0.5) == pytest.approx(0.5)
    assert p_correct(1.0, 2.0, 0.0) == pytest.approx(1 / (1 + math.exp(-2.0)))
    grid = probability(np.array([[-1.0], [0.0], [1.0]]), np.array([1.0, 2.0]), np.array([0.0, 0.0]))
    assert grid.shape == (3, 2) and np.all(np.diff(grid, axis=0) > 0)  # rises with ability
    info = information(np.linspace(-3, 3, 61), 1.5, 0.4)
    assert np.linspace(-3, 3, 61)[info.argmax()] == pytest.approx(0.4)  # most informative at theta = b
    assert info.max() == pytest.approx(1.5**2 / 4)


@pytest.mark.parametrize(
    "observations",
    [
        [Observation(1.2, -0.5, 1.0), Observation(0.8, 0.3, 0.0), Observation(1.7, 1.0, 1.0)],
        [Observation(1.0, 0.0, 0.5), Observation(2.0, -1.0, 0.25)],  # partial credit
        [Observation(1.5, 0.0, 1.0)] * 6,  # all right: the prior keeps it finite
    ],
)
def test_eap_agrees_with_a_brute_force_integral(observations: list[Observation]) -> None:
    mean, sd = _brute_force(observations)
    ability = eap(observations)
    assert ability.theta == pytest.approx(mean, abs=2e-3)
    assert ability.se == pytest.approx(sd, abs=2e-3)


def test_a_negative_score_counts_as_a_wrong_answer_and_a_prior_can_be_moved() -> None:
    assert eap([Observation(1.0, 0.0, -0.5)]) == eap([Observation(1.0, 0.0, 0.0)])
    shifted = eap([Observation(1.0, 0.0, 1.0)], prior_mean=1.0, prior_sd=0.5)
    mean, sd = _brute_force([Observation(1.0, 0.0, 1.0)], 1.0, 0.5)
    assert shifted == Ability(pytest.approx(mean, abs=2e-3), pytest.approx(sd, abs=2e-3))  # type: ignore[arg-type]


def test_eap_many_equals_the_estimate_of_each_learner_on_their_own() -> None:
    rng = np.random.default_rng(3)
    n_persons, n_rows = 40, 300
    persons = rng.integers(0, n_persons - 2, n_rows)  # the last two learners answered nothing
    a, b = rng.uniform(0.5, 2.0, n_rows), rng.normal(0, 1, n_rows)
    scores = rng.choice([-0.5, 0.0, 0.5, 1.0], n_rows)
    means = rng.normal(0, 0.5, n_persons)
    theta, se = eap_many(persons, a, b, scores, n_persons, prior_mean=means, prior_sd=0.8)
    for p in range(n_persons):
        rows = np.flatnonzero(persons == p)
        one = eap([Observation(a[r], b[r], scores[r]) for r in rows], prior_mean=means[p], prior_sd=0.8)
        assert (theta[p], se[p]) == (pytest.approx(one.theta, abs=5e-4), pytest.approx(one.se, abs=5e-4))
    assert se[-1] == pytest.approx(0.8, abs=1e-3) and theta[-1] == pytest.approx(means[-1], abs=1e-3)


def test_eap_many_refuses_rows_that_do_not_line_up() -> None:
    with pytest.raises(ValueError, match="same length"):
        eap_many([0, 1], [1.0], [0.0], [1.0], 2)
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        eap_many([0, 2], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0], 2)


def test_online_update_after_each_answer_equals_the_batch_estimate() -> None:
    rng = np.random.default_rng(5)
    observations = [Observation(rng.uniform(0.5, 2), rng.normal(), rng.choice([0.0, 1.0, 0.5])) for _ in range(15)]
    posterior = Posterior.prior()
    for o in observations:
        posterior = posterior.update(o.a, o.b, o.score)
    batch = eap(observations)
    assert posterior.n == 15
    assert posterior.ability.theta == pytest.approx(batch.theta, abs=5e-4)
    assert posterior.ability.se == pytest.approx(batch.se, abs=5e-4)
    assert Posterior.prior().ability == Ability(pytest.approx(0.0), pytest.approx(1.0, abs=1e-3))  # type: ignore[arg-type]


def test_se_shrinks_as_information_accumulates_and_more_for_informative_items() -> None:
    answers = [Observation(1.0, 0.0, float(k % 2)) for k in range(20)]
    ses = [eap(answers[:n]).se for n in range(0, 21, 4)]
    assert all(later < earlier for earlier, later in itertools.pairwise(ses))
    sharp = eap([Observation(2.0, 0.0, float(k % 2)) for k in range(10)])
    blunt = eap([Observation(0.5, 0.0, float(k % 2)) for k in range(10)])
    assert sharp.se < blunt.se
    # With information I, the SE is about 1 / sqrt(1 + I) (prior precision 1).
    assert sharp.se == pytest.approx(1 / math.sqrt(1 + 10 * 2.0**2 / 4), rel=0.1)
