"""The curated demo bank: it parses, and its shape is what the adaptive engine expects."""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib import resources

import pytest

from ai4d_core.domain.items import SingleChoiceItem, TrueFalseItem, parse_item
from ai4d_core.item_bank import load_demo_items

pytestmark = pytest.mark.unit

TOPICS = ("python", "sql", "statistics")
LEVELS = (1, 2, 3)
MAX_KEY_SHARE = 0.40


@pytest.fixture(scope="module")
def items():
    return load_demo_items()


@pytest.fixture(scope="module")
def raw():
    text = resources.files("ai4d_core.data").joinpath("demo_items.json").read_text(encoding="utf-8")
    return json.loads(text)


def test_every_raw_entry_parses(raw):
    assert isinstance(raw, list)
    assert raw
    for entry in raw:
        item = parse_item(entry)
        assert item.id == entry["id"]


def test_loader_returns_every_item(items, raw):
    assert len(items) == len(raw)
    assert all(isinstance(i, SingleChoiceItem | TrueFalseItem) for i in items)


def test_ids_are_unique(items):
    counts = Counter(i.id for i in items)
    assert [k for k, n in counts.items() if n > 1] == []


def test_stems_are_unique_case_insensitive(items):
    counts = Counter(" ".join(i.stem.lower().split()) for i in items)
    assert [k for k, n in counts.items() if n > 1] == []


def test_stems_are_plain_text(items):
    for i in items:
        assert not re.search(r"</?[a-zA-Z][^>]*>", i.stem), i.id


def test_each_topic_and_level_has_at_least_four_items(items):
    counts = Counter((i.topic, i.level) for i in items)
    for topic in TOPICS:
        for level in LEVELS:
            assert counts[(topic, level)] >= 4, (topic, level)
    assert {i.topic for i in items} == set(TOPICS)


def test_each_topic_has_both_types(items):
    for topic in TOPICS:
        types = {i.type for i in items if i.topic == topic}
        assert types == {"single_choice", "true_false"}, topic


def test_single_choice_keys_are_spread(items):
    keys = Counter(i.key for i in items if isinstance(i, SingleChoiceItem))
    total = sum(keys.values())
    assert total > 0
    assert max(keys.values()) / total <= MAX_KEY_SHARE, keys


def test_true_false_keys_are_balanced(items):
    keys = Counter(i.key for i in items if isinstance(i, TrueFalseItem))
    assert keys[True] > 0
    assert keys[False] > 0


def test_difficulty_roughly_matches_level(items):
    for i in items:
        assert -2.0 <= i.difficulty <= 2.0, i.id
        assert abs(i.difficulty - (i.level - 2)) <= 0.5, i.id


def test_items_are_curated_active_english(items):
    for i in items:
        assert i.provenance == "curated"
        assert i.status == "active"
        assert i.language == "en"
        assert i.explanation
