"""What the profile page shows beyond the profile document: the evidence behind a claim (the question, the
learner's latest answer, its score or "awaiting review", the explanation), the ability per topic over the
profile's versions, the newest version number (the page's cheap check for a new one) and the learner's time zone.

Policy: a learner sees only their own; an educator a learner of one of their cohorts; an admin anyone
(`policy.require_learner_detail`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ai4d_core import policy
from ai4d_core.adapters.sql.profile_evidence import latest_answer
from ai4d_core.bootstrap import Container
from ai4d_core.domain.presentation import Presentation, shown_view
from ai4d_core.policy import LEARNER, Principal
from ai4d_core.services import learner_settings
from ai4d_core.services.cohorts import store as cohort_store

NOT_ANSWERED = "This question is not among your answers."


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One item a claim cites, as the learner answered it last."""

    item_id: str
    topic: str
    question: dict[str, Any]  # the item as it was shown (`presentation.shown_view`): stem, options in order
    answer: Any  # the learner's answer as they gave it (ids of options: `question` holds their texts)
    score: float | None  # None: an open response awaiting an educator's review
    explanation: str
    answered_at: datetime

    @property
    def stem(self) -> str:
        return str(self.question.get("stem", ""))

    @property
    def awaiting_review(self) -> bool:
        return self.score is None


@dataclass(frozen=True, slots=True)
class AbilityPoint:
    """A topic's ability in one profile version."""

    version: int
    at: datetime  # when that version was written (UTC)
    topic: str
    ability: float
    se: float


def learner_of(c: Container, viewer: Principal | None, learner_id: int | None = None) -> int:
    """Whose profile `viewer` asks for: their own (None), or a learner they may see in detail (else `Forbidden`)."""
    who = policy.require(viewer)
    if learner_id is None or learner_id == who.id:
        return who.id
    taught = cohort_store(c).cohorts_of(who.id, policy.EDUCATOR) if who.role == policy.EDUCATOR else []
    policy.require_learner_detail(who, learner_id, taught, cohort_store(c).cohorts_of(learner_id, LEARNER))
    return learner_id


def latest_profile(c: Container, viewer: Principal | None, learner_id: int | None = None) -> dict[str, Any] | None:
    """The latest profile (None before the first analysis)."""
    return c.profiles.latest(learner_of(c, viewer, learner_id))


def latest_version(c: Container, viewer: Principal | None, learner_id: int | None = None) -> int:
    """The newest profile version (0: none yet): what the page compares to know a new one has landed."""
    latest = c.profiles.latest(learner_of(c, viewer, learner_id))
    return int(latest["version"]) if latest else 0


def evidence_item(c: Container, viewer: Principal | None, item_id: str, learner_id: int | None = None) -> EvidenceItem:
    """The question, the learner's latest answer, its score (None: awaiting review) and the explanation.

    `LookupError` when the learner never answered `item_id` (a claim may only cite the learner's own answers).
    """
    owner = learner_of(c, viewer, learner_id)
    answer = latest_answer(c.engine, owner, item_id)
    item = c.items.get(item_id, answer.item_version) if answer else None
    if answer is None or item is None:
        raise LookupError(NOT_ANSWERED)
    question = shown_view(item, Presentation.from_dict(answer.presentation))
    return EvidenceItem(item_id, item.topic, question, answer.answer, answer.score, item.explanation,
                        answer.answered_at)  # fmt: skip


def ability_history(c: Container, viewer: Principal | None, learner_id: int | None = None) -> list[AbilityPoint]:
    """Each topic's ability and SE in every profile version, oldest first (the store reads only those fields)."""
    return abilities_over_time(c.profiles.ability_history(learner_of(c, viewer, learner_id)))


def abilities_over_time(history: Sequence[Mapping[str, Any]]) -> list[AbilityPoint]:
    """The points of `history`, oldest version first: the store's `ability_history` rows or whole profile
    documents (v1 or v2, whose time is in their provenance)."""
    points = []
    for doc in sorted(history, key=lambda d: int(d["version"])):
        at = as_utc(doc["generated_at"] if "generated_at" in doc else (doc.get("provenance") or {}).get("generated_at"))
        points += [
            AbilityPoint(int(doc["version"]), at, str(t["topic"]), float(t["ability"]), float(t["se"]))
            for t in doc.get("topics") or ()
        ]
    return points


def as_utc(value: object) -> datetime:
    """A stored time as an aware UTC datetime: MongoDB gives naive UTC datetimes, old documents ISO strings."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, str):
        return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    return datetime.fromtimestamp(0, UTC)


def time_zone(c: Container, viewer: Principal | None, learner_id: int | None = None) -> str:
    """The learner's IANA time zone (their settings; "UTC" until they choose one)."""
    return learner_settings.get(c, learner_of(c, viewer, learner_id)).time_zone


__all__ = [
    "NOT_ANSWERED",
    "AbilityPoint",
    "EvidenceItem",
    "abilities_over_time",
    "ability_history",
    "as_utc",
    "evidence_item",
    "latest_profile",
    "latest_version",
    "learner_of",
    "time_zone",
]
