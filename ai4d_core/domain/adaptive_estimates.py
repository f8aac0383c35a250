"""Per-topic ability during a quiz: the answers' log-likelihood on the grid, updated answer by answer.

A diagnostic has about two items per topic, too few for a topic estimate on its own, so each topic's prior
borrows from the learner's answers in the *other* topics (no answer counts twice). Abilities are on a unit
scale (population N(0, 1) in every topic) and a topic correlates rho = sqrt(1 - topic_sd^2) with the rest
(`topic_sd` 0.6: rho 0.8). With m, s the EAP and SE of the other answers under N(0, 1), the topic's prior is
N(rho m, topic_sd^2 + rho^2 s^2): N(0, 1) before any answer, at most topic_sd wide however much is known
elsewhere. A `priors` entry of the plan (e.g. the profile's estimate) replaces that prior for its topic. Pretest
answers carry no score and never enter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ai4d_core.domain.adaptive_state import Answer, QuizState
from ai4d_core.domain.irt import GRID, Ability, log_likelihood, log_prior, summarize

FloatArray = npt.NDArray[np.float64]
_STANDARD_PRIOR = log_prior(0.0, 1.0)


@dataclass(frozen=True, slots=True)
class Evidence:
    """Summed log-likelihood of the scored answers (all, and per plan topic), counts, and the estimates."""

    total: FloatArray  # (grid,)
    by_topic: FloatArray  # (topics, grid)
    counts: npt.NDArray[np.int64]  # scored answers per plan topic
    n_scored: int  # scored answers in all
    theta: FloatArray  # EAP per plan topic
    se: FloatArray

    @classmethod
    def build(
        cls, state: QuizState, total: FloatArray, by_topic: FloatArray, counts: npt.NDArray[np.int64], n_scored: int
    ) -> Evidence:
        plan = state.plan
        rho = np.sqrt(1.0 - plan.topic_sd**2)
        if len(plan.topics) == 1 and n_scored == int(counts[0]):  # nothing outside the topic: rest is the prior
            rest_mean, rest_se = np.zeros(1), np.ones(1)
        else:
            rest_mean, rest_se = summarize(_STANDARD_PRIOR + total - by_topic)
        mean, sd = rho * rest_mean, np.sqrt(plan.topic_sd**2 + rho**2 * rest_se**2)
        for k, topic in enumerate(plan.topics):
            if topic in plan.priors:
                mean[k], sd[k] = plan.priors[topic]
        theta, se = summarize(by_topic - 0.5 * ((GRID - mean[:, None]) / sd[:, None]) ** 2)
        return cls(total, by_topic, counts, n_scored, theta, se)

    def plus(self, state: QuizState, answer: Answer) -> Evidence:
        """The evidence once `answer` is added (the online update: one likelihood row)."""
        if answer.score is None:
            return self
        z = answer.a * (GRID - answer.b)
        row = -np.logaddexp(0.0, -z) - (1.0 - min(max(answer.score, 0.0), 1.0)) * z  # as irt.log_likelihood
        by_topic, counts = self.by_topic, self.counts
        if answer.topic in state.plan.topics:
            k = state.plan.topics.index(answer.topic)
            by_topic, counts = by_topic.copy(), counts.copy()
            by_topic[k] += row
            counts[k] += 1
        return Evidence.build(state, self.total + row, by_topic, counts, self.n_scored + 1)


def evidence(state: QuizState) -> Evidence:
    """The state's evidence, computed from its answers once and kept with the (immutable) state."""
    if isinstance(state.evidence, Evidence):
        return state.evidence
    topics = state.plan.topics
    by_topic = np.zeros((len(topics), GRID.size))
    counts = np.zeros(len(topics), dtype=np.int64)
    scored = [(a, a.score) for a in state.answers if a.score is not None]
    total = np.zeros(GRID.size)
    if scored:
        ll = log_likelihood([a.a for a, _ in scored], [a.b for a, _ in scored], [s for _, s in scored])
        where = np.array([topics.index(a.topic) if a.topic in topics else -1 for a, _ in scored])
        np.add.at(by_topic, where[where >= 0], ll[where >= 0])
        counts = np.bincount(where[where >= 0], minlength=len(topics)).astype(np.int64)
        total = ll.sum(axis=0)
    built = Evidence.build(state, total, by_topic, counts, len(scored))
    object.__setattr__(state, "evidence", built)  # a cache on a frozen value: same answers, same evidence
    return built


def abilities(state: QuizState) -> dict[str, Ability]:
    """EAP ability and SE per topic of the plan, in plan order."""
    e = evidence(state)
    return {t: Ability(float(m), float(s)) for t, m, s in zip(state.plan.topics, e.theta, e.se, strict=True)}


def overall_ability(state: QuizState) -> Ability:
    """EAP ability and SE from every scored answer of the quiz under a N(0, 1) prior."""
    mean, sd = summarize(_STANDARD_PRIOR + evidence(state).total)
    return Ability(float(mean), float(sd))
