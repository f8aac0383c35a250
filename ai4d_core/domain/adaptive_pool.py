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
        self.index: dict[str, int] = {item.id: i for i, item in enumerate(self.items)}
        if len(self.index) != len(self.items):
            raise ValueError("item ids in the pool repeat")
        self.a = np.array([item.a for item in self.items], dtype=np.float64)
        self.b = np.array([item.b for item in self.items], dtype=np.float64)
        self.pretest = np.array([item.pretest for item in self.items], dtype=bool)
        self.topics: tuple[str, ...] = tuple(dict.fromkeys(item.topic for item in self.items))
        self.types: tuple[str, ...] = tuple(dict.fromkeys(item.type for item in self.items))
        topic_code = {t: i for i, t in enumerate(self.topics)}
        type_code = {t: i for i, t in enumerate(self.types)}
        self.topic = np.array([topic_code[item.topic] for item in self.items], dtype=np.int64)
        self.type = np.array([type_code[item.type] for item in self.items], dtype=np.int64)

    @classmethod
    def of(cls, pool: ItemPool | Sequence[PoolItem]) -> ItemPool:
        return pool if isinstance(pool, ItemPool) else cls(pool)

    def __len__(self) -> int:
        return len(self.items)

    def in_topics(self, topics: Iterable[str]) -> npt.NDArray[np.bool_]:
        codes = [self.topics.index(t) for t in topics if t in self.topics]
        return np.isin(self.topic, codes)

    def excluding(self, ids: Iterable[str]) -> npt.NDArray[np.bool_]:
        """True for every item whose id is not in `ids`."""
        keep = np.ones(len(self.items), dtype=bool)
        keep[[i for item_id in ids if (i := self.index.get(item_id)) is not None]] = False
        return keep
