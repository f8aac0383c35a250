"""What every item has (DESIGN §5): identity, version, topic, level, texts, provenance, status, calibration."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

ItemId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{1,63}$")]
ChoiceId = Annotated[str, Field(pattern=r"^[a-z0-9]{1,8}$")]
Weight = Annotated[float, Field(ge=-1.0, le=1.0)]
Text = Annotated[str, Field(min_length=1, max_length=1000)]
MisconceptionTag = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]{1,63}$")]  # see `domain.misconceptions`


class ItemStatus(StrEnum):
    """Provisional items are pretested, active ones scored; calibration sets doubtful ones aside for review."""

    PROVISIONAL = "provisional"
    ACTIVE = "active"
    REVIEW = "review"
    RETIRED = "retired"


class Calibration(BaseModel):
    """2PL IRT parameters estimated from responses, and how many responses they rest on.

    `model` names the calibration that wrote them (e.g. "2pl-mml-1", with its `run`); None means never
    calibrated: then `ItemBase.irt_parameters` falls back to a = 1 and the author's difficulty.
    """

    model_config = ConfigDict(frozen=True)
    discrimination: float = Field(default=1.0, gt=0, le=4)
    difficulty: float = Field(default=0.0, ge=-4, le=4)
    n_responses: int = Field(default=0, ge=0)
    se_discrimination: float | None = Field(default=None, ge=0)
    se_difficulty: float | None = Field(default=None, ge=0)
    model: str | None = Field(default=None, max_length=32)
    run: str | None = Field(default=None, max_length=64)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class ItemBase(Frozen):
    id: ItemId
    version: int = Field(default=1, ge=1)
    topic: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,64}$")]
    subtopic: str = Field(default="", max_length=64)
    level: int = Field(ge=1, le=3)
    difficulty: float = Field(default=0.0, ge=-4, le=4, description="the author's estimate, IRT scale")
    stem: Annotated[str, Field(min_length=1, max_length=4000)]
    explanation: Annotated[str, Field(min_length=1, max_length=4000)]
    tags: tuple[str, ...] = ()
    language: Annotated[str, Field(pattern=r"^[a-z]{2}$")] = "en"
    provenance: Annotated[str, Field(pattern=r"^(curated|llm:.+|import:.+|template:.+)$")] = "curated"
    status: ItemStatus = ItemStatus.ACTIVE
    calibration: Calibration = Calibration()

    @property
    def irt_parameters(self) -> tuple[float, float]:
        """(a, b): the calibrated 2PL parameters, or a = 1 and the author's difficulty if never calibrated."""
        return irt_parameters(self.calibration, self.difficulty)


def irt_parameters(calibration: Calibration, authored_difficulty: float) -> tuple[float, float]:
    """(a, b) of a calibration, or a = 1 and the author's difficulty when no calibration wrote them."""
    if calibration.model is None:
        return 1.0, authored_difficulty
    return calibration.discrimination, calibration.difficulty


class Choice(Frozen):
    """An option of a choice item (or an entry of ordering and matching items)."""

    id: ChoiceId
    text: Text
    misconception: MisconceptionTag | None = None  # distractors only: the mistaken belief that picks it


ChoiceT = TypeVar("ChoiceT", bound=Choice)


def unique_choices(choices: tuple[ChoiceT, ...]) -> tuple[ChoiceT, ...]:
    if len({c.id for c in choices}) != len(choices):
        raise ValueError("ids must be unique")
    if len({c.text.casefold() for c in choices}) != len(choices):
        raise ValueError("texts must be unique")
    return choices


def distractors_only(keyed: set[str], choices: tuple[ChoiceT, ...]) -> tuple[ChoiceT, ...]:
    """Only a distractor may carry a misconception: never one of the `keyed` (right) choices."""
    if tagged := sorted(c.id for c in choices if c.misconception and c.id in keyed):
        raise ValueError(f"only distractors may carry a misconception, not the right option(s) {tagged}")
    return choices


class UniqueChoices(Frozen):
    @field_validator("options", "entries", "prompts", "targets", check_fields=False)
    @classmethod
    def _unique(cls, value: tuple[Choice, ...], info: ValidationInfo) -> tuple[Choice, ...]:
        if info.field_name != "options":  # ordering entries and matching pairs have no distractor to tag
            distractors_only({c.id for c in value}, value)
        return unique_choices(value)
