"""How far a quiz has got, and what may be said about a topic at the end (pure).

- Precision of a topic: how much of the way from the prior's SE (`PRIOR_SE`, 1: nothing known) to the target
  SE the estimate has come, in [0, 1]; a quiz without a precision target (practice) measures against
  `MASTERY_MAX_SE`.
- Mastery is claimed only when the SE is at most `MASTERY_MAX_SE` (0.5, the diagnostic's target SE: a
  finished diagnostic can speak for each topic it reached its target in); the level then follows the
  profile's thresholds on ability (`domain.mastery`). Otherwise the topic reads "not enough evidence
  yet", whatever its estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

from ai4d_core.domain.mastery import MASTERY_MAX_SE, NOT_ENOUGH_EVIDENCE, mastery

PRIOR_SE = 1.0


@dataclass(frozen=True, slots=True)
class TopicEstimate:
    """A topic's ability estimate in a quiz: theta and SE, the precision reached, and the mastery claim."""

    topic: str
    theta: float
    se: float
    precision: float
    mastery: str | None  # "mastered", "proficient", "developing", "novice", or None (not enough evidence)

    @property
    def label(self) -> str:
        return self.mastery or NOT_ENOUGH_EVIDENCE


def precision(se: float, target_se: float | None) -> float:
    """Progress of `se` from `PRIOR_SE` towards the target (or `MASTERY_MAX_SE`), clipped to [0, 1]."""
    target = target_se if target_se is not None else MASTERY_MAX_SE
    if target >= PRIOR_SE:
        return 1.0 if se <= target else 0.0
    return round(min(1.0, max(0.0, (PRIOR_SE - se) / (PRIOR_SE - target))), 3)


def estimate(topic: str, theta: float, se: float, target_se: float | None) -> TopicEstimate:
    return TopicEstimate(topic, round(theta, 3), round(se, 3), precision(se, target_se), mastery(theta, se))


__all__ = ["MASTERY_MAX_SE", "NOT_ENOUGH_EVIDENCE", "PRIOR_SE", "TopicEstimate", "estimate", "mastery", "precision"]
