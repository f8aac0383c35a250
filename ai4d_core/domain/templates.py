"""Parameterised items with fresh values (pure): the deterministic fallback of LLM generation.

Each template draws its values from a seeded `random.Random` and computes its key, so it is right by
construction. A template fits some topics (or every topic: `ANY`) and one item type; harder levels get longer
lists and larger numbers. Items are `provisional` with provenance `template:<name>`, like generated ones.
"""

from __future__ import annotations

import hashlib
import math
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ai4d_core.domain.items import Item, parse_item

ANY = "*"
Draft = dict[str, Any]


@dataclass(frozen=True)
class Template:
    name: str
    item_type: str
    topics: tuple[str, ...]
    make: Callable[[random.Random, int], Draft]

    def fits(self, topic: str, item_type: str) -> bool:
        return item_type == self.item_type and (ANY in self.topics or topic in self.topics)


def _numeric(stem: str, value: float, explanation: str, subtopic: str) -> Draft:
    return {
        "stem": f"{stem} Give the answer to 2 decimal places.",
        "answers": [{"value": round(value, 2), "tolerance": 0.01}],
        "explanation": explanation,
        "subtopic": subtopic,
    }


def _values(rng: random.Random, level: int) -> list[int]:
    return [rng.randint(1, 20 * level) for _ in range(rng.randint(4, 4 + 3 * level))]


def _mean(rng: random.Random, level: int) -> Draft:
    xs = _values(rng, level)
    m = statistics.fmean(xs)
    listed = ", ".join(map(str, xs))
    return _numeric(
        f"A pipeline processed these numbers of files per hour: {listed}. What is the mean per hour?",
        m,
        f"The mean is the sum ({sum(xs)}) divided by the count ({len(xs)}): {m:.2f}.",
        "descriptive statistics",
    )


def _median(rng: random.Random, level: int) -> Draft:
    xs = _values(rng, level)
    m = statistics.median(xs)
    return _numeric(
        f"Response times in ms were: {', '.join(map(str, xs))}. What is the median response time?",
        m,
        f"Sorted: {', '.join(map(str, sorted(xs)))}; the median is the middle value (or the mean of the two "
        f"middle values): {m:.2f}.",
        "descriptive statistics",
    )


def _percent_change(rng: random.Random, level: int) -> Draft:
    old = rng.randint(10, 500) * level
    new = max(1, old + rng.randint(-old // 2, old))
    change = (new - old) / old * 100
    return _numeric(
        f"A daily metric went from {old} to {new}. What is the percentage change (negative for a decrease)?",
        change,
        f"(new - old) / old x 100 = ({new} - {old}) / {old} x 100 = {change:.2f} %.",
        "percentages",
    )


def _at_least_one(rng: random.Random, level: int) -> Draft:
    p = rng.randint(5, 40) / 100
    n = rng.randint(2, 3 + 2 * level)
    prob = 1 - (1 - p) ** n
    return _numeric(
        f"Each of {n} independent jobs fails with probability {p:.2f}. What is the probability that at least "
        "one fails? Answer as a probability between 0 and 1.",
        prob,
        f"P(at least one) = 1 - P(none) = 1 - (1 - {p:.2f})^{n} = {prob:.4f}.",
        "probability",
    )


def _f1(rng: random.Random, level: int) -> Draft:
    tp, fp, fn = rng.randint(10, 90 * level), rng.randint(1, 30 * level), rng.randint(1, 30 * level)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    return _numeric(
        f"A classifier has {tp} true positives, {fp} false positives and {fn} false negatives. What is its F1 "
        "score (between 0 and 1)?",
        f1,
        f"Precision = {tp}/{tp + fp} = {precision:.4f}, recall = {tp}/{tp + fn} = {recall:.4f}, "
        f"F1 = 2PR/(P+R) = {f1:.4f}.",
        "evaluation metrics",
    )


_ORDERS_DDL = "CREATE TABLE orders (id INTEGER, region VARCHAR, amount INTEGER);"


def _sql_count(rng: random.Random, level: int) -> Draft:
    regions = ["north", "south", "east", "west"]
    rows = [(i, rng.choice(regions), rng.randint(5, 200)) for i in range(1, 8 + 4 * level)]
    region, threshold = rng.choice(regions), rng.randint(20, 150)
    values = ", ".join(f"({i}, '{r}', {a})" for i, r, a in rows)
    n = sum(1 for _, r, a in rows if r == region and a > threshold)
    return {
        "stem": f"Table orders(id, region, amount). Write a query returning the number of orders from region "
        f"'{region}' with an amount above {threshold}, as one column named n.",
        "fixture": {"setup_sql": f"{_ORDERS_DDL}\nINSERT INTO orders VALUES {values};"},
        # Values come from this module's own lists and integers, never from input.
        "reference_query": f"SELECT count(*) AS n FROM orders WHERE region = '{region}' AND amount > {threshold}",  # noqa: S608
        "explanation": f"Filter on both conditions in WHERE, then count the rows: {n} here.",
        "subtopic": "aggregation",
    }


TEMPLATES: tuple[Template, ...] = (
    Template("mean", "numeric", ("statistics", "python"), _mean),
    Template("median", "numeric", ("statistics",), _median),
    Template("percent_change", "numeric", (ANY,), _percent_change),
    Template("at_least_one", "numeric", ("statistics", "probability"), _at_least_one),
    Template("f1", "numeric", ("ml_fundamentals", "machine_learning"), _f1),
    Template("sql_count", "sql_query", ("sql",), _sql_count),
)


def template_items(topic: str, level: int, item_type: str, count: int, seed: int) -> list[Item]:
    """Up to `count` fresh items from the templates that fit, cycling through them; [] if none fits."""
    fitting = [t for t in TEMPLATES if t.fits(topic, item_type)]
    if not fitting:
        return []
    rng = random.Random(f"{topic}/{level}/{item_type}/{seed}")
    items: list[Item] = []
    for i in range(count):
        template = fitting[i % len(fitting)]
        draft = template.make(rng, level)
        digest = hashlib.sha256(repr(sorted(draft.items())).encode()).hexdigest()[:12]
        fields: Draft = {"id": f"tpl-{template.name.replace('_', '-')}-{digest}", "type": item_type, "topic": topic}
        fields |= {"level": level, "provenance": f"template:{template.name}", "status": "provisional"}
        fields |= {"difficulty": round(math.log(level) - 0.5, 2)}
        items.append(parse_item(draft | fields))
    return items
