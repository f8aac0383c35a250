"""Misconceptions a learner's wrong choices reveal: the tag catalogue and reading the tags off an answer.

A distractor of a choice item (or the wrong side of a true/false item) may carry a `misconception` tag, the
mistaken belief that makes it attractive; `ai4d_core/data/misconceptions.json` describes each tag for the
learner. `revealed_misconceptions` returns the tags of the distractors an answer chose.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from ai4d_core.domain.item_base import MisconceptionTag
from ai4d_core.domain.item_types import ClozeItem, MultipleChoiceItem, SingleChoiceItem, TrueFalseItem
from ai4d_core.domain.items import Item

Tag = MisconceptionTag


class Misconception(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    tag: Tag
    topic: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,64}$")]
    description: Annotated[str, Field(min_length=10, max_length=200, description="the belief, for the learner")]


_CATALOGUE = TypeAdapter(tuple[Misconception, ...])


def parse_misconceptions(text: str | bytes) -> dict[str, Misconception]:
    """Misconceptions by tag from the catalogue's JSON; a duplicate tag is an error."""
    found = _CATALOGUE.validate_json(text)
    by_tag = {m.tag: m for m in found}
    if len(by_tag) != len(found):
        raise ValueError("misconception tags must be unique")
    return by_tag


@cache
def misconceptions() -> dict[str, Misconception]:
    """The packaged tag catalogue, read and validated once."""
    return parse_misconceptions(files("ai4d_core.data").joinpath("misconceptions.json").read_bytes())


def distractor_tags(item: Item) -> dict[str, str]:
    """Every tag an item carries, by where it sits: option id, "false"/"true" (the wrong answer of a
    true/false item), or "<gap>:<option>" of a cloze gap."""
    if isinstance(item, SingleChoiceItem | MultipleChoiceItem):
        return {o.id: o.misconception for o in item.options if o.misconception}
    if isinstance(item, TrueFalseItem):
        return {str(not item.key).lower(): item.misconception} if item.misconception else {}
    if isinstance(item, ClozeItem):
        return {f"{g.id}:{o.id}": o.misconception for g in item.gaps for o in g.options if o.misconception}
    return {}


def revealed_misconceptions(item: Item, answer: Any) -> tuple[str, ...]:
    """The tags of the distractors `answer` chose (sorted, unique); () for an answer of another shape."""
    tags = distractor_tags(item)
    if not tags:
        return ()
    if isinstance(item, SingleChoiceItem):
        chosen = [answer] if isinstance(answer, str) else []
    elif isinstance(item, MultipleChoiceItem):
        chosen = [a for a in answer if isinstance(a, str)] if isinstance(answer, list | tuple) else []
    elif isinstance(item, TrueFalseItem):
        chosen = [str(answer).lower()] if isinstance(answer, bool) else []
    else:
        chosen = [f"{g}:{v}" for g, v in answer.items() if isinstance(v, str)] if isinstance(answer, dict) else []
    return tuple(sorted({tags[c] for c in chosen if c in tags}))


__all__ = [
    "Misconception",
    "distractor_tags",
    "misconceptions",
    "parse_misconceptions",
    "revealed_misconceptions",
]
