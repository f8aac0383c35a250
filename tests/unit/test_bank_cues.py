"""The curated bank teaches the subject, not test-wiseness: no length or position cue points at the key.

Thresholds (issue 7, point 6, and the content review that motivated it):

- Single choice, length. With four options of similar length the key is the longest about 25% of the time by
  chance; the review found 69%. The key may be strictly the longest option in at most 30% of the items, and at
  least 1.5 times as long as the longest distractor (a cue a learner spots at a glance) in at most 5%.
- Single choice, length rank. Avoiding the long options must not pay either: ranked by length among its
  options (1 = longest, a tie counts for the key), no rank holds more than 35% of the keys (chance: 25% each).
- Single choice, position. Chance is 1/n per position; with ~100 items one position share varies by ~4 points,
  so more than 35% of keys in one position is an authoring habit, not noise.
- Multiple choice, position. About half of all options are right, so "option 1 is right" is compared with that
  base rate: option 1 right in at most 60% of the items (the review found 82%), and at every position the share
  of right options within 0.15 of the bank's overall share (about 1.7 standard deviations for ~35 items).
- Multiple choice, length. When every right option is longer than every wrong one, "pick the long ones" works;
  by chance that happens in roughly 10-25% of items (depending on how many are right), so at most 20%.
- Ordering. The learner page lists entries in authored order (a shuffle per attempt is coming, but exports and
  other front ends may not shuffle), so the authored order is never the key; nor is the order of the entry ids,
  which reach exports and the page. A near-sorted authored order is a partial cue: at most a third of all
  entries may already stand at their key position (chance is 1/n, about 22% here).
- Matching. At most 35% of prompts may face their target at the same position (chance: 1/targets, ~20%).
- True/false. Between 35% and 65% of keys true, so "always answer true" is no strategy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import pytest

from ai4d_core.domain.items import (
    Item,
    ItemStatus,
    MatchingItem,
    MultipleChoiceItem,
    OrderingItem,
    SingleChoiceItem,
    TrueFalseItem,
)
from ai4d_core.item_bank import load_curated_bank

pytestmark = pytest.mark.unit
SHOWN = [item for item in load_curated_bank() if item.status is not ItemStatus.RETIRED]

MAX_KEY_LONGEST = 0.30
LONG_KEY_RATIO = 1.5
MAX_KEY_MUCH_LONGER = 0.05
MAX_POSITION_SHARE = 0.35
MAX_MC_FIRST_RIGHT = 0.60
MC_POSITION_TOLERANCE = 0.15
MAX_MC_RIGHT_ALL_LONGER = 0.20
MAX_ORDERING_IN_PLACE = 1 / 3
MAX_MATCHING_IN_PLACE = 0.35
TRUE_SHARE = (0.35, 0.65)


def _of(kind: type[Item]) -> list[Item]:
    found = [item for item in SHOWN if isinstance(item, kind)]
    print(f"checked {len(found)} {kind.__name__} items")
    assert found, f"no {kind.__name__} in the bank"
    return found


def _share(flags: Iterable[bool]) -> float:
    values = list(flags)
    return sum(values) / len(values)


def _key_and_longest_distractor(item: SingleChoiceItem) -> tuple[int, int]:
    key = next(len(o.text) for o in item.options if o.id == item.key)
    return key, max(len(o.text) for o in item.options if o.id != item.key)


def test_single_choice_keys_are_not_given_away_by_their_length() -> None:
    items = [i for i in _of(SingleChoiceItem) if isinstance(i, SingleChoiceItem)]
    lengths = {i.id: _key_and_longest_distractor(i) for i in items}
    longest = sorted(i for i, (key, other) in lengths.items() if key > other)
    much_longer = sorted(i for i, (key, other) in lengths.items() if key >= LONG_KEY_RATIO * other)
    print(f"key strictly longest: {len(longest)} ({len(longest) / len(items):.0%}); "
          f">= {LONG_KEY_RATIO}x the longest distractor: {len(much_longer)} {much_longer}")  # fmt: skip
    assert len(longest) / len(items) <= MAX_KEY_LONGEST, longest
    assert len(much_longer) / len(items) <= MAX_KEY_MUCH_LONGER, much_longer


def test_single_choice_keys_are_spread_over_length_ranks() -> None:
    items = [i for i in _of(SingleChoiceItem) if isinstance(i, SingleChoiceItem)]
    ranks = Counter(
        1 + sum(len(o.text) > len(key.text) for o in i.options) for i in items for key in i.options if key.id == i.key
    )
    print(f"key length ranks (1 = longest): {dict(sorted(ranks.items()))}")
    assert max(ranks.values()) / len(items) <= MAX_POSITION_SHARE


def test_single_choice_keys_are_spread_over_positions() -> None:
    items = [i for i in _of(SingleChoiceItem) if isinstance(i, SingleChoiceItem)]
    positions = Counter([o.id for o in i.options].index(i.key) + 1 for i in items)
    print(f"key positions: {dict(sorted(positions.items()))}")
    assert max(positions.values()) / len(items) <= MAX_POSITION_SHARE


def test_multiple_choice_right_options_are_spread_over_positions() -> None:
    items = [i for i in _of(MultipleChoiceItem) if isinstance(i, MultipleChoiceItem)]
    right = [[o.weight > 0 for o in i.options] for i in items]
    overall = _share(flag for flags in right for flag in flags)
    by_position = {n + 1: _share(flags[n] for flags in right if len(flags) > n) for n in range(max(map(len, right)))}
    print(
        f"right options overall {overall:.0%}; by position "
        + ", ".join(f"{n}: {s:.0%}" for n, s in by_position.items())
    )
    assert by_position[1] <= MAX_MC_FIRST_RIGHT
    off = {n: s for n, s in by_position.items() if abs(s - overall) > MC_POSITION_TOLERANCE}
    assert off == {}, f"positions far from the overall share {overall:.2f}: {off}"


def test_multiple_choice_right_options_are_not_the_long_ones() -> None:
    items = [i for i in _of(MultipleChoiceItem) if isinstance(i, MultipleChoiceItem)]

    def right_all_longer(item: MultipleChoiceItem) -> bool:
        right = [len(o.text) for o in item.options if o.weight > 0]
        wrong = [len(o.text) for o in item.options if o.weight <= 0]
        return bool(wrong) and min(right) > max(wrong)

    cued = sorted(i.id for i in items if right_all_longer(i))
    print(f"every right option longer than every wrong one: {len(cued)} ({len(cued) / len(items):.0%}) {cued}")
    assert len(cued) / len(items) <= MAX_MC_RIGHT_ALL_LONGER, cued


def test_ordering_entries_are_not_authored_in_key_order() -> None:
    items = [i for i in _of(OrderingItem) if isinstance(i, OrderingItem)]
    authored = sorted(i.id for i in items if list(i.key) == [e.id for e in i.entries])
    by_id = sorted(i.id for i in items if list(i.key) == sorted(e.id for e in i.entries))
    in_place = [e.id == k for i in items for e, k in zip(i.entries, i.key, strict=True)]
    print(f"key = authored order: {authored}; key = id order: {by_id}; entries in place: {_share(in_place):.0%}")
    assert authored == []
    assert by_id == []
    assert _share(in_place) <= MAX_ORDERING_IN_PLACE


def test_matching_targets_are_not_authored_beside_their_prompts() -> None:
    items = [i for i in _of(MatchingItem) if isinstance(i, MatchingItem)]
    in_place = [[t.id for t in i.targets].index(i.key[p.id]) == n for i in items for n, p in enumerate(i.prompts)]
    print(f"prompts facing their target: {_share(in_place):.0%} of {len(in_place)}")
    assert _share(in_place) <= MAX_MATCHING_IN_PLACE


def test_true_false_keys_are_balanced() -> None:
    items = [i for i in _of(TrueFalseItem) if isinstance(i, TrueFalseItem)]
    true = _share(i.key for i in items)
    print(f"true keys: {true:.0%}")
    assert TRUE_SHARE[0] <= true <= TRUE_SHARE[1]
