"""The curated item bank shipped inside the package: `data/bank/<topic>.json`, plus the foundation's demo set
(`data/demo_items.json`, tagged part of the bank)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from ai4d_core.domain.items import Item, parse_item

DATA_PACKAGE = "ai4d_core.data"
DEMO_ITEMS_FILE = "demo_items.json"
BANK_FOLDER = "bank"


def _read(entry: Traversable) -> list[Item]:
    data = json.loads(entry.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{entry.name} must hold a JSON list of items")
    return [parse_item(d) for d in data]


def load_demo_items() -> list[Item]:
    """The 36 demo items (3 topics, single choice and true/false): what the demo cohort has answered."""
    return _read(resources.files(DATA_PACKAGE).joinpath(DEMO_ITEMS_FILE))


@cache
def _bank() -> tuple[Item, ...]:
    folder = resources.files(DATA_PACKAGE).joinpath(BANK_FOLDER)
    files = sorted((e for e in folder.iterdir() if e.name.endswith(".json")), key=lambda e: e.name)
    items = [*load_demo_items(), *(item for entry in files for item in _read(entry))]
    return tuple(sorted(items, key=lambda item: (item.topic, item.level, item.id)))


def load_curated_bank() -> list[Item]:
    """Every curated item (validated; raises on the first invalid one), sorted by topic, level and id."""
    return list(_bank())
