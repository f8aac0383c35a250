"""`analyze_many` writes, for every learner at once, the very profile `analyze` writes for each one."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ai4d_core.domain.misconceptions import misconceptions
from ai4d_core.domain.profile import Evidence, LearnerContext, Profile
from ai4d_core.domain.profile_batch import Responses, analyze_many
from ai4d_core.domain.profile_batch_plan import learning_orders
from ai4d_core.domain.profile_batch_text import _argsort_by, _per_distinct
from ai4d_core.domain.profile_rules import analyze
from ai4d_core.domain.topics import TOPICS, learning_order

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 1, tzinfo=UTC)
TAGS = sorted(misconceptions())
Cohort = list[tuple[list[Evidence], float | None]]


@st.composite
def learner(draw: st.DrawFn) -> tuple[list[Evidence], float | None]:
    topics = draw(st.lists(st.sampled_from(TOPICS), max_size=6, unique=True))
    rows = []
    for topic in topics:
        right_only = draw(st.booleans())
        for _ in range(draw(st.integers(1, 25))):
            # fractional scores whose sums depend on their order, negative marking, repeats, exact time ties
            score = 1.0 if right_only else draw(st.sampled_from([0.0, 1.0, 1.0, 0.5, -0.25, 0.05, 0.35, 0.7]))
            rows.append(
                Evidence(
                    item_id=f"{topic}-{draw(st.integers(0, 30))}",
                    topic=topic,
                    level=draw(st.integers(1, 3)),
                    a=draw(st.sampled_from([0.6, 1.0, 1.7])),
                    b=draw(st.sampled_from([-1.5, 0.0, 0.8])),
                    score=score,
                    answered_at=NOW - timedelta(minutes=draw(st.integers(0, 40))),
                    misconceptions=() if score >= 1 else tuple(draw(st.lists(st.sampled_from(TAGS), max_size=2))),
                    graded=draw(st.sampled_from([True, True, True, False])),
                )
            )
    hours = draw(st.none() | st.floats(0, 80) | st.sampled_from([7.7659, 0.5, 2.0]))
    return rows, hours


def _check(cohort: Cohort, responses: Responses | None = None) -> int:
    """Compare every learner's document with `analyze`'s, field for field; returns how many were compared."""
    responses = responses or Responses.of([rows for rows, _ in cohort])
    ids = [100 + k for k in range(len(cohort))]
    versions = [1 + k % 3 for k in range(len(cohort))]
    docs = analyze_many(ids, versions, responses, NOW, [h for _, h in cohort])
    assert len(docs) == len(cohort)
    for k, ((rows, hours), doc) in enumerate(zip(cohort, docs, strict=True)):
        expected = analyze(ids[k], versions[k], rows, NOW, LearnerContext(hours_per_week=hours))
        _assert_same(doc, expected.model_dump(mode="json"))
        assert Profile.model_validate(doc) == expected
    return len(docs)


def _assert_same(doc: dict[str, Any], expected: dict[str, Any]) -> None:
    got_topics, want_topics = doc["topics"], expected["topics"]
    assert len(got_topics) == len(want_topics)
    for got, want in zip(got_topics, want_topics, strict=True):
        assert got["ability"] == pytest.approx(want["ability"], abs=1e-9)
        assert got["se"] == pytest.approx(want["se"], abs=1e-9)
        assert {**got, "ability": 0, "se": 0} == {**want, "ability": 0, "se": 0}
    assert {**doc, "topics": None} == {**expected, "topics": None}


@settings(max_examples=60, deadline=None)
@given(st.lists(learner(), min_size=1, max_size=6))
def test_every_document_equals_the_per_learner_analysis(cohort: Cohort) -> None:
    assert _check(cohort) == len(cohort)


@settings(max_examples=40, deadline=None)
@given(st.lists(learner(), min_size=1, max_size=6))
def test_rows_in_learner_and_time_order_as_a_query_reads_them(cohort: Cohort) -> None:
    """The fast path (no sort by time; an item's last row is its latest answer), ties in time included."""
    cohort = [(sorted(rows, key=lambda e: e.answered_at), h) for rows, h in cohort]
    assert _check(cohort) == len(cohort)


@settings(max_examples=30, deadline=None)
@given(st.lists(learner(), min_size=1, max_size=5), st.randoms(use_true_random=False))
def test_the_order_of_the_rows_does_not_matter(cohort: Cohort, rnd: random.Random) -> None:
    """Rows in any order (not by learner and time, as a query reads them) give the same documents. (Answers at
    the same time are ordered by their place, so here every answer of a learner has its own time.)"""
    cohort = [
        ([replace(e, answered_at=NOW - timedelta(seconds=j)) for j, e in enumerate(rows)], h) for rows, h in cohort
    ]
    r = Responses.of([rows for rows, _ in cohort])
    perm = list(range(len(r)))
    rnd.shuffle(perm)
    order = np.array(perm, dtype=np.int64)
    where = np.empty_like(order)
    where[order] = np.arange(len(r))
    shuffled = Responses(
        learner=r.learner[order], item=r.item[order], topic=r.topic[order], a=r.a[order], b=r.b[order],
        score=r.score[order], answered_at=r.answered_at[order], graded=r.graded[order], item_ids=r.item_ids,
        topics=r.topics, tag_row=where[r.tag_row], tag=r.tag, tags=r.tags,
    )  # fmt: skip
    assert _check(cohort, shuffled) == len(cohort)


def _e(item: str, topic: str, score: float, minutes: int, **kw: Any) -> Evidence:
    return Evidence(item, topic, 1, kw.pop("a", 1.2), kw.pop("b", 0.0), score, NOW - timedelta(minutes=minutes), **kw)


def test_edge_cases_of_the_rules() -> None:
    all_topics_right = [_e(f"{t}-{i}", t, 1.0, i, b=2.5) for t in TOPICS for i in range(12)]
    cohort: Cohort = [
        ([], None),  # no answers yet
        ([_e("sql-1", "sql", 0.4, 1, graded=False)], 6.0),  # only an answer awaiting review
        ([_e("sql-1", "sql", 0.0, 5), _e("sql-1", "sql", 1.0, 5)], None),  # a tie in time: the later row counts
        ([_e("sql-1", "sql", 1.0, 1), _e("sql-1", "sql", 0.0, 9)], None),  # the latest answer counts
        (all_topics_right, 3.0),  # every topic judged: the diagnostic "to measure your progress"
        (
            [_e(f"python-{i}", "python", 1.0, i, b=-3.0, a=2.5) for i in range(30)],
            10.0,
        ),  # all right, easy: no level yet
        ([_e("x-1", "quantum_ml", 0.0, 1, misconceptions=("no_such_tag", TAGS[0]))], None),  # unknown topic, tag
        ([_e(f"sql-{i}", "sql", (i % 5) / 20, i) for i in range(40)], 7.7659),  # order-sensitive sums of fifths
    ]
    assert _check(cohort) == len(cohort)


def test_an_item_that_changed_topic_or_parameters_between_answers() -> None:
    """Evidence carries each answer's topic and 2PL parameters: the latest answer's count (the slower path)."""
    cohort: Cohort = [
        ([_e("ml-1", "statistics", 0.0, 9), _e("ml-1", "ml_fundamentals", 1.0, 1), _e("ml-2", "statistics", 1, 3)], 4),
        ([_e("sql-1", "sql", 1.0, 9, a=0.7), _e("sql-1", "sql", 0.0, 1, a=1.9), _e("sql-2", "sql", 1.0, 2)], None),
    ]
    assert _check(cohort) == len(cohort)


def test_bad_input_is_refused_with_a_clear_error() -> None:
    r = Responses.of([[_e("sql-1", "sql", 1.0, 1)], [_e("sql-2", "sql", 0.0, 1)]])
    with pytest.raises(ValueError, match="one value per learner"):
        analyze_many([1, 2], [1], r, NOW)
    with pytest.raises(ValueError, match="learner codes"):
        analyze_many([1], [1], r, NOW)
    with pytest.raises(ValueError, match="same length"):
        Responses(**{**r.__dict__, "score": r.score[:1]})
    with pytest.raises(ValueError, match="item codes"):
        Responses(**{**r.__dict__, "item": r.item + 5})


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.sampled_from([*TOPICS, "quantum_ml", "ethics"]), max_size=14, unique=True), max_size=8))
def test_learning_orders_of_many_lists_are_each_lists_learning_order(lists: list[list[str]]) -> None:
    """Every ordering of up to all twelve topics (and topics outside the graph), many lists at once."""
    vocabulary = sorted({t for listed in lists for t in listed} | {"unused"})
    code = {t: i for i, t in enumerate(vocabulary)}
    learner = np.array([k for k, listed in enumerate(lists) for _ in listed], dtype=np.int64)
    topic = np.array([code[t] for listed in lists for t in listed], dtype=np.int64)
    got = [vocabulary[t] for t in topic[learning_orders(learner, topic, vocabulary)].tolist()]
    assert got == [t for listed in lists for t in learning_order(listed)]


