"""How one attempt shows an item (DESIGN §5): choices shuffled per attempt, and that order kept (pure).

A `Presentation` lists, per shuffled part of the item, the ids in the order shown:

- single and multiple choice: `options`;
- ordering: `entries`, never in the key's order (any other order of two or more entries is possible);
- matching: `targets` (prompts keep their authored order: they are the questions, the targets the answers);
- cloze: `gaps`, for each gap that has options, its option ids;
- true/false, short answer, numeric, open response and SQL have nothing to shuffle (an empty presentation).

It is stored with the quiz session's current question and recorded with the response, so the order a
learner saw can be told afterwards (a position cue in the bank shows up as a position effect in responses).
`shown_view` is the learner's view of the item in that order: never a key, weight or accepted answer.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ai4d_core.domain.items import (
    ClozeItem,
    Item,
    MatchingItem,
    MultipleChoiceItem,
    OrderingItem,
    SingleChoiceItem,
    public_view,
)


class PresentationError(ValueError):
    """A stored presentation that does not fit its item (another version's, or corrupted)."""


@dataclass(frozen=True, slots=True)
class Presentation:
    """The ids in shown order, per shuffled part of an item (see the module docstring)."""

    options: tuple[str, ...] = ()
    entries: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    gaps: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored with the session and the response (only the parts the item has)."""
        out: dict[str, Any] = {}
        for name in ("options", "entries", "targets"):
            if getattr(self, name):
                out[name] = list(getattr(self, name))
        if self.gaps:
            out["gaps"] = {gap: list(ids) for gap, ids in self.gaps.items()}
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Presentation:
        data = data or {}
        try:
            gaps = {str(g): tuple(str(i) for i in ids) for g, ids in dict(data.get("gaps") or {}).items()}
            return cls(
                options=tuple(str(i) for i in data.get("options") or ()),
                entries=tuple(str(i) for i in data.get("entries") or ()),
                targets=tuple(str(i) for i in data.get("targets") or ()),
                gaps=gaps,
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise PresentationError(f"not a presentation: {type(exc).__name__}") from None


def _shuffled(ids: Sequence[str], rng: random.Random, avoid: Sequence[str] | None = None) -> tuple[str, ...]:
    """A uniform shuffle; with `avoid` (and two ids or more), uniform over the other orders (redrawn)."""
    order = list(ids)
    rng.shuffle(order)
    while avoid is not None and len(order) > 1 and order == list(avoid):
        rng.shuffle(order)
    return tuple(order)


def present(item: Item, rng: random.Random) -> Presentation:
    """A fresh presentation of `item` for one attempt."""
    if isinstance(item, SingleChoiceItem | MultipleChoiceItem):
        return Presentation(options=_shuffled([o.id for o in item.options], rng))
    if isinstance(item, OrderingItem):
        return Presentation(entries=_shuffled([e.id for e in item.entries], rng, avoid=item.key))
    if isinstance(item, MatchingItem):
        return Presentation(targets=_shuffled([t.id for t in item.targets], rng))
    if isinstance(item, ClozeItem):
        return Presentation(gaps={g.id: _shuffled([o.id for o in g.options], rng) for g in item.gaps if g.options})
    return Presentation()


def _reorder(entries: list[dict[str, Any]], order: Sequence[str], what: str) -> list[dict[str, Any]]:
    by_id = {e["id"]: e for e in entries}
    if not order:
        return entries
    if sorted(order) != sorted(by_id):
        raise PresentationError(f"the stored {what} order does not fit the item")
    return [by_id[i] for i in order]


def shown_view(item: Item, presentation: Presentation) -> dict[str, Any]:
    """The learner's view of `item` (`items.public_view`) with its lists in the presented order."""
    view = public_view(item)
    if "options" in view:
        view["options"] = _reorder(view["options"], presentation.options, "option")
    if "entries" in view:
        view["entries"] = _reorder(view["entries"], presentation.entries, "entry")
    if "targets" in view:
        view["targets"] = _reorder(view["targets"], presentation.targets, "target")
    if "gaps" in view:
        for gap in view["gaps"]:
            if gap["options"]:
                gap["options"] = _reorder(gap["options"], presentation.gaps.get(gap["id"], ()), "gap option")
    return view


__all__ = ["Presentation", "PresentationError", "present", "shown_view"]
