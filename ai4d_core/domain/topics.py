"""The twelve topics of the curated bank: their names for people, and a small prerequisite graph.

`PREREQUISITES` says which topics one should be steady in before another (curated, acyclic); the learning
path follows it through `learning_order`, so a weak prerequisite comes before the topic built on it.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from graphlib import TopologicalSorter

_NAMES: dict[str, str] = {
    "python": "Python",
    "sql": "SQL",
    "statistics": "Statistics",
    "data_modeling": "Data modelling",
    "data_quality": "Data quality",
    "etl_orchestration": "ETL and orchestration",
    "distributed_processing": "Distributed processing",
    "cloud_platforms": "Cloud platforms",
    "ml_fundamentals": "Machine learning fundamentals",
    "deep_learning": "Deep learning",
    "nlp_llms": "NLP and LLMs",
    "mlops": "MLOps",
}
TOPICS: tuple[str, ...] = tuple(_NAMES)

PREREQUISITES: dict[str, tuple[str, ...]] = {
    "python": (),
    "sql": (),
    "statistics": (),
    "data_modeling": ("sql",),
    "data_quality": ("sql",),
    "etl_orchestration": ("python", "sql"),
    "distributed_processing": ("python", "sql"),
    "cloud_platforms": ("sql",),
    "ml_fundamentals": ("python", "statistics"),
    "deep_learning": ("ml_fundamentals",),
    "nlp_llms": ("deep_learning",),
    "mlops": ("ml_fundamentals", "etl_orchestration"),
}
_ORDER = tuple(TopologicalSorter(PREREQUISITES).static_order())  # raises CycleError on a cyclic edit


def topic_name(topic: str) -> str:
    """The topic as people read it ("NLP and LLMs"); an unknown id reads as its words."""
    return _NAMES.get(topic) or topic.replace("_", " ").capitalize()


def requires(topic: str) -> frozenset[str]:
    """Every topic `topic` builds on, directly or through others."""
    seen: set[str] = set()
    todo = list(PREREQUISITES.get(topic, ()))
    while todo:
        if (t := todo.pop()) not in seen:
            seen.add(t)
            todo.extend(PREREQUISITES.get(t, ()))
    return frozenset(seen)


def learning_order(topics: Sequence[str]) -> list[str]:
    """`topics` (listed most needed first) in an order where each comes after every topic it builds on
    (directly or not) among those listed. A prerequisite is as urgent as the most needed topic built on it,
    so it comes just before that topic; otherwise the given order is kept."""
    listed = list(dict.fromkeys(topics))
    rank = {t: i for i, t in enumerate(listed)}
    before = {t: requires(t) & rank.keys() for t in listed}
    urgency = {t: min([rank[t]] + [rank[u] for u in listed if t in before[u]]) for t in listed}
    waiting = {t: len(b) for t, b in before.items()}
    ready = [(urgency[t], rank[t], t) for t, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        topic = heapq.heappop(ready)[2]
        order.append(topic)
        for t, b in before.items():
            if topic in b:
                waiting[t] -= 1
                if waiting[t] == 0:
                    heapq.heappush(ready, (urgency[t], rank[t], t))
    return order


__all__ = ["PREREQUISITES", "TOPICS", "learning_order", "requires", "topic_name"]
