"""Items: one pydantic model per type behind a discriminated union (DESIGN §5).

This foundation ships `single_choice` and `true_false`; the other canonical types join the union later.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

ItemId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{1,63}$")]


class ItemStatus(StrEnum):
    PROVISIONAL = "provisional"
    ACTIVE = "active"
    RETIRED = "retired"


class Calibration(BaseModel):
    """2PL IRT parameters and how many responses they rest on."""

    model_config = ConfigDict(frozen=True)
    discrimination: float = Field(default=1.0, gt=0, le=4)
    difficulty: float = Field(default=0.0, ge=-4, le=4)
    n_responses: int = Field(default=0, ge=0)


class _ItemBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: ItemId
    version: int = Field(default=1, ge=1)
    topic: Annotated[str, Field(min_length=1, max_length=64)]
    subtopic: str = ""
    level: int = Field(ge=1, le=3)
    difficulty: float = Field(default=0.0, ge=-4, le=4)
    stem: Annotated[str, Field(min_length=1, max_length=4000)]
    explanation: Annotated[str, Field(min_length=1, max_length=4000)]
    tags: tuple[str, ...] = ()
    language: str = "en"
    provenance: Annotated[str, Field(pattern=r"^(curated|llm:.+|import:.+)$")] = "curated"
    status: ItemStatus = ItemStatus.ACTIVE
    calibration: Calibration = Calibration()


class Option(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
    id: Annotated[str, Field(pattern=r"^[a-z0-9]{1,8}$")]
    text: Annotated[str, Field(min_length=1, max_length=1000)]


class SingleChoiceItem(_ItemBase):
    type: Literal["single_choice"] = "single_choice"
    options: tuple[Option, ...] = Field(min_length=2, max_length=8)
    key: str
    negative_marking: bool = False

    @field_validator("options")
    @classmethod
    def _unique_options(cls, options: tuple[Option, ...]) -> tuple[Option, ...]:
        if len({o.id for o in options}) != len(options) or len({o.text.lower() for o in options}) != len(options):
            raise ValueError("option ids and texts must be unique")
        return options

    @model_validator(mode="after")
    def _key_is_an_option(self) -> SingleChoiceItem:
        if self.key not in {o.id for o in self.options}:
            raise ValueError(f"key {self.key!r} is not one of the option ids")
        return self


class TrueFalseItem(_ItemBase):
    type: Literal["true_false"] = "true_false"
    key: bool


Item = Annotated[SingleChoiceItem | TrueFalseItem, Field(discriminator="type")]
ITEM_ADAPTER: TypeAdapter[Item] = TypeAdapter(Item)
ITEM_TYPES: tuple[str, ...] = ("single_choice", "true_false")


def parse_item(data: object) -> Item:
    """Validate one item from plain data (raises `pydantic.ValidationError`)."""
    return ITEM_ADAPTER.validate_python(data)


def public_view(item: Item) -> dict[str, object]:
    """What a learner may see before answering: never the key or the explanation."""
    return item.model_dump(mode="json", exclude={"key", "explanation", "calibration", "provenance", "status"})
