"""Operating the item bank: loading the curated items, listing, statistics, retiring."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ai4d_core.bootstrap import Container
from ai4d_core.domain.items import Item, ItemStatus
from ai4d_core.item_bank import load_curated_bank


@dataclass(frozen=True, slots=True)
class BankStats:
    """Counts over the latest version of every item."""

    total: int
    by_topic: dict[str, int] = field(default_factory=dict)
    by_level: dict[int, int] = field(default_factory=dict)
    by_type: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    by_topic_level: dict[tuple[str, int], int] = field(default_factory=dict)


def load_curated(c: Container) -> int:
    """Store the curated bank (new ids and versions only); returns how many versions were added."""
    return c.items.upsert(load_curated_bank())


def latest_items(c: Container) -> list[Item]:
    """The latest version of every item, whatever its status, by id."""
    latest: dict[str, Item] = {}
    for (item_id, _version), item in sorted(c.items.all_versions().items()):
        latest[item_id] = item
    return list(latest.values())


def list_items(
    c: Container,
    topic: str | None = None,
    level: int | None = None,
    item_type: str | None = None,
    status: str | None = None,
) -> list[Item]:
    return [
        item for item in latest_items(c)
        if (topic is None or item.topic == topic) and (level is None or item.level == level)
        and (item_type is None or item.type == item_type) and (status is None or str(item.status) == status)
    ]  # fmt: skip


def bank_stats(c: Container) -> BankStats:
    items = latest_items(c)
    return BankStats(
        total=len(items),
        by_topic=dict(sorted(Counter(i.topic for i in items).items())),
        by_level=dict(sorted(Counter(i.level for i in items).items())),
        by_type=dict(sorted(Counter(i.type for i in items).items())),
        by_status=dict(sorted(Counter(str(i.status) for i in items).items())),
        by_topic_level=dict(sorted(Counter((i.topic, i.level) for i in items).items())),
    )


def set_status(c: Container, item_id: str, status: ItemStatus) -> Item:
    """Change an item's status by adding a new version (a response keeps the version it answered)."""
    current = c.items.get(item_id)
    if current is None:
        raise KeyError(f"no item {item_id!r}")
    if current.status is status:
        return current
    updated = current.model_copy(update={"version": current.version + 1, "status": status})
    c.items.upsert([updated])
    return updated


def retire(c: Container, item_id: str) -> Item:
    return set_status(c, item_id, ItemStatus.RETIRED)
