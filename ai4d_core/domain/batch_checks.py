"""Checks across items (pure): near-duplicate stems, and option-position balance of a generated batch.

Dedupe: stems are normalised (Unicode NFKC, case-folded, punctuation dropped, whitespace collapsed) and
compared by the Jaccard similarity of their word-bigram sets. A candidate whose similarity to a bank item or to
an earlier item of the same batch is at least `DUPLICATE_THRESHOLD` (0.6) is a duplicate: a reworded stem that
keeps most word pairs; a stem with fresh numbers or another concept stays below (a change of one word in ten
keeps about 0.64, a new list of four numbers about 0.35).

Balance: LLMs favour some key positions. Rather than reject a batch whose keys cluster, every batch is
rebalanced: the i-th choice item is rotated so its key lands at position i mod n (single choice), multiple
choice options are rotated by i, and ordering entries and matching targets are rotated so the stored order
never gives the key away. Ids are then relabelled by position, so an id reveals nothing either.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence

from ai4d_core.domain.item_base import Choice
from ai4d_core.domain.items import Item, MatchingItem, MultipleChoiceItem, OrderingItem, SingleChoiceItem

DUPLICATE_THRESHOLD = 0.6
_WORD = re.compile(r"\w+")


def shingles(text: str) -> frozenset[str]:
    """The word bigrams of a normalised text (its single word when it has one)."""
    words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    if len(words) < 2:
        return frozenset(words)
    return frozenset(f"{a} {b}" for a, b in itertools.pairwise(words))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


class Deduper:
    """Stems seen so far (the bank's, then each accepted candidate's), indexed by shingle."""

    def __init__(self, stems: Iterable[tuple[str, str]] = (), threshold: float = DUPLICATE_THRESHOLD) -> None:
        self.threshold = threshold
        self._sets: dict[str, frozenset[str]] = {}
        self._index: dict[str, list[str]] = defaultdict(list)
        for item_id, stem in stems:
            self.add(item_id, stem)

    def add(self, item_id: str, stem: str) -> None:
        s = shingles(stem)
        self._sets[item_id] = s
        for sh in s:
            self._index[sh].append(item_id)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._sets

    def duplicate_of(self, stem: str, ignore: str | None = None) -> tuple[str, float] | None:
        """The most similar known item at or above the threshold, and its similarity."""
        s = shingles(stem)
        shared: dict[str, int] = defaultdict(int)
        for sh in s:
            for other in self._index.get(sh, ()):
                shared[other] += 1
        best: tuple[str, float] | None = None
        for other, n in shared.items():
            score = n / (len(s) + len(self._sets[other]) - n)
            if other != ignore and score >= self.threshold and (best is None or score > best[1]):
                best = (other, score)
        return best


def _rotated(choices: Sequence[Choice], by: int) -> tuple[list[dict[str, object]], dict[str, str]]:
    """Choices rotated left by `by`, relabelled with the original ids by position; and old id -> new id."""
    n = len(choices)
    moved = [choices[(i + by) % n] for i in range(n)]
    relabel = {c.id: choices[i].id for i, c in enumerate(moved)}
    return [c.model_dump() | {"id": relabel[c.id]} for c in moved], relabel


def _balanced(item: Item, i: int) -> Item:
    if isinstance(item, SingleChoiceItem):
        n, at = len(item.options), [o.id for o in item.options].index(item.key)
        options, relabel = _rotated(item.options, (at - i) % n)
        return item.model_validate(item.model_dump() | {"options": options, "key": relabel[item.key]})
    if isinstance(item, MultipleChoiceItem):
        options, _ = _rotated(item.options, i % len(item.options))
        return item.model_validate(item.model_dump() | {"options": options})
    if isinstance(item, OrderingItem):
        n = len(item.entries)
        by = 1 + i % (n - 1)  # never 0: the stored order is never the key's order when the LLM listed it so
        entries, relabel = _rotated(item.entries, by)
        return item.model_validate(item.model_dump() | {"entries": entries, "key": [relabel[k] for k in item.key]})
    if isinstance(item, MatchingItem):
        targets, relabel = _rotated(item.targets, 1 + i % (len(item.targets) - 1))
        key = {p: relabel[t] for p, t in item.key.items()}
        return item.model_validate(item.model_dump() | {"targets": targets, "key": key})
    return item


def rebalance(items: Sequence[Item]) -> list[Item]:
    """The batch with its key positions spread evenly (see the module docstring); other types unchanged."""
    return [_balanced(item, i) for i, item in enumerate(items)]


def key_positions(items: Iterable[Item]) -> list[int]:
    """The key's position in each single-choice item (for balance checks and reports)."""
    return [[o.id for o in it.options].index(it.key) for it in items if isinstance(it, SingleChoiceItem)]
