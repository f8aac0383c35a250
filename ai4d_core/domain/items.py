"""Items: one pydantic model per type behind a discriminated union (DESIGN §5), parsing, and the public view."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from ai4d_core.domain.item_base import Calibration, Choice, ItemBase, ItemStatus
from ai4d_core.domain.item_types import (
    AcceptedAnswer,
    ClozeItem,
    Criterion,
    Gap,
    MatchingItem,
    MisconceptionPhrase,
    MultipleChoiceItem,
    NumericAnswer,
    NumericItem,
    OpenResponseItem,
    OrderingItem,
    ShortAnswerItem,
    SingleChoiceItem,
    SqlFixture,
    SqlQueryItem,
    TrueFalseItem,
    WeightedChoice,
)

Item = Annotated[
    SingleChoiceItem
    | MultipleChoiceItem
    | TrueFalseItem
    | ShortAnswerItem
    | NumericItem
    | OrderingItem
    | MatchingItem
    | ClozeItem
    | OpenResponseItem
    | SqlQueryItem,
    Field(discriminator="type"),
]
ITEM_ADAPTER: TypeAdapter[Item] = TypeAdapter(Item)
ITEM_TYPES: tuple[str, ...] = (
    "single_choice", "multiple_choice", "true_false", "short_answer", "numeric", "ordering", "matching", "cloze",
    "open_response", "sql_query",
)  # fmt: skip
Option = Choice  # the name the foundation used

# What a learner must not see before answering, beyond these common fields.
_HIDDEN_ALWAYS = {
    "key",
    "explanation",
    "calibration",
    "provenance",
    "status",
    "answers",
    "rubric",
    "model_answer",
    "misconception",  # a true/false item's tag, and a distractor's below: each would give the answer away
    "misconceptions",
    "reference_query",
    "difficulty",
}


def parse_item(data: object) -> Item:
    """Validate one item from plain data (raises `pydantic.ValidationError`)."""
    return ITEM_ADAPTER.validate_python(data)


def public_view(item: Item) -> dict[str, Any]:
    """What a learner may see before answering: never a key, weight, accepted answer or explanation."""
    view = item.model_dump(mode="json", exclude=_HIDDEN_ALWAYS)
    for field in ("options", "entries", "prompts", "targets"):  # ids and texts only, in the item's order
        if field in view:
            view[field] = [{"id": c["id"], "text": c["text"]} for c in view[field]]
    if isinstance(item, ClozeItem):
        view["gaps"] = [
            {"id": g.id, "kind": g.kind, "options": [{"id": o.id, "text": o.text} for o in g.options]}
            for g in item.gaps
        ]
    return view


__all__ = [
    "ITEM_ADAPTER",
    "ITEM_TYPES",
    "AcceptedAnswer",
    "Calibration",
    "Choice",
    "ClozeItem",
    "Criterion",
    "Gap",
    "Item",
    "ItemBase",
    "ItemStatus",
    "MatchingItem",
    "MisconceptionPhrase",
    "MultipleChoiceItem",
    "NumericAnswer",
    "NumericItem",
    "OpenResponseItem",
    "Option",
    "OrderingItem",
    "ShortAnswerItem",
    "SingleChoiceItem",
    "SqlFixture",
    "SqlQueryItem",
    "TrueFalseItem",
    "WeightedChoice",
    "parse_item",
    "public_view",
]
