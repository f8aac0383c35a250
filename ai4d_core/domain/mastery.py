"""What may be said about a learner's topic: a mastery level from the ability, but only with enough evidence.

The levels follow the ability on the 2PL scale (`MASTERY`, floors of theta). A level is claimed only when the
estimate's standard error is at most `MASTERY_MAX_SE` (0.5: half the prior's SD, the diagnostic quiz's target
SE); otherwise the topic reads "not enough evidence yet", whatever the estimate. The quiz summary, the profile
and every page that shows a level use these.
"""

from __future__ import annotations

from typing import Literal

Level = Literal["novice", "developing", "proficient", "mastered"]
MASTERY: tuple[tuple[Level, float], ...] = (
    ("mastered", 1.0),
    ("proficient", 0.3),
    ("developing", -0.5),
    ("novice", float("-inf")),
)
MASTERY_MAX_SE = 0.5
NOT_ENOUGH_EVIDENCE: Literal["not enough evidence yet"] = "not enough evidence yet"


def level_of(theta: float) -> Level:
    """The level the ability alone points to (no claim: see `mastery`)."""
    return next(label for label, floor in MASTERY if theta >= floor)


def mastery(theta: float, se: float) -> Level | None:
    """The mastery level of an estimate, or None when its SE is too large to claim any."""
    return level_of(theta) if se <= MASTERY_MAX_SE else None


def mastery_shown(label: str, se: float | None, max_se: float = MASTERY_MAX_SE) -> str:
    """A stored mastery label as it may be shown: the level only when its SE is at most `max_se` (documents of
    older rules stored a level whatever the SE)."""
    return label if se is not None and se <= max_se else NOT_ENOUGH_EVIDENCE


__all__ = ["MASTERY", "MASTERY_MAX_SE", "NOT_ENOUGH_EVIDENCE", "Level", "level_of", "mastery", "mastery_shown"]
