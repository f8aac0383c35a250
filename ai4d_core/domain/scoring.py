"""Server-side scoring: each answer scores a fraction in [-1, 1]; a client's score is never read."""

from __future__ import annotations

from functools import singledispatch

from ai4d_core.domain.items import Item, SingleChoiceItem, TrueFalseItem


class AnswerError(ValueError):
    """An answer that does not fit its item (wrong type, unknown option...)."""


def clamp(score: float) -> float:
    """Keep a score within [-1, 1], as QTI does."""
    return max(-1.0, min(1.0, score))


@singledispatch
def _score(item: object, answer: object) -> float:
    raise AnswerError(f"no scoring rule for {type(item).__name__}")


@_score.register
def _(item: SingleChoiceItem, answer: object) -> float:
    if not isinstance(answer, str):
        raise AnswerError(f"item {item.id}: answer must be an option id (string), got {type(answer).__name__}")
    if answer not in {o.id for o in item.options}:
        raise AnswerError(f"item {item.id}: {answer!r} is not one of its options")
    if answer == item.key:
        return 1.0
    # Moodle's convention for negative marking on single choice: -1/(n-1) per wrong answer.
    return -1.0 / (len(item.options) - 1) if item.negative_marking else 0.0


@_score.register
def _(item: TrueFalseItem, answer: object) -> float:
    if not isinstance(answer, bool):
        raise AnswerError(f"item {item.id}: answer must be true or false, got {type(answer).__name__}")
    return 1.0 if answer is item.key else 0.0


def score_answer(item: Item, answer: object) -> float:
    """Score `answer` to `item`; raises `AnswerError` when the answer does not fit the item."""
    return clamp(_score(item, answer))