def test_learning_orders_of_a_list_longer_than_the_bit_masks() -> None:
    listed = [f"topic_{i}" for i in range(70)] + list(reversed(TOPICS))
    learner = np.zeros(len(listed), dtype=np.int64)
    got = learning_orders(learner, np.arange(len(listed)), listed)
    assert [listed[i] for i in got.tolist()] == learning_order(listed)


def test_evidence_times_to_the_microsecond_and_before_1970() -> None:
    """The provenance's evidence span as pydantic writes it: whole seconds, or microseconds when there are any."""
    at = [datetime(2026, 3, 1, 12, 0, 0, us, tzinfo=UTC) for us in (0, 5, 120_000, 999_999)]
    old = [datetime(1969, 12, 31, 23, 59, 59, us, tzinfo=UTC) for us in (0, 1)] + [datetime(1, 1, 1, tzinfo=UTC)]
    cohort: Cohort = [
        ([replace(_e(f"sql-{i}", "sql", 1.0, 0), answered_at=t) for i, t in enumerate(ts)], None)
        for ts in [[t] for t in at + old] + [at, old, [at[1], old[1]]]
    ]
    assert _check(cohort) == len(cohort)


def test_sorts_and_distinct_calls_on_keys_too_wide_to_pack() -> None:
    """The packed-key helpers fall back to lexsort / unique rows when the columns' sizes overflow 62 bits."""
    rng = np.random.default_rng(3)
    for high in (5, 2**40):  # packed, then too wide
        columns = [rng.integers(0, 3, 200) * (high // 2), rng.integers(0, 3, 200), rng.integers(0, 3, 200) * high]
        order = _argsort_by(*columns)
        rows = [tuple(c[i] for c in columns) for i in order.tolist()]
        assert rows == sorted(rows)
        calls = Counter[tuple[int, ...]]()

        def record(*row: int, calls: Counter[tuple[int, ...]] = calls) -> tuple[int, ...]:
            calls[row] += 1
            return row

        got = _per_distinct(record, *columns)
        assert got == [tuple(int(c[i]) for c in columns) for i in range(200)]
        assert set(calls.values()) == {1} and set(calls) == set(got)
