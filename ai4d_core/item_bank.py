"""The item bank's seed: the curated demo items shipped inside the package."""

from __future__ import annotations

import json
from importlib import resources

from ai4d_core.domain.items import Item, parse_item

DEMO_ITEMS_PACKAGE = "ai4d_core.data"
DEMO_ITEMS_FILE = "demo_items.json"


def load_demo_items() -> list[Item]:
    """Read `ai4d_core/data/demo_items.json` and validate every entry with `parse_item`.

    Raises `pydantic.ValidationError` on the first invalid item.
    """
    text = resources.files(DEMO_ITEMS_PACKAGE).joinpath(DEMO_ITEMS_FILE).read_text(encoding="utf-8")
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError(f"{DEMO_ITEMS_FILE} must hold a JSON list of items")
    return [parse_item(d) for d in data]
