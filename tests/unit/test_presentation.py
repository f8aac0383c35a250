"""Per-attempt presentation: choices shuffled (ordering never in the key's order), recorded, and shown in that order."""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import pytest

from ai4d_core.domain.items import Item, OrderingItem, parse_item
from ai4d_core.domain.presentation import Presentation, PresentationError, present, shown_view

pytestmark = pytest.mark.unit
COMMON = {"topic": "sql", "level": 1, "explanation": "Because."}


def make(type_: str, stem: str = "A question?", **fields: Any) -> Item:
    return parse_item({"id": f"x-{type_}", "type": type_, "stem": stem, **COMMON, **fields})


def choices(*ids: str) -> list[dict[str, str]]:
    return [{"id": i, "text": f"text {i}"} for i in ids]


SC = make("single_choice", options=choices("a", "b", "c", "d"), key="a")
MC = make("multiple_choice", options=[{"id": i, "text": f"text {i}", "weight": w} for i, w in
                                      (("a", 0.5), ("b", 0.5), ("c", 0), ("d", -1))])  # fmt: skip
ORDER2 = make("ordering", entries=choices("e1", "e2"), key=["e1", "e2"])
ORDER4 = make("ordering", entries=choices("e1", "e2", "e3", "e4"), key=["e1", "e2", "e3", "e4"])
MATCH = make("matching", prompts=choices("p1", "p2"), targets=choices("t1", "t2", "t3"), key={"p1": "t1", "p2": "t2"})
CLOZE = make(
    "cloze", stem="Pick {{g1}} and type {{g2}}.",
    gaps=[{"id": "g1", "kind": "single_choice", "options": choices("a", "b", "c"), "key": "a"},
          {"id": "g2", "kind": "short_answer", "answers": [{"text": "x"}]}],
)  # fmt: skip
TF = make("true_false", key=True)


def _draws(item: Item, n: int) -> list[Presentation]:
    return [present(item, random.Random(seed)) for seed in range(n)]


@pytest.mark.parametrize(("item", "part"), [(SC, "options"), (MC, "options"), (ORDER4, "entries"), (MATCH, "targets")])
def test_each_id_comes_first_about_equally_often(item: Item, part: str) -> None:
    firsts = Counter(getattr(p, part)[0] for p in _draws(item, 2000))
    ids = sorted(firsts)
    print(f"{item.id}: first position over 2000 attempts {dict(firsts)}")
    assert len(ids) == len({c.id for c in getattr(item, "options", None) or getattr(item, part)})
    expected = 2000 / len(ids)
    assert all(abs(n - expected) < 0.25 * expected for n in firsts.values())


@pytest.mark.parametrize("item", [ORDER2, ORDER4])
def test_ordering_entries_are_never_shown_in_the_key_order(item: Item) -> None:
    orders = Counter(p.entries for p in _draws(item, 500))
    print(f"{item.id}: {len(orders)} distinct orders in 500 attempts")
    assert isinstance(item, OrderingItem)
    assert tuple(item.key) not in orders
    assert len(orders) == (1 if item is ORDER2 else 23)  # every other order of 4 entries comes up


def test_the_view_lists_the_choices_in_the_presented_order_and_hides_the_key() -> None:
    shown = present(MC, random.Random(7))
    view = shown_view(MC, shown)
    assert [o["id"] for o in view["options"]] == list(shown.options)
    assert all(set(o) == {"id", "text"} for o in view["options"])  # no weight, no feedback
    assert "key" not in shown_view(SC, present(SC, random.Random(1)))
    matched = present(MATCH, random.Random(3))
    view = shown_view(MATCH, matched)
    assert [t["id"] for t in view["targets"]] == list(matched.targets)
    assert [p["id"] for p in view["prompts"]] == ["p1", "p2"]  # prompts keep their authored order
    assert "key" not in view


def test_cloze_gaps_with_options_are_shuffled_and_the_others_untouched() -> None:
    orders = {present(CLOZE, random.Random(s)).gaps["g1"] for s in range(100)}
    assert len(orders) == 6
    shown = present(CLOZE, random.Random(5))
    assert set(shown.gaps) == {"g1"}
    view = shown_view(CLOZE, shown)
    assert [o["id"] for o in view["gaps"][0]["options"]] == list(shown.gaps["g1"])
    assert view["gaps"][1]["options"] == [] and "answers" not in view["gaps"][1]


def test_a_presentation_round_trips_as_json_and_a_foreign_one_is_refused() -> None:
    for item in (SC, MC, ORDER4, MATCH, CLOZE, TF):
        shown = present(item, random.Random(11))
        assert Presentation.from_dict(json.loads(json.dumps(shown.to_dict()))) == shown
    assert present(TF, random.Random(0)).to_dict() == {}
    with pytest.raises(PresentationError):
        shown_view(SC, Presentation(options=("a", "b")))  # another version's options
