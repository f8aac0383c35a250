"""The keyed answer of an item: an answer that must score full marks (used to check banks and the demo)."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from ai4d_core.domain.item_types import (
    ClozeItem,
    Gap,
    MatchingItem,
    MultipleChoiceItem,
    NumericAnswer,
    NumericItem,
    OpenResponseItem,
    OrderingItem,
    ShortAnswerItem,
    SingleChoiceItem,
    SqlQueryItem,
    TrueFalseItem,
)


def _numeric(answers: tuple[NumericAnswer, ...]) -> float:
    best = next(a for a in answers if a.weight == 1)
    if best.value is not None:
        return best.value
    assert best.low is not None and best.high is not None
    return (best.low + best.high) / 2


def _short(answers: Any) -> str:
    return str(next(a for a in answers if a.weight == 1).text.replace("*", ""))


def _gap(gap: Gap) -> object:
    if gap.kind == "numeric":
        return _numeric(gap.numeric)
    if gap.kind == "single_choice":
        return gap.key
    return _short(gap.answers)


@singledispatch
def key_answer(item: object) -> Any:
    """The answer the item's key describes (the model answer for open responses, the reference for SQL)."""
    raise TypeError(f"no key for {type(item).__name__}")


@key_answer.register
def _(item: SingleChoiceItem) -> str:
    return item.key


@key_answer.register
def _(item: MultipleChoiceItem) -> list[str]:
    return [o.id for o in item.options if o.weight > 0]


@key_answer.register
def _(item: TrueFalseItem) -> bool:
    return item.key


@key_answer.register
def _(item: ShortAnswerItem) -> str:
    return _short(item.answers)


@key_answer.register
def _(item: NumericItem) -> float:
    return _numeric(item.answers)


@key_answer.register
def _(item: OrderingItem) -> list[str]:
    return list(item.key)


@key_answer.register
def _(item: MatchingItem) -> dict[str, str]:
    return dict(item.key)


@key_answer.register
def _(item: ClozeItem) -> dict[str, object]:
    return {gap.id: _gap(gap) for gap in item.gaps}


@key_answer.register
def _(item: OpenResponseItem) -> str:
    return item.model_answer


@key_answer.register
def _(item: SqlQueryItem) -> str:
    return item.reference_query
