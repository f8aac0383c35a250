"""The item pool as arrays, built once so that a selection step is a few numpy operations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from ai4d_core.domain.adaptive_state import PoolItem


class ItemPool:
    """Pool entries with their parameters, topics, types and pretest flags as parallel arrays."""

    def __init__(self, items: Sequence[PoolItem]) -> None:
        self.items: tuple[PoolItem, ...] = tuple(items)
        self.ids: tuple[str, ...] = tuple(item.id for item in self.items)
        self.index: dict[str, int] = {item_id: i for i, item_id in enumerate(self.ids)}
        if len(self.index) != len(self.items):
            raise ValueError("item ids in the pool repeat")
        self.a = np.array([item.a for item in self.items], dtype=np.float64)
        self.b = np.array([item.b for item in self.items], dtype=np.float64)
        self.pretest = np.array([item.pretest for item in self.items], dtype=bool)
        self.scored = ~self.pretest
        self.topics: tuple[str, ...] = tuple(dict.fromkeys(item.topic for item in self.items))
        self.types: tuple[str, ...] = tuple(dict.fromkeys(item.type for item in self.items))
        self._topic_code = {t: i for i, t in enumerate(self.topics)}
        self._type_code = {t: i for i, t in enumerate(self.types)}
        self.topic = np.array([self._topic_code[item.topic] for item in self.items], dtype=np.int64)
        self.type = np.array([self._type_code[item.type] for item in self.items], dtype=np.int64)
        self._masks: dict[tuple[str, ...], npt.NDArray[np.bool_]] = {}

    @classmethod
    def of(cls, pool: ItemPool | Sequence[PoolItem]) -> ItemPool:
        return pool if isinstance(pool, ItemPool) else cls(pool)

    def __len__(self) -> int:
        return len(self.items)

    def code(self, topic: str) -> int:
        """The topic's code in `self.topic`, -1 if no item has it."""
        return self._topic_code.get(topic, -1)

    def code_of_type(self, item_type: str) -> int:
        return self._type_code.get(item_type, -1)

    def in_topics(self, topics: tuple[str, ...]) -> npt.NDArray[np.bool_]:
        """True for the items of these topics (kept per topic set: do not modify)."""
        if topics not in self._masks:
            self._masks[topics] = np.isin(self.topic, [self.code(t) for t in topics])
        return self._masks[topics]

    def excluding(self, ids: Iterable[str]) -> npt.NDArray[np.bool_]:
        """True for every item whose id is not in `ids`."""
        keep = np.ones(len(self.items), dtype=bool)
        keep[[i for item_id in ids if (i := self.index.get(item_id)) is not None]] = False
        return keep
