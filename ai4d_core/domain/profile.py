"""The learner profile, schema v2: one schema whatever wrote it (the rules or an LLM checked against them).

The rules (`domain.profile_rules`) write every field and are the oracle: an LLM may rewrite only the text
(claims, objectives and resource choice, timeline focus, next-step text, narrative), never a number, topic,
order, label, week or hour. Version 1 documents stay readable: plain next-step strings become diagnostic
`NextStep`s, and the fields v2 added get defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ai4d_core.domain.mastery import NOT_ENOUGH_EVIDENCE

if TYPE_CHECKING:
    from ai4d_core.domain.profile_rules import analyze

LEVEL_LABELS = {1: "Beginner", 2: "Novice", 3: "Intermediate", 4: "Advanced", 5: "Expert"}
RULES_VERSION = "rules-4"  # 4: an overall level without a precise topic says so
MasteryLabel = Literal["novice", "developing", "proficient", "mastered", "not enough evidence yet"]
DEFAULT_HOURS_PER_WEEK = 5.0  # a learner who has not said how many hours a week they have
REFUSED_TEXT_MAX = 4000  # characters of a refused LLM reply kept for review (a 1 MB reply is cut)
MIN_HOURS_PER_WEEK, MAX_HOURS_PER_WEEK = 1.0, 40.0  # the range a plan is sized in


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OverallLevel(_Model):
    level: int = Field(ge=1, le=5)
    label: str


class TopicMastery(_Model):
    topic: str
    n_responses: int = Field(ge=0)
    n_correct: int = Field(ge=0, description="answers with full credit (score 1)")
    mean_score: float = Field(ge=-1, le=1)
    ability: float = Field(ge=-4, le=4)
    se: float = Field(ge=0)
    mastery: MasteryLabel = Field(description="a level only when the SE backs it (`domain.mastery`)")
    evidence: list[str]

    @model_validator(mode="before")
    @classmethod
    def _v1(cls, data: Any) -> Any:
        """v1 had no n_correct: the nearest count the mean score allows (exact for right/wrong answers)."""
        if isinstance(data, dict) and "n_correct" not in data and "n_responses" in data:
            n = int(data["n_responses"])
            return {**data, "n_correct": min(n, max(0, round(float(data.get("mean_score", 0)) * n)))}
        return data


class Claim(_Model):
    topic: str
    claim: str = Field(max_length=300)
    evidence: list[str] = Field(min_length=1, description="ids of items the learner answered")
    misconception: str | None = Field(default=None, description="the misconception tag (misconceptions only)")


class PathStep(_Model):
    order: int = Field(ge=1)
    topic: str
    objective: str = Field(max_length=200)
    resources: list[str] = Field(description="resource ids of the catalogue (`domain.resource_catalogue`)")
    estimated_hours: float = Field(gt=0, le=100)


class TimelineEntry(_Model):
    week: int = Field(ge=1)
    focus: str = Field(max_length=200)
    topics: list[str] = []
    hours: float = Field(default=0.0, ge=0)


class NextStep(_Model):
    text: str = Field(max_length=200)
    topic: str | None = Field(description="the topic a practice session opens on; None: a diagnostic")
    mode: Literal["practice", "diagnostic"]


class Provenance(_Model):
    source: Literal["rules", "llm"]
    model: str | None = None
    prompt_version: str | None = None
    rules_version: str = RULES_VERSION
    generated_at: datetime
    evidence_from: datetime | None
    evidence_to: datetime | None
    n_responses: int
    fallback_reason: str | None = Field(default=None, description="why rules wrote it when an LLM was asked")
    checked: bool = Field(default=False, description="the LLM's text passed the validator against the rules")


class Profile(_Model):
    learner_id: int
    version: int = Field(ge=1)
    overall_level: OverallLevel
    topics: list[TopicMastery]
    strengths: list[Claim]
    weaknesses: list[Claim]
    misconceptions: list[Claim]
    learning_path: list[PathStep]
    timeline: list[TimelineEntry]
    next_steps: list[NextStep]
    narrative: str = Field(max_length=1200)
    provenance: Provenance
    refused_llm_text: str | None = Field(
        default=None,
        max_length=REFUSED_TEXT_MAX,
        description="the LLM's reply the validator refused, as plain text (cut), for the educators' review queue",
    )

    @field_validator("next_steps", mode="before")
    @classmethod
    def _v1_next_steps(cls, value: Any) -> Any:
        """v1 stored plain strings: each reads as a diagnostic step."""
        if isinstance(value, list):
            return [{"text": v, "topic": None, "mode": "diagnostic"} if isinstance(v, str) else v for v in value]
        return value


@dataclass(frozen=True, slots=True)
class Evidence:
    """One scored response with what the analyzer needs of its item and the learner's answer."""

    item_id: str
    topic: str
    level: int
    a: float
    b: float
    score: float
    answered_at: datetime
    misconceptions: tuple[str, ...] = ()  # tags of the distractors the learner chose
    graded: bool = True  # False: an open response awaiting review (not evidence; adapters skip it)


@dataclass(frozen=True, slots=True)
class LearnerContext:
    """What the learner told us: their goal and the hours a week they have (None: not said)."""

    goal: str | None = None
    hours_per_week: float | None = None

    @property
    def weekly_hours(self) -> float:
        """The hours a week to plan with: the learner's (kept within 1-40), or `DEFAULT_HOURS_PER_WEEK`."""
        if self.hours_per_week is None or not self.hours_per_week > 0:
            return DEFAULT_HOURS_PER_WEEK
        return min(max(self.hours_per_week, MIN_HOURS_PER_WEEK), MAX_HOURS_PER_WEEK)


NO_CONTEXT = LearnerContext()


def __getattr__(name: str) -> Any:
    """`analyze` lives in `profile_rules` (which imports this module); re-exported lazily for old callers."""
    if name == "analyze":
        from ai4d_core.domain.profile_rules import analyze

        return analyze
    raise AttributeError(name)


__all__ = [
    "DEFAULT_HOURS_PER_WEEK",
    "LEVEL_LABELS",
    "MAX_HOURS_PER_WEEK",
    "MIN_HOURS_PER_WEEK",
    "NOT_ENOUGH_EVIDENCE",
    "NO_CONTEXT",
    "RULES_VERSION",
    "Claim",
    "Evidence",
    "LearnerContext",
    "MasteryLabel",
    "NextStep",
    "OverallLevel",
    "PathStep",
    "Profile",
    "Provenance",
    "TimelineEntry",
    "TopicMastery",
    "analyze",
]
