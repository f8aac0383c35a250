"""Curated study resources per topic, cited by learning-path steps (public, stable references)."""

from __future__ import annotations

_RESOURCES: dict[str, tuple[str, ...]] = {
    "python": (
        "Python tutorial, chapters 3-5 (docs.python.org/3/tutorial)",
        "pandas user guide: 10 minutes to pandas (pandas.pydata.org/docs)",
        "Fluent Python, 2nd ed., chapters on data structures and generators",
    ),
    "sql": (
        "PostgreSQL tutorial: joins, aggregates and window functions (postgresql.org/docs/current/tutorial.html)",
        "Use The Index, Luke (use-the-index-luke.com)",
        "SQL Performance Explained, chapters 1-3",
    ),
    "statistics": (
        "OpenIntro Statistics, chapters 1-5 (openintro.org)",
        "Think Stats, 2nd ed. (greenteapress.com/thinkstats2)",
        "Khan Academy: statistics and probability",
    ),
}
_GENERIC = ("The AI4D item explanations for the items you missed",)


def resources_for(topic: str, mastery: str) -> list[str]:
    """Resources for a topic: the first one for novices, more as mastery grows."""
    found = _RESOURCES.get(topic, _GENERIC)
    count = {"novice": 1, "developing": 2}.get(mastery, 3)
    return list(found[:count]) + list(_GENERIC)
